// Package runtime executes compiled models.
//
// A Plan is the output of the compiler for one set of concrete input
// shapes: an ordered list of Steps, each a kernel call with fixed shapes
// whose tensors live at fixed offsets in one arena. A Session runs plans:
// it is safe for concurrent use, borrows an arena per call from a free
// list, and allocates nothing per call in steady state with RunInto (Run
// allocates only the output tensors it returns). Plans for new input
// shapes (a new batch size, say) are built on first use by the Session's
// Planner — the compiler — and cached.
//
// Inputs may contain NaN or Inf: they propagate through the computation as
// IEEE arithmetic says, as in ONNX Runtime. Set Options.RejectNonFinite to
// have Run return an error naming the first non-finite input element
// instead.
package runtime
