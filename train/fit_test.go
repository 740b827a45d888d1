package train

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/latent-go/latent/train/dataset"
)

// prototypes returns n binary examples of dimension dim, each one of k
// random prototypes with every bit flipped with probability flip, and the
// prototype index as label.
func prototypes(seed uint64, n, dim, k int, flip float64) *dataset.Set {
	src := rand.NewPCG(seed, 99)
	protos := make([][]float32, k)
	for p := range protos {
		protos[p] = make([]float32, dim)
		for j := range protos[p] {
			if uniform64(src) < 0.3 {
				protos[p][j] = 1
			}
		}
	}
	x := make([]float32, n*dim)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		c := int(uniform64(src) * float64(k))
		y[i] = c
		for j := 0; j < dim; j++ {
			v := protos[c][j]
			if uniform64(src) < flip {
				v = 1 - v
			}
			x[i*dim+j] = v
		}
	}
	s, err := dataset.New(x, y, n, dim)
	if err != nil {
		panic(err)
	}
	s.Classes = k
	return s
}

func weights(ps []*Param) []float32 {
	var w []float32
	for _, p := range ps {
		w = append(w, p.Data...)
	}
	return w
}

func TestAutoencoderLearns(t *testing.T) {
	data := prototypes(1, 600, 32, 6, 0.05)
	parts, _ := data.Split(500, 100)
	tests := []struct {
		name string
		cfg  AutoencoderConfig
		opt  Optimizer
	}{
		{"undercomplete-CE-SGD", AutoencoderConfig{Sizes: []int{32, 8}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy}, &SGD{LR: 0.5}},
		{"overcomplete-tied-momentum", AutoencoderConfig{Sizes: []int{32, 64}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy, Tied: true}, &SGD{LR: 0.2, Momentum: 0.9}},
		{"denoising-mask-adam", AutoencoderConfig{Sizes: []int{32, 16}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy, Noise: Noise{Kind: MaskNoise, Level: 0.25}}, &Adam{LR: 0.01}},
		{"relu-linear-SE-decay", AutoencoderConfig{Sizes: []int{32, 16}, Hidden: ReLU, Output: Linear, Loss: SquaredError}, &Adam{LR: 0.005, WeightDecay: 1e-4}},
		{"deep-tanh-tied", AutoencoderConfig{Sizes: []int{32, 24, 8}, Hidden: Tanh, Output: Sigmoid, Loss: CrossEntropy, Tied: true}, &Adam{LR: 0.005}},
		{"sparse-KL", AutoencoderConfig{Sizes: []int{32, 40}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy,
			Sparsity: Sparsity{Kind: KLSparsity, Target: 0.05, Weight: 0.5}}, &Adam{LR: 0.01}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ae, err := NewAutoencoder(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			before, err := ae.SquaredError(MatrixOf(parts[1]))
			if err != nil {
				t.Fatal(err)
			}
			h, err := ae.Fit(context.Background(), parts[0], parts[1], Config{Epochs: 30, BatchSize: 20, Optimizer: tc.opt, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			after, _ := ae.SquaredError(MatrixOf(parts[1]))
			if !(after < 0.5*before) {
				t.Errorf("validation squared error %v -> %v: want at least halved", before, after)
			}
			first, last := h.Epochs[0].TrainLoss, h.Epochs[len(h.Epochs)-1].TrainLoss
			if !(last < first) {
				t.Errorf("training loss did not decrease: %v -> %v", first, last)
			}
		})
	}
}

// TestDeterministic trains twice with the same seed (and with 1 and 2
// threads) and requires bit-identical weights; a different seed must
// give different weights.
func TestDeterministic(t *testing.T) {
	data := prototypes(2, 300, 20, 4, 0.1)
	run := func(seed uint64, threads int, opt Optimizer) []float32 {
		ae, err := NewAutoencoder(AutoencoderConfig{Sizes: []int{20, 12}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy,
			Noise: Noise{Kind: SaltPepperNoise, Level: 0.1}, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ae.Fit(context.Background(), data, nil, Config{Epochs: 3, BatchSize: 16, Optimizer: opt, Seed: seed, Threads: threads}); err != nil {
			t.Fatal(err)
		}
		return weights(ae.Net.Params())
	}
	for _, mk := range []func() Optimizer{
		func() Optimizer { return &SGD{LR: 0.1} },
		func() Optimizer { return &SGD{LR: 0.1, Momentum: 0.5, WeightDecay: 1e-3} },
		func() Optimizer { return &Adam{LR: 0.01} },
	} {
		a, b, c := run(7, 1, mk()), run(7, 1, mk()), run(7, 2, mk())
		if !slices.Equal(a, b) || !slices.Equal(a, c) {
			t.Fatalf("%s: same seed gave different weights", mk().Name())
		}
		if d := run(8, 1, mk()); slices.Equal(a, d) {
			t.Fatalf("%s: different seeds gave identical weights", mk().Name())
		}
	}
}

func TestEarlyStoppingRestoresBest(t *testing.T) {
	// A tiny training set and a large learning rate with a big overcomplete
	// layer overfits quickly; early stopping must stop and restore the
	// best validation epoch's weights.
	data := prototypes(3, 400, 16, 4, 0.2)
	parts, _ := data.Split(30, 370)
	clf, err := NewClassifier(ClassifierConfig{Sizes: []int{16, 64, 4}, Hidden: Sigmoid, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h, err := clf.Fit(context.Background(), parts[0], parts[1], Config{Epochs: 300, BatchSize: 10, Optimizer: &Adam{LR: 0.05}, Patience: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !h.EarlyStopped || len(h.Epochs) >= 300 {
		t.Fatalf("did not stop early: %d epochs", len(h.Epochs))
	}
	if got := len(h.Epochs) - h.BestEpoch; got != 5 {
		t.Fatalf("stopped %d epochs after the best, want 5", got)
	}
	best := h.Epochs[h.BestEpoch-1].ValLoss
	for _, e := range h.Epochs {
		if e.ValLoss < best {
			t.Fatalf("epoch %d has lower validation loss %v than the chosen best %v", e.Epoch, e.ValLoss, best)
		}
	}
	l, _, err := clf.evaluate(parts[1], 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l-best) > 1e-12 {
		t.Fatalf("restored weights give validation loss %v, best epoch had %v", l, best)
	}
}

func TestClassifierLearns(t *testing.T) {
	data := prototypes(4, 1200, 24, 5, 0.15)
	parts, _ := data.Split(1000, 200)
	clf, err := NewClassifier(ClassifierConfig{Sizes: []int{24, 32, 5}, Hidden: ReLU, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	e0, _ := clf.ErrorRate(parts[1])
	h, err := clf.Fit(context.Background(), parts[0], parts[1], Config{Epochs: 10, BatchSize: 32, Optimizer: &SGD{LR: 0.1, Momentum: 0.9}, Monitor: MonitorError})
	if err != nil {
		t.Fatal(err)
	}
	e1, _ := clf.ErrorRate(parts[1])
	if !(e1 < 0.05 && e0 > 0.5) {
		t.Fatalf("validation error %v -> %v, want > 0.5 -> < 0.05", e0, e1)
	}
	if math.Abs(h.Epochs[h.BestEpoch-1].ValError-e1) > 1e-12 {
		t.Fatalf("restored best error %v, history says %v", e1, h.Epochs[h.BestEpoch-1].ValError)
	}
}

func TestProgressCallback(t *testing.T) {
	data := prototypes(5, 100, 8, 2, 0.1)
	ae, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{8, 4}, Hidden: Sigmoid, Output: Sigmoid})
	var batches, epochs int
	_, err := ae.Fit(context.Background(), data, data, Config{Epochs: 2, BatchSize: 30, Progress: func(p Progress) {
		if p.EpochDone {
			epochs++
			if math.IsNaN(p.ValLoss) || p.Batches != 4 {
				t.Errorf("epoch-end progress %+v", p)
			}
			return
		}
		batches++
		if p.Batch < 1 || p.Batch > p.Batches || p.Samples != min(p.Batch*30, 100) || !(p.SamplesPerSec > 0) || !math.IsNaN(p.ValLoss) {
			t.Errorf("batch progress %+v", p)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if batches != 8 || epochs != 2 {
		t.Fatalf("got %d batch and %d epoch callbacks, want 8 and 2", batches, epochs)
	}
}

func TestFitCancel(t *testing.T) {
	data := prototypes(5, 100, 8, 2, 0.1)
	ae, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{8, 4}, Hidden: Sigmoid, Output: Sigmoid})
	ctx, cancel := context.WithCancel(context.Background())
	h, err := ae.Fit(ctx, data, nil, Config{Epochs: 100, BatchSize: 10, Progress: func(p Progress) {
		if p.EpochDone && p.Epoch == 2 {
			cancel()
		}
	}})
	if err == nil || len(h.Epochs) != 2 {
		t.Fatalf("cancel: err %v after %d epochs", err, len(h.Epochs))
	}
}

func TestBadInput(t *testing.T) {
	data := prototypes(5, 50, 8, 2, 0.1)
	ae, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{8, 4}, Hidden: Sigmoid, Output: Sigmoid})
	other := prototypes(5, 50, 9, 2, 0.1)
	cases := map[string]func() error{
		"no epochs": func() error { _, err := ae.Fit(context.Background(), data, nil, Config{BatchSize: 4}); return err },
		"no batch":  func() error { _, err := ae.Fit(context.Background(), data, nil, Config{Epochs: 1}); return err },
		"wrong dim": func() error {
			_, err := ae.Fit(context.Background(), other, nil, Config{Epochs: 1, BatchSize: 4})
			return err
		},
		"patience no val": func() error {
			_, err := ae.Fit(context.Background(), data, nil, Config{Epochs: 1, BatchSize: 4, Patience: 2})
			return err
		},
		"bad lr": func() error {
			_, err := ae.Fit(context.Background(), data, nil, Config{Epochs: 1, BatchSize: 4, Optimizer: &SGD{}})
			return err
		},
		"forward shape": func() error {
			_, err := ae.Reconstruct(&Matrix{Rows: 2, Cols: 8, Data: make([]float32, 3)})
			return err
		},
		"CE linear": func() error {
			_, err := NewAutoencoder(AutoencoderConfig{Sizes: []int{8, 4}, Output: Linear})
			return err
		},
		"bad noise": func() error {
			_, err := NewAutoencoder(AutoencoderConfig{Sizes: []int{8, 4}, Output: Sigmoid, Noise: Noise{Kind: MaskNoise, Level: 2}})
			return err
		},
		"nan data": func() error {
			bad := data.Clone()
			for i := range bad.X {
				bad.X[i] = float32(math.NaN())
			}
			_, err := ae.Fit(context.Background(), bad, nil, Config{Epochs: 1, BatchSize: 4})
			return err
		},
	}
	for name, f := range cases {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLRDecay(t *testing.T) {
	data := prototypes(7, 64, 8, 2, 0.1)
	ae, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{8, 4}, Hidden: Sigmoid, Output: Sigmoid})
	opt := &SGD{LR: 0.4}
	var seen []float32
	_, err := ae.Fit(context.Background(), data, nil, Config{Epochs: 4, BatchSize: 64, Optimizer: opt, LRDecay: 0.5,
		Progress: func(p Progress) {
			if p.EpochDone {
				seen = append(seen, opt.LR)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{0.4, 0.2, 0.1, 0.05}; !slices.Equal(seen, want) {
		t.Fatalf("learning rates per epoch %v, want %v", seen, want)
	}
	if opt.LR != 0.4 {
		t.Fatalf("LR not restored: %v", opt.LR)
	}
}
