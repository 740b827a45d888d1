package onnxgo_test

import (
	"fmt"
	"log"

	onnx "github.com/owulveryck/onnx-go"
	"gorgonia.org/tensor"

	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/onnxgo"
)

// Code written for onnx-go runs on latent by passing latent's backend to
// onnx.NewModel.
func ExampleNewGraph() {
	g, err := ir.Parse(`graph "relu" {
  input x: float32[N,2]
  node "act": y: float32[N,2] = Relu(x)
  output y
}`)
	if err != nil {
		log.Fatal(err)
	}
	data, err := exporter.Encode(g)
	if err != nil {
		log.Fatal(err)
	}

	backend := onnxgo.NewGraph()
	model := onnx.NewModel(backend)
	if err := model.UnmarshalBinary(data); err != nil {
		log.Fatal(err)
	}
	if err := model.SetInput(0, tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{-1, 2}))); err != nil {
		log.Fatal(err)
	}
	if err := backend.Run(); err != nil {
		log.Fatal(err)
	}
	out, err := model.GetOutputTensors()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out[0].Shape(), out[0].Data())
	// Output: (1, 2) [0 2]
}
