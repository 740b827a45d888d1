package asm

import (
	"fmt"
	"math"
)

// A ConvGemm is a matrix product whose right-hand matrix is never built:
// row p of it is a contiguous run of the input X starting at a fixed
// offset Off[p]. It is the core of direct (implicit-GEMM) convolution:
// when a convolution's input planes are laid out with zero padding around
// them (and, for strides above 1, split into stride phases), every
// (input channel, kernel tap) pair reads the input at one offset from the
// output position, so
//
//	C[i][j] = act(Σ_p A[i][p]·X[Off[p]+j] + Bias[i])   i < M, j < N
//
// computes M output channels at N consecutive output positions (in the
// padded row pitch, so some columns are garbage the caller drops). A is
// packed once into register-tile panels by NewConvGemm, so a ConvGemm is
// built when a model is compiled and run many times. It is read-only and
// safe for concurrent use.
//
// C has Rows() rows (M rounded up to the register tile) of Ldc() columns
// (N rounded up to whole vectors); rows past M and columns past N
// receive values the caller must ignore. X must hold XLen() elements; the
// elements a valid output reads are X[Off[p]+j] for j < N, and the rest of
// the XLen() elements are read only for ignored outputs (keep them finite
// to avoid slow paths: zero them).
type ConvGemm struct {
	tier       Tier
	m, k, n    int
	mr, cols   int // register tile: mr rows × cols columns
	blocks     int // row blocks of mr rows
	tiles      int // column tiles of cols columns
	ldc        int
	xlen       int
	a          []float32 // packed: block b, step p, row i at a[(b*k+p)*mr+i]
	bias       []float32 // blocks*mr values
	off        []int64   // byte offsets into X
	offElems   []int     // the same in elements, for the generic kernel
	act        int
	p0, p1     float32
	post       Act // ActSigmoid or ActTanh, applied by Vec after the kernel
	narrow     []convKernel
	half       convKernel
	vec        *Vec
	lanes      int
	nvec       int
	genericRun bool
}

// Activation codes the kernels understand in-register.
const (
	convActNone = iota
	convActReLU
	convActLeaky
	convActClip
)

// convKernel is the signature every tier's direct-convolution kernel
// implements; see convKernelGeneric for the loop it must equal.
type convKernel func(k int, a *float32, off *int64, x *float32, c *float32, ldc int, bias *float32, act int, p0, p1 float32)

// convShape is one register tile a tier offers.
type convShape struct {
	mr, lanes, nv int
	// narrow[v-1] is the kernel of v vectors per row (v <= nv), for the
	// last column tile; nil for the generic tier.
	narrow []convKernel
	// half, if not nil, computes 8 columns (half a 16-lane vector), for
	// a last tile of up to 8 columns.
	half convKernel
	// cost is the estimated time of one k step of one tile relative to
	// its FMA count, from the loads it issues (measured shapes).
	eff float64
}

// maxConvElems bounds every size a ConvGemm computes.
const maxConvElems = 1 << 40

// NewConvGemm packs the m×k matrix A (row i at a[i*lda:], k values) for
// tier's kernels and returns the product with input offsets off (k
// element offsets, each >= 0), n output columns, the row bias ep.RowBias
// (m values, or nil) and the activation ep.Act (with ep.Alpha, ep.Min,
// ep.Max). ep.ColBias must be nil. The activation is computed as the Vec
// kernels compute it, after the bias is added.
func NewConvGemm(tier Tier, m, k, n int, a []float32, lda int, off []int, ep Epilogue) (*ConvGemm, error) {
	if !tier.Supported() {
		return nil, fmt.Errorf("asm: NewConvGemm: tier %s not supported by this CPU or build", tier)
	}
	if m < 1 || k < 1 || n < 1 || m > maxConvElems || k > maxConvElems || n > maxConvElems {
		return nil, fmt.Errorf("asm: NewConvGemm: sizes m=%d k=%d n=%d", m, k, n)
	}
	if err := checkMatrix("NewConvGemm", "A", m, k, a, lda); err != nil {
		return nil, err
	}
	if len(off) != k {
		return nil, fmt.Errorf("asm: NewConvGemm: %d offsets for k=%d", len(off), k)
	}
	if ep.ColBias != nil {
		return nil, fmt.Errorf("asm: NewConvGemm: a column bias is not supported")
	}
	if err := checkEpilogue("NewConvGemm", m, n, &ep); err != nil {
		return nil, err
	}
	return newConvGemm(tier, pickConvShape(convShapes(tier), m), m, k, n, a, lda, off, ep)
}

// newConvGemm is NewConvGemm with the register tile chosen by the caller
// (tests try every one); the arguments are checked.
func newConvGemm(tier Tier, s convShape, m, k, n int, a []float32, lda int, off []int, ep Epilogue) (*ConvGemm, error) {
	vec, err := VecFor(tier)
	if err != nil {
		return nil, err
	}
	g := &ConvGemm{tier: tier, m: m, k: k, n: n, vec: vec}
	switch ep.Act {
	case ActNone:
	case ActReLU:
		g.act = convActReLU
	case ActLeakyReLU:
		g.act, g.p0 = convActLeaky, ep.Alpha
	case ActClip:
		g.act, g.p0, g.p1 = convActClip, ep.Min, ep.Max
	case ActSigmoid, ActTanh:
		g.post = ep.Act
	}
	g.mr, g.lanes, g.nvec, g.narrow, g.half = s.mr, s.lanes, s.nv, s.narrow, s.half
	g.genericRun = s.narrow == nil
	g.cols = s.lanes * s.nv
	g.blocks = (m + g.mr - 1) / g.mr
	g.tiles = (n + g.cols - 1) / g.cols
	// The last tile is only as wide as the vectors it needs (see run).
	g.ldc = (n + g.lanes - 1) / g.lanes * g.lanes
	maxOff := 0
	g.off = make([]int64, k)
	g.offElems = make([]int, k)
	for p, o := range off {
		if o < 0 || o > maxConvElems {
			return nil, fmt.Errorf("asm: NewConvGemm: offset %d of step %d", o, p)
		}
		maxOff = max(maxOff, o)
		g.off[p] = int64(o) * 4
		g.offElems[p] = o
	}
	g.xlen = maxOff + g.ldc
	g.a = make([]float32, g.blocks*k*g.mr)
	for b := 0; b < g.blocks; b++ {
		for p := 0; p < k; p++ {
			for i := 0; i < g.mr; i++ {
				if r := b*g.mr + i; r < m {
					g.a[(b*k+p)*g.mr+i] = a[r*lda+p]
				}
			}
		}
	}
	g.bias = make([]float32, g.blocks*g.mr)
	if ep.RowBias != nil {
		copy(g.bias, ep.RowBias[:m])
	}
	return g, nil
}

