package asm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// vecTiers returns the tables of every tier the CPU supports, Generic first.
func vecTiers(t testing.TB) []*Vec {
	var vs []*Vec
	for _, tier := range Tiers() {
		v, err := VecFor(tier)
		if err != nil {
			t.Fatalf("VecFor(%s): %v", tier, err)
		}
		vs = append(vs, v)
	}
	return vs
}

// testSizes are 0..2*16+1 (twice the widest vector, plus one) and the
// odd sizes that exercise every unroll and tail path.
func testSizes() []int {
	var s []int
	for n := 0; n <= 2*16+1; n++ {
		s = append(s, n)
	}
	return append(s, 63, 64, 65, 127, 128, 257, 1000)
}

// same reports whether a and b are equal floats or both NaN.
func same(a, b float32) bool { return a == b || (a != a && b != b) }

// guardBits is the sentinel around every window: a NaN with a payload no
// kernel produces, so a stray read poisons a reduction and a stray write
// is seen bit for bit.
const guardBits = 0x7fc0dead

const guardLen = 37 // longer than any vector, odd

// guarded returns a window of n floats at element offset off inside a
// buffer padded with guard values, and the buffer.
func guarded(n, off int) (win, buf []float32) {
	buf = make([]float32, guardLen+off+n+guardLen)
	g := math.Float32frombits(guardBits)
	for i := range buf {
		buf[i] = g
	}
	return buf[guardLen+off : guardLen+off+n : guardLen+off+n], buf
}

// checkGuards fails if anything outside the window of buf changed.
func checkGuards(t *testing.T, what string, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if i >= guardLen+off && i < guardLen+off+n {
			continue
		}
		if math.Float32bits(v) != guardBits {
			t.Fatalf("%s: wrote outside the window at buffer index %d (window [%d,%d)): %v", what, i, guardLen+off, guardLen+off+n, v)
		}
	}
}

// specials are values every kernel must handle.
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	1.1754944e-38, 88.72, 88.73, -87.3, -103.9, -104, 89, 0.625, -0.625, 0.6249999, 9.1, -9.1, 20, -20, 1e-3, -1e-3,
}

// fill sets x to random values on scale, with some specials mixed in
// unless scale is negative.
func fill(r *rand.Rand, x []float32, scale float32) {
	finite := scale < 0
	if finite {
		scale = -scale
	}
	for i := range x {
		if !finite && r.IntN(8) == 0 {
			x[i] = specials[r.IntN(len(specials))]
		} else {
			x[i] = (2*r.Float32() - 1) * scale
		}
	}
}

// vecOp is one kernel under test, run through the public Vec method.
type vecOp struct {
	name   string
	inputs int     // number of input slices (besides dst)
	scale  float32 // magnitude of random inputs; negative: finite values only
	inout  bool    // dst is also read (axpy)
	run    func(v *Vec, dst []float32, in [][]float32) float32
}

