package asm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemmGuard fills the memory around and between the rows of a test matrix;
// a kernel that writes it has written out of bounds.
var gemmGuard = math.Float32frombits(0x7fc0dead)

// gemmMat is a rows×cols matrix with leading dimension ld, placed off
// elements into buf, which is guarded on both sides.
type gemmMat struct {
	buf              []float32
	off              int
	rows, cols, ld   int
	guardLo, guardHi int
}

// newGemmMat returns a guarded matrix whose elements come from fill.
func newGemmMat(rows, cols, ld, off int, fill func() float32) *gemmMat {
	n := 0
	if rows > 0 && cols > 0 {
		n = (rows-1)*ld + cols
	}
	const pad = 37
	g := &gemmMat{buf: make([]float32, off+n+pad), off: off, rows: rows, cols: cols, ld: ld}
	for i := range g.buf {
		g.buf[i] = gemmGuard
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			g.buf[off+i*ld+j] = fill()
		}
	}
	return g
}

// s returns exactly the elements a BLAS routine may touch.
func (g *gemmMat) s() []float32 {
	if g.rows == 0 || g.cols == 0 {
		return g.buf[g.off:g.off]
	}
	return g.buf[g.off : g.off+(g.rows-1)*g.ld+g.cols]
}

func (g *gemmMat) at(i, j int) float32 { return g.buf[g.off+i*g.ld+j] }

// checkGuards reports an error if any element outside the matrix changed.
func (g *gemmMat) checkGuards() error {
	in := func(x int) bool {
		x -= g.off
		if x < 0 || g.rows == 0 || g.cols == 0 {
			return false
		}
		i, j := x/g.ld, x%g.ld
		return i < g.rows && j < g.cols
	}
	for x, v := range g.buf {
		if !in(x) && math.Float32bits(v) != math.Float32bits(gemmGuard) {
			return fmt.Errorf("guard at buffer index %d (matrix offset %d) overwritten with %v", x, x-g.off, v)
		}
	}
	return nil
}

func (g *gemmMat) clone() *gemmMat {
	c := *g
	c.buf = append([]float32(nil), g.buf...)
	return &c
}

// gemmRef computes the product in float64 from the unchanged inputs.
func gemmRef(transA, transB bool, m, n, k int, alpha float64, a *gemmMat, b *gemmMat, beta float64, c *gemmMat, ep *Epilogue) [][]float64 {
	opA := func(i, p int) float64 {
		if transA {
			return float64(a.at(p, i))
		}
		return float64(a.at(i, p))
	}
	opB := func(p, j int) float64 {
		if transB {
			return float64(b.at(j, p))
		}
		return float64(b.at(p, j))
	}
	out := make([][]float64, m)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			var s float64
			for p := 0; p < k; p++ {
				s += opA(i, p) * opB(p, j)
			}
			v := alpha * s
			if beta != 0 {
				v += beta * float64(c.at(i, j))
			}
			// The float32 routines round before the epilogue.
			v = float64(float32(v))
			if ep != nil {
				if ep.RowBias != nil {
					v += float64(ep.RowBias[i])
				}
				if ep.ColBias != nil {
					v += float64(ep.ColBias[j])
				}
				v = float64(float32(v))
				v = gemmRefAct(v, ep)
			}
			out[i][j] = v
		}
	}
	return out
}

func gemmRefAct(v float64, ep *Epilogue) float64 {
	switch ep.Act {
	case ActReLU:
		return math.Max(v, 0)
	case ActLeakyReLU:
		if v < 0 {
			return float64(ep.Alpha) * v
		}
	case ActSigmoid:
		return 1 / (1 + math.Exp(-v))
	case ActTanh:
		return math.Tanh(v)
	case ActClip:
		return math.Min(math.Max(v, float64(ep.Min)), float64(ep.Max))
	}
	return v
}

// gemmSizes are the edge sizes the issue asks for: 0..2·16+1 (the widest
// vector holds 16 floats) and the odd shapes.
var gemmSizes = func() []int {
	var s []int
	for i := 0; i <= 33; i++ {
		s = append(s, i)
	}
	return append(s, 63, 64, 65, 127, 257)
}()

// gemmShape is one product to test.
type gemmShape struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	// Extra elements per row, and the offset of each matrix in its buffer
	// (unaligned starts).
	padA, padB, padC int
	offA, offB, offC int
}

func (s gemmShape) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/m%d_n%d_k%d/a%g_b%g/pad%d.%d.%d/off%d.%d.%d", t(s.transA), t(s.transB), s.m, s.n, s.k,
		s.alpha, s.beta, s.padA, s.padB, s.padC, s.offA, s.offB, s.offC)
}

