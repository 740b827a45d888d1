package ortbench

import (
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"github.com/latent-go/latent/bench"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

// initORT loads ONNX Runtime or skips the test when it is not installed.
func initORT(t *testing.T) string {
	t.Helper()
	lib := DefaultLibPath(goruntime.GOARCH)
	if _, err := os.Stat(lib); err != nil {
		t.Skipf("ONNX Runtime not installed at %s (tools/ort/install.sh): %v", lib, err)
	}
	v, err := Init(lib)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRunnerGolden runs the committed models in ONNX Runtime through the
// Runner and compares with the golden outputs stored next to them, which
// tools/pytorch wrote with ONNX Runtime's Node binding.
func TestRunnerGolden(t *testing.T) {
	if v := initORT(t); v == "" {
		t.Fatal("empty ONNX Runtime version")
	}
	for _, name := range []string{"dense_ae", "dae_tanh", "conv_ae_keras", "conv_ae_strided", "conv_ae_unpool"} {
		for _, threads := range []int{1, 2} {
			dir := filepath.Join("..", "..", "testdata", "models", name)
			x, err := importer.ReadTensor(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := importer.ReadTensor(filepath.Join(dir, "test_data_set_0", "output_0.pb"))
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewRunner(filepath.Join(dir, "model.onnx"), []string{"input"}, []*ir.Tensor{x}, []string{"output"}, [][]int{want.Shape}, Options{IntraOpThreads: threads})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			d, ok := bench.MaxAbsDiff(r.Outputs(), []*ir.Tensor{want})
			// Same engine and version as the goldens; only the thread count
			// may reorder sums.
			if !ok || d > 1e-5 {
				t.Errorf("%s, %d threads: max |runner - golden| = %g (comparable %v)", name, threads, d, ok)
			}
			r.Destroy()
		}
	}
}

func TestRunnerErrors(t *testing.T) {
	initORT(t)
	x := ir.Float32Tensor([]int{1, 784}, make([]float32, 784))
	model := filepath.Join("..", "..", "testdata", "models", "dense_ae", "model.onnx")
	if _, err := NewRunner(model, []string{"input", "extra"}, []*ir.Tensor{x}, []string{"output"}, [][]int{{1, 784}}, Options{}); err == nil {
		t.Error("mismatched names: want an error")
	}
	if _, err := NewRunner("does-not-exist.onnx", []string{"input"}, []*ir.Tensor{x}, []string{"output"}, [][]int{{1, 784}}, Options{}); err == nil {
		t.Error("missing model: want an error")
	}
	ids := ir.Int64Tensor([]int{1}, []int64{1})
	if _, err := NewRunner(model, []string{"input"}, []*ir.Tensor{ids}, []string{"output"}, [][]int{{1, 784}}, Options{}); err == nil {
		t.Error("int64 input: want an error")
	}
}
