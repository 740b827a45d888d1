package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// TestSessionConcurrentRuns shares one Session between many goroutines
// that call Run and RunInto at once with different batch sizes, and
// checks every result against the same session's serial result for that
// batch, bit for bit (the plan and kernels are the same, so the arithmetic
// is too). With MaxPlans 2 the plan cache also evicts plans while calls on
// them are in flight.
func TestSessionConcurrentRuns(t *testing.T) {
	ctx := context.Background()
	batches := []int{1, 2, 3, 5, 8}
	goroutines, iters := 8, 12
	if raceEnabled || testing.Short() {
		goroutines, iters = 4, 3
	}
	for _, name := range []string{"dense_ae", "conv_ae_strided", "conv_ae_unpool"} {
		m, x := compileModel(t, name)
		for _, opts := range []runtime.Options{{Threads: 2}, {Threads: 1}, {Threads: 2, MaxPlans: 2}} {
			t.Run(fmt.Sprintf("%s/threads=%d/maxplans=%d", name, opts.Threads, opts.MaxPlans), func(t *testing.T) {
				s := runtime.NewSession(m, opts)
				defer s.Close()
				inputs := map[int][]*ir.Tensor{}
				want := map[int]*ir.Tensor{}
				for _, b := range batches {
					inputs[b] = []*ir.Tensor{batchOf(x, b)}
					out, err := s.Run(ctx, inputs[b])
					if err != nil {
						t.Fatal(err)
					}
					want[b] = out[0]
				}
				var wg sync.WaitGroup
				errs := make(chan error, goroutines*iters)
				for g := 0; g < goroutines; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; i < iters; i++ {
							b := batches[(g+i)%len(batches)]
							var got *ir.Tensor
							if (g+i)%2 == 0 {
								out, err := s.Run(ctx, inputs[b])
								if err != nil {
									errs <- err
									return
								}
								got = out[0]
							} else {
								got, _ = ir.NewTensor(ir.Float32, want[b].Shape...)
								if err := s.RunInto(ctx, inputs[b], []*ir.Tensor{got}); err != nil {
									errs <- err
									return
								}
							}
							if !bitEqual(got, want[b]) {
								errs <- fmt.Errorf("goroutine %d call %d (batch %d): result differs from the serial run", g, i, b)
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				n := 0
				for err := range errs {
					if n++; n <= 5 {
						t.Error(err)
					}
				}
			})
		}
	}
}

// TestSessionCanceledContext checks that a canceled context stops a run
// with an error wrapping runtime.ErrCanceled and the context's error, and
// that the session still runs afterwards.
func TestSessionCanceledContext(t *testing.T) {
	m, x := compileModel(t, "conv_ae_strided")
	s := runtime.NewSession(m, runtime.Options{Threads: 1})
	defer s.Close()
	in := []*ir.Tensor{batchOf(x, 2)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Run(ctx, in); err == nil {
		t.Fatal("Run with a canceled context succeeded")
	} else if !errors.Is(err, runtime.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a canceled context: %v, want it to wrap ErrCanceled and context.Canceled", err)
	}
	if _, err := s.Run(context.Background(), in); err != nil {
		t.Errorf("Run after a canceled run: %v", err)
	}
}

// TestSessionRejectsBadTensors checks the input and output validation of
// Run and RunInto: wrong count, rank, size, element type, nil, and
// (with RejectNonFinite) NaN inputs give errors, not panics.
func TestSessionRejectsBadTensors(t *testing.T) {
	ctx := context.Background()
	m, x := compileModel(t, "dense_ae")
	s := runtime.NewSession(m, runtime.Options{Threads: 1})
	defer s.Close()
	good := batchOf(x, 2)
	i64, _ := ir.NewTensor(ir.Int64, 2, 784)
	short := &ir.Tensor{DType: ir.Float32, Shape: []int{2, 784}, F32: make([]float32, 10)}
	wide, _ := ir.NewTensor(ir.Float32, 2, 785)
	rank3, _ := ir.NewTensor(ir.Float32, 2, 784, 1)
	for _, tc := range []struct {
		name   string
		inputs []*ir.Tensor
	}{
		{"no inputs", nil},
		{"two inputs", []*ir.Tensor{good, good}},
		{"nil input", []*ir.Tensor{nil}},
		{"int64 input", []*ir.Tensor{i64}},
		{"data shorter than shape", []*ir.Tensor{short}},
		{"wrong feature size", []*ir.Tensor{wide}},
		{"wrong rank", []*ir.Tensor{rank3}},
	} {
		if _, err := s.Run(ctx, tc.inputs); err == nil {
			t.Errorf("Run with %s: no error", tc.name)
		}
	}
	out3, _ := ir.NewTensor(ir.Float32, 3, 784)
	outI, _ := ir.NewTensor(ir.Int64, 2, 784)
	for _, tc := range []struct {
		name    string
		outputs []*ir.Tensor
	}{
		{"no outputs", nil},
		{"nil output", []*ir.Tensor{nil}},
		{"wrong output batch", []*ir.Tensor{out3}},
		{"int64 output", []*ir.Tensor{outI}},
	} {
		if err := s.RunInto(ctx, []*ir.Tensor{good}, tc.outputs); err == nil {
			t.Errorf("RunInto with %s: no error", tc.name)
		}
	}
	nan := batchOf(x, 1)
	nan.F32[7] = float32(math.NaN())
	strict := runtime.NewSession(m, runtime.Options{Threads: 1, RejectNonFinite: true})
	defer strict.Close()
	if _, err := strict.Run(ctx, []*ir.Tensor{nan}); err == nil {
		t.Error("RejectNonFinite session accepted a NaN input")
	}
	// Without RejectNonFinite, NaN propagates (documented policy).
	out, err := s.Run(ctx, []*ir.Tensor{nan})
	if err != nil {
		t.Fatalf("NaN input without RejectNonFinite: %v", err)
	}
	hasNaN := false
	for _, v := range out[0].F32 {
		hasNaN = hasNaN || v != v
	}
	if !hasNaN {
		t.Error("a NaN input produced no NaN output: NaN did not propagate")
	}
	// The session still works.
	if _, err := s.Run(ctx, []*ir.Tensor{good}); err != nil {
		t.Errorf("Run after rejected calls: %v", err)
	}
}

// TestModelSharedBySessions builds plans for one compiled Model from many
// sessions at once (the Model's weight packing and specialisation run
// concurrently) and checks every result against a serial run.
func TestModelSharedBySessions(t *testing.T) {
	ctx := context.Background()
	batches := []int{1, 2, 3, 4, 6, 7}
	for _, name := range []string{"dense_ae", "conv_ae_keras"} {
		t.Run(name, func(t *testing.T) {
			m, x := compileModel(t, name)
			want := map[int]*ir.Tensor{}
			serial := runtime.NewSession(m, runtime.Options{Threads: 1})
			for _, b := range batches {
				out, err := serial.Run(ctx, []*ir.Tensor{batchOf(x, b)})
				if err != nil {
					t.Fatal(err)
				}
				want[b] = out[0]
			}
			serial.Close()
			m2, _ := compileModel(t, name) // a fresh model: nothing packed or planned yet
			var wg sync.WaitGroup
			errs := make(chan error, len(batches)*2)
			for i := 0; i < len(batches)*2; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := runtime.NewSession(m2, runtime.Options{Threads: 1})
					defer s.Close()
					b := batches[i%len(batches)]
					out, err := s.Run(ctx, []*ir.Tensor{batchOf(x, b)})
					if err != nil {
						errs <- err
						return
					}
					if !bitEqual(out[0], want[b]) {
						errs <- fmt.Errorf("session %d (batch %d): result differs from the serial run", i, b)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
