// Package linalg holds the matrix kernels the trainer is built on: one
// general matrix multiply (Gemm, with an optional fused bias+activation
// epilogue) that every layer goes through, and a parallel-for helper.
// Gemm runs on the asm package's SGEMM (the tier asm.Active picks, which
// LATENT_ISA can force; asm's generic tier under the purego tag). GemmGo,
// a plain packed Go GEMM, is kept as an independent test oracle.
package linalg

import (
	"fmt"
	"sync"

	"github.com/latent-go/latent/asm"
)

// Act is an activation an Epilogue applies.
type Act = asm.Act

// Epilogue activations.
const (
	ActNone      = asm.ActNone
	ActSigmoid   = asm.ActSigmoid
	ActTanh      = asm.ActTanh
	ActReLU      = asm.ActReLU
	ActLeakyReLU = asm.ActLeakyReLU
)

// Epilogue is work fused into Gemm: C[i][j] = act(C[i][j] + ColBias[j]).
type Epilogue struct {
	ColBias []float32
	Act     Act
	Alpha   float32 // leaky ReLU slope
}

var gemms sync.Map // threads -> *asm.Gemm

func engine(threads int) *asm.Gemm {
	threads = max(threads, 1)
	if g, ok := gemms.Load(threads); ok {
		return g.(*asm.Gemm)
	}
	g, err := asm.NewGemm(asm.Active(), threads)
	if err != nil {
		// asm.Active is always a supported tier.
		panic(fmt.Sprintf("linalg: %v", err))
	}
	v, _ := gemms.LoadOrStore(threads, g)
	return v.(*asm.Gemm)
}

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
// where op(X) is X or its transpose. op(A) is m×k, op(B) is k×n and C is
// m×n; lda, ldb and ldc are the row strides of A, B and C as stored. When
// beta is 0, C is not read (NaNs in C do not propagate). threads is the
// number of goroutines the work may be split over (values < 1 mean 1).
// The arguments must be consistent: Gemm is internal and treats a
// mismatch as a bug (it panics).
func Gemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	GemmEp(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Epilogue{})
}

// FuseActivations selects whether activations run inside asm's GEMM epilogue
// (on each tile of C while it is in cache, with asm's vectorised
// kernels) rather than in a second pass over C. The second pass is kept
// for comparison (BenchmarkGemmEpilogue); tests switch it.
var FuseActivations = true

// GemmEp is Gemm followed by the epilogue C[i][j] = act(C[i][j] + bias[j]).
func GemmEp(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) {
	if m <= 0 || n <= 0 {
		return
	}
	aep := asm.Epilogue{ColBias: ep.ColBias, Act: ep.Act, Alpha: ep.Alpha}
	if !FuseActivations {
		aep.Act = asm.ActNone
	}
	err := engine(threads).Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, aep)
	if err != nil {
		panic(fmt.Sprintf("linalg: %v", err))
	}
	if FuseActivations || ep.Act == ActNone {
		return
	}
	rowsPer := max(1, 4096/n)
	if threads <= 1 || m < 2*rowsPer {
		actRows(c, ldc, n, 0, m, ep.Act, ep.Alpha)
		return
	}
	ParallelFor(threads, m, rowsPer, func(lo, hi int) { actRows(c, ldc, n, lo, hi, ep.Act, ep.Alpha) })
}

// actRows applies act to columns [0, n) of rows [lo, hi) of c.
func actRows(c []float32, ldc, n, lo, hi int, act Act, alpha float32) {
	if ldc == n {
		// Contiguous rows: one call over the whole block.
		blk := c[lo*ldc : hi*ldc]
		applyVec(blk, act, alpha)
		return
	}
	for i := lo; i < hi; i++ {
		applyVec(c[i*ldc:i*ldc+n], act, alpha)
	}
}

func applyVec(x []float32, act Act, alpha float32) {
	switch act {
	case ActSigmoid:
		asm.Sigmoid(x, x)
	case ActTanh:
		asm.Tanh(x, x)
	case ActReLU:
		asm.ReLU(x, x)
	case ActLeakyReLU:
		asm.LeakyReLU(x, x, alpha)
	}
}

// Blocking parameters of the plain Go GEMM: a kc×nc panel of op(B) and an
// mc×kc block of op(A) are packed so the micro-kernel streams through
// contiguous memory.
const (
	mr = 4
	nr = 4
	kc = 256
	mc = 64
	nc = 512
)