// gemmShapes returns the shapes every tier is tested on: every size in
// gemmSizes for each of m, n and k (the other two drawn from gemmSizes),
// under all four transpose combinations, with random strides, offsets and
// scalars.
func gemmShapes(rng *rand.Rand, short bool) []gemmShape {
	scalars := []float32{0, 1, -1, 2, 0.5, -3}
	pick := func() int {
		if rng.IntN(3) == 0 {
			return gemmSizes[rng.IntN(len(gemmSizes))]
		}
		return rng.IntN(34)
	}
	var out []gemmShape
	for _, x := range gemmSizes {
		for which := 0; which < 3; which++ {
			for tr := 0; tr < 4; tr++ {
				if short && (x+which+tr)%3 != 0 {
					continue
				}
				s := gemmShape{transA: tr&1 != 0, transB: tr&2 != 0, m: pick(), n: pick(), k: pick()}
				switch which {
				case 0:
					s.m = x
				case 1:
					s.n = x
				case 2:
					s.k = x
				}
				s.alpha = scalars[1+rng.IntN(len(scalars)-1)]
				if rng.IntN(8) == 0 {
					s.alpha = 0
				}
				s.beta = scalars[rng.IntN(len(scalars))]
				if rng.IntN(2) == 0 {
					s.padA, s.padB, s.padC = rng.IntN(5), rng.IntN(5), rng.IntN(5)
				}
				s.offA, s.offB, s.offC = rng.IntN(17), rng.IntN(17), rng.IntN(17)
				out = append(out, s)
			}
		}
	}
	// Single rows and columns (the matrix-vector paths) in every
	// orientation.
	for _, x := range []int{1, 7, 16, 33, 64, 65, 257, 784} {
		for tr := 0; tr < 4; tr++ {
			for _, mn := range [][2]int{{1, x}, {x, 1}, {1, 1}, {2, x}} {
				out = append(out, gemmShape{transA: tr&1 != 0, transB: tr&2 != 0, m: mn[0], n: mn[1], k: pick() + 1,
					alpha: 1, beta: scalars[rng.IntN(len(scalars))], padA: rng.IntN(3), padB: rng.IntN(3), padC: rng.IntN(3),
					offA: rng.IntN(5), offB: rng.IntN(5), offC: rng.IntN(5)})
			}
		}
	}
	return out
}

// gemmOperands builds guarded A, B and C for s; fill supplies elements.
func gemmOperands(s gemmShape, fill func() float32) (a, b, c *gemmMat) {
	ar, ac := s.m, s.k
	if s.transA {
		ar, ac = s.k, s.m
	}
	br, bc := s.k, s.n
	if s.transB {
		br, bc = s.n, s.k
	}
	a = newGemmMat(ar, ac, max(ac, 1)+s.padA, s.offA, fill)
	b = newGemmMat(br, bc, max(bc, 1)+s.padB, s.offB, fill)
	cfill := fill
	if s.beta == 0 {
		// C must not be read when beta is zero: NaNs would propagate.
		cfill = func() float32 { return float32(math.NaN()) }
	}
	c = newGemmMat(s.m, s.n, max(s.n, 1)+s.padC, s.offC, cfill)
	return a, b, c
}

// smallInts returns a source of small integers, whose products and sums
// are exact in float32 at the sizes tested: every correct GEMM, fused or
// not, in any summation order, gives bit-identical results.
func smallInts(rng *rand.Rand) func() float32 {
	return func() float32 { return float32(rng.IntN(9) - 4) }
}

// testGemms returns a Gemm for every tier the CPU supports, with the given
// thread count, and one restricted to each kernel variant of tiers that
// have several (so every variant runs every shape).
func testGemms(t testing.TB, threads int) []*Gemm {
	var gs []*Gemm
	for _, tier := range Tiers() {
		g, err := NewGemm(tier, threads)
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
		if vs := gemmVariants(tier); len(vs) > 1 {
			for _, v := range vs {
				gs = append(gs, &Gemm{vs: []*gemmKernels{v}, threads: threads})
			}
		}
		// The default variant with B always packed, a column block of at
		// most 3 panels at a time.
		kt := *gemmVariants(tier)[0]
		kt.directRows = -1
		kt.packBudget = 3 * kt.nr
		gs = append(gs, &Gemm{vs: []*gemmKernels{&kt}, threads: threads})
	}
	return gs
}

// gemmName names g in test output: its tier, and its only kernel variant
// when restricted to one.
func gemmName(g *Gemm) string {
	if len(g.vs) == 1 {
		s := fmt.Sprintf("%s_%dx%d", g.Tier(), g.vs[0].mr, g.vs[0].nr)
		if g.vs[0].directRows < 0 {
			s += "_packB"
		}
		return s
	}
	return g.Tier().String()
}

// TestSgemmExact checks every tier on integer data, where the result is
// exact and must equal the float64 reference bit for bit, and checks that
// nothing outside C (nor between its rows) is written.
func TestSgemmExact(t *testing.T) {
	for _, threads := range []int{1, 2} {
		for _, g := range testGemms(t, threads) {
			t.Run(fmt.Sprintf("%s/t%d", gemmName(g), threads), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(len(gemmName(g)))))
				shapes := gemmShapes(rng, testing.Short() || threads > 1)
				for _, s := range shapes {
					a, b, c := gemmOperands(s, smallInts(rng))
					want := gemmRef(s.transA, s.transB, s.m, s.n, s.k, float64(s.alpha), a, b, float64(s.beta), c, nil)
					err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c.s(), c.ld, Epilogue{})
					if err != nil {
						t.Fatalf("%v: %v", s, err)
					}
					if err := gemmCompare(c, want, 0); err != nil {
						t.Fatalf("%v: %v", s, err)
					}
				}
			})
		}
	}
}

