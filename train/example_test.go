package train_test

import (
	"context"
	"fmt"

	"github.com/latent-go/latent/train"
	"github.com/latent-go/latent/train/dataset"
)

// toyData returns n 8-pixel binary "images": one of two bars.
func toyData(n int) *dataset.Set {
	x := make([]float32, n*8)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		c := i % 2
		y[i] = c
		for j := 0; j < 4; j++ {
			x[i*8+c*4+j] = 1
		}
	}
	s, _ := dataset.New(x, y, n, 8)
	return s
}

func ExampleAutoencoder() {
	data := toyData(200)
	ae, err := train.NewAutoencoder(train.AutoencoderConfig{
		Sizes:  []int{8, 3},
		Hidden: train.Sigmoid, Output: train.Sigmoid, Loss: train.CrossEntropy,
		Noise: train.Noise{Kind: train.MaskNoise, Level: 0.25}, // a denoising autoencoder
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	hist, err := ae.Fit(context.Background(), data, nil, train.Config{
		Epochs: 20, BatchSize: 10, Optimizer: &train.Adam{LR: 0.05}, Seed: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	first, last := hist.Epochs[0].TrainLoss, hist.Epochs[len(hist.Epochs)-1].TrainLoss
	fmt.Println("loss decreased:", last < first/2)
	rec, _ := ae.Reconstruct(train.MatrixOf(data))
	fmt.Printf("reconstruction of a bar: %.0f\n", rec.Row(0))
	// Output:
	// loss decreased: true
	// reconstruction of a bar: [1 1 1 1 0 0 0 0]
}

func ExamplePretrain() {
	data := toyData(200)
	stack, err := train.Pretrain(context.Background(), data, nil, train.PretrainConfig{
		Sizes: []int{8, 6, 4}, Module: train.ModuleRBM, K: 1,
		Train: train.Config{Epochs: 10, BatchSize: 10, Optimizer: &train.SGD{LR: 0.1, Momentum: 0.5}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	clf, _ := stack.Classifier(2, 1) // random softmax layer on the pre-trained stack
	clf.Fit(context.Background(), data, nil, train.Config{Epochs: 10, BatchSize: 10, Optimizer: &train.SGD{LR: 0.1}})
	e, _ := clf.ErrorRate(data)
	fmt.Println("training error:", e)
	g, _ := clf.Lower()
	fmt.Println("lowered nodes:", len(g.Nodes))
	// Output:
	// training error: 0
	// lowered nodes: 6
}
