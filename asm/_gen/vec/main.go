// Command vec generates latent's AVX2+FMA and AVX-512 elementwise kernels
// (asm/vec_gen_amd64.s and the stubs asm/vec_gen_amd64.go) with avo.
//
// Run from this directory:
//
//	go run . -out ../../vec_gen_amd64.s -stubs ../../vec_gen_amd64.go
//
// Every kernel follows its generic twin in asm/vec_generic.go (and, for
// exp, sigmoid and tanh, asm/math_generic.go) operation for operation, so
// its results equal the twin's bit for bit. The generated files are
// committed; asm's TestVecGenerated regenerates them into a temporary
// directory and fails on any difference.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Constants (float32 bit patterns unless noted) kept replicated across a
// vector in each ISA's read-only table, so kernels use them as memory
// operands without spending registers.
var constList = []struct {
	name string
	bits uint32
}{
	{"one", math.Float32bits(1)},
	{"zero", 0},
	{"neginf", math.Float32bits(float32(math.Inf(-1)))},
	{"absmask", 0x7fffffff},
	{"signmask", 0x80000000},
	{"minus2", math.Float32bits(-2)},
	{"i127", 127}, // integer
	{"log2e", math.Float32bits(1.44269504088896341)},
	{"ln2hi", math.Float32bits(0.693359375)},
	{"ln2lo", math.Float32bits(-2.12194440e-4)},
	{"clampl", math.Float32bits(-104)},
	{"clamph", math.Float32bits(89)},
	{"p0", math.Float32bits(5.0000001201e-1)},
	{"p1", math.Float32bits(1.6666665459e-1)},
	{"p2", math.Float32bits(4.1665795894e-2)},
	{"p3", math.Float32bits(8.3334519073e-3)},
	{"p4", math.Float32bits(1.3981999507e-3)},
	{"p5", math.Float32bits(1.9875691500e-4)},
	{"tsmall", math.Float32bits(0.625)},
	{"t0", math.Float32bits(-3.33332819422e-1)},
	{"t1", math.Float32bits(1.33314422036e-1)},
	{"t2", math.Float32bits(-5.37397155531e-2)},
	{"t3", math.Float32bits(2.06390887954e-2)},
	{"t4", math.Float32bits(-5.70498872745e-3)},
}

// isa describes one amd64 tier.
type isa struct {
	name  string // suffix of the kernel names: AVX2, AVX512
	lanes int    // float32 lanes per vector
	z     bool   // AVX-512 (ZMM registers, opmask tails)
	table Mem    // replicated constants
	masks Mem    // AVX2 tail masks: 8 x -1 then 8 x 0

	// Per-function tail state.
	kmask reg.OpmaskVirtual // AVX-512 tail mask
	ymask reg.VecVirtual    // AVX2 tail mask
}

func (s *isa) vec() reg.VecVirtual {
	if s.z {
		return ZMM()
	}
	return YMM()
}

func (s *isa) bytes() int { return 4 * s.lanes }

// c returns the replicated constant name as a memory operand.
func (s *isa) c(name string) Mem {
	for i, k := range constList {
		if k.name == name {
			return s.table.Offset(i * s.bytes())
		}
	}
	panic("unknown constant " + name)
}

// creg loads constant name into a fresh register.
func (s *isa) creg(name string) reg.VecVirtual {
	r := s.vec()
	VMOVUPS(s.c(name), r)
	return r
}

func (s *isa) emitTables() {
	s.table = GLOBL(fmt.Sprintf("vecconst%d", s.lanes), RODATA|NOPTR)
	for i, k := range constList {
		for l := 0; l < s.lanes; l++ {
			DATA((i*s.lanes+l)*4, U32(k.bits))
		}
	}
	if !s.z {
		s.masks = GLOBL("vecmask8", RODATA|NOPTR)
		for l := 0; l < 16; l++ {
			v := uint32(0)
			if l < 8 {
				v = 0xffffffff
			}
			DATA(l*4, U32(v))
		}
	}
}

