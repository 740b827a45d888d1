package runtime_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// modelDir is the directory of testdata model name.
func modelDir(name string) string { return filepath.Join("..", "testdata", "models", name) }

// compileModel loads and compiles testdata model name and returns it with
// its golden input (a batch of 3).
func compileModel(t testing.TB, name string) (*compiler.Model, *ir.Tensor) {
	t.Helper()
	g, err := importer.Load(filepath.Join(modelDir(name), "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := compiler.Compile(g, compiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := importer.ReadTensor(filepath.Join(modelDir(name), "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	return m, in
}

// batchOf returns a batch of b samples cycling through x's samples, each
// sample scaled by a factor depending on its index (so that the samples of
// a batch differ and a mix-up between them shows).
func batchOf(x *ir.Tensor, b int) *ir.Tensor {
	per := len(x.F32) / x.Shape[0]
	out, _ := ir.NewTensor(ir.Float32, append([]int{b}, x.Shape[1:]...)...)
	for i := 0; i < b; i++ {
		src := x.F32[(i%x.Shape[0])*per : (i%x.Shape[0]+1)*per]
		f := float32(1 - 0.01*float64(i%17))
		for j, v := range src {
			out.F32[i*per+j] = v * f
		}
	}
	return out
}

// outputsFor allocates output tensors for a run of s on inputs.
func outputsFor(t testing.TB, s *runtime.Session, inputs []*ir.Tensor) []*ir.Tensor {
	t.Helper()
	shapes := make([][]int, len(inputs))
	for i, x := range inputs {
		shapes[i] = x.Shape
	}
	os, err := s.OutputShapes(shapes)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*ir.Tensor, len(os))
	for i, sh := range os {
		out[i], _ = ir.NewTensor(ir.Float32, sh...)
	}
	return out
}

// bitEqual reports whether a and b hold the same float32 bits.
func bitEqual(a, b *ir.Tensor) bool {
	if len(a.F32) != len(b.F32) || len(a.Shape) != len(b.Shape) {
		return false
	}
	for i := range a.Shape {
		if a.Shape[i] != b.Shape[i] {
			return false
		}
	}
	for i := range a.F32 {
		if math.Float32bits(a.F32[i]) != math.Float32bits(b.F32[i]) {
			return false
		}
	}
	return true
}
