package asm

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
)

// ErrGemmArgs is wrapped by every error the GEMM and GEMV functions return
// for invalid arguments (negative sizes, short slices, leading dimensions
// smaller than a row, an epilogue that does not fit, a PackedB of another
// layout).
var ErrGemmArgs = errors.New("asm: invalid GEMM arguments")

// Act selects the element-wise function an Epilogue applies to C.
type Act uint8

const (
	// ActNone leaves C unchanged.
	ActNone Act = iota
	// ActReLU computes max(x, 0).
	ActReLU
	// ActLeakyReLU computes x for x >= 0 and Epilogue.Alpha*x otherwise.
	ActLeakyReLU
	// ActSigmoid computes 1/(1+exp(-x)) as Vec.Sigmoid does.
	ActSigmoid
	// ActTanh computes tanh(x) as Vec.Tanh does.
	ActTanh
	// ActClip computes min(max(x, Epilogue.Min), Epilogue.Max).
	ActClip
	numActs
)

var actNames = [numActs]string{"none", "relu", "leakyrelu", "sigmoid", "tanh", "clip"}

// String returns the activation's lower-case name.
func (a Act) String() string {
	if a < numActs {
		return actNames[a]
	}
	return fmt.Sprintf("Act(%d)", uint8(a))
}

// Epilogue describes work fused into a matrix product: after C has been set
// to alpha·op(A)·op(B) + beta·C, every element becomes
//
//	C[i][j] = act(C[i][j] + RowBias[i] + ColBias[j])
//
// where a nil bias contributes nothing. The epilogue runs on each block of
// C right after the block's last product, while it is still in cache, so a
// Gemm with bias and activation makes one pass over C in memory. It uses
// the same tier's Vec kernels (AddScalar for RowBias, Add for ColBias, then
// ReLU, LeakyReLU, Sigmoid, Tanh or Clip), so a fused product equals, bit
// for bit, the unfused product followed by those calls; their accuracy is
// documented on Vec. The zero Epilogue does nothing.
type Epilogue struct {
	// ColBias, if not nil, holds n values; ColBias[j] is added to column j
	// (the bias of a dense layer, whose output features are columns).
	ColBias []float32
	// RowBias, if not nil, holds m values; RowBias[i] is added to row i
	// (the bias of a convolution lowered with im2col, whose output
	// channels are rows).
	RowBias []float32
	// Act is the activation applied after the biases.
	Act Act
	// Alpha is the slope of ActLeakyReLU for negative inputs.
	Alpha float32
	// Min and Max bound ActClip.
	Min, Max float32
}

// isZero reports whether the epilogue does nothing.
func (e *Epilogue) isZero() bool {
	return e.ColBias == nil && e.RowBias == nil && e.Act == ActNone
}

// Gemm runs single-precision matrix products with the kernels of one
// instruction-set tier and a fixed number of threads. A Gemm is safe for
// concurrent use by several goroutines; each call borrows its own scratch
// space, and once warm a call allocates nothing.
type Gemm struct {
	// vs are the tier's kernel variants (register tile shapes); each call
	// picks the one that wastes least on its shape.
	vs      []*gemmKernels
	threads int
	// minWork, when positive, replaces the least work per thread (flops
	// in the blocked path, B elements in the matrix-vector paths): tests
	// set it to 1 to run small products on several threads.
	minWork int
}

// NewGemm returns a Gemm that uses tier's kernels and up to threads
// goroutines per call (threads <= 0 means runtime.GOMAXPROCS(0) at each
// call). Small products use fewer threads than asked, because waking a
// helper costs more than it saves. It fails when the running CPU or build
// cannot execute tier.
func NewGemm(tier Tier, threads int) (*Gemm, error) {
	if !tier.Supported() {
		return nil, fmt.Errorf("asm: NewGemm: tier %s not supported by this CPU or build", tier)
	}
	if gemmTables[tier] == nil {
		return nil, fmt.Errorf("asm: NewGemm: no GEMM kernels for tier %s in this build", tier)
	}
	if threads < 0 {
		threads = 0
	}
	return &Gemm{vs: gemmVariants(tier), threads: threads}, nil
}

// defaultGemm serves the package-level functions.
var defaultGemm = func() *Gemm {
	g, err := NewGemm(Active(), 0)
	if err != nil {
		g, _ = NewGemm(Generic, 0)
	}
	return g
}()

// DefaultGemm returns the Gemm behind the package-level functions: the
// Active tier and runtime.GOMAXPROCS(0) threads.
func DefaultGemm() *Gemm { return defaultGemm }

// Tier returns the instruction-set tier whose kernels g runs.
func (g *Gemm) Tier() Tier { return g.vs[0].tier }