// gemmCompare checks c against want: |c - want| <= tol·max(1, |want|),
// and the guards.
func gemmCompare(c *gemmMat, want [][]float64, tol float64) error {
	for i := range want {
		for j, w := range want[i] {
			got := float64(c.at(i, j))
			if math.IsNaN(w) != math.IsNaN(got) || math.Abs(got-w) > tol*math.Max(1, math.Abs(w)) {
				return fmt.Errorf("C[%d][%d] = %v, want %v", i, j, got, w)
			}
		}
	}
	return c.checkGuards()
}

// TestSgemmGonum compares every tier with gonum's Sgemm on random float
// data. The tolerance is the standard forward error bound of a k-term
// float32 dot product, gamma_k·Σ|a||b| (u = 2⁻²⁴), for each routine,
// plus the rounding of alpha·s + beta·c.
func TestSgemmGonum(t *testing.T) {
	impl := gonum.Implementation{}
	tr := func(b bool) blas.Transpose {
		if b {
			return blas.Trans
		}
		return blas.NoTrans
	}
	for _, g := range testGemms(t, 2) {
		t.Run(gemmName(g), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, uint64(g.Tier())))
			for _, s := range gemmShapes(rng, true) {
				if s.alpha == 0 || s.k == 0 {
					// Trivial (C = beta·C), and gonum's length checks
					// reject some k == 0 operands; TestSgemmExact
					// covers these.
					continue
				}
				fill := func() float32 { return rng.Float32()*2 - 1 }
				a, b, c := gemmOperands(s, fill)
				c0 := c.clone()
				c2 := c.clone()
				if s.beta == 0 {
					// gonum reads C when beta == 0? It must not either;
					// give it zeros to be sure the comparison is fair.
					for i := range c2.s() {
						c2.s()[i] = 0
					}
				}
				if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c.s(), c.ld, Epilogue{}); err != nil {
					t.Fatal(err)
				}
				if s.m > 0 && s.n > 0 {
					impl.Sgemm(tr(s.transA), tr(s.transB), s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c2.s(), c2.ld)
				}
				const u = 0x1p-24
				gamma := float64(s.k) * u / (1 - float64(s.k)*u)
				for i := 0; i < s.m; i++ {
					for j := 0; j < s.n; j++ {
						var abs float64
						for p := 0; p < s.k; p++ {
							var av, bv float32
							if s.transA {
								av = a.at(p, i)
							} else {
								av = a.at(i, p)
							}
							if s.transB {
								bv = b.at(j, p)
							} else {
								bv = b.at(p, j)
							}
							abs += math.Abs(float64(av) * float64(bv))
						}
						// Each routine: gamma_k·|alpha|·Σ|ab| for the sum,
						// plus two roundings of alpha·s + beta·c0; the two
						// routines' errors add.
						var bc float64
						if s.beta != 0 {
							bc = math.Abs(float64(s.beta) * float64(c0.at(i, j)))
						}
						aabs := math.Abs(float64(s.alpha)) * abs
						bound := 2 * (gamma*aabs + 2*u*(aabs+bc))
						got, want := c.at(i, j), c2.at(i, j)
						if d := math.Abs(float64(got) - float64(want)); !(d <= bound) {
							t.Fatalf("%v: C[%d][%d] = %v, gonum %v (|diff| %g > bound %g)", s, i, j, got, want, d, bound)
						}
					}
				}
				if err := c.checkGuards(); err != nil {
					t.Fatalf("%v: %v", s, err)
				}
			}
		})
	}
}

// TestSgemmEpilogue checks every activation with row, column and both
// biases on every tier. ReLU, LeakyReLU (slope 1/4) and Clip act on exact
// integer data and must be exact; sigmoid and tanh are Vec's
// approximations, documented within 2.5 ulps, checked here as 4 ulps of
// the float64 result (plus 2⁻²⁶ absolute near zero, where ulps vanish).
func TestSgemmEpilogue(t *testing.T) {
	acts := []Epilogue{
		{Act: ActNone}, {Act: ActReLU}, {Act: ActLeakyReLU, Alpha: 0.25},
		{Act: ActSigmoid}, {Act: ActTanh}, {Act: ActClip, Min: -6, Max: 5},
	}
	for _, threads := range []int{1, 2} {
		for _, g := range testGemms(t, threads) {
			t.Run(fmt.Sprintf("%s/t%d", gemmName(g), threads), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, uint64(g.Tier())))
				shapes := gemmShapes(rng, true)
				for si, s := range shapes {
					if si%3 != 0 {
						continue
					}
					for _, e := range acts {
						for bias := 0; bias < 4; bias++ {
							ep := e
							fill := smallInts(rng)
							if bias&1 != 0 {
								ep.RowBias = make([]float32, s.m)
								for i := range ep.RowBias {
									ep.RowBias[i] = fill()
								}
							}
							if bias&2 != 0 {
								ep.ColBias = make([]float32, s.n)
								for i := range ep.ColBias {
									ep.ColBias[i] = fill()
								}
							}
							a, b, c := gemmOperands(s, fill)
							// Scale so sigmoid and tanh see values
							// across their whole range.
							alpha := s.alpha / 8
							want := gemmRef(s.transA, s.transB, s.m, s.n, s.k, float64(alpha), a, b, float64(s.beta), c, &ep)
							if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c.s(), c.ld, ep); err != nil {
								t.Fatal(err)
							}
							tol := 0.0
							if ep.Act == ActSigmoid || ep.Act == ActTanh {
								tol = 4 * 0x1p-24
							}
							if err := gemmCompareULP(c, want, tol); err != nil {
								t.Fatalf("%v %v bias%d: %v", s, ep.Act, bias, err)
							}
						}
					}
				}
			})
		}
	}
}