// setTail prepares the tail mask for n (0 < n < lanes) remaining elements.
func (s *isa) setTail(n reg.GPVirtual) {
	if s.z {
		t := GP64()
		MOVQ(n, t)
		c := GP64()
		MOVQ(U64(1), c)
		// c = (1 << n) - 1
		MOVQ(t, reg.RCX)
		SHLQ(reg.CL, c)
		DECQ(c)
		s.kmask = K()
		KMOVW(c.As32(), s.kmask)
		return
	}
	// mask = load 8 dwords at masks + 32 - 4n
	p := GP64()
	LEAQ(s.masks.Offset(32), p)
	t := GP64()
	MOVQ(n, t)
	SHLQ(U8(2), t)
	SUBQ(t, p)
	s.ymask = YMM()
	VMOVUPS(Mem{Base: p}, s.ymask)
}

// loadTail loads the tail elements at m, zero-filling the other lanes.
func (s *isa) loadTail(m Mem) reg.VecVirtual {
	r := s.vec()
	if s.z {
		VMOVUPS_Z(m, s.kmask, r)
	} else {
		VMASKMOVPS(m, s.ymask, r)
	}
	return r
}

// storeTail stores the tail lanes of r at m.
func (s *isa) storeTail(r reg.VecVirtual, m Mem) {
	if s.z {
		VMOVUPS(r, s.kmask, m)
	} else {
		VMASKMOVPS(r, s.ymask, m)
	}
}

// sel returns (a < b) ? t : f lane-wise; b may be a memory operand.
func (s *isa) sel(a reg.VecVirtual, b Op, t, f reg.VecVirtual) reg.VecVirtual {
	d := s.vec()
	if s.z {
		k := K()
		VCMPPS(U8(1), b, a, k) // LT_OS: a < b
		VBLENDMPS(t, f, k, d)
		return d
	}
	m := YMM()
	VCMPPS(U8(1), b, a, m)
	VBLENDVPS(m, t, f, d)
	return d
}

// broadcast loads float32 parameter name into every lane of a register.
func (s *isa) broadcast(name string) reg.VecVirtual {
	x := XMM()
	Load(Param(name), x)
	r := s.vec()
	VBROADCASTSS(x, r)
	return r
}

func (s *isa) vzeroupper() { VZEROUPPER() }

// --- arithmetic building blocks that mirror asm/math_generic.go ---

// clamp returns min(max(x, lo), hi) with NaN passing through, as clampExp.
func (s *isa) clamp(x reg.VecVirtual) reg.VecVirtual {
	t := s.creg("clampl")
	VMAXPS(x, t, t) // t = (lo > x) ? lo : x
	u := s.creg("clamph")
	VMINPS(t, u, u) // u = (hi < t) ? hi : t
	return u
}

// expCore mirrors expCore in math_generic.go for clamped x.
func (s *isa) expCore(x reg.VecVirtual) reg.VecVirtual {
	z := s.vec()
	VMULPS(s.c("log2e"), x, z)
	n := s.vec()
	if s.z {
		VRNDSCALEPS(U8(0), z, n)
	} else {
		VROUNDPS(U8(0), z, n)
	}
	r := s.vec()
	VMOVUPS(x, r)
	VFNMADD231PS(s.c("ln2hi"), n, r) // r = x - n*ln2hi
	VFNMADD231PS(s.c("ln2lo"), n, r) // r = r - n*ln2lo
	p := s.creg("p5")
	for _, k := range []string{"p4", "p3", "p2", "p1", "p0"} {
		VFMADD213PS(s.c(k), r, p) // p = p*r + k
	}
	r2 := s.vec()
	VMULPS(r, r, r2)
	VFMADD213PS(r, r2, p) // p = p*r2 + r
	VADDPS(s.c("one"), p, p)
	ni := s.vec()
	VCVTTPS2DQ(n, ni)
	n1 := s.vec()
	VPSRAD(U8(1), ni, n1)
	n2 := s.vec()
	VPSUBD(n1, ni, n2) // n2 = ni - n1
	VPADDD(s.c("i127"), n1, n1)
	VPSLLD(U8(23), n1, n1)
	VPADDD(s.c("i127"), n2, n2)
	VPSLLD(U8(23), n2, n2)
	VMULPS(n1, p, p)
	VMULPS(n2, p, p)
	return p
}

