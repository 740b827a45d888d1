package importer_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

// A model written by the exporter is read back; the importer returns the
// graph in latent's IR, at operator set 17.
func ExampleDecode() {
	g, err := ir.Parse(`graph "tiny" {
  input x: float32[N,2]
  const w: float32[2,2] = {1, 2, 3, 4}
  node "mm": y: float32[N,2] = MatMul(x, w)
  node "act": z: float32[N,2] = Relu(y)
  output z
}`)
	if err != nil {
		log.Fatal(err)
	}
	model, err := exporter.Encode(g)
	if err != nil {
		log.Fatal(err)
	}
	back, err := importer.Decode(model)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(ir.Format(back, 0))
	// Output:
	// graph "tiny" opset 17 {
	//   source_opset 17
	//   input x: float32[N,2]
	//   const w: float32[2,2] = {1, 2, 3, 4}
	//   node "mm": y: float32[N,2] = MatMul(x, w)
	//   node "act": z: float32[N,2] = Relu(y)
	//   output z
	// }
}

// Unsupported models fail with one error that lists every unsupported
// node.
func ExampleUnsupportedError() {
	_, err := importer.Load(filepath.Join("/usr/share/libonnx-testdata/data/node/test_tile/model.onnx"))
	var ue *importer.UnsupportedError
	if errors.As(err, &ue) {
		for _, n := range ue.Nodes {
			fmt.Println(n.Op, n.Reason)
		}
	}
}

// ReadNamedTensor reads the TensorProto files of ONNX's test data.
func ExampleReadNamedTensor() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "input_0.pb")
	if err := exporter.WriteTensor(ir.Float32Tensor([]int{2}, []float32{0.5, -1}), "x", path); err != nil {
		log.Fatal(err)
	}
	name, t, err := importer.ReadNamedTensor(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(name, t.DType, t.Shape, t.F32)
	// Output: x float32 [2] [0.5 -1]
}