// TestSgemmEpilogueUnfused checks that a fused epilogue equals, bit for
// bit, the plain product followed by the same tier's Vec kernels: the
// compiler may fuse or not without changing results.
func TestSgemmEpilogueUnfused(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 0))
	fill := func() float32 { return rng.Float32()*4 - 2 }
	for _, g := range testGemms(t, 2) {
		v, err := VecFor(g.Tier())
		if err != nil {
			v, _ = VecFor(Generic)
		}
		for _, sz := range [][3]int{{37, 45, 29}, {1, 70, 33}, {70, 1, 33}, {130, 100, 300}} {
			for _, act := range []Act{ActNone, ActReLU, ActLeakyReLU, ActSigmoid, ActTanh, ActClip} {
				s := gemmShape{m: sz[0], n: sz[1], k: sz[2], alpha: 1, beta: 0.5, transB: act%2 == 0}
				a, b, c := gemmOperands(s, fill)
				ep := Epilogue{Act: act, Alpha: 0.1, Min: -0.5, Max: 0.75,
					RowBias: make([]float32, s.m), ColBias: make([]float32, s.n)}
				for i := range ep.RowBias {
					ep.RowBias[i] = fill()
				}
				for i := range ep.ColBias {
					ep.ColBias[i] = fill()
				}
				c2 := c.clone()
				if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c.s(), c.ld, ep); err != nil {
					t.Fatal(err)
				}
				if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c2.s(), c2.ld, Epilogue{}); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < s.m; i++ {
					row := c2.s()[i*c2.ld : i*c2.ld+s.n]
					v.AddScalar(row, row, ep.RowBias[i])
					v.Add(row, row, ep.ColBias)
					switch act {
					case ActReLU:
						v.ReLU(row, row)
					case ActLeakyReLU:
						v.LeakyReLU(row, row, ep.Alpha)
					case ActSigmoid:
						v.Sigmoid(row, row)
					case ActTanh:
						v.Tanh(row, row)
					case ActClip:
						v.Clip(row, row, ep.Min, ep.Max)
					}
				}
				for i, x := range c.s() {
					if math.Float32bits(x) != math.Float32bits(c2.s()[i]) {
						t.Fatalf("%s %v %v: fused C element %d = %v, unfused %v", g.Tier(), s, act, i, x, c2.s()[i])
					}
				}
			}
		}
	}
}

// gemmCompareULP checks |c - want| <= rel·|want| + rel/4 for every element.
func gemmCompareULP(c *gemmMat, want [][]float64, rel float64) error {
	for i := range want {
		for j, w := range want[i] {
			got := float64(c.at(i, j))
			if math.IsNaN(w) != math.IsNaN(got) || math.Abs(got-w) > rel*math.Abs(w)+rel/4 {
				return fmt.Errorf("C[%d][%d] = %v, want %v", i, j, got, w)
			}
		}
	}
	return c.checkGuards()
}

// TestSgemmPacked checks that products with a pre-packed B equal plain
// products bit for bit, on every tier.
func TestSgemmPacked(t *testing.T) {
	for _, g := range testGemms(t, 2) {
		t.Run(gemmName(g), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, uint64(g.Tier())))
			for _, s := range gemmShapes(rng, true) {
				a, b, c := gemmOperands(s, smallInts(rng))
				ep := Epilogue{Act: ActReLU}
				want := gemmRef(s.transA, s.transB, s.m, s.n, s.k, float64(s.alpha), a, b, float64(s.beta), c, &ep)
				pb, err := g.PackB(s.transB, s.k, s.n, b.s(), b.ld)
				if err != nil {
					t.Fatal(err)
				}
				if pb.K() != s.k || pb.N() != s.n {
					t.Fatalf("%v: PackedB is %d×%d", s, pb.K(), pb.N())
				}
				if err := b.checkGuards(); err != nil {
					t.Fatalf("%v: PackB wrote B: %v", s, err)
				}
				if err := g.SgemmPacked(s.transA, s.m, s.alpha, a.s(), a.ld, pb, s.beta, c.s(), c.ld, ep); err != nil {
					t.Fatal(err)
				}
				if err := gemmCompare(c, want, 0); err != nil {
					t.Fatalf("%v: %v", s, err)
				}
			}
		})
	}
}

