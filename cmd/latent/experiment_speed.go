package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/latent-go/latent/train"
)

// speedResult is one training-throughput measurement.
type speedResult struct {
	Engine  string `json:"engine"`
	Model   string `json:"model"`
	Batch   int    `json:"batch"`
	Threads int    `json:"threads"`
	Samples int    `json:"samples"`
	// SamplesPerSec is the wall-clock throughput of the measured epoch;
	// SamplesPerCPUSec divides by the process's CPU time instead (on a
	// shared machine, the one-thread rate others' load does not hide).
	SamplesPerSec    float64 `json:"samples_per_sec"`
	SamplesPerCPUSec float64 `json:"samples_per_cpu_sec"`
	Loss             float64 `json:"loss"`
}

func defineTrainSpeed(fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) error {
	var o dataOptions
	registerDataFlags(fs, &o)
	sizesFlag := fs.String("sizes", "784,1000,500,250,30", "encoder sizes, input first (the decoder mirrors them)")
	batch := fs.Int("batch", 64, "mini-batch size")
	threads := fs.Int("threads", 1, "threads")
	samples := fs.Int("samples", 20000, "examples per epoch (the first N MNIST training digits)")
	epochs := fs.Int("epochs", 2, "epochs to run; the last one is measured (the first warms up)")
	lr := fs.Float64("lr", 0.01, "SGD learning rate (no momentum)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	return func(ctx context.Context, stdout, stderr io.Writer) error {
		var err error
		sizes, err := parseSizes(*sizesFlag)
		if err != nil {
			return err
		}
		if *batch <= 0 || *threads <= 0 || *samples <= 0 || *epochs <= 0 {
			return usagef("--batch, --threads, --samples and --epochs must be positive")
		}
		o.subset = *samples
		d, err := loadData(ctx, o, io.Discard)
		if err != nil {
			return err
		}
		if sizes[0] != d.train.Dim {
			return usagef("--sizes %s: the input size must be %d", *sizesFlag, d.train.Dim)
		}
		a, err := train.NewAutoencoder(train.AutoencoderConfig{Sizes: sizes, Hidden: train.Sigmoid, Output: train.Sigmoid, Loss: train.SquaredError, Seed: 1})
		if err != nil {
			return err
		}
		var t0 time.Time
		var c0 time.Duration
		var res speedResult
		cfg := train.Config{Epochs: *epochs, BatchSize: *batch, Optimizer: &train.SGD{LR: float32(*lr)}, Seed: 1, Threads: *threads,
			Progress: func(p train.Progress) {
				if !p.EpochDone {
					return
				}
				now, cpu := time.Now(), processCPU()
				if p.Epoch == *epochs {
					res.SamplesPerSec = p.SamplesPerSec
					if !t0.IsZero() && cpu > c0 {
						res.SamplesPerCPUSec = float64(p.Samples) / (cpu - c0).Seconds()
					}
					res.Loss = p.Loss
					res.Samples = p.Samples
				}
				t0, c0 = now, cpu
			}}
		if *epochs == 1 {
			t0, c0 = time.Now(), processCPU()
		}
		if _, err := a.Fit(ctx, d.train, nil, cfg); err != nil {
			return err
		}
		res.Engine, res.Model, res.Batch, res.Threads = "latent", "sigmoid autoencoder "+sizesString(sizes, true)+", squared error, SGD", *batch, *threads
		if *asJSON {
			b, err := json.Marshal(res)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\n", b)
			return nil
		}
		fmt.Fprintf(stdout, "%s: batch %d, %d threads, %d samples: %.0f samples/s (%.0f per CPU-second), loss %.4f\n",
			res.Model, res.Batch, res.Threads, res.Samples, res.SamplesPerSec, res.SamplesPerCPUSec, res.Loss)
		return nil
	}
}