// --- kernels ---

// mapKernel describes dst[i] = f(inputs[i]..., scalars).
type mapKernel struct {
	name    string
	doc     string
	sig     string
	inputs  []string // slice parameters read lane-wise (dst may be one)
	scalars []string // float32 parameters broadcast to all lanes
	unroll  int
	body    func(s *isa, in []reg.VecVirtual, sc []reg.VecVirtual) reg.VecVirtual
}

func (k mapKernel) emit(s *isa) {
	TEXT(k.name+s.name, NOSPLIT, k.sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s%s is the %s kernel of %sGeneric (%s).", k.name, s.name, s.name, k.name, k.doc))
	dst := ldGP(Param("dst").Base())
	n := ldGP(Param("dst").Len())
	var ins []reg.GPVirtual
	for _, in := range k.inputs {
		if in == "dst" {
			ins = append(ins, dst)
			continue
		}
		ins = append(ins, ldGP(Param(in).Base()))
	}
	var sc []reg.VecVirtual
	for _, p := range k.scalars {
		sc = append(sc, s.broadcast(p))
	}
	step := func(u int) {
		var v []reg.VecVirtual
		for _, p := range ins {
			r := s.vec()
			VMOVUPS(Mem{Base: p, Disp: u * s.bytes()}, r)
			v = append(v, r)
		}
		VMOVUPS(k.body(s, v, sc), Mem{Base: dst, Disp: u * s.bytes()})
	}
	advance := func(elems int) {
		seen := map[reg.GPVirtual]bool{}
		for _, p := range append([]reg.GPVirtual{dst}, ins...) {
			if !seen[p] {
				ADDQ(U32(elems*4), p)
				seen[p] = true
			}
		}
		SUBQ(U32(elems), n)
	}
	U := k.unroll
	Label(k.name + s.name + "_loopU")
	CMPQ(n, U32(U*s.lanes))
	JB(LabelRef(k.name + s.name + "_loop1"))
	for u := 0; u < U; u++ {
		step(u)
	}
	advance(U * s.lanes)
	JMP(LabelRef(k.name + s.name + "_loopU"))
	Label(k.name + s.name + "_loop1")
	CMPQ(n, U32(s.lanes))
	JB(LabelRef(k.name + s.name + "_tail"))
	step(0)
	advance(s.lanes)
	JMP(LabelRef(k.name + s.name + "_loop1"))
	Label(k.name + s.name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(k.name + s.name + "_done"))
	s.setTail(n)
	var v []reg.VecVirtual
	for _, p := range ins {
		v = append(v, s.loadTail(Mem{Base: p}))
	}
	s.storeTail(k.body(s, v, sc), Mem{Base: dst})
	Label(k.name + s.name + "_done")
	s.vzeroupper()
	RET()
}

func binary(name, doc string, op func(a, b, d Op)) mapKernel {
	return mapKernel{name: name, doc: doc, sig: "func(dst, x, y []float32)", inputs: []string{"x", "y"}, unroll: 4,
		body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
			d := s.vec()
			op(in[1], in[0], d) // Go operand order: d = x op y
			return d
		}}
}

func scalarK(name, doc string, op func(a, b, d Op)) mapKernel {
	return mapKernel{name: name, doc: doc, sig: "func(dst, x []float32, s float32)", inputs: []string{"x"}, scalars: []string{"s"}, unroll: 4,
		body: func(s *isa, in, sc []reg.VecVirtual) reg.VecVirtual {
			d := s.vec()
			op(sc[0], in[0], d) // d = x op s
			return d
		}}
}

