package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// TestGemmAgainstGonum checks GemmGo and Gemm against gonum's Sgemm (an
// implementation no one here wrote) over every transpose combination, odd
// sizes, padded leading dimensions, several alpha/beta values and thread
// counts.
func TestGemmAgainstGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 1, 9}, {4, 4, 4}, {63, 65, 64}, {70, 130, 300}, {5, 600, 3}, {129, 33, 513}}
	impls := map[string]func(int, bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int){
		"GemmGo": GemmGo, "Gemm": Gemm,
	}
	for name, impl := range impls {
		for _, sz := range sizes {
			m, n, k := sz[0], sz[1], sz[2]
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}} {
						for _, threads := range []int{1, 2, 3} {
							t.Run(fmt.Sprintf("%s/%dx%dx%d/ta=%v/tb=%v/a=%v,b=%v/th=%d", name, m, n, k, ta, tb, ab[0], ab[1], threads), func(t *testing.T) {
								ar, ac := m, k
								if ta {
									ar, ac = k, m
								}
								br, bc := k, n
								if tb {
									br, bc = n, k
								}
								lda, ldb, ldc := ac+3, bc+1, n+2
								a := randSlice(r, ar*lda)
								b := randSlice(r, br*ldb)
								c := randSlice(r, m*ldc)
								if ab[1] == 0 {
									for i := range c {
										c[i] = float32(math.NaN())
									}
								}
								want := append([]float32(nil), c...)
								if ab[1] == 0 {
									clear(want)
								}
								tA, tB := blas.NoTrans, blas.NoTrans
								if ta {
									tA = blas.Trans
								}
								if tb {
									tB = blas.Trans
								}
								gonum.Implementation{}.Sgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
								impl(threads, ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
								for i := 0; i < m; i++ {
									for j := 0; j < n; j++ {
										g, w := c[i*ldc+j], want[i*ldc+j]
										// float32 sums of k products of N(0,1)
										// values: allow 1e-5 relative to sqrt(k).
										tol := 1e-5 * float32(math.Sqrt(float64(k))+1) * (1 + abs32(w))
										if !(abs32(g-w) <= tol) {
											t.Fatalf("C[%d,%d] = %v, want %v", i, j, g, w)
										}
									}
									// Padding columns of C must stay untouched.
									for j := n; j < ldc && i*ldc+j < len(c); j++ {
										if ab[1] != 0 && c[i*ldc+j] != want[i*ldc+j] {
											t.Fatalf("padding C[%d,%d] changed", i, j)
										}
									}
								}
							})
						}
					}
				}
			}
		}
	}
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }

func TestGemmThreadsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m, n, k := 64, 1000, 784
	a, b := randSlice(r, m*k), randSlice(r, n*k)
	c1, c2 := make([]float32, m*n), make([]float32, m*n)
	Gemm(1, false, true, m, n, k, 1, a, k, b, k, 0, c1, n)
	Gemm(2, false, true, m, n, k, 1, a, k, b, k, 0, c2, n)
	for i := range c1 {
		if c1[i] != c2[i] {
			t.Fatalf("element %d differs between 1 and 2 threads: %v vs %v", i, c1[i], c2[i])
		}
	}
}

func TestParallelFor(t *testing.T) {
	for _, tc := range []struct{ threads, n, grain int }{{1, 10, 1}, {2, 10, 1}, {3, 10, 4}, {4, 0, 1}, {8, 5, 1}} {
		seen := make([]int, tc.n)
		ParallelFor(tc.threads, tc.n, tc.grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, s := range seen {
			if s != 1 {
				t.Fatalf("%+v: index %d visited %d times", tc, i, s)
			}
		}
	}
}

func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, sz := range [][3]int{{64, 1000, 784}, {256, 1000, 784}} {
		m, n, k := sz[0], sz[1], sz[2]
		a, bb, c := randSlice(r, m*k), randSlice(r, n*k), make([]float32, m*n)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d/th=%d", m, n, k, th), func(b *testing.B) {
				for b.Loop() {
					Gemm(th, false, true, m, n, k, 1, a, k, bb, k, 0, c, n)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestGemmEpilogue checks the fused bias+activation against GemmGo
// followed by the activation computed in float64.
func TestGemmEpilogue(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, n, k := 13, 37, 29
	a, b := randSlice(r, m*k), randSlice(r, n*k)
	bias := randSlice(r, n)
	acts := map[string]struct {
		act Act
		f   func(float64) float64
	}{
		"none":    {ActNone, func(x float64) float64 { return x }},
		"sigmoid": {ActSigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		"tanh":    {ActTanh, math.Tanh},
		"relu":    {ActReLU, func(x float64) float64 { return math.Max(x, 0) }},
		"leaky": {ActLeakyReLU, func(x float64) float64 {
			if x < 0 {
				return 0.1 * x
			}
			return x
		}},
	}
	defer func(f bool) { FuseActivations = f }(FuseActivations)
	for _, fused := range []bool{true, false} {
		FuseActivations = fused
		for name, ac := range acts {
			for _, th := range []int{1, 2} {
				want := make([]float32, m*n)
				GemmGo(1, false, true, m, n, k, 1, a, k, b, k, 0, want, n)
				got := make([]float32, m*n)
				GemmEp(th, false, true, m, n, k, 1, a, k, b, k, 0, got, n, Epilogue{ColBias: bias, Act: ac.act, Alpha: 0.1})
				for i := range got {
					w := ac.f(float64(want[i]) + float64(bias[i%n]))
					if math.Abs(float64(got[i])-w) > 1e-5*(1+math.Abs(w)) {
						t.Fatalf("fused %v %s threads %d: element %d = %v, want %v", fused, name, th, i, got[i], w)
					}
				}
			}
		}
	}
}

// BenchmarkGemmEpilogue compares the sigmoid applied in asm's GEMM
// epilogue with a second vectorised pass, at the deep autoencoder's first
// layer (batch 64).
func BenchmarkGemmEpilogue(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	m, n, k := 64, 1000, 784
	a, bb, c, bias := randSlice(r, m*k), randSlice(r, n*k), make([]float32, m*n), randSlice(r, n)
	defer func(f bool) { FuseActivations = f }(FuseActivations)
	for _, fused := range []bool{true, false} {
		b.Run(fmt.Sprintf("fused=%v", fused), func(b *testing.B) {
			FuseActivations = fused
			for b.Loop() {
				GemmEp(1, false, true, m, n, k, 1, a, k, bb, k, 0, c, n, Epilogue{ColBias: bias, Act: ActSigmoid})
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