var vecOps = []vecOp{
	{"Add", 2, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Add(d, in[0], in[1]); return 0 }},
	{"Sub", 2, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Sub(d, in[0], in[1]); return 0 }},
	{"Mul", 2, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Mul(d, in[0], in[1]); return 0 }},
	{"Div", 2, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Div(d, in[0], in[1]); return 0 }},
	{"AddScalar", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.AddScalar(d, in[0], 1.5); return 0 }},
	{"MulScalar", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.MulScalar(d, in[0], -0.3); return 0 }},
	{"DivScalar", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.DivScalar(d, in[0], 3); return 0 }},
	{"ScaleShift", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.ScaleShift(d, in[0], 0.7, -0.1); return 0 }},
	{"Axpy", 1, 100, true, func(v *Vec, d []float32, in [][]float32) float32 { v.Axpy(d, in[0], 0.3); return 0 }},
	{"ReLU", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.ReLU(d, in[0]); return 0 }},
	{"LeakyReLU", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.LeakyReLU(d, in[0], 0.01); return 0 }},
	{"Clip", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Clip(d, in[0], -6, 6); return 0 }},
	{"ClipInverted", 1, 10, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Clip(d, in[0], 3, -3); return 0 }},
	{"Exp", 1, 110, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Exp(d, in[0]); return 0 }},
	{"Sigmoid", 1, 110, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Sigmoid(d, in[0]); return 0 }},
	{"Tanh", 1, 12, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Tanh(d, in[0]); return 0 }},
	{"ReLUGrad", 2, 10, false, func(v *Vec, d []float32, in [][]float32) float32 { v.ReLUGrad(d, in[0], in[1]); return 0 }},
	{"LeakyReLUGrad", 2, 10, false, func(v *Vec, d []float32, in [][]float32) float32 { v.LeakyReLUGrad(d, in[0], in[1], 0.2); return 0 }},
	{"SigmoidGrad", 2, 1, false, func(v *Vec, d []float32, in [][]float32) float32 { v.SigmoidGrad(d, in[0], in[1]); return 0 }},
	{"TanhGrad", 2, 1, false, func(v *Vec, d []float32, in [][]float32) float32 { v.TanhGrad(d, in[0], in[1]); return 0 }},
	{"Sum", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { return v.Sum(in[0]) }},
	{"Max", 1, 100, false, func(v *Vec, d []float32, in [][]float32) float32 { return v.Max(in[0]) }},
	// Without NaN/Inf most sums are finite, so any change of summation
	// order shows.
	{"SumFinite", 1, -100, false, func(v *Vec, d []float32, in [][]float32) float32 { return v.Sum(in[0]) }},
	{"MaxFinite", 1, -100, false, func(v *Vec, d []float32, in [][]float32) float32 { return v.Max(in[0]) }},
	{"ExpShiftSumFinite", 1, -20, false, func(v *Vec, d []float32, in [][]float32) float32 { return v.ExpShiftSum(d, in[0], 3) }},
	{"ExpShiftSum", 1, 50, false, func(v *Vec, d []float32, in [][]float32) float32 { return v.ExpShiftSum(d, in[0], 3) }},
	{"Softmax", 1, 50, false, func(v *Vec, d []float32, in [][]float32) float32 { v.Softmax(d, in[0]); return 0 }},
}

// runOp runs op on tier v over inputs x (copied into guarded windows at
// offset off) and returns dst and the scalar result, checking the guards.
func runOp(t *testing.T, v *Vec, op vecOp, x [][]float32, dst0 []float32, off int) ([]float32, float32) {
	t.Helper()
	n := len(dst0)
	in := make([][]float32, len(x))
	for i := range x {
		w, _ := guarded(n, (off+i)%4)
		copy(w, x[i])
		in[i] = w
	}
	dst, buf := guarded(n, off)
	copy(dst, dst0)
	r := op.run(v, dst, in)
	checkGuards(t, fmt.Sprintf("%s/%s n=%d off=%d", v.Tier(), op.name, n, off), buf, off, n)
	return dst, r
}

// TestVecTiers holds every tier's kernels to the generic twins: sizes
// 0..33 and odd sizes, four alignments, guard bands, NaN/Inf mixed in.
func TestVecTiers(t *testing.T) {
	vs := vecTiers(t)
	gen := vs[0]
	r := rand.New(rand.NewPCG(1, 2))
	for _, op := range vecOps {
		for _, n := range testSizes() {
			x := make([][]float32, op.inputs)
			for i := range x {
				x[i] = make([]float32, n)
				fill(r, x[i], op.scale)
			}
			dst0 := make([]float32, n)
			if op.inout {
				fill(r, dst0, op.scale)
			}
			want, wantR := runOp(t, gen, op, x, dst0, 0)
			for _, v := range vs {
				for off := 0; off < 4; off++ {
					got, gotR := runOp(t, v, op, x, dst0, off)
					if !same(gotR, wantR) {
						t.Fatalf("%s/%s n=%d off=%d: result %v, generic %v", v.Tier(), op.name, n, off, gotR, wantR)
					}
					for i := range got {
						if !same(got[i], want[i]) {
							t.Fatalf("%s/%s n=%d off=%d: dst[%d] = %v (%#08x), generic %v (%#08x); inputs %v", v.Tier(), op.name, n, off, i,
								got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), inputsAt(x, i))
						}
					}
				}
			}
		}
	}
}

func inputsAt(x [][]float32, i int) []float32 {
	var r []float32
	for _, s := range x {
		r = append(r, s[i])
	}
	return r
}