// TestSgemmPackedStream checks the pre-packed path that streams B panel by
// panel over all of k (unitStream) on shapes that take several k blocks,
// several row blocks (with a partial last tile), several epilogue groups
// and a partial last panel: exact on integer data, the fused epilogue
// equal bit for bit to the unfused one, and the same with 1 and 2 threads.
func TestSgemmPackedStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 0))
	for _, g := range testGemms(t, 1) {
		v, err := VecFor(g.Tier())
		if err != nil {
			v, _ = VecFor(Generic)
		}
		for _, sz := range [][3]int{{53, 300, 1100}, {64, 1000, 40}, {7, 530, 300}} {
			// Row blocks of 3 tiles and k blocks of at most 128: the row
			// and k loops run several times.
			kt := *g.vs[0]
			kt.streamRows, kt.streamKC = 3*kt.mr, 128
			gs := []*Gemm{
				{vs: []*gemmKernels{&kt}, threads: 1},
				{vs: []*gemmKernels{&kt}, threads: 2, minWork: 1},
			}
			s := gemmShape{m: sz[0], n: sz[1], k: sz[2], alpha: 1, beta: 0}
			a, b, c := gemmOperands(s, smallInts(rng))
			pb, err := gs[0].PackB(false, s.k, s.n, b.s(), b.ld)
			if err != nil {
				t.Fatal(err)
			}
			want := gemmRef(false, false, s.m, s.n, s.k, 1, a, b, 0, c, &Epilogue{})
			ep := Epilogue{Act: ActSigmoid, ColBias: make([]float32, s.n)}
			for i := range ep.ColBias {
				ep.ColBias[i] = float32(rng.IntN(9)-4) / 8
			}
			var fused []float32
			for ti, g := range gs {
				plain := c.clone()
				if err := g.SgemmPacked(false, s.m, 1, a.s(), a.ld, pb, 0, plain.s(), plain.ld, Epilogue{}); err != nil {
					t.Fatal(err)
				}
				if err := gemmCompare(plain, want, 0); err != nil {
					t.Fatalf("%s %v threads %d: %v", gemmName(g), s, g.threads, err)
				}
				f := c.clone()
				if err := g.SgemmPacked(false, s.m, 1, a.s(), a.ld, pb, 0, f.s(), f.ld, ep); err != nil {
					t.Fatal(err)
				}
				if err := f.checkGuards(); err != nil {
					t.Fatalf("%s %v threads %d: %v", gemmName(g), s, g.threads, err)
				}
				for i := 0; i < s.m; i++ {
					row := plain.s()[i*plain.ld : i*plain.ld+s.n]
					v.Add(row, row, ep.ColBias)
					v.Sigmoid(row, row)
				}
				for i, x := range f.s() {
					if math.Float32bits(x) != math.Float32bits(plain.s()[i]) {
						t.Fatalf("%s %v threads %d: fused C element %d = %v, unfused %v", gemmName(g), s, g.threads, i, x, plain.s()[i])
					}
				}
				if ti == 0 {
					fused = f.s()
				} else if !slices.Equal(fused, f.s()) {
					t.Fatalf("%s %v: 2 threads differ from 1", gemmName(g), s)
				}
			}
		}
	}
}

// TestSgemmThreadsDeterministic checks that the thread count never
// changes a result: every element is summed in the same order.
func TestSgemmThreadsDeterministic(t *testing.T) {
	for _, tier := range Tiers() {
		rng := rand.New(rand.NewPCG(5, 0))
		fill := func() float32 { return rng.Float32()*2 - 1 }
		for _, sz := range [][3]int{{100, 70, 300}, {16, 300, 200}, {1, 300, 200}, {300, 1, 100}, {37, 50, 100}} {
			s := gemmShape{m: sz[0], n: sz[1], k: sz[2], alpha: 1, beta: 0.5}
			for tr := 0; tr < 4; tr++ {
				s.transA, s.transB = tr&1 != 0, tr&2 != 0
				a, b, c0 := gemmOperands(s, fill)
				var firsts [2][]float32
				for th := 2; th < 10; th++ {
					threads := th / 2
					g, err := NewGemm(tier, threads)
					if err != nil {
						t.Fatal(err)
					}
					g.minWork = 1 // use every thread even on these small products
					if th%2 == 0 {
						// B packed in one-panel column blocks (each
						// thread packing blocks of its own).
						kt := *g.vs[0]
						kt.directRows, kt.packBudget = -1, 1
						g.vs = []*gemmKernels{&kt}
					}
					c := c0.clone()
					if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c.s(), c.ld, Epilogue{}); err != nil {
						t.Fatal(err)
					}
					first := firsts[th%2]
					if first == nil {
						firsts[th%2] = c.s()
						continue
					}
					for i, v := range c.s() {
						if math.Float32bits(v) != math.Float32bits(first[i]) {
							t.Fatalf("%s %v: %d threads (config %d): element %d = %v, 1 thread gave %v", tier, s, threads, th, i, v, first[i])
						}
					}
				}
			}
		}
	}
}

