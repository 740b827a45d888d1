package compiler_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
	"github.com/latent-go/latent/runtime/reference"
)

// goldenTol is the largest |compiled - ONNX Runtime| accepted on the
// testdata models, whose outputs are sigmoids in [0, 1]. PyTorch and ONNX
// Runtime themselves differ by up to 3.6e-7 on them (info.json).
const goldenTol = 1e-4

// testModels are the PyTorch-exported autoencoders in testdata/models.
// deep_ae is generated only with --large and not committed; it is tested
// when present.
var testModels = []string{"dense_ae", "dae_tanh", "conv_ae_keras", "conv_ae_strided", "conv_ae_unpool", "deep_ae"}

type testModel struct {
	name        string
	graph       *ir.Graph
	input, want *ir.Tensor // ONNX Runtime golden, batch 3
}

func loadTestModel(t *testing.T, name string) *testModel {
	t.Helper()
	if name == "deep_ae" && (testing.Short() || raceEnabled) {
		t.Skip("deep_ae (11 MB of weights) is skipped with -short and -race")
	}
	dir := filepath.Join("..", "testdata", "models", name)
	path := filepath.Join(dir, "model.onnx")
	if _, err := os.Stat(path); err != nil {
		if name == "deep_ae" {
			t.Skipf("%s not generated (tools/pytorch/export_models.py --large)", path)
		}
		t.Fatal(err)
	}
	g, err := importer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := importer.ReadTensor(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := importer.ReadTensor(filepath.Join(dir, "test_data_set_0", "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	return &testModel{name: name, graph: g, input: in, want: want}
}

// tileRows returns the batch of b samples cycling through t's samples
// (axis 0).
func tileRows(t *ir.Tensor, b int) *ir.Tensor {
	per := len(t.F32) / t.Shape[0]
	shape := append([]int{b}, t.Shape[1:]...)
	out, _ := ir.NewTensor(ir.Float32, shape...)
	for i := 0; i < b; i++ {
		src := i % t.Shape[0]
		copy(out.F32[i*per:(i+1)*per], t.F32[src*per:(src+1)*per])
	}
	return out
}

// maxAbsDiff returns max |a - b| (+Inf on a shape mismatch or NaN).
func maxAbsDiff(a, b *ir.Tensor) float64 {
	if fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) || len(a.F32) != len(b.F32) {
		return math.Inf(1)
	}
	worst := 0.0
	for i := range a.F32 {
		d := math.Abs(float64(a.F32[i]) - float64(b.F32[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = max(worst, d)
	}
	return worst
}

// TestModelsMatchONNXRuntime runs each testdata model compiled (fused and
// unfused, 1 and 2 threads) at batch 1, 3 and 64 and compares it with ONNX
// Runtime's golden output (the golden batch of 3 cycled to fill the batch:
// the samples are independent) within goldenTol, and with the reference
// evaluator on random inputs within the differential tests' tolerance.
func TestModelsMatchONNXRuntime(t *testing.T) {
	ctx := context.Background()
	for _, name := range testModels {
		t.Run(name, func(t *testing.T) {
			tm := loadTestModel(t, name)
			batches := []int{1, 3, 64}
			refBatches := batches
			if testing.Short() {
				refBatches = []int{1, 3} // the reference is slow at batch 64
			}
			if raceEnabled {
				batches, refBatches = []int{1, 3}, []int{1, 3}
			}
			rng := rand.New(rand.NewPCG(5, 6))
			refIn := map[int]*ir.Tensor{}
			refOut := map[int]*ir.Tensor{}
			for _, b := range refBatches {
				x := tileRows(tm.input, b)
				for i := range x.F32 {
					x.F32[i] = rng.Float32()
				}
				out, err := reference.Run(ctx, tm.graph, []*ir.Tensor{x})
				if err != nil {
					t.Fatalf("reference, batch %d: %v", b, err)
				}
				refIn[b], refOut[b] = x, out[0]
			}
			worst := 0.0
			defer func() { t.Logf("max |latent - ONNX Runtime| over all runs: %.3g", worst) }()
			for _, noFusion := range []bool{false, true} {
				m, err := compiler.Compile(tm.graph, compiler.Options{Debug: true, NoFusion: noFusion})
				if err != nil {
					t.Fatalf("compile (NoFusion %v): %v", noFusion, err)
				}
				for _, th := range []int{1, 2} {
					s := runtime.NewSession(m, runtime.Options{Threads: th})
					for _, b := range batches {
						where := fmt.Sprintf("NoFusion %v, threads %d, batch %d", noFusion, th, b)
						got, err := s.Run(ctx, []*ir.Tensor{tileRows(tm.input, b)})
						if err != nil {
							t.Fatalf("%s: %v", where, err)
						}
						d := maxAbsDiff(got[0], tileRows(tm.want, b))
						worst = max(worst, d)
						if d > goldenTol {
							t.Errorf("%s: max |latent - ONNX Runtime| = %.3g > %g", where, d, goldenTol)
						}
						if refIn[b] == nil {
							continue
						}
						got, err = s.Run(ctx, []*ir.Tensor{refIn[b]})
						if err != nil {
							t.Fatalf("%s: %v", where, err)
						}
						if err := compareOutputs(got, []*ir.Tensor{refOut[b]}); err != nil {
							t.Errorf("%s: compiled vs reference: %v", where, err)
						}
					}
					s.Close()
				}
			}
		})
	}
}

// TestModelsMemoryPlan checks the memory plan of each testdata model at
// batch 1, 3 and 64 with checkPlan (no live buffers overlap; aliases
// coincide exactly; the arena is no larger than the naive sum of its
// storages), and logs the arena against the naive sum and against the
// largest set of simultaneously live tensors (the lower bound for any
// plan that keeps these storages).
func TestModelsMemoryPlan(t *testing.T) {
	for _, name := range testModels {
		t.Run(name, func(t *testing.T) {
			tm := loadTestModel(t, name)
			for _, noFusion := range []bool{false, true} {
				m, err := compiler.Compile(tm.graph, compiler.Options{NoFusion: noFusion})
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range []int{1, 3, 64} {
					shapes := [][]int{append([]int{b}, tm.input.Shape[1:]...)}
					p, err := m.Plan(shapes)
					if err != nil {
						t.Fatalf("batch %d: %v", b, err)
					}
					sg, err := m.Specialize(shapes)
					if err != nil {
						t.Fatalf("batch %d: %v", b, err)
					}
					st, err := checkPlan(p, sg)
					if err != nil {
						t.Errorf("NoFusion %v, batch %d: %v", noFusion, b, err)
						continue
					}
					if p.NaiveBytes < p.ArenaBytes {
						t.Errorf("NoFusion %v, batch %d: Plan.NaiveBytes %d < ArenaBytes %d", noFusion, b, p.NaiveBytes, p.ArenaBytes)
					}
					t.Logf("NoFusion %-5v batch %2d: %2d steps, %2d storages (%d views, %d in place), arena %8d B = %.2f of naive %8d B (Plan.NaiveBytes %8d), max live %8d B",
						noFusion, b, len(p.Steps), st.Storages, st.ViewCount, st.InPlace, p.ArenaBytes,
						float64(p.ArenaBytes)/float64(st.NaiveSum), st.NaiveSum, p.NaiveBytes, st.MaxLive)
				}
			}
		})
	}
}