// TestVecInPlace checks dst aliasing the (first) input.
func TestVecInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, v := range vecTiers(t) {
		for _, op := range vecOps {
			for _, n := range []int{1, 7, 33, 257} {
				x := make([][]float32, op.inputs)
				for i := range x {
					x[i] = make([]float32, n)
					fill(r, x[i], op.scale)
				}
				want := make([]float32, n)
				copy(want, x[0])
				wantR := op.run(v, want, cloneAll(x))
				got := cloneAll(x)
				gotR := op.run(v, got[0], got)
				if op.inout {
					continue // Axpy with dst == x is x += a*x: covered by the generic twin
				}
				if !same(gotR, wantR) {
					t.Fatalf("%s/%s in place n=%d: %v, want %v", v.Tier(), op.name, n, gotR, wantR)
				}
				if op.name == "Sum" || op.name == "Max" {
					continue
				}
				for i := range want {
					if !same(got[0][i], want[i]) {
						t.Fatalf("%s/%s in place n=%d: [%d] = %v, want %v", v.Tier(), op.name, n, i, got[0][i], want[i])
					}
				}
			}
		}
	}
}

func cloneAll(x [][]float32) [][]float32 {
	c := make([][]float32, len(x))
	for i := range x {
		c[i] = append([]float32(nil), x[i]...)
	}
	return c
}

// TestVecLengthMismatch checks that mismatched lengths panic (a caller
// bug) rather than touch memory outside a slice.
func TestVecLengthMismatch(t *testing.T) {
	v := ActiveVec()
	cases := map[string]func(){
		"Add":    func() { v.Add(make([]float32, 3), make([]float32, 3), make([]float32, 2)) },
		"Exp":    func() { v.Exp(make([]float32, 3), make([]float32, 4)) },
		"RowVec": func() { v.AddRowVector(make([]float32, 6), make([]float32, 6), make([]float32, 4)) },
		"Channels": func() {
			v.ScaleShiftChannels(make([]float32, 6), make([]float32, 6), make([]float32, 2), make([]float32, 3), 2)
		},
	}
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on mismatched lengths", name)
				}
			}()
			f()
		}()
	}
}

// TestVecSpecials checks the stated behaviour on NaN, ±Inf, overflow and
// underflow for every tier.
func TestVecSpecials(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	negz := float32(math.Copysign(0, -1))
	type tc struct {
		x, want float32
	}
	cases := []struct {
		name string
		f    func(v *Vec, d, x []float32)
		tcs  []tc
	}{
		{"Exp", (*Vec).Exp, []tc{{nan, nan}, {inf, inf}, {-inf, 0}, {0, 1}, {negz, 1}, {89, inf}, {1000, inf}, {-1000, 0}, {-110, 0},
			{88.72, float32(math.Exp(float64(float32(88.72))))}, {-87, float32(math.Exp(-87))}, {-100, float32(math.Exp(-100))}}},
		{"Sigmoid", (*Vec).Sigmoid, []tc{{nan, nan}, {inf, 1}, {-inf, 0}, {0, 0.5}, {negz, 0.5}, {50, 1}, {17.4, 1}, {-200, 0}, {-104, 0},
			{-100, float32(math.Exp(-100))}}},
		{"Tanh", (*Vec).Tanh, []tc{{nan, nan}, {inf, 1}, {-inf, -1}, {0, 0}, {20, 1}, {-20, -1}, {9.1, 1}, {9, 1}, {-9, -1}, {1e-30, 1e-30}}},
		{"ReLU", (*Vec).ReLU, []tc{{nan, nan}, {inf, inf}, {-inf, 0}, {-1, 0}, {2, 2}}},
	}
	for _, v := range vecTiers(t) {
		for _, c := range cases {
			for _, n := range []int{1, 16, 19} { // tail-only, full vectors, both
				for _, tc := range c.tcs {
					x := make([]float32, n)
					for i := range x {
						x[i] = tc.x
					}
					d := make([]float32, n)
					c.f(v, d, x)
					for i := range d {
						// Saturated values (0, ±1, ±Inf, NaN) must be exact;
						// others are float64 references rounded once, so allow
						// the stated error.
						w := tc.want
						exact := w == 0 || w == 1 || w == -1 || w != w || math.IsInf(float64(w), 0)
						if !same(d[i], w) && (exact || ulpErr(d[i], float64(w)) > 2.5) {
							t.Fatalf("%s/%s(%v) n=%d: [%d] = %v, want %v", v.Tier(), c.name, tc.x, n, i, d[i], tc.want)
						}
					}
				}
			}
		}
		// tanh(-0) keeps its sign.
		d := []float32{1}
		v.Tanh(d, []float32{negz})
		if d[0] != 0 || !math.Signbit(float64(d[0])) {
			t.Errorf("%s: Tanh(-0) = %v, want -0", v.Tier(), d[0])
		}
	}
}

