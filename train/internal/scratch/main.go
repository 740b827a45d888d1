package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/latent-go/latent/train"
	"github.com/latent-go/latent/train/dataset"
)

func main() {
	sp, err := dataset.LoadMNISTBasic(dataset.MNISTOptions{}, 1)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(sp.Train.N, sp.Valid.N, sp.Test.N)
	ctx := context.Background()
	mode := os.Args[1]
	start := time.Now()
	prog := func(level int, p train.Progress) {
		if p.EpochDone {
			fmt.Printf("  level %d epoch %d loss %.3f val %.3f %.0f samples/s\n", level, p.Epoch, p.Loss, p.ValLoss, p.SamplesPerSec)
		}
	}
	var clf *train.Classifier
	switch mode {
	case "none":
		clf, _ = train.NewClassifier(train.ClassifierConfig{Sizes: []int{784, 500, 10}, Hidden: train.Sigmoid, Seed: 1})
	default:
		m := map[string]train.Module{"ae": train.ModuleAutoencoder, "dae": train.ModuleDenoising, "rbm": train.ModuleRBM}[mode]
		opt := train.Optimizer(&train.SGD{LR: 0.01, Momentum: 0.9})
		if m == train.ModuleRBM {
			opt = &train.SGD{LR: 0.05, Momentum: 0.5}
		}
		st, err := train.Pretrain(ctx, sp.Train, sp.Valid, train.PretrainConfig{Sizes: []int{784, 500}, Module: m, Hidden: train.Sigmoid,
			Noise: train.Noise{Kind: train.MaskNoise, Level: 0.25}, K: 1, Seed: 1, Progress: prog,
			Train: train.Config{Epochs: 10, BatchSize: 20, Optimizer: opt, Threads: 2}})
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		clf, _ = st.Classifier(10, 1)
	}
	h, err := clf.Fit(ctx, sp.Train, sp.Valid, train.Config{Epochs: 30, BatchSize: 20, Optimizer: &train.SGD{LR: 0.05, Momentum: 0.9}, Patience: 8, Monitor: train.MonitorError, Threads: 2,
		Progress: func(p train.Progress) {
			if p.EpochDone {
				fmt.Printf("  finetune epoch %d loss %.4f val err %.4f %.0f samples/s\n", p.Epoch, p.Loss, p.ValError, p.SamplesPerSec)
			}
		}})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	e, _ := clf.ErrorRate(sp.Test)
	fmt.Printf("%s: best epoch %d, test error %.2f%% (%.0fs)\n", mode, h.BestEpoch, 100*e, time.Since(start).Seconds())
}
