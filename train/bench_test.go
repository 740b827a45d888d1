package train

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/latent-go/latent/train/dataset"
	"github.com/latent-go/latent/train/internal/linalg"
)

// hintonSizes is the deep autoencoder of issue 5's speed target:
// 784-1000-500-250-30-250-500-1000-784.
var hintonSizes = []int{784, 1000, 500, 250, 30}

// BenchmarkDeepAutoencoderSGD measures training throughput (samples/s) of
// the 784-1000-500-250-30-250-500-1000-784 sigmoid autoencoder with
// squared error and plain SGD, at batch 64 and 256 on 1 and 2 threads:
//
//	go test -run '^$' -bench DeepAutoencoderSGD -benchtime 100x ./train
//
// LATENT_UNFUSED_ACT=1 applies activations in a pass after each product
// instead of in asm's GEMM epilogue, for comparison.
func BenchmarkDeepAutoencoderSGD(b *testing.B) {
	const n = 4096
	src := rand.NewPCG(1, 2)
	x := make([]float32, n*784)
	for i := range x {
		x[i] = uniform32(src)
	}
	set, err := dataset.New(x, nil, n, 784)
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{64, 256} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("batch=%d/threads=%d", batch, threads), func(b *testing.B) {
				if os.Getenv("LATENT_UNFUSED_ACT") != "" {
					defer func(f bool) { linalg.FuseActivations = f }(linalg.FuseActivations)
					linalg.FuseActivations = false
				}
				ae, err := NewAutoencoder(AutoencoderConfig{Sizes: hintonSizes, Hidden: Sigmoid, Output: Sigmoid, Loss: SquaredError, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				if err := ae.begin(set, batch, threads); err != nil {
					b.Fatal(err)
				}
				opt := &SGD{LR: 0.01}
				perm := dataset.Perm(n, src)
				pos := 0
				var cpu0 time.Duration
				first := true
				for b.Loop() {
					if first {
						cpu0, first = processCPU(), false
					}
					if pos+batch > n {
						pos = 0
					}
					if _, err := ae.trainStep(perm[pos:pos+batch], src, opt, threads); err != nil {
						b.Fatal(err)
					}
					pos += batch
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "samples/s")
				// On a shared machine wall-clock throughput understates the
				// speed; samples per CPU-second of the process (all threads)
				// is the uncontended one-thread rate when threads=1.
				if cpu := processCPU() - cpu0; cpu > 0 {
					b.ReportMetric(float64(b.N*batch)/cpu.Seconds(), "samples/cpu-s")
				}
			})
		}
	}
}
