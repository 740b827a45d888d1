// Package bench measures whole-model inference latency for latent's
// command-line benchmarks and for the ONNX Runtime comparison kept in the
// separate module bench/ort.
//
// It loads and compiles a model (timing both), makes seeded inputs with the
// batch dimension bound, times one or more Runners — latent's Session, or
// another engine behind the same interface — interleaved in short chunks so
// that noise from other processes falls on all of them alike, and summarises
// the samples (median, p90). It also measures the machine's single-core read
// bandwidth, the bound for models whose weights do not fit in the private
// caches, and renders the models table of BENCHMARKS.md.
//
// The package is pure Go; the ONNX Runtime runner lives in bench/ort, its
// own module, so that the main module needs no cgo.
package bench