// ulpErr returns |y - ref| in units of the float32 spacing at ref. A
// result that is ±Inf where ref rounds to ±Inf counts as exact.
func ulpErr(y float32, ref float64) float64 {
	if ref != ref {
		if y != y {
			return 0
		}
		return math.Inf(1)
	}
	if y != y {
		return math.Inf(1)
	}
	if math.IsInf(float64(y), 0) || math.IsInf(ref, 0) {
		if float32(ref) == y {
			return 0
		}
		return math.Inf(1)
	}
	a := math.Abs(ref)
	ulp := math.Ldexp(1, -149)
	if a >= math.Ldexp(1, -126) {
		_, e := math.Frexp(a) // a = f * 2^e, f in [0.5, 1)
		ulp = math.Ldexp(1, e-1-23)
	}
	return math.Abs(float64(y)-ref) / ulp
}

// Float64 references.
func refExp(x float64) float64     { return math.Exp(x) }
func refSigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
func refTanh(x float64) float64    { return math.Tanh(x) }

// accuracyCase is one approximated function with its stated bound.
type accuracyCase struct {
	name    string
	f       func(v *Vec, d, x []float32)
	ref     func(float64) float64
	lo, hi  float32 // interesting input range; outside it results saturate
	maxULPs float64 // the bound stated in the doc comment
}

var accuracyCases = []accuracyCase{
	{"Exp", (*Vec).Exp, refExp, -104, 89, 1.5},
	{"Sigmoid", (*Vec).Sigmoid, refSigmoid, -104, 18, 2.5},
	{"Tanh", (*Vec).Tanh, refTanh, -9.1, 9.1, 2},
}

// sweepULP returns the largest ulp error of f on tier v over the float32
// values between lo and hi whose bit patterns are multiples of step apart
// (step 1: every value), and where it occurs.
func sweepULP(v *Vec, c accuracyCase, step uint32) (worst float64, at float32) {
	const chunk = 1 << 14
	x := make([]float32, 0, chunk)
	d := make([]float32, chunk)
	flush := func() {
		d := d[:len(x)]
		c.f(v, d, x)
		for i, xi := range x {
			if e := ulpErr(d[i], c.ref(float64(xi))); e > worst {
				worst, at = e, xi
			}
		}
		x = x[:0]
	}
	// Positive then negative halves, walking bit patterns upward from 0.
	for _, sign := range []uint32{0, 1 << 31} {
		lim := c.hi
		if sign != 0 {
			lim = -c.lo
		}
		top := math.Float32bits(lim)
		for b := uint32(0); b <= top; b += step {
			x = append(x, math.Float32frombits(b|sign))
			if len(x) == chunk {
				flush()
			}
			if b > math.MaxUint32-step {
				break
			}
		}
	}
	flush()
	return worst, at
}

// TestActivationAccuracy measures the largest error of Exp, Sigmoid and
// Tanh against float64 math over a dense sweep of float32 inputs (every
// 127th bit pattern of the whole interesting range: about 17 million
// inputs per function) and fails if it exceeds the bound stated in the doc
// comments. Set LATENT_EXHAUSTIVE=1 to check every float32 instead
// (minutes). The generic tier equals the others bit for bit
// (TestVecTiers), so the best tier is measured.
func TestActivationAccuracy(t *testing.T) {
	step := uint32(127)
	if testing.Short() {
		step = 997
	}
	if exhaustive() {
		step = 1
	}
	vs := vecTiers(t)
	v := vs[len(vs)-1]
	for _, c := range accuracyCases {
		worst, at := sweepULP(v, c, step)
		t.Logf("%s/%s: max error %.3f ulp at x = %v (%#08x), sweep step %d", v.Tier(), c.name, worst, at, math.Float32bits(at), step)
		if worst > c.maxULPs {
			t.Errorf("%s/%s: max error %.3f ulp at x = %v exceeds the stated %.0f ulp", v.Tier(), c.name, worst, at, c.maxULPs)
		}
	}
}

