package runtime_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// Example embeds a model in a Go program: load an ONNX file, compile it
// once, and run it from a Session, which any number of goroutines may
// share. The model is a 784-256-32-256-784 autoencoder exported from
// PyTorch; its test data holds a batch of 3 inputs and ONNX Runtime's
// outputs for them.
func Example() {
	g, err := importer.Load("../testdata/models/dense_ae/model.onnx")
	if err != nil {
		log.Fatal(err)
	}
	model, err := compiler.Compile(g, compiler.Options{})
	if err != nil {
		log.Fatal(err)
	}
	sess := runtime.NewSession(model, runtime.Options{Threads: 2})
	defer sess.Close()

	x, err := importer.ReadTensor("../testdata/models/dense_ae/test_data_set_0/input_0.pb")
	if err != nil {
		log.Fatal(err)
	}
	// Any batch size works: the model's batch dimension is symbolic, and
	// the session plans each new input shape once.
	out, err := sess.Run(context.Background(), []*ir.Tensor{x})
	if err != nil {
		log.Fatal(err)
	}
	y := out[0]
	fmt.Println(model.InputNames(), x.Shape, "->", model.OutputNames(), y.Shape)

	want, err := importer.ReadTensor("../testdata/models/dense_ae/test_data_set_0/output_0.pb")
	if err != nil {
		log.Fatal(err)
	}
	worst := 0.0
	for i := range want.F32 {
		worst = math.Max(worst, math.Abs(float64(y.F32[i]-want.F32[i])))
	}
	fmt.Println("same as ONNX Runtime within 1e-4:", worst <= 1e-4)
	// Output:
	// [input] [3 784] -> [output] [3 784]
	// same as ONNX Runtime within 1e-4: true
}

// ExampleSession_RunInto shows the allocation-free call for services:
// the caller owns the input and output tensors and reuses them; in steady
// state RunInto makes no heap allocation.
func ExampleSession_RunInto() {
	g, err := importer.Load("../testdata/models/dense_ae/model.onnx")
	if err != nil {
		log.Fatal(err)
	}
	model, err := compiler.Compile(g, compiler.Options{})
	if err != nil {
		log.Fatal(err)
	}
	sess := runtime.NewSession(model, runtime.Options{Threads: 1})
	defer sess.Close()

	const batch = 8
	in, _ := ir.NewTensor(ir.Float32, batch, 784)
	shapes, err := sess.OutputShapes([][]int{in.Shape})
	if err != nil {
		log.Fatal(err)
	}
	out, _ := ir.NewTensor(ir.Float32, shapes[0]...)

	for request := 0; request < 3; request++ {
		for i := range in.F32 { // fill the batch with this request's data
			in.F32[i] = float32((i+request)%10) / 10
		}
		if err := sess.RunInto(context.Background(), []*ir.Tensor{in}, []*ir.Tensor{out}); err != nil {
			log.Fatal(err)
		}
		// out now holds the reconstructions; use them before the next call.
	}
	fmt.Println("reconstructions:", out.Shape)
	// Output:
	// reconstructions: [8 784]
}
