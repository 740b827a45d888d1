// Package importer reads ONNX models and tensors into latent's IR.
//
// Load and Decode turn a ModelProto into an *ir.Graph whose nodes follow
// ai.onnx operator set 17 (ir.Opset): each node is resolved to the newest
// version of its operator at or below the model's operator set, and older
// versions are rewritten into their opset-17 form by a table of upgrades
// (Clip's min and max attributes become inputs, Upsample becomes Resize,
// legacy broadcasting becomes explicit, and so on). Initializers and
// Constant nodes become constant values; symbolic dimensions become
// ir.Sym dimensions.
//
// ReadTensor and DecodeTensor read single TensorProtos, the format of the
// input_K.pb and output_K.pb files in ONNX's test data.
//
// The importer is meant to face untrusted files. It never panics on bad
// input; every declared size is checked against the bytes actually present
// (and against the limits in Options) before anything is allocated; and
// every error names what is wrong and where. A model that uses operators,
// element types or features latent does not support fails with an error
// wrapping ErrUnsupported; an *UnsupportedError lists every unsupported
// node at once.
package importer
