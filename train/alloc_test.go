package train

import (
	"math/rand/v2"
	"testing"
)

// TestTrainStepAllocations checks that a warm mini-batch step allocates
// nothing on one thread (the workspace and optimizer state are reused).
func TestTrainStepAllocations(t *testing.T) {
	data := prototypes(61, 256, 32, 4, 0.1)
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i
	}
	for _, tc := range []struct {
		name string
		cfg  AutoencoderConfig
		opt  Optimizer
	}{
		{"sgd-fused", AutoencoderConfig{Sizes: []int{32, 16, 8}, Hidden: Sigmoid, Output: Sigmoid, Loss: SquaredError}, &SGD{LR: 0.1}},
		{"momentum-tied-CE", AutoencoderConfig{Sizes: []int{32, 16}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy, Tied: true}, &SGD{LR: 0.1, Momentum: 0.9}},
		{"adam-dae-sparse", AutoencoderConfig{Sizes: []int{32, 16}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy,
			Noise: Noise{Kind: MaskNoise, Level: 0.2}, Sparsity: Sparsity{Kind: KLSparsity, Target: 0.1, Weight: 0.1}}, &Adam{LR: 0.01}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ae, err := NewAutoencoder(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := ae.begin(data, 64, 1); err != nil {
				t.Fatal(err)
			}
			src := rand.NewPCG(1, 1)
			step := func() {
				if _, err := ae.trainStep(idx, src, tc.opt, 1); err != nil {
					t.Fatal(err)
				}
			}
			step()
			if n := testing.AllocsPerRun(20, step); n != 0 {
				t.Errorf("%v allocations per mini-batch step, want 0", n)
			}
		})
	}
}