// TestSumAccuracy checks the blocked/pairwise Sum against a float64 sum
// and that all tiers agree bit for bit on long inputs.
func TestSumAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{4095, 4096, 4097, 10000, 1 << 20} {
		x := make([]float32, n)
		var ref, abs float64
		for i := range x {
			x[i] = r.Float32() + 0.5
			ref += float64(x[i])
			abs += math.Abs(float64(x[i]))
		}
		var first float32
		for i, v := range vecTiers(t) {
			s := v.Sum(x)
			if i == 0 {
				first = s
			} else if s != first {
				t.Fatalf("%s: Sum(n=%d) = %v, generic %v", v.Tier(), n, s, first)
			}
			// 4096/32 = 128 sequential adds per lane + log2 pairwise steps:
			// relative error well under 200 float32 epsilons.
			if rel := math.Abs(float64(s)-ref) / abs; rel > 200*0x1p-24 {
				t.Errorf("%s: Sum(n=%d) relative error %g", v.Tier(), n, rel)
			}
		}
	}
}

// TestBroadcastHelpers checks the row/column/channel helpers against
// direct loops.
func TestBroadcastHelpers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, v := range vecTiers(t) {
		for _, dims := range [][3]int{{1, 1, 1}, {2, 3, 5}, {3, 17, 7}, {2, 4, 64}, {1, 30, 1}} {
			n, c, sp := dims[0], dims[1], dims[2]
			x := make([]float32, n*c*sp)
			fill(r, x, 10)
			scale, shift := make([]float32, c), make([]float32, c)
			fill(r, scale, 2)
			fill(r, shift, 2)
			got := make([]float32, len(x))
			v.ScaleShiftChannels(got, x, scale, shift, sp)
			got2 := make([]float32, len(x))
			v.AddChannelBias(got2, x, shift, sp)
			for i := range x {
				ch := i / sp % c
				if w := float32(x[i]*scale[ch]) + shift[ch]; !same(got[i], w) {
					t.Fatalf("%s ScaleShiftChannels %v [%d] = %v, want %v", v.Tier(), dims, i, got[i], w)
				}
				if w := x[i] + shift[ch]; !same(got2[i], w) {
					t.Fatalf("%s AddChannelBias %v [%d] = %v, want %v", v.Tier(), dims, i, got2[i], w)
				}
			}
			// Matrix (n*c) x sp: row vector of len sp, column vector of len n*c.
			rows, cols := n*c, sp
			b := make([]float32, cols)
			fill(r, b, 3)
			v.AddRowVector(got, x, b)
			bc := make([]float32, rows)
			fill(r, bc, 3)
			v.AddColVector(got2, x, bc)
			for i := range x {
				if w := x[i] + b[i%cols]; !same(got[i], w) {
					t.Fatalf("%s AddRowVector [%d] = %v, want %v", v.Tier(), i, got[i], w)
				}
				if w := x[i] + bc[i/cols]; !same(got2[i], w) {
					t.Fatalf("%s AddColVector [%d] = %v, want %v", v.Tier(), i, got2[i], w)
				}
			}
		}
	}
}

// TestSoftmax checks Softmax against a float64 evaluation.
func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, v := range vecTiers(t) {
		for _, n := range []int{1, 5, 10, 33, 1000} {
			x := make([]float32, n)
			for i := range x {
				x[i] = (2*r.Float32() - 1) * 30
			}
			d := make([]float32, n)
			v.Softmax(d, x)
			m := math.Inf(-1)
			for _, xi := range x {
				m = math.Max(m, float64(xi))
			}
			var s float64
			for _, xi := range x {
				s += math.Exp(float64(xi) - m)
			}
			for i, xi := range x {
				want := math.Exp(float64(xi)-m) / s
				if e := ulpErr(d[i], want); e > 4 && math.Abs(float64(d[i])-want) > 1e-7 {
					t.Fatalf("%s Softmax n=%d [%d] = %v, want %v (%.1f ulp)", v.Tier(), n, i, d[i], want, e)
				}
			}
		}
	}
}