func mapKernels() []mapKernel {
	return []mapKernel{
		binary("add", "dst = x + y", func(a, b, d Op) { VADDPS(a, b, d) }),
		binary("sub", "dst = x - y", func(a, b, d Op) { VSUBPS(a, b, d) }),
		binary("mul", "dst = x * y", func(a, b, d Op) { VMULPS(a, b, d) }),
		binary("div", "dst = x / y", func(a, b, d Op) { VDIVPS(a, b, d) }),
		scalarK("addS", "dst = x + s", func(a, b, d Op) { VADDPS(a, b, d) }),
		scalarK("mulS", "dst = x * s", func(a, b, d Op) { VMULPS(a, b, d) }),
		scalarK("divS", "dst = x / s", func(a, b, d Op) { VDIVPS(a, b, d) }),
		{name: "scaleShift", doc: "dst = x*a + b, not fused", sig: "func(dst, x []float32, a, b float32)",
			inputs: []string{"x"}, scalars: []string{"a", "b"}, unroll: 4,
			body: func(s *isa, in, sc []reg.VecVirtual) reg.VecVirtual {
				d := s.vec()
				VMULPS(sc[0], in[0], d)
				VADDPS(sc[1], d, d)
				return d
			}},
		{name: "axpy", doc: "dst += a*x, not fused", sig: "func(dst, x []float32, a float32)",
			inputs: []string{"dst", "x"}, scalars: []string{"a"}, unroll: 4,
			body: func(s *isa, in, sc []reg.VecVirtual) reg.VecVirtual {
				d := s.vec()
				VMULPS(sc[0], in[1], d)
				VADDPS(in[0], d, d)
				return d
			}},
		{name: "relu", doc: "dst = x < 0 ? 0 : x", sig: "func(dst, x []float32)", inputs: []string{"x"}, unroll: 4,
			body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
				d := s.vec()
				z := s.vec()
				VXORPS(z, z, z)
				VMAXPS(in[0], z, d) // d = (0 > x) ? 0 : x
				return d
			}},
		{name: "leaky", doc: "dst = x < 0 ? alpha*x : x", sig: "func(dst, x []float32, alpha float32)",
			inputs: []string{"x"}, scalars: []string{"alpha"}, unroll: 4,
			body: func(s *isa, in, sc []reg.VecVirtual) reg.VecVirtual {
				t := s.vec()
				VMULPS(sc[0], in[0], t)
				return s.sel(in[0], s.c("zero"), t, in[0])
			}},
		{name: "clip", doc: "dst = min(max(x, lo), hi)", sig: "func(dst, x []float32, lo, hi float32)",
			inputs: []string{"x"}, scalars: []string{"lo", "hi"}, unroll: 4,
			body: func(s *isa, in, sc []reg.VecVirtual) reg.VecVirtual {
				t := s.vec()
				VMAXPS(in[0], sc[0], t) // t = (lo > x) ? lo : x
				d := s.vec()
				VMINPS(t, sc[1], d) // d = (hi < t) ? hi : t
				return d
			}},
		{name: "reluGrad", doc: "dst = x > 0 ? dy : 0", sig: "func(dst, dy, x []float32)", inputs: []string{"dy", "x"}, unroll: 4,
			body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
				z := s.vec()
				VXORPS(z, z, z)
				return s.sel(z, in[1], in[0], z) // (0 < x) ? dy : 0
			}},
		{name: "leakyGrad", doc: "dst = x < 0 ? alpha*dy : dy", sig: "func(dst, dy, x []float32, alpha float32)",
			inputs: []string{"dy", "x"}, scalars: []string{"alpha"}, unroll: 4,
			body: func(s *isa, in, sc []reg.VecVirtual) reg.VecVirtual {
				t := s.vec()
				VMULPS(sc[0], in[0], t)
				return s.sel(in[1], s.c("zero"), t, in[0])
			}},
		{name: "sigmoidGrad", doc: "dst = dy * (y * (1 - y))", sig: "func(dst, dy, y []float32)", inputs: []string{"dy", "y"}, unroll: 4,
			body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
				t := s.creg("one")
				VSUBPS(in[1], t, t) // 1 - y
				VMULPS(in[1], t, t) // y * (1-y)
				VMULPS(in[0], t, t) // dy * ...
				return t
			}},
		{name: "tanhGrad", doc: "dst = dy * (1 - y*y)", sig: "func(dst, dy, y []float32)", inputs: []string{"dy", "y"}, unroll: 4,
			body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
				t := s.vec()
				VMULPS(in[1], in[1], t)
				u := s.creg("one")
				VSUBPS(t, u, u) // 1 - y*y
				VMULPS(in[0], u, u)
				return u
			}},
		{name: "exp", doc: "dst = exp32(x)", sig: "func(dst, x []float32)", inputs: []string{"x"}, unroll: 2,
			body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
				return s.expCore(s.clamp(in[0]))
			}},
		{name: "sigmoid", doc: "dst = sigmoid32(x)", sig: "func(dst, x []float32)", inputs: []string{"x"}, unroll: 2,
			body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
				return s.sigmoid(in[0])
			}},
		{name: "tanh", doc: "dst = tanh32(x)", sig: "func(dst, x []float32)", inputs: []string{"x"}, unroll: 2,
			body: func(s *isa, in, _ []reg.VecVirtual) reg.VecVirtual {
				return s.tanh(in[0])
			}},
	}
}

