package exporter_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

// Save writes a graph as an ONNX model file (opset 17, IR version 8).
func ExampleSave() {
	g, err := ir.Parse(`graph "ae" {
  input x: float32[N,4]
  const w: float32[4,2] = {1, 0, 0, 1, 1, 0, 0, 1}
  node "enc": h: float32[N,2] = MatMul(x, w)
  node "act": z: float32[N,2] = Sigmoid(h)
  output z
}`)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ae.onnx")
	if err := exporter.Save(g, path); err != nil {
		log.Fatal(err)
	}
	back, err := importer.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(back.Nodes), "nodes;", "input", back.Inputs[0])
	// Output: 2 nodes; input x: float32[N,4]
}

// EncodeTensor writes the TensorProto format of ONNX's test data.
func ExampleEncodeTensor() {
	b, err := exporter.EncodeTensor(ir.Int64Tensor([]int{3}, []int64{1, 2, 3}), "shape")
	if err != nil {
		log.Fatal(err)
	}
	name, t, err := importer.DecodeNamedTensor(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(name, t.Shape, t.I64)
	// Output: shape [3] [1 2 3]
}