// fma32Exact is the oracle for fma32: math/big computes a*b+c exactly
// and rounds it once to float32.
func fma32Exact(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

// TestFma32 checks the float32 FMA emulation against math/big, on a
// crafted double-rounding trap and on random triples whose sum cancels.
func TestFma32(t *testing.T) {
	// (1+2^-23)(1-2^-24) + 2^-47(1+2^-23) = 1 + 2^-24 + 2^-70 exactly;
	// float64 rounds that to the float32 tie 1+2^-24, which float32 would
	// round to even (1); the single rounding gives 1+2^-23.
	a, b, c := float32(1+0x1p-23), float32(1-0x1p-24), float32(0x1p-47*(1+0x1p-23))
	if got, want := fma32(a, b, c), float32(1+0x1p-23); got != want || fma32Exact(a, b, c) != want {
		t.Fatalf("fma32 double-rounding trap: %v, want %v (big: %v)", got, want, fma32Exact(a, b, c))
	}
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 200000; i++ {
		x := math.Float32frombits(r.Uint32() & 0xbfffffff) // |x| < 2
		y := math.Float32frombits(r.Uint32()&0x3fffffff | 0x3f000000)
		z := -float32(float64(x) * float64(y))
		switch i % 3 {
		case 0:
			z = math.Float32frombits(math.Float32bits(z) + uint32(r.IntN(5)) - 2)
		case 1:
			z = math.Float32frombits(r.Uint32() & 0xbf7fffff) // finite
		}
		if got, want := fma32(x, y, z), fma32Exact(x, y, z); !same(got, want) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", x, y, z, got, want)
		}
	}
}

func exhaustive() bool { return envBool("LATENT_EXHAUSTIVE") }

// TestActivationGrads checks the backward kernels against the float64
// derivatives of the forward functions.
func TestActivationGrads(t *testing.T) {
	var x []float32
	for v := float32(-8); v <= 8; v += 0.37 {
		x = append(x, v)
	}
	n := len(x)
	dy := make([]float32, n)
	for i := range dy {
		dy[i] = 1.5
	}
	for _, v := range vecTiers(t) {
		y, g := make([]float32, n), make([]float32, n)
		v.Sigmoid(y, x)
		v.SigmoidGrad(g, dy, y)
		for i, xi := range x {
			s := 1 / (1 + math.Exp(-float64(xi)))
			if want := 1.5 * s * (1 - s); math.Abs(float64(g[i])-want) > 1e-6 {
				t.Fatalf("%s SigmoidGrad at %v = %v, want %v", v.Tier(), xi, g[i], want)
			}
		}
		v.Tanh(y, x)
		v.TanhGrad(g, dy, y)
		for i, xi := range x {
			th := math.Tanh(float64(xi))
			if want := 1.5 * (1 - th*th); math.Abs(float64(g[i])-want) > 1e-6 {
				t.Fatalf("%s TanhGrad at %v = %v, want %v", v.Tier(), xi, g[i], want)
			}
		}
		v.ReLUGrad(g, dy, x)
		for i, xi := range x {
			if want := float32(0); (xi > 0 && g[i] != 1.5) || (xi <= 0 && g[i] != want) {
				t.Fatalf("%s ReLUGrad at %v = %v", v.Tier(), xi, g[i])
			}
		}
		v.LeakyReLUGrad(g, dy, x, 0.1)
		for i, xi := range x {
			want := float32(1.5)
			if xi < 0 {
				want = 0.1 * 1.5
			}
			if g[i] != want {
				t.Fatalf("%s LeakyReLUGrad at %v = %v, want %v", v.Tier(), xi, g[i], want)
			}
		}
	}
}

// TestActiveVec checks that the package-level functions use the tier
// Active() names (LATENT_ISA or the best supported), and that VecFor
// refuses unsupported tiers.
func TestActiveVec(t *testing.T) {
	if got := ActiveVec().Tier(); got != Active() {
		t.Fatalf("ActiveVec().Tier() = %s, Active() = %s", got, Active())
	}
	t.Logf("active tier: %s", Active())
	for tier := Generic; tier < numTiers; tier++ {
		v, err := VecFor(tier)
		if tier.Supported() != (err == nil) {
			t.Errorf("VecFor(%s): err = %v, Supported = %v", tier, err, tier.Supported())
		}
		if err == nil && v.Tier() != tier {
			t.Errorf("VecFor(%s).Tier() = %s", tier, v.Tier())
		}
	}
	if _, err := VecFor(numTiers); err == nil {
		t.Error("VecFor(numTiers): no error")
	}
}
