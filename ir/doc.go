// Package ir is latent's graph intermediate representation.
//
// A Graph is a list of Nodes in topological order. Each Node applies an
// operator (an ONNX op type, or a latent-internal fused op in the "latent"
// domain) to input Values and defines output Values. A Value has a name, an
// element type, a shape whose dimensions may be symbolic (a batch size
// named "N", say), and, for weights and other constants, a Tensor holding
// its data.
//
// Node semantics follow the ai.onnx operator set at version Opset (17): the
// importer upgrades nodes of older opsets to that form (Clip's min and max
// become inputs, Squeeze's axes become an input, legacy broadcasting is made
// explicit, and so on), so that every later stage — the reference
// evaluator, the compiler and the exporter — handles one version of each
// operator.
//
// Operator schemas (arity, attributes and shape and type inference) live in
// a registry that Verify and InferShapes consult. The text form written by
// Print and read by Parse is meant for people and for tests:
//
//	graph "tiny" opset 17 {
//	  input x: float32[N,4]
//	  const w: float32[4,2] = {1, 2, 3, 4, 5, 6, 7, 8}
//	  y: float32[N,2] = MatMul(x, w)
//	  z = Relu(y)
//	  output z
//	}
package ir

// Opset is the ai.onnx operator-set version whose semantics IR nodes follow.
const Opset = 17