// pick returns the kernel variant for an m×n product: the one with the
// least estimated time, counting the rows and columns its register tile
// pads and its measured relative speed.
func (g *Gemm) pick(m, n int) *gemmKernels {
	best, bestCost := g.vs[0], 0.0
	for i, v := range g.vs {
		cost := float64((m+v.mr-1)/v.mr*v.mr) * float64((n+v.nr-1)/v.nr*v.nr) / v.eff
		if i == 0 || cost < bestCost {
			best, bestCost = v, cost
		}
	}
	return best
}

// variant returns the kernel variant whose panels are nr wide, or nil.
func (g *Gemm) variant(nr int) *gemmKernels {
	for _, v := range g.vs {
		if v.nr == nr {
			return v
		}
	}
	return nil
}

// Threads returns the largest number of goroutines g uses for one call.
func (g *Gemm) Threads() int {
	if g.threads > 0 {
		return g.threads
	}
	return runtime.GOMAXPROCS(0)
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C with the Active tier and
// the default thread count. See Gemm.Sgemm.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	return defaultGemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Epilogue{})
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C and then applies ep, with
// BLAS semantics on row-major matrices: op(A) is m×k, op(B) is k×n and C is
// m×n. op(X) is X, or Xᵀ when transX is true, so A is stored as m×k (k×m
// when transposed) with rows lda elements apart; likewise B with ldb and C
// with ldc. As in BLAS, C is not read when beta is zero, so NaNs in C do not
// propagate then. The result equals, up to float32 rounding of the sums,
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s += opA(i, p) * opB(p, j)
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//			c[i*ldc+j] = ep(i, j, c[i*ldc+j])
//		}
//	}
//
// C must not overlap A, B or the epilogue's biases. Products big enough
// to pay for it are shared among g's threads; the result does not depend
// on the thread count (every element is summed in the same order).
//
// It returns an error wrapping ErrGemmArgs when a size is negative, a
// leading dimension is smaller than its row, a slice is too short or the
// epilogue's biases are shorter than m or n; C is then untouched.
func (g *Gemm) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, ep Epilogue) error {
	if err := checkGemmArgs("Sgemm", transA, m, n, k, a, lda, beta, c, ldc, &ep); err != nil {
		return err
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if err := checkMatrix("Sgemm", "B", br, bc, b, ldb); err != nil {
		return err
	}
	g.run(transA, transB, m, n, k, alpha, a, lda, b, ldb, nil, beta, c, ldc, &ep)
	return nil
}

// PackedB is a k×n right-hand matrix rearranged once into the panel layout
// of one kernel tier's micro-kernel, so that products with it skip packing.
// Pack weights with Gemm.PackB (or PackB) when a model is compiled and use
// them with SgemmPacked at every run. A PackedB is read-only and may be
// shared by concurrent calls.
type PackedB struct {
	k, n int
	nr   int // panel width of the layout
	data []float32
}

// K returns the number of rows of op(B) that p holds.
func (p *PackedB) K() int { return p.k }

// N returns the number of columns of op(B) that p holds.
func (p *PackedB) N() int { return p.n }

// Layout returns an identifier of p's memory layout: two PackedBs with the
// same Layout can be used by the same Gemms.
func (p *PackedB) Layout() int { return p.nr }

// PackB packs op(B) (k×n; B is k×n, or n×k when transB, rows ldb apart)
// for the Active tier. See Gemm.PackB.
func PackB(transB bool, k, n int, b []float32, ldb int) (*PackedB, error) {
	return defaultGemm.PackB(transB, k, n, b, ldb)
}

// PackB copies op(B) into a new PackedB laid out for g's kernels. op(B) is
// k×n; B is stored k×n (n×k when transB) with rows ldb elements apart.
func (g *Gemm) PackB(transB bool, k, n int, b []float32, ldb int) (*PackedB, error) {
	if k < 0 || n < 0 {
		return nil, fmt.Errorf("%w: PackB: negative size k=%d n=%d", ErrGemmArgs, k, n)
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if err := checkMatrix("PackB", "B", br, bc, b, ldb); err != nil {
		return nil, err
	}
	// The panel width suits a long run of rows (pick with a large m).
	nr := g.pick(1<<20, n).nr
	panels := (n + nr - 1) / nr
	p := &PackedB{k: k, n: n, nr: nr, data: make([]float32, panels*nr*k)}
	if k > 0 {
		packBPanels(transB, b, ldb, 0, k, 0, n, nr, p.data, g.variant(nr).transpose8)
	}
	return p, nil
}

// SgemmPacked computes C = alpha·op(A)·B + beta·C and applies ep, with B
// pre-packed, using the Active tier. See Gemm.SgemmPacked.
func SgemmPacked(transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int, ep Epilogue) error {
	return defaultGemm.SgemmPacked(transA, m, alpha, a, lda, b, beta, c, ldc, ep)
}

// SgemmPacked is Sgemm with a pre-packed right-hand matrix: it computes
// C = alpha·op(A)·B + beta·C and then applies ep, where B is b.K()×b.N(),
// op(A) is m×b.K() and C is m×b.N(). b must have been packed for a Gemm of
// the same layout (any Gemm of the same tier).
func (g *Gemm) SgemmPacked(transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int, ep Epilogue) error {
	if b == nil {
		return fmt.Errorf("%w: SgemmPacked: nil PackedB", ErrGemmArgs)
	}
	if g.variant(b.nr) == nil {
		return fmt.Errorf("%w: SgemmPacked: PackedB layout %d is not one of tier %s's", ErrGemmArgs, b.nr, g.Tier())
	}
	if err := checkGemmArgs("SgemmPacked", transA, m, b.n, b.k, a, lda, beta, c, ldc, &ep); err != nil {
		return err
	}
	g.run(transA, false, m, b.n, b.k, alpha, a, lda, nil, 0, b, beta, c, ldc, &ep)
	return nil
}

// checkGemmArgs validates everything but B.
func checkGemmArgs(fn string, transA bool, m, n, k int, a []float32, lda int, beta float32, c []float32, ldc int, ep *Epilogue) error {
	if m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("%w: %s: negative size m=%d n=%d k=%d", ErrGemmArgs, fn, m, n, k)
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	if err := checkMatrix(fn, "A", ar, ac, a, lda); err != nil {
		return err
	}
	if err := checkMatrix(fn, "C", m, n, c, ldc); err != nil {
		return err
	}
	return checkEpilogue(fn, m, n, ep)
}

func checkEpilogue(fn string, m, n int, ep *Epilogue) error {
	if ep.ColBias != nil && len(ep.ColBias) < n {
		return fmt.Errorf("%w: %s: epilogue ColBias has %d values, want %d", ErrGemmArgs, fn, len(ep.ColBias), n)
	}
	if ep.RowBias != nil && len(ep.RowBias) < m {
		return fmt.Errorf("%w: %s: epilogue RowBias has %d values, want %d", ErrGemmArgs, fn, len(ep.RowBias), m)
	}
	if ep.Act >= numActs {
		return fmt.Errorf("%w: %s: unknown epilogue activation %v", ErrGemmArgs, fn, ep.Act)
	}
	if ep.Act == ActClip && !(ep.Min <= ep.Max) {
		return fmt.Errorf("%w: %s: epilogue clip range [%v, %v] is empty", ErrGemmArgs, fn, ep.Min, ep.Max)
	}
	return nil
}

// checkMatrix checks that x holds a rows×cols matrix with rows ld apart.
func checkMatrix(fn, name string, rows, cols int, x []float32, ld int) error {
	if ld < max(1, cols) {
		return fmt.Errorf("%w: %s: ld%s = %d, want >= %d", ErrGemmArgs, fn, strings.ToLower(name), ld, max(1, cols))
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	// (rows-1)*ld+cols must not overflow; ld and rows are bounded by the
	// slice length check that follows whenever it matters.
	if rows-1 > (math.MaxInt-cols)/ld {
		return fmt.Errorf("%w: %s: %s is %d×%d with ld %d: too large", ErrGemmArgs, fn, name, rows, cols, ld)
	}
	if need := (rows-1)*ld + cols; len(x) < need {
		return fmt.Errorf("%w: %s: %s has %d elements, a %d×%d matrix with ld %d needs %d", ErrGemmArgs, fn, name, len(x), rows, cols, ld, need)
	}
	return nil
}

// ParallelFor calls f(lo, hi) on consecutive ranges that together cover
// [0, n), each at least grain long (but for a shorter n), on the calling
// goroutine and up to threads-1 of the helper goroutines that run
// multi-threaded products (threads <= 0 means runtime.GOMAXPROCS(0)). It
// returns when every call has returned; the calls must not depend on one
// another. There are about four ranges per thread; each thread takes
// those of its own share first (the same ones in every call with the
// same arguments, so their data tends to be in its core's caches), then
// any left, so a helper that starts late takes fewer, and one that has
// not started when the caller has done all of them is not waited for. A
// warm call allocates nothing.
func ParallelFor(threads, n, grain int, f func(lo, hi int)) {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	grain = max(grain, 1)
	parts := min(4*threads, n/grain)
	if threads == 1 || parts <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	j := getGemmJob()
	j.mode, j.fn, j.forN, j.forParts = modeFor, f, n, parts
	j.threads = min(threads, parts, gemmMaxThreads)
	j.reserveUnits(parts)
	j.exec()
	putGemmJob(j)
}