// TestSgemmConcurrent runs products from several goroutines at once on
// one Gemm (as concurrent Sessions do) and checks each against a product
// computed alone; run it with -race.
func TestSgemmConcurrent(t *testing.T) {
	for _, g := range testGemms(t, 2)[:min(2, len(Tiers()))] {
		g := &Gemm{vs: g.vs, threads: 2, minWork: 1}
		rng := rand.New(rand.NewPCG(11, 0))
		fill := func() float32 { return float32(rng.IntN(9) - 4) }
		type prob struct {
			s       gemmShape
			a, b, c *gemmMat
			want    []float32
		}
		var probs []*prob
		for i, sz := range [][3]int{{40, 50, 60}, {1, 70, 30}, {70, 1, 30}, {33, 17, 100}, {100, 20, 8}, {5, 300, 9}} {
			s := gemmShape{m: sz[0], n: sz[1], k: sz[2], alpha: 1, beta: 0, transA: i%2 == 1, transB: i%3 == 1}
			a, b, c := gemmOperands(s, fill)
			p := &prob{s: s, a: a, b: b, c: c}
			if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a.s(), a.ld, b.s(), b.ld, 0, c.s(), c.ld, Epilogue{}); err != nil {
				t.Fatal(err)
			}
			p.want = append([]float32(nil), c.s()...)
			probs = append(probs, p)
		}
		done := make(chan error)
		for w := 0; w < 4; w++ {
			go func() {
				var err error
				for it := 0; it < 30 && err == nil; it++ {
					p := probs[(w+it)%len(probs)]
					s := p.s
					c := make([]float32, len(p.want))
					err = g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, p.a.s(), p.a.ld, p.b.s(), p.b.ld, 0, c, p.c.ld, Epilogue{})
					for i := range c {
						if err == nil && c[i] != p.want[i] {
							err = fmt.Errorf("%v: element %d = %v, want %v", s, i, c[i], p.want[i])
						}
					}
				}
				done <- err
			}()
		}
		for w := 0; w < 4; w++ {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
}

// TestSgemmErrors checks that bad arguments return ErrGemmArgs and leave C
// untouched.
func TestSgemmErrors(t *testing.T) {
	g := DefaultGemm()
	a := make([]float32, 12)
	b := make([]float32, 12)
	c := make([]float32, 9)
	for i := range c {
		c[i] = 7
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"negative m", func() error { return g.Sgemm(false, false, -1, 3, 4, 1, a, 4, b, 3, 0, c, 3, Epilogue{}) }},
		{"negative k", func() error { return g.Sgemm(false, false, 3, 3, -4, 1, a, 4, b, 3, 0, c, 3, Epilogue{}) }},
		{"small lda", func() error { return g.Sgemm(false, false, 3, 3, 4, 1, a, 3, b, 3, 0, c, 3, Epilogue{}) }},
		{"small lda trans", func() error { return g.Sgemm(true, false, 3, 3, 4, 1, a, 2, b, 3, 0, c, 3, Epilogue{}) }},
		{"small ldb", func() error { return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 2, 0, c, 3, Epilogue{}) }},
		{"small ldc", func() error { return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 2, Epilogue{}) }},
		{"short a", func() error { return g.Sgemm(false, false, 3, 3, 4, 1, a[:11], 4, b, 3, 0, c, 3, Epilogue{}) }},
		{"short b", func() error { return g.Sgemm(false, true, 3, 3, 4, 1, a, 4, b[:11], 4, 0, c, 3, Epilogue{}) }},
		{"short c", func() error { return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c[:8], 3, Epilogue{}) }},
		{"huge ld", func() error { return g.Sgemm(false, false, 3, 3, 4, 1, a, math.MaxInt/2, b, 3, 0, c, 3, Epilogue{}) }},
		{"short col bias", func() error {
			return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3, Epilogue{ColBias: []float32{1, 2}})
		}},
		{"short row bias", func() error {
			return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3, Epilogue{RowBias: []float32{}})
		}},
		{"bad act", func() error { return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3, Epilogue{Act: numActs}) }},
		{"empty clip", func() error {
			return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3, Epilogue{Act: ActClip, Min: 1, Max: 0})
		}},
		{"NaN clip", func() error {
			return g.Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3, Epilogue{Act: ActClip, Min: float32(math.NaN()), Max: 0})
		}},
		{"nil packed", func() error { return g.SgemmPacked(false, 3, 1, a, 4, nil, 0, c, 3, Epilogue{}) }},
		{"other layout", func() error {
			return g.SgemmPacked(false, 3, 1, a, 4, &PackedB{k: 4, n: 3, nr: 7, data: b}, 0, c, 3, Epilogue{})
		}},
		{"pack short", func() error { _, err := g.PackB(false, 4, 3, b[:5], 3); return err }},
		{"pack negative", func() error { _, err := g.PackB(false, 4, -3, b, 3); return err }},
	}
	for _, tt := range tests {
		err := tt.call()
		if !errors.Is(err, ErrGemmArgs) {
			t.Errorf("%s: err = %v, want ErrGemmArgs", tt.name, err)
		}
		for i, v := range c {
			if v != 7 {
				t.Fatalf("%s: C[%d] changed to %v", tt.name, i, v)
			}
		}
	}
	if _, err := NewGemm(numTiers, 1); err == nil {
		t.Error("NewGemm accepted an unknown tier")
	}
}