// pickConvShape returns the tile with the least estimated time for m
// rows: padded rows divided by the tile's efficiency.
func pickConvShape(shapes []convShape, m int) convShape {
	best, bestCost := shapes[0], math.Inf(1)
	for _, s := range shapes {
		padded := (m + s.mr - 1) / s.mr * s.mr
		cost := float64(padded) / s.eff / float64(s.lanes)
		if cost < bestCost {
			best, bestCost = s, cost
		}
	}
	return best
}

// M returns the number of rows (output channels).
func (g *ConvGemm) M() int { return g.m }

// K returns the depth (input channels × kernel taps).
func (g *ConvGemm) K() int { return g.k }

// N returns the number of output columns.
func (g *ConvGemm) N() int { return g.n }

// Rows returns the number of rows of C the product writes: M rounded up
// to the register tile.
func (g *ConvGemm) Rows() int { return g.blocks * g.mr }

// Ldc returns the row pitch of C: N rounded up to a whole vector.
func (g *ConvGemm) Ldc() int { return g.ldc }

// CLen returns the number of elements of C: Rows()·Ldc().
func (g *ConvGemm) CLen() int { return g.blocks * g.mr * g.ldc }

// XLen returns the least number of elements of X: the largest offset plus
// Ldc().
func (g *ConvGemm) XLen() int { return g.xlen }

// Tiles returns the number of column tiles; RunTiles computes a range of
// them.
func (g *ConvGemm) Tiles() int { return g.tiles }

// TileCols returns the width of a column tile.
func (g *ConvGemm) TileCols() int { return g.cols }

// Tile returns the register tile's rows and columns (for tests and
// benchmarks).
func (g *ConvGemm) Tile() (rows, cols int) { return g.mr, g.cols }

// FLOPs returns the floating-point operations of one Run on the useful
// part (2·M·N·K).
func (g *ConvGemm) FLOPs() int64 { return 2 * int64(g.m) * int64(g.n) * int64(g.k) }

// Run computes all of C from X. It fails, without writing, when c or x is
// too short.
func (g *ConvGemm) Run(c, x []float32) error { return g.RunTiles(c, x, 0, g.tiles) }

// RunTiles computes the column tiles [t0, t1) of C (columns
// t0·TileCols() to min(t1·TileCols(), Ldc())) for every row; disjoint
// ranges may run concurrently on the same c and x.
func (g *ConvGemm) RunTiles(c, x []float32, t0, t1 int) error {
	if len(c) < g.CLen() {
		return fmt.Errorf("asm: ConvGemm: C has %d elements, want %d", len(c), g.CLen())
	}
	if len(x) < g.xlen {
		return fmt.Errorf("asm: ConvGemm: X has %d elements, want %d", len(x), g.xlen)
	}
	if t0 < 0 || t1 > g.tiles || t0 > t1 {
		return fmt.Errorf("asm: ConvGemm: tiles [%d, %d) of %d", t0, t1, g.tiles)
	}
	g.run(c, x, t0, t1)
	return nil
}

func (g *ConvGemm) run(c, x []float32, t0, t1 int) {
	k, mr, cols, ldc := g.k, g.mr, g.cols, g.ldc
	for t := t0; t < t1; t++ {
		j := t * cols
		// The last tile is only as wide as the vectors it needs, or
		// half a vector.
		nv := g.nvec
		kern := convKernel(nil)
		if !g.genericRun {
			kern = g.narrow[nv-1]
		}
		if t == g.tiles-1 {
			nv = (g.n - j + g.lanes - 1) / g.lanes
			if !g.genericRun {
				kern = g.narrow[nv-1]
				if g.half != nil && g.n-j <= g.lanes/2 {
					kern = g.half
				}
			}
		}
		for b := 0; b < g.blocks; b++ {
			a := g.a[b*k*mr : (b+1)*k*mr]
			cb := c[b*mr*ldc+j:]
			if g.genericRun {
				convKernelGeneric(k, a, g.offElems, x[j:], cb, ldc, mr, nv*g.lanes, g.bias[b*mr:(b+1)*mr], g.act, g.p0, g.p1)
				continue
			}
			kern(k, &a[0], &g.off[0], &x[j], &cb[0], ldc, &g.bias[b*mr], g.act, g.p0, g.p1)
		}
	}
	if g.post != ActNone && t1 > t0 {
		lo, hi := t0*cols, min(t1*cols, g.n)
		for i := 0; i < g.blocks*mr; i++ {
			row := c[i*ldc+lo : i*ldc+hi]
			if g.post == ActSigmoid {
				g.vec.Sigmoid(row, row)
			} else {
				g.vec.Tanh(row, row)
			}
		}
	}
}