func (s *isa) sigmoid(x reg.VecVirtual) reg.VecVirtual {
	na := s.vec()
	VORPS(s.c("signmask"), x, na) // -|x|
	e := s.expCore(s.clamp(na))
	d := s.vec()
	VADDPS(s.c("one"), e, d)
	num := s.sel(x, s.c("zero"), e, s.creg("one"))
	y := s.vec()
	VDIVPS(d, num, y) // y = num / d
	return y
}

func (s *isa) tanh(x reg.VecVirtual) reg.VecVirtual {
	a := s.vec()
	VANDPS(s.c("absmask"), x, a)
	m2a := s.vec()
	VMULPS(s.c("minus2"), a, m2a)
	e := s.expCore(s.clamp(m2a))
	one := s.creg("one")
	num := s.vec()
	VSUBPS(e, one, num) // 1 - e
	den := s.vec()
	VADDPS(one, e, den)
	big := s.vec()
	VDIVPS(den, num, big)
	z := s.vec()
	VMULPS(a, a, z)
	p := s.creg("t4")
	for _, k := range []string{"t3", "t2", "t1", "t0"} {
		VFMADD213PS(s.c(k), z, p) // p = p*z + k
	}
	t := s.vec()
	VMULPS(z, p, t)
	VFMADD213PS(a, a, t) // t = t*a + a
	y := s.sel(a, s.c("tsmall"), t, big)
	sign := s.vec()
	VANDPS(s.c("signmask"), x, sign)
	VORPS(sign, y, y)
	return y
}

// reduceKernel emits sum, max and expShiftSum: sumLanes = 32 partial
// results in 32/lanes accumulators, lane j taking elements i with
// i%32 == j, reduced pairwise as reduceLanes does.
type reduceKernel struct {
	name, doc, sig string
	withDst        bool
	isMax          bool
	prep           func(s *isa) []reg.VecVirtual                                       // loop-invariant values
	value          func(s *isa, x reg.VecVirtual, inv []reg.VecVirtual) reg.VecVirtual // element transform
}

