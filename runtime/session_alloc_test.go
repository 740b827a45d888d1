package runtime_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// allocModels are the models whose every step has a dedicated kernel, so
// that a run allocates nothing: the dense autoencoders (Gemm + activation)
// and the conv autoencoders (Conv, ConvTranspose, BatchNormalization,
// pooling, unpooling, nearest upsampling).
var allocModels = []string{"dense_ae", "dae_tanh", "conv_ae_strided", "conv_ae_keras", "conv_ae_unpool"}

// TestRunIntoAllocatesNothing asserts that Session.RunInto makes no heap
// allocation per call in steady state (after the plan is built and a
// frame is pooled), with 1 and 2 threads, at batch 1 and 3.
func TestRunIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	for _, name := range allocModels {
		m, x := compileModel(t, name)
		for _, threads := range []int{1, 2} {
			for _, b := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/threads=%d/batch=%d", name, threads, b), func(t *testing.T) {
					s := runtime.NewSession(m, runtime.Options{Threads: threads})
					defer s.Close()
					in := []*ir.Tensor{batchOf(x, b)}
					out := outputsFor(t, s, in)
					if err := s.RunInto(ctx, in, out); err != nil { // warm up: plan, frame
						t.Fatal(err)
					}
					var runErr error
					allocs := testing.AllocsPerRun(50, func() {
						if err := s.RunInto(ctx, in, out); err != nil {
							runErr = err
						}
					})
					if runErr != nil {
						t.Fatal(runErr)
					}
					if allocs != 0 {
						p, _ := s.PlanFor([][]int{in[0].Shape})
						var kernels []string
						for _, st := range p.Steps {
							kernels = append(kernels, st.Kernel)
						}
						t.Errorf("RunInto: %v allocations per call, want 0 (steps %v)", allocs, kernels)
					}
				})
			}
		}
	}
}

// TestRunAllocatesOnlyOutputs asserts that Session.Run allocates exactly
// what its result needs and nothing else: the []*ir.Tensor slice, and per
// output tensor the *ir.Tensor, its shape slice and its data slice
// (1 + 3·outputs allocations).
func TestRunAllocatesOnlyOutputs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	for _, name := range []string{"dense_ae", "conv_ae_strided", "conv_ae_keras"} {
		m, x := compileModel(t, name)
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(t *testing.T) {
				s := runtime.NewSession(m, runtime.Options{Threads: threads})
				defer s.Close()
				in := []*ir.Tensor{batchOf(x, 2)}
				out, err := s.Run(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				want := float64(1 + 3*len(out))
				var runErr error
				allocs := testing.AllocsPerRun(50, func() {
					if _, err := s.Run(ctx, in); err != nil {
						runErr = err
					}
				})
				if runErr != nil {
					t.Fatal(runErr)
				}
				if allocs != want {
					t.Errorf("Run: %v allocations per call, want %v (1 result slice + 3 per output tensor)", allocs, want)
				}
			})
		}
	}
}