// TestSgemmAllocs checks that warm calls allocate nothing, in every path.
func TestSgemmAllocs(t *testing.T) {
	for _, g := range testGemms(t, 2) {
		g.minWork = 1 // exercise the helper goroutines
		rng := rand.New(rand.NewPCG(6, 0))
		fill := func() float32 { return rng.Float32() }
		for _, sz := range [][3]int{{100, 70, 200}, {17, 300, 100}, {1, 300, 200}, {300, 1, 200}, {3, 5, 7}} {
			for tr := 0; tr < 4; tr++ {
				s := gemmShape{transA: tr&1 != 0, transB: tr&2 != 0, m: sz[0], n: sz[1], k: sz[2], alpha: 1, beta: 1}
				a, b, c := gemmOperands(s, fill)
				ep := Epilogue{ColBias: make([]float32, s.n), Act: ActSigmoid}
				pb, err := g.PackB(s.transB, s.k, s.n, b.s(), b.ld)
				if err != nil {
					t.Fatal(err)
				}
				call := func() {
					if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a.s(), a.ld, b.s(), b.ld, 0, c.s(), c.ld, ep); err != nil {
						t.Fatal(err)
					}
				}
				// Warm up: scratch, and the pool of helper goroutines
				// (bounded by gemmMaxHelpers).
				for range 2 * gemmMaxHelpers() {
					call()
				}
				allocs := testing.AllocsPerRun(10, func() {
					if err := g.Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a.s(), a.ld, b.s(), b.ld, 0, c.s(), c.ld, ep); err != nil {
						t.Fatal(err)
					}
					if err := g.SgemmPacked(s.transA, s.m, 1, a.s(), a.ld, pb, 1, c.s(), c.ld, ep); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s %v: %v allocations per call", g.Tier(), s, allocs)
				}
			}
		}
	}
}

// TestSgemmKernels checks each tier's micro-kernel and single-row kernel
// directly against their generic twins' contracts, for every tile size,
// with B read at panel and at larger strides.
func TestSgemmKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 0))
	for _, tier := range Tiers() {
		for _, kt := range gemmVariants(tier) {
			MR, NR := kt.mr, kt.nr
			for _, kc := range []int{1, 2, 3, 5, 8, 17, 64} {
				for mr := 1; mr <= MR; mr++ {
					for nr := 1; nr <= NR; nr++ {
						ldb := NR + rng.IntN(3)*17
						ldc := nr + rng.IntN(5)
						// A: MR rows lda apart, or interleaved (packedA).
						lda := kc + rng.IntN(3)*5
						a := make([]float32, MR*lda)
						for i := range a {
							a[i] = float32(rng.IntN(9) - 4)
						}
						aAt := func(i, p int) float32 { return a[i*lda+p] }
						if kt.packedA {
							aAt = func(i, p int) float32 { return a[p*MR+i] }
						}
						b := newGemmMat(kc, NR, ldb, rng.IntN(9), smallInts(rng))
						beta := []float32{0, 1, -2}[rng.IntN(3)]
						cfill := smallInts(rng)
						if beta == 0 {
							cfill = func() float32 { return float32(math.NaN()) }
						}
						c := newGemmMat(mr, nr, ldc, rng.IntN(9), cfill)
						want := make([][]float64, mr)
						for i := range want {
							want[i] = make([]float64, nr)
							for j := range want[i] {
								var s float64
								for p := 0; p < kc; p++ {
									s += float64(aAt(i, p)) * float64(b.at(p, j))
								}
								v := 2 * s
								if beta != 0 {
									v += float64(beta) * float64(c.at(i, j))
								}
								want[i][j] = v
							}
						}
						if nr < NR && !kt.partialN {
							continue
						}
						// The prefetch hint points at guard values the kernel
						// must leave alone.
						pf := newGemmMat(1, 1, 1, 64, func() float32 { return gemmGuard })
						kt.kern(kc, &a[0], lda, &b.s()[0], ldb, &c.s()[0], ldc, 2, beta, mr, nr, &pf.buf[0])
						if err := pf.checkGuards(); err != nil {
							t.Fatalf("%s %dx%d kernel kc=%d: wrote the prefetch hint: %v", tier, MR, NR, kc, err)
						}
						if err := gemmCompare(c, want, 0); err != nil {
							t.Fatalf("%s %dx%d kernel kc=%d mr=%d nr=%d lda=%d ldb=%d ldc=%d beta=%v: %v", tier, MR, NR, kc, mr, nr, lda, ldb, ldc, beta, err)
						}
					}
				}
				// Single-row kernel.
				for nr := 1; nr <= kt.gemvNR; nr++ {
					ldb := nr + rng.IntN(3)*9
					x := make([]float32, kc)
					for i := range x {
						x[i] = float32(rng.IntN(9) - 4)
					}
					b := newGemmMat(kc, nr, ldb, rng.IntN(9), smallInts(rng))
					beta := []float32{0, 1, -2}[rng.IntN(3)]
					cfill := smallInts(rng)
					if beta == 0 {
						cfill = func() float32 { return float32(math.NaN()) }
					}
					y := newGemmMat(1, nr, nr, rng.IntN(9), cfill)
					want := [][]float64{make([]float64, nr)}
					for j := range nr {
						var s float64
						for p := 0; p < kc; p++ {
							s += float64(x[p]) * float64(b.at(p, j))
						}
						v := -s
						if beta != 0 {
							v += float64(beta) * float64(y.at(0, j))
						}
						want[0][j] = v
					}
					kt.gemv(kc, &x[0], &b.s()[0], ldb, &y.s()[0], -1, beta, nr)
					if err := gemmCompare(y, want, 0); err != nil {
						t.Fatalf("%s gemv kc=%d nr=%d ldb=%d beta=%v: %v", tier, kc, nr, ldb, beta, err)
					}
				}
			}
		}
	}
}