func (k reduceKernel) emit(s *isa) {
	const lanes32 = 32
	A := lanes32 / s.lanes
	L := k.name + s.name
	TEXT(L, NOSPLIT, k.sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %s kernel of %sGeneric (%s).", L, s.name, k.name, k.doc))
	var xp, dp, n reg.GPVirtual
	if k.withDst {
		dp = ldGP(Param("dst").Base())
		n = ldGP(Param("dst").Len())
		xp = ldGP(Param("x").Base())
	} else {
		xp = ldGP(Param("x").Base())
		n = ldGP(Param("x").Len())
	}
	var inv []reg.VecVirtual
	if k.prep != nil {
		inv = k.prep(s)
	}
	acc := make([]reg.VecVirtual, A)
	for i := range acc {
		acc[i] = s.vec()
		if k.isMax {
			VMOVUPS(s.c("neginf"), acc[i])
		} else {
			VXORPS(acc[i], acc[i], acc[i])
		}
	}
	// NaN tracking for max.
	var nanY reg.VecVirtual
	var nanK reg.OpmaskVirtual
	if k.isMax {
		if s.z {
			nanK = K()
			KXORW(nanK, nanK, nanK)
		} else {
			nanY = YMM()
			VXORPS(nanY, nanY, nanY)
		}
	}
	trackNaN := func(x reg.VecVirtual) {
		if !k.isMax {
			return
		}
		if s.z {
			t := K()
			VCMPPS(U8(3), x, x, t) // UNORD_Q
			KORW(t, nanK, nanK)
		} else {
			t := YMM()
			VCMPPS(U8(3), x, x, t)
			VORPS(t, nanY, nanY)
		}
	}
	combine := func(a reg.VecVirtual, v reg.VecVirtual) {
		if k.isMax {
			VMAXPS(v, a, a)
		} else {
			VADDPS(v, a, a)
		}
	}
	full := func(a int, disp int) {
		x := s.vec()
		VMOVUPS(Mem{Base: xp, Disp: disp}, x)
		trackNaN(x)
		v := x
		if k.value != nil {
			v = k.value(s, x, inv)
			VMOVUPS(v, Mem{Base: dp, Disp: disp})
		}
		combine(acc[a], v)
	}
	advance := func(elems int) {
		ADDQ(U32(elems*4), xp)
		if k.withDst {
			ADDQ(U32(elems*4), dp)
		}
		SUBQ(U32(elems), n)
	}
	Label(L + "_loop")
	CMPQ(n, U32(lanes32))
	JB(LabelRef(L + "_tail"))
	for a := 0; a < A; a++ {
		full(a, a*s.bytes())
	}
	advance(lanes32)
	JMP(LabelRef(L + "_loop"))

	Label(L + "_tail")
	for a := 0; a < A; a++ {
		CMPQ(n, U32(s.lanes))
		JB(LabelRef(fmt.Sprintf("%s_part%d", L, a)))
		full(a, 0)
		advance(s.lanes)
	}
	JMP(LabelRef(L + "_reduce")) // unreachable: fewer than 32 were left
	for a := 0; a < A; a++ {
		Label(fmt.Sprintf("%s_part%d", L, a))
		TESTQ(n, n)
		JZ(LabelRef(L + "_reduce"))
		s.setTail(n)
		x := s.loadTail(Mem{Base: xp})
		if k.isMax {
			// Inactive lanes become -Inf, which max ignores.
			if s.z {
				t := s.creg("neginf")
				VMOVUPS(x, s.kmask, t)
				x = t
			} else {
				t := s.vec()
				VBLENDVPS(s.ymask, x, s.creg("neginf"), t) // t = mask ? x : -Inf
				x = t
			}
			trackNaN(x)
			combine(acc[a], x)
		} else if k.value != nil {
			v := k.value(s, x, inv)
			s.storeTail(v, Mem{Base: dp})
			if s.z {
				VADDPS(v, acc[a], s.kmask, acc[a])
			} else {
				VANDPS(s.ymask, v, v)
				VADDPS(v, acc[a], acc[a])
			}
		} else {
			combine(acc[a], x) // inactive lanes are +0
		}
		JMP(LabelRef(L + "_reduce"))
	}

	Label(L + "_reduce")
	// Pairwise: lanes j and j+16, j+8, j+4, j+2, j+1.
	var y reg.VecVirtual // 8 lanes
	if s.z {
		combine(acc[0], acc[1])
		y = YMM()
		VEXTRACTF64X4(U8(1), acc[0], y)
		combineY := acc[0].AsY()
		if k.isMax {
			VMAXPS(y, combineY, y)
		} else {
			VADDPS(y, combineY, y)
		}
	} else {
		combine(acc[0], acc[2])
		combine(acc[1], acc[3])
		combine(acc[0], acc[1])
		y = acc[0]
	}
	x := XMM()
	VEXTRACTF128(U8(1), y, x)
	lo := y.AsX()
	op := func(a, b Op) {
		if k.isMax {
			VMAXPS(a, b, b)
		} else {
			VADDPS(a, b, b)
		}
	}
	op(lo, x) // x = hi + lo (lanes j, j+4)
	t := XMM()
	VMOVHLPS(x, x, t) // t[0:2] = x[2:4]
	op(t, x)
	t2 := XMM()
	VMOVSHDUP(x, t2) // t2[0] = x[1]
	op(t2, x)
	if k.isMax {
		if s.z {
			KORTESTW(nanK, nanK)
		} else {
			g := GP32()
			VMOVMSKPS(nanY, g)
			TESTL(g, g)
		}
		JZ(LabelRef(L + "_ret"))
		// Some element was NaN: return NaN.
		VMOVSS(s.c("absmask"), x) // 0x7fffffff is a quiet NaN
		Label(L + "_ret")
	}
	s.vzeroupper()
	Store(x, ReturnIndex(0))
	RET()
}

func reduceKernels() []reduceKernel {
	return []reduceKernel{
		{name: "sum", doc: "32 interleaved partial sums", sig: "func(x []float32) float32"},
		{name: "max", doc: "NaN if any element is NaN", sig: "func(x []float32) float32", isMax: true},
		{name: "expShiftSum", doc: "dst = exp32(x - shift), 32 interleaved partial sums",
			sig: "func(dst, x []float32, shift float32) float32", withDst: true,
			prep: func(s *isa) []reg.VecVirtual { return []reg.VecVirtual{s.broadcast("shift")} },
			value: func(s *isa, x reg.VecVirtual, inv []reg.VecVirtual) reg.VecVirtual {
				t := s.vec()
				VSUBPS(inv[0], x, t)
				return s.expCore(s.clamp(t))
			}},
	}
}

func main() {
	fs := flag.NewFlagSet("vec", flag.ExitOnError)
	out := fs.String("out", "", "assembly output file")
	stubs := fs.String("stubs", "", "Go stub output file")
	fs.Parse(os.Args[1:])
	if *out == "" || *stubs == "" {
		fmt.Fprintln(os.Stderr, "usage: vec -out file.s -stubs file.go")
		os.Exit(2)
	}
	tmp, err := os.MkdirTemp("", "vecgen")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(tmp)
	tmpS, tmpGo := filepath.Join(tmp, "a.s"), filepath.Join(tmp, "a.go")
	// avo's own flags live on flag.CommandLine; its header quotes os.Args,
	// which is set to the canonical command so the header does not depend
	// on the output paths.
	if err := flag.CommandLine.Parse([]string{"-out", tmpS, "-stubs", tmpGo, "-pkg", "asm"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Args = []string{os.Args[0], "-out", "../../vec_gen_amd64.s", "-stubs", "../../vec_gen_amd64.go"}

	ConstraintExpr("!purego")
	isas := []*isa{{name: "AVX2", lanes: 8}, {name: "AVX512", lanes: 16, z: true}}
	for _, s := range isas {
		s.emitTables()
	}
	for _, s := range isas {
		for _, k := range mapKernels() {
			k.emit(s)
		}
		for _, k := range reduceKernels() {
			k.emit(s)
		}
	}
	Generate()

	for _, f := range [][2]string{{tmpS, *out}, {tmpGo, *stubs}} {
		b, err := os.ReadFile(f[0])
		if err == nil {
			err = writeAtomic(f[1], b)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".vecgen-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// ldGP loads a pointer or length parameter into a fresh 64-bit register.
func ldGP(c gotypes.Component) reg.GPVirtual {
	r := GP64()
	Load(c, r)
	return r
}