// GemmGo is the plain Go GEMM (packed panels, 4×4 register micro-kernel),
// kept as a test oracle. It has the same contract as Gemm, and its result
// does not depend on threads.
func GemmGo(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if threads < 1 {
		threads = 1
	}
	// Split the columns of C into chunks (multiples of nr) so each
	// goroutine owns a disjoint part of C; every element is computed the
	// same way whatever the split.
	if threads > 1 && n >= 2*nr*threads && m*n*k >= 1<<15 {
		chunk := (n + threads - 1) / threads
		chunk = (chunk + nr - 1) / nr * nr
		var wg sync.WaitGroup
		for j0 := 0; j0 < n; j0 += chunk {
			j1 := min(j0+chunk, n)
			wg.Add(1)
			go func(j0, j1 int) {
				defer wg.Done()
				gemmSerial(transA, transB, m, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc)
			}(j0, j1)
		}
		wg.Wait()
		return
	}
	gemmSerial(transA, transB, m, 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

var packPool = sync.Pool{New: func() any {
	return &packBufs{a: make([]float32, mc*kc), b: make([]float32, kc*nc)}
}}

type packBufs struct{ a, b []float32 }

// gemmSerial computes columns [j0, j1) of C.
func gemmSerial(transA, transB bool, m, j0, j1, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	bufs := packPool.Get().(*packBufs)
	defer packPool.Put(bufs)
	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			packB(transB, b, ldb, pc, kb, jc, nb, bufs.b)
			bt := float32(1)
			if pc == 0 {
				bt = beta
			}
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				packA(transA, a, lda, ic, mb, pc, kb, alpha, bufs.a)
				macroKernel(mb, nb, kb, bufs.a, bufs.b, bt, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// packA copies alpha*op(A)[i0:i0+mb, p0:p0+kb] into dst as row strips of
// height mr, each stored k-major (mr values per k), zero padded.
func packA(trans bool, a []float32, lda, i0, mb, p0, kb int, alpha float32, dst []float32) {
	for is := 0; is < mb; is += mr {
		strip := dst[is*kb : is*kb+mr*kb]
		h := min(mr, mb-is)
		for r := 0; r < mr; r++ {
			if r >= h {
				for p := 0; p < kb; p++ {
					strip[p*mr+r] = 0
				}
				continue
			}
			i := i0 + is + r
			if !trans {
				row := a[i*lda+p0 : i*lda+p0+kb]
				for p, v := range row {
					strip[p*mr+r] = alpha * v
				}
			} else {
				for p := 0; p < kb; p++ {
					strip[p*mr+r] = alpha * a[(p0+p)*lda+i]
				}
			}
		}
	}
}

// packB copies op(B)[p0:p0+kb, j0:j0+nb] into dst as column strips of
// width nr, each stored k-major (nr values per k), zero padded.
func packB(trans bool, b []float32, ldb, p0, kb, j0, nb int, dst []float32) {
	for js := 0; js < nb; js += nr {
		strip := dst[js*kb : js*kb+nr*kb]
		w := min(nr, nb-js)
		if !trans {
			for p := 0; p < kb; p++ {
				row := b[(p0+p)*ldb+j0+js:]
				s := strip[p*nr : p*nr+nr]
				for q := 0; q < nr; q++ {
					if q < w {
						s[q] = row[q]
					} else {
						s[q] = 0
					}
				}
			}
		} else {
			for q := 0; q < nr; q++ {
				if q >= w {
					for p := 0; p < kb; p++ {
						strip[p*nr+q] = 0
					}
					continue
				}
				col := b[(j0+js+q)*ldb+p0 : (j0+js+q)*ldb+p0+kb]
				for p, v := range col {
					strip[p*nr+q] = v
				}
			}
		}
	}
}

func macroKernel(mb, nb, kb int, pa, pb []float32, beta float32, c []float32, ldc int) {
	var tmp [mr * nr]float32
	for js := 0; js < nb; js += nr {
		w := min(nr, nb-js)
		bs := pb[js*kb : js*kb+nr*kb]
		for is := 0; is < mb; is += mr {
			h := min(mr, mb-is)
			as := pa[is*kb : is*kb+mr*kb]
			micro(kb, as, bs, &tmp)
			for r := 0; r < h; r++ {
				row := c[(is+r)*ldc+js : (is+r)*ldc+js+w]
				t := tmp[r*nr : r*nr+w]
				switch beta {
				case 0:
					copy(row, t)
				case 1:
					for q := range row {
						row[q] += t[q]
					}
				default:
					for q := range row {
						row[q] = beta*row[q] + t[q]
					}
				}
			}
		}
	}
}

// micro computes the 4×4 product of a packed A strip and B strip.
func micro(kb int, a, b []float32, out *[mr * nr]float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a = a[:kb*mr]
	b = b[:kb*nr]
	for p := 0; p < kb; p++ {
		ap := a[p*mr : p*mr+4 : p*mr+4]
		bp := b[p*nr : p*nr+4 : p*nr+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	*out = [16]float32{c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33}
}

// ParallelFor calls f on contiguous ranges that together cover [0, n),
// each at least grain long (unless n is shorter), concurrently on up to
// threads goroutines (the caller's included) when threads > 1. It
// returns when every call has returned; the calls must not depend on
// one another. It is asm.ParallelFor: the same helper goroutines as the
// matrix products, already running between the steps of a mini-batch,
// so a loop between two products does not wait for a helper to wake.
func ParallelFor(threads, n, grain int, f func(lo, hi int)) {
	asm.ParallelFor(max(threads, 1), n, grain, f)
}