// TestPackTranspose checks each tier's transposing pack against
// packTranspose8, with guards around the destination.
func TestPackTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 0))
	for _, tier := range Tiers() {
		tr8 := gemmTables[tier].transpose8
		if tr8 == nil {
			continue
		}
		for kc := 1; kc <= 35; kc++ {
			lds := kc + rng.IntN(4)
			ldd := 8 + rng.IntN(4)*8
			src := newGemmMat(8, kc, lds, rng.IntN(5), smallInts(rng))
			got := newGemmMat(kc, 8, ldd, rng.IntN(5), func() float32 { return 99 })
			want := got.clone()
			tr8(kc, &src.s()[0], lds, &got.s()[0], ldd)
			packTranspose8(kc, &src.s()[0], lds, &want.s()[0], ldd)
			for i := range got.buf {
				if math.Float32bits(got.buf[i]) != math.Float32bits(want.buf[i]) {
					t.Fatalf("%s kc=%d lds=%d ldd=%d: buffer index %d = %v, want %v", tier, kc, lds, ldd, i, got.buf[i], want.buf[i])
				}
			}
		}
	}
}

// TestDot4 checks each tier's four-row dot product against float64 sums
// of integer data (exact), for every length up to 70 and odd strides.
func TestDot4(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 0))
	for _, tier := range Tiers() {
		d4 := gemmTables[tier].dot4
		if d4 == nil {
			continue
		}
		for kc := 1; kc <= 70; kc++ {
			ldb := kc + rng.IntN(5)
			x := newGemmMat(1, kc, kc, rng.IntN(5), smallInts(rng))
			b := newGemmMat(4, kc, ldb, rng.IntN(5), smallInts(rng))
			var out [4]float32
			d4(kc, &x.s()[0], &b.s()[0], ldb, &out)
			for r := range out {
				var s float64
				for p := 0; p < kc; p++ {
					s += float64(x.at(0, p)) * float64(b.at(r, p))
				}
				if float64(out[r]) != s {
					t.Fatalf("%s kc=%d ldb=%d: row %d = %v, want %v", tier, kc, ldb, r, out[r], s)
				}
			}
		}
	}
}

// FuzzSgemm compares the active tier with the generic one on arbitrary
// shapes and data. The bound is the one of TestSgemmGonum, applied to the
// difference of two float32 routines.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(0), uint16(5), uint16(7), uint16(9), uint64(1))
	f.Add(uint8(3), uint16(64), uint16(33), uint16(17), uint64(2))
	f.Add(uint8(1), uint16(1), uint16(100), uint16(300), uint64(3))
	gen, _ := NewGemm(Generic, 1)
	best, _ := NewGemm(Best(), 2)
	f.Fuzz(func(t *testing.T, tr uint8, m16, n16, k16 uint16, seed uint64) {
		s := gemmShape{transA: tr&1 != 0, transB: tr&2 != 0, m: int(m16 % 300), n: int(n16 % 300), k: int(k16 % 300), alpha: 1, beta: 0.5}
		s.padA, s.padB, s.padC = int(tr>>2)&3, int(tr>>4)&3, int(tr>>6)&3
		s.offA, s.offB, s.offC = int(seed%7), int(seed/7%7), int(seed/49%7)
		rng := rand.New(rand.NewPCG(seed, 9))
		a, b, c := gemmOperands(s, func() float32 { return rng.Float32()*2 - 1 })
		c2 := c.clone()
		if err := gen.Sgemm(s.transA, s.transB, s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c2.s(), c2.ld, Epilogue{}); err != nil {
			t.Fatal(err)
		}
		if err := best.Sgemm(s.transA, s.transB, s.m, s.n, s.k, s.alpha, a.s(), a.ld, b.s(), b.ld, s.beta, c.s(), c.ld, Epilogue{}); err != nil {
			t.Fatal(err)
		}
		gamma := float64(s.k+2) * 0x1p-24 / (1 - float64(s.k+2)*0x1p-24)
		for i := 0; i < s.m; i++ {
			for j := 0; j < s.n; j++ {
				// |a|,|b| <= 1, |c| <= k: the bound of each routine.
				bound := 2*gamma*float64(s.k) + 0x1p-22*math.Abs(float64(c2.at(i, j)))
				if d := math.Abs(float64(c.at(i, j) - c2.at(i, j))); !(d <= bound) {
					t.Fatalf("%v: C[%d][%d] = %v, generic %v", s, i, j, c.at(i, j), c2.at(i, j))
				}
			}
		}
		if err := c.checkGuards(); err != nil {
			t.Fatal(err)
		}
	})
}
