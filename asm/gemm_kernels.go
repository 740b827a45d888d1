package asm

// gemmKernel is the micro-kernel signature every tier implements; see
// sgemmKernelGeneric for the loop it must equal.
type gemmKernel func(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, mr, nr int, pf *float32)

// gemvKernel is the single-row kernel signature; see gemvKernelGeneric.
type gemvKernel func(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32, nr int)

// gemmKernels is one tier's GEMM kernel table plus its cache blocking.
type gemmKernels struct {
	tier Tier
	// mr×nr is the register tile of kern.
	mr, nr int
	// kern computes one register tile from MR rows of A and a B panel.
	kern gemmKernel
	// packedA reports that kern reads A interleaved, A(i, p) at
	// a[p*MR+i] (lda unused), so A is always packed that way; otherwise
	// kern reads MR rows lda apart, A(i, p) at a[i*lda+p], straight from
	// op(A) when it is not transposed.
	packedA bool
	// directRows is the most rows of A for which B is read in place
	// rather than packed (0 means gemmDirectRows, < 0 never: a test
	// knob).
	directRows int
	// packBudget, when positive, replaces the default of budget() (a
	// tuning and test knob).
	packBudget int
	// streamRows and streamKC, when positive, replace the row block and
	// the longest k block of unitStream (test knobs).
	streamRows, streamKC int
	// packA makes strided kernels read A from a packed copy even when
	// op(A) could be read in place (a tuning knob).
	packA bool
	// pfPerK is how many floats of its pf argument a full-width kern
	// prefetches per k step (0: it ignores pf).
	pfPerK int
	// partialN reports that kern handles nr < NR itself (with masked
	// loads and stores); otherwise edge tiles go through a scratch tile.
	partialN bool
	// transpose8, if not nil, is packTranspose8's contract in assembly:
	// dst[x*ldd+y] = src[y*lds+x] for y < 8, x < kc.
	transpose8 func(kc int, src *float32, lds int, dst *float32, ldd int)
	// dot4, if not nil, computes four dot products with rows of b:
	// out[r] = Σ_p x[p]·b[r*ldb+p] (see gemvT).
	dot4 func(kc int, x, b *float32, ldb int, out *[4]float32)
	// gemv computes one row of C against up to gemvNR columns of B.
	gemv gemvKernel
	// gemvNR is the widest column block gemv handles per call.
	gemvNR int
	// eff is the variant's speed relative to the tier's fastest, on
	// shapes it does not pad (measured; see BenchmarkGemmVariant and TestGemmTune).
	eff float64
	// kc, mc, nc are the cache blocks: kc rows of B and columns of A per
	// pass, mc rows of A per packed block (a multiple of mr), nc columns of
	// B per packed block (a multiple of nr).
	kc, mc, nc int
}

// gemmTables holds the kernels of every tier this build has; entries for
// tiers the CPU cannot run are never used because NewGemm checks
// Tier.Supported first.
var gemmTables = func() (t [numTiers]*gemmKernels) {
	t[Generic] = newGemmKernels(&gemmKernels{
		tier: Generic, mr: 4, nr: 4,
		kern: sgemmKernelGeneric, partialN: true,
		gemv: gemvKernelGeneric, gemvNR: 64,
	})
	gemmArchTables(&t)
	return t
}()

// newGemmKernels fills in the cache blocking of k from the CPU's cache
// sizes and returns k.
func newGemmKernels(k *gemmKernels) *gemmKernels {
	c := Caches()
	if k.eff == 0 {
		k.eff = 1
	}
	if k.kc == 0 {
		// A kc×nr panel of B is reused from L1 and L2 while the rows of
		// A stream through: kc = 256 for 64-wide panels and a 48 KiB L1
		// measured best on the development machine (TestGemmTune).
		k.kc = (c.L1D * 4 / 3) / (4 * k.nr)
		k.kc = min(max(k.kc&^15, 128), 384)
	}
	if k.mc == 0 {
		// The packed mc×kc block of A takes about half of L2.
		k.mc = (c.L2 / 2) / (4 * k.kc)
		k.mc = max(k.mc/k.mr, 1) * k.mr
	}
	if k.nc == 0 {
		// The packed kc×nc block of B takes about half of L3.
		k.nc = (c.L3 / 2) / (4 * k.kc)
		k.nc = min(max(k.nc/k.nr, 1)*k.nr, 1<<16)
	}
	return k
}
