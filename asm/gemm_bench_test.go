package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemmBenchShape is an m×n×k product (op(A) m×k, op(B) k×n).
type gemmBenchShape struct{ m, n, k int }

func (s gemmBenchShape) String() string { return fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k) }

// gemmBenchShapes are the square sizes and the autoencoder layers (batch
// M = 1, 64, 256; K×N = 784×1000, 1000×500, 500×250, 250×30) of issue 3.
// Names are MxNxK.
var gemmBenchShapes = func() []gemmBenchShape {
	var s []gemmBenchShape
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		s = append(s, gemmBenchShape{n, n, n})
	}
	for _, m := range []int{1, 64, 256} {
		for _, kn := range [][2]int{{784, 1000}, {1000, 500}, {500, 250}, {250, 30}} {
			s = append(s, gemmBenchShape{m, kn[1], kn[0]})
		}
	}
	return s
}()

func gemmBenchData(s gemmBenchShape) (a, b, c []float32) {
	rng := rand.New(rand.NewPCG(1, 2))
	a = make([]float32, s.m*s.k)
	b = make([]float32, s.k*s.n)
	c = make([]float32, s.m*s.n)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range b {
		b[i] = rng.Float32()
	}
	return a, b, c
}

// benchGflops runs f under b and reports GFLOP/s, the mean over all calls,
// and best-GFLOP/s, from the fastest group of calls (each group lasting at
// least ~20µs): on a machine shared with other jobs the best group is the
// closer estimate of the code's own speed. When single is set (f runs on
// the calling goroutine only) it also reports cpu-GFLOP/s, from the CPU
// time of the calling thread, which ignores time spent descheduled.
func benchGflops(b *testing.B, flops float64, single bool, f func()) {
	if single {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	f() // warm up: scratch, workers, caches
	t0 := time.Now()
	f()
	reps := max(1, int(20e-6/max(time.Since(t0).Seconds(), 1e-9)))
	best := math.MaxFloat64
	c0 := threadCPUTime()
	for b.Loop() {
		t0 := time.Now()
		for range reps {
			f()
		}
		best = min(best, time.Since(t0).Seconds())
	}
	cpu := (threadCPUTime() - c0).Seconds()
	b.ReportMetric(flops*float64(reps*b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(flops*float64(reps)/best/1e9, "best-GFLOP/s")
	if single && cpu > 0 {
		b.ReportMetric(flops*float64(reps*b.N)/cpu/1e9, "cpu-GFLOP/s")
	}
}

func (s gemmBenchShape) flops() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }

// BenchmarkSgemm measures C = A·B (no transposes, beta = 0) per tier and
// thread count, and gonum's Sgemm, as BenchmarkSgemm/<tier>/t<threads>/MxNxK
// with a GFLOP/s metric.
func BenchmarkSgemm(b *testing.B) {
	for _, tier := range Tiers() {
		for _, threads := range []int{1, 2} {
			g, err := NewGemm(tier, threads)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range gemmBenchShapes {
				if tier == Generic && s.m*s.n*s.k > 512*512*512 {
					continue // minutes per run, and no news
				}
				b.Run(fmt.Sprintf("%s/t%d/%v", tier, threads, s), func(b *testing.B) {
					A, B, C := gemmBenchData(s)
					benchGflops(b, s.flops(), g.Threads() == 1, func() {
						g.Sgemm(false, false, s.m, s.n, s.k, 1, A, s.k, B, s.n, 0, C, s.n, Epilogue{})
					})
				})
			}
		}
	}
	for _, s := range gemmBenchShapes {
		b.Run(fmt.Sprintf("gonum/t1/%v", s), func(b *testing.B) {
			A, B, C := gemmBenchData(s)
			impl := gonum.Implementation{}
			benchGflops(b, s.flops(), true, func() {
				impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, A, s.k, B, s.n, 0, C, s.n)
			})
		})
	}
}

// BenchmarkSgemmPacked measures the compiler's path: B packed once, then
// C = act(A·B + bias) per call, as BenchmarkSgemmPacked/<tier>/t<threads>/MxNxK.
func BenchmarkSgemmPacked(b *testing.B) {
	for _, tier := range Tiers() {
		for _, threads := range []int{1, 2} {
			g, err := NewGemm(tier, threads)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range gemmBenchShapes {
				if tier == Generic && s.m*s.n*s.k > 512*512*512 {
					continue
				}
				b.Run(fmt.Sprintf("%s/t%d/%v", tier, threads, s), func(b *testing.B) {
					A, B, C := gemmBenchData(s)
					pb, err := g.PackB(false, s.k, s.n, B, s.n)
					if err != nil {
						b.Fatal(err)
					}
					ep := Epilogue{ColBias: make([]float32, s.n), Act: ActReLU}
					benchGflops(b, s.flops(), g.Threads() == 1, func() {
						g.SgemmPacked(false, s.m, 1, A, s.k, pb, 0, C, s.n, ep)
					})
				})
			}
		}
	}
}

// BenchmarkGemmVariant compares the generated micro-kernel shapes of each
// tier (single thread), to choose the default.
func BenchmarkGemmVariant(b *testing.B) {
	for _, tier := range Tiers() {
		for _, kt := range gemmVariants(tier) {
			g := &Gemm{vs: []*gemmKernels{kt}, threads: 1}
			for _, s := range gemmBenchShapes {
				b.Run(fmt.Sprintf("%s/%dx%d/%v", tier, kt.mr, kt.nr, s), func(b *testing.B) {
					A, B, C := gemmBenchData(s)
					benchGflops(b, s.flops(), g.Threads() == 1, func() {
						g.Sgemm(false, false, s.m, s.n, s.k, 1, A, s.k, B, s.n, 0, C, s.n, Epilogue{})
					})
				})
			}
		}
	}
}

// BenchmarkGemmKernel measures each micro-kernel alone on L1-resident
// panels (kc = 256): the ceiling the blocked driver can reach.
func BenchmarkGemmKernel(b *testing.B) {
	for _, tier := range Tiers() {
		for _, kt := range gemmVariants(tier) {
			b.Run(fmt.Sprintf("%s/%dx%d", tier, kt.mr, kt.nr), func(b *testing.B) {
				const kc = 256
				a := make([]float32, kc*kt.mr)
				bp := make([]float32, kc*kt.nr)
				c := make([]float32, kt.mr*kt.nr)
				for i := range a {
					a[i] = 1
				}
				benchGflops(b, 2*float64(kc*kt.mr*kt.nr), true, func() {
					kt.kern(kc, &a[0], kc, &bp[0], kt.nr, &c[0], kt.nr, 1, 1, kt.mr, kt.nr, &bp[0])
				})
			})
		}
	}
}

// BenchmarkGemmBlocking sweeps the cache blocks of each tier's kernels
// (single thread), to choose the defaults in newGemmKernels.
func BenchmarkGemmBlocking(b *testing.B) {
	for _, tier := range Tiers()[1:] {
		for _, v := range gemmVariants(tier) {
			for _, kc := range []int{128, 192, 256, 320, 384, 512} {
				for _, mcRows := range []int{72, 144, 288} {
					kt := *v
					kt.kc = kc
					kt.mc = max(mcRows/kt.mr, 1) * kt.mr
					g := &Gemm{vs: []*gemmKernels{&kt}, threads: 1}
					for _, s := range []gemmBenchShape{{1024, 1024, 1024}, {256, 1000, 784}, {64, 1000, 784}} {
						b.Run(fmt.Sprintf("%s/%dx%d/kc%d/mc%d/%v", tier, kt.mr, kt.nr, kt.kc, kt.mc, s), func(b *testing.B) {
							A, B, C := gemmBenchData(s)
							benchGflops(b, s.flops(), true, func() {
								g.Sgemm(false, false, s.m, s.n, s.k, 1, A, s.k, B, s.n, 0, C, s.n, Epilogue{})
							})
						})
					}
				}
			}
		}
	}
}

// BenchmarkGemmKernelBlock measures each micro-kernel in the driver's
// innermost loop: one B panel (L1) against an mc-row block of packed A
// (L2), writing a column of C tiles with ldc = 1000: the kernel as it runs
// in place, without packing.
func BenchmarkGemmKernelBlock(b *testing.B) {
	for _, tier := range Tiers()[1:] {
		for _, kt := range gemmVariants(tier) {
			for _, kc := range []int{128, 256, 512} {
				b.Run(fmt.Sprintf("%s/%dx%d/kc%d", tier, kt.mr, kt.nr, kc), func(b *testing.B) {
					const ldc = 1000
					tiles := max(288/kt.mr, 1)
					a := make([]float32, tiles*kc*kt.mr)
					bp := make([]float32, kc*kt.nr)
					c := make([]float32, tiles*kt.mr*ldc)
					benchGflops(b, 2*float64(tiles*kc*kt.mr*kt.nr), true, func() {
						for t := 0; t < tiles; t++ {
							kt.kern(kc, &a[t*kc*kt.mr], kc, &bp[0], kt.nr, &c[t*kt.mr*ldc], ldc, 1, 1, kt.mr, kt.nr, &bp[0])
						}
					})
				})
			}
		}
	}
}

// BenchmarkGemmPack measures the packing routines; its GFLOP/s metrics
// count GB (1e9 bytes) of packed output.
func BenchmarkGemmPack(b *testing.B) {
	const m, n, k = 256, 1000, 784
	A, B, _ := gemmBenchData(gemmBenchShape{m, n, k})
	for _, kt := range []*gemmKernels{gemmTables[Best()]} {
		kc := 196
		dst := make([]float32, (m+kt.mr)*kc+(n+kt.nr)*kc)
		for _, tr := range []bool{false, true} {
			b.Run(fmt.Sprintf("A/%dx%d/trans=%v", kt.mr, kt.nr, tr), func(b *testing.B) {
				lda := k
				if tr {
					lda = m
				}
				benchGflops(b, float64(m*kc*4), true, func() {
					packARows(tr, A, lda, 0, m, 0, kc, kt.mr, dst, kt.transpose8)
				})
			})
			b.Run(fmt.Sprintf("B/%dx%d/trans=%v", kt.mr, kt.nr, tr), func(b *testing.B) {
				ldb := n
				if tr {
					ldb = k
				}
				benchGflops(b, float64(n*kc*4), true, func() {
					packBPanels(tr, B, ldb, 0, kc, 0, n, kt.nr, dst, kt.transpose8)
				})
			})
		}
	}
}

// gemmModelLayers are the layer widths of the deep autoencoder of issue 4
// (784-1000-500-250-30-250-500-1000-784, 11.35 MB of float32 weights).
var gemmModelLayers = []int{784, 1000, 500, 250, 30, 250, 500, 1000, 784}

// BenchmarkSgemmModel measures what a compiled dense autoencoder does
// with its weights: the layers of the deep autoencoder run one after
// another at batch M, each a product with a pre-packed B, a column bias
// and a sigmoid, so every layer streams its weights from L3 or memory
// (as in a model) rather than from a cache warmed by the previous call
// with the same B. deep_ae_x4 cycles through four copies of the weights
// (45 MB, more than L3), so they come from memory. Names are
// BenchmarkSgemmModel/<tier>/t<threads>/<model>/b<M>; GFLOP/s counts the
// whole pass (at M = 1 the weights are read at 2·GFLOP/s GB/s).
func BenchmarkSgemmModel(b *testing.B) {
	for _, tier := range Tiers()[1:] {
		for _, threads := range []int{1, 2} {
			g, err := NewGemm(tier, threads)
			if err != nil {
				b.Fatal(err)
			}
			for _, copies := range []int{1, 4} {
				for _, m := range []int{1, 64} {
					name := "deep_ae"
					if copies > 1 {
						name += fmt.Sprintf("_x%d", copies)
					}
					b.Run(fmt.Sprintf("%s/t%d/%s/b%d", tier, threads, name, m), func(b *testing.B) {
						benchModel(b, g, m, copies)
					})
				}
			}
		}
	}
}

func benchModel(b *testing.B, g *Gemm, m, copies int) {
	rng := rand.New(rand.NewPCG(3, 4))
	L := gemmModelLayers
	acts := make([][]float32, len(L))
	for i, w := range L {
		acts[i] = make([]float32, m*w)
	}
	for i := range acts[0] {
		acts[0][i] = rng.Float32()
	}
	pbs := make([][]*PackedB, copies)
	bias := make([][]float32, len(L)-1)
	var flops float64
	for l := 0; l+1 < len(L); l++ {
		k, n := L[l], L[l+1]
		flops += 2 * float64(m*k*n)
		bias[l] = make([]float32, n)
		w := make([]float32, k*n)
		for c := range pbs {
			for i := range w {
				w[i] = rng.Float32()*0.1 - 0.05
			}
			pb, err := g.PackB(false, k, n, w, n)
			if err != nil {
				b.Fatal(err)
			}
			pbs[c] = append(pbs[c], pb)
		}
	}
	next := 0
	benchGflops(b, flops, g.Threads() == 1, func() {
		for l, pb := range pbs[next] {
			g.SgemmPacked(false, m, 1, acts[l], pb.K(), pb, 0, acts[l+1], pb.N(), Epilogue{ColBias: bias[l], Act: ActSigmoid})
		}
		next = (next + 1) % copies
	})
}
