// Command conv generates latent's AVX2+FMA and AVX-512 micro-kernels for
// direct convolution (ConvGemm in asm/conv_gemm.go): asm/conv_gen_amd64.s
// and the stubs asm/conv_gen_amd64.go, with avo.
//
// Run from this directory:
//
//	go run . -out ../../conv_gen_amd64.s -stubs ../../conv_gen_amd64.go -pkg asm
//
// Every kernel follows the contract of convKernelGeneric
// (asm/conv_gemm_generic.go) with fused multiply-adds: an mr×(lanes·nv)
// tile of C is the sum over k steps of a packed column of A (mr values,
// broadcast) times a row of X read in place at a per-step byte offset,
// then the row bias is added and the activation applied as the Vec kernels
// do. The generated files are committed; asm's TestConvGenerated
// regenerates them into a temporary directory and fails on any
// difference.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Register tiles of the generated kernels: rows × vectors per row.
var (
	avx512Shapes = []struct{ mr, v int }{{8, 3}, {4, 6}, {2, 8}, {1, 8}}
	avx2Shapes   = []struct{ mr, v int }{{4, 3}, {2, 5}, {1, 8}}
)

const kernelSig = "func(k int, a *float32, off *int64, x *float32, c *float32, ldc int, bias *float32, act int, p0, p1 float32)"

// Fixed register roles.
var (
	rK    = RDX // k steps left
	rA    = RSI // packed A column
	rOff  = R8  // offset table
	rX    = RDI // X base
	rCnt  = RCX // loop counter
	rC    = R9  // C row
	rLdc  = R10 // ldc in bytes
	rBias = R11 // bias row
	rAct  = RBX // activation code
)

// rT holds the byte offset of unrolled step u.
var rT = []GPPhysical{RAX, R12}

// Activation codes (convAct* in asm/conv_gemm.go).
const (
	actNone = iota
	actReLU
	actLeaky
	actClip
)

func main() {
	ConstraintExpr("!purego")
	// Every shape also comes narrower, down to one vector, for the last
	// column tile of a product.
	for _, s := range avx512Shapes {
		for v := s.v; v >= 1; v-- {
			kernel(s.mr, v, true, false)
		}
		// and half a vector (8 columns, in 256-bit registers), for a
		// last tile of up to 8 columns.
		kernel(s.mr, 1, true, true)
	}
	for _, s := range avx2Shapes {
		for v := s.v; v >= 1; v-- {
			kernel(s.mr, v, false, false)
		}
	}
	maxPool2x2AVX512(false)
	maxPool2x2AVX512(true)
	maxPool2x2AVX2(false)
	maxPool2x2AVX2(true)
	dup2AVX512()
	padRowsAVX512()
	splitRowsAVX512()
	interleaveRowsAVX512()
	Generate()
}

func zmm(i int) VecPhysical {
	return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
}

func ymm32(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15,
		Y16, Y17, Y18, Y19, Y20, Y21, Y22, Y23, Y24, Y25, Y26, Y27, Y28, Y29, Y30, Y31}[i]
}

func ymm(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}[i]
}

// paramAddr returns the stack address of a scalar argument.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// kernel emits the mr×(lanes·v) kernel of one ISA. Accumulators are the
// low registers; X vectors (when mr > 1) sit above them; AVX2 broadcasts
// A values into the register after those.
func kernel(mr, v int, z, half bool) {
	isa, lanes, nreg := "AVX2", 8, 16
	vr := ymm
	if z {
		isa, lanes, nreg, vr = "AVX512", 16, 32, zmm
	}
	if half {
		// AVX-512 (VL) on 256-bit registers: all 32 of them.
		lanes, vr = 8, ymm32
	}
	name := fmt.Sprintf("convKernel%sx%dx%d", isa, mr, lanes*v)
	if half {
		name += "y"
	}
	TEXT(name, NOSPLIT, kernelSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %d×%d %s direct-convolution kernel; see convKernelGeneric.", name, mr, lanes*v, isa))
	memX := mr == 1 // X read by the FMAs themselves
	need := mr * v
	if !memX {
		need += v
	}
	need++ // broadcast register
	if need > nreg {
		panic("kernel shape needs too many registers")
	}
	acc := func(i, j int) VecPhysical { return vr(i*v + j) }
	xv := func(j int) VecPhysical { return vr(mr*v + j) }
	bc := vr(mr * v)
	if !memX {
		bc = vr(mr*v + v)
	}

	Load(Param("k"), rK)
	Load(Param("a"), rA)
	Load(Param("off"), rOff)
	Load(Param("x"), rX)
	for i := 0; i < mr; i++ {
		for j := 0; j < v; j++ {
			VXORPS(acc(i, j), acc(i, j), acc(i, j))
		}
	}
	xAddr := func(u, j int) Mem { return Mem{Base: rX, Index: rT[u], Scale: 1, Disp: 4 * lanes * j} }
	step := func(u int) {
		MOVQ(Mem{Base: rOff, Disp: 8 * u}, rT[u])
		if memX {
			VBROADCASTSS(Mem{Base: rA, Disp: 4 * u}, bc)
			for j := 0; j < v; j++ {
				VFMADD231PS(xAddr(u, j), bc, acc(0, j))
			}
			return
		}
		for j := 0; j < v; j++ {
			VMOVUPS(xAddr(u, j), xv(j))
		}
		for i := 0; i < mr; i++ {
			aAddr := Mem{Base: rA, Disp: 4 * (u*mr + i)}
			if z && v == 1 {
				VFMADD231PS_BCST(aAddr, xv(0), acc(i, 0))
				continue
			}
			// One broadcast per row into a rotating temporary, used by
			// all v FMAs of the row.
			t := bc
			if z {
				t = vr(mr*v + v + i%(nreg-mr*v-v))
			}
			VBROADCASTSS(aAddr, t)
			for j := 0; j < v; j++ {
				VFMADD231PS(xv(j), t, acc(i, j))
			}
		}
	}
	MOVQ(rK, rCnt)
	SHRQ(U8(1), rCnt)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	step(0)
	step(1)
	ADDQ(U8(16), rOff)
	ADDQ(U32(8*mr), rA)
	DECQ(rCnt)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_tail")
	TESTQ(U32(1), rK)
	JZ(LabelRef(name + "_store"))
	step(0)
	Label(name + "_store")

	// Epilogue: bias, activation, store.
	Load(Param("c"), rC)
	Load(Param("ldc"), rLdc)
	SHLQ(U8(2), rLdc)
	Load(Param("bias"), rBias)
	Load(Param("act"), rAct)
	// Free registers for constants: everything above the accumulators.
	free := mr * v
	t0, t1, t2 := vr(free), vr(free+1), vr(free+2)
	if free+3 > nreg {
		panic("no room for epilogue registers")
	}
	CMPQ(rAct, U8(actReLU))
	JEQ(LabelRef(name + "_relu"))
	CMPQ(rAct, U8(actLeaky))
	JEQ(LabelRef(name + "_leaky"))
	CMPQ(rAct, U8(actClip))
	JEQ(LabelRef(name + "_clip"))

	type actFn struct {
		label string
		setup func()
		apply func(x VecPhysical)
	}
	acts := []actFn{
		{name + "_none", func() {}, func(VecPhysical) {}},
		{name + "_relu", func() { VXORPS(t1, t1, t1) }, func(x VecPhysical) {
			VMAXPS(x, t1, x) // x = (0 > x) ? 0 : x; NaN stays
		}},
		{name + "_leaky", func() {
			VBROADCASTSS(paramAddr("p0"), t1)
			VXORPS(t2, t2, t2)
		}, func(x VecPhysical) {
			// x = x < 0 ? alpha*x : x
			t := t0
			VMULPS(t1, x, t)
			if z {
				VCMPPS(U8(1), t2, x, K1)
				VBLENDMPS(t, x, K1, x)
			} else {
				// AVX2: the mask needs a register; the bias register is
				// free once the bias is added.
				m := bc
				if free+3 < nreg {
					m = vr(free + 3)
				}
				VCMPPS(U8(1), t2, x, m)
				VBLENDVPS(m, t, x, x)
			}
		}},
		{name + "_clip", func() {
			VBROADCASTSS(paramAddr("p0"), t1)
			VBROADCASTSS(paramAddr("p1"), t2)
		}, func(x VecPhysical) {
			VMAXPS(x, t1, x) // (lo > x) ? lo : x
			VMINPS(x, t2, x) // (hi < x) ? hi : x
		}},
	}
	for _, a := range acts {
		Label(a.label)
		a.setup()
		for i := 0; i < mr; i++ {
			VBROADCASTSS(Mem{Base: rBias, Disp: 4 * i}, t0)
			for j := 0; j < v; j++ {
				VADDPS(t0, acc(i, j), acc(i, j))
			}
			for j := 0; j < v; j++ {
				a.apply(acc(i, j))
				VMOVUPS(acc(i, j), Mem{Base: rC, Disp: 4 * lanes * j})
			}
			if i+1 < mr {
				ADDQ(rLdc, rC)
			}
		}
		VZEROUPPER()
		RET()
	}
}

// int32Table declares a read-only table of int32s.
func int32Table(name string, vals []int32) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for i, v := range vals {
		DATA(4*i, U32(uint32(v)))
	}
	return m
}

var tables = map[string]Mem{}

// table returns the named 16-lane int32 table, declaring it on first use.
func table(name string) Mem {
	if m, ok := tables[name]; ok {
		return m
	}
	v := make([]int32, 16)
	for i := range v {
		switch name {
		case "convEven":
			v[i] = int32(2 * i)
		case "convOdd":
			v[i] = int32(2*i + 1)
		case "convDupLo":
			v[i] = int32(i / 2)
		case "convDupHi":
			v[i] = int32(8 + i/2)
		case "convZipLo": // even[0], odd[0], even[1], odd[1], ... (lanes 0..7)
			v[i] = int32(i/2 + 16*(i%2))
		case "convZipHi": // lanes 8..15 of even and odd
			v[i] = int32(8 + i/2 + 16*(i%2))
		default:
			panic(name)
		}
	}
	m := int32Table(name, v)
	tables[name] = m
	return m
}

// lowBits sets k to the low cnt bits, cnt clamped to [0, 32]; it
// clobbers tmp and R9.
func lowBits(cnt, tmp GPPhysical, k Register) {
	MOVQ(cnt, R9)
	XORL(tmp.As32(), tmp.As32())
	CMPQ(R9, tmp)
	CMOVQLT(tmp, R9)
	MOVL(U32(32), tmp.As32())
	CMPQ(R9, tmp)
	CMOVQGT(tmp, R9)
	MOVL(U32(0xffffffff), tmp.As32())
	BZHIL(R9.As32(), tmp.As32(), tmp.As32())
	KMOVD(tmp.As32(), k)
}

// chunks splits count elements into full chunks of 16 (into nf) and a
// tail of count mod 16 (into tail), keeping count.
func chunks(count, nf, tail GPPhysical) {
	MOVQ(count, nf)
	SHRQ(U8(4), nf)
	MOVQ(count, tail)
	ANDQ(U8(15), tail)
}

// rowLoop emits a loop over rows: head sets up the row, full runs one
// full chunk (called with the chunk loop around it, nf times), tail the
// masked last chunk (skipped when tail is zero), end advances to the
// next row and may jump to name_pnext, where the loop also ends when rows
// reaches zero. Labels are prefixed with name.
func rowLoop(name string, rows, nf, tail, cnt GPPhysical, head, full, masked, end func()) {
	Label(name + "_row")
	TESTQ(rows, rows)
	JLE(LabelRef(name + "_pnext"))
	head()
	MOVQ(nf, cnt)
	TESTQ(cnt, cnt)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_full")
	full()
	DECQ(cnt)
	JNZ(LabelRef(name + "_full"))
	Label(name + "_tail")
	TESTQ(tail, tail)
	JZ(LabelRef(name + "_end"))
	masked()
	Label(name + "_end")
	end()
	JMP(LabelRef(name + "_row"))
}

// planeLoop emits the loop over planes around a row loop: setup runs at
// the start of each plane (it loads the row counter and the row
// pointers), rows emits the row loop (which ends at name_pnext), and the
// pointer arguments named in strides (argument -> stride argument, in
// elements of size bytes each) advance by their plane stride after each
// plane. The planes argument counts down.
func planeLoop(name string, setup, rows func(), strides [][3]string, tmp GPPhysical) {
	Label(name + "_plane")
	CMPQ(paramAddr("planes"), U8(0))
	JLE(LabelRef(name + "_done"))
	setup()
	rows()
	Label(name + "_pnext")
	for _, st := range strides {
		Load(Param(st[1]), tmp)
		switch st[2] {
		case "4":
			SHLQ(U8(2), tmp)
		case "8":
			SHLQ(U8(3), tmp)
		}
		ADDQ(tmp, paramAddr(st[0]))
	}
	DECQ(paramAddr("planes"))
	JMP(LabelRef(name + "_plane"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// zeroGap stores gap zeros (Z31) at d: ngf full vectors, then one under
// mask kg. It clobbers cnt.
func zeroGap(name string, d, ngf, cnt GPPhysical, kg Register) {
	MOVQ(ngf, cnt)
	TESTQ(cnt, cnt)
	JZ(LabelRef(name + "_gtail"))
	Label(name + "_gfull")
	VMOVUPS(Z31, Mem{Base: d})
	ADDQ(U32(64), d)
	DECQ(cnt)
	JNZ(LabelRef(name + "_gfull"))
	Label(name + "_gtail")
	VMOVUPS(Z31, kg, Mem{Base: d})
}

// maxPool2x2AVX512 emits the AVX-512 twin of maxPool2x2Generic.
func maxPool2x2AVX512(withIdx bool) {
	name := "maxPool2x2AVX512"
	sig := "func(planes, rows, n int, x *float32, ld, xps int, dst *float32, dps int)"
	if withIdx {
		name = "maxPool2x2IdxAVX512"
		sig = "func(planes, rows, n int, x *float32, ld, xps int, dst *float32, dps int, idx *int64, base, bps int64, w int)"
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the AVX-512 twin of maxPool2x2Generic.", name))
	rRows, rX, rLd, rD, rI, rCnt, rTmp := RCX, RSI, RDX, RDI, R8, RAX, RBX
	rNF, rTail, rXp, rW := R10, R11, R12, R13
	Load(Param("n"), rTmp)
	chunks(rTmp, rNF, rTail)
	// K1, K2: input lanes of the tail's two vectors per row; K3: its
	// outputs; K7: K3's upper half (indices).
	MOVQ(rTail, rCnt)
	SHLQ(U8(1), rCnt)
	lowBits(rCnt, rTmp, K1)
	KSHIFTRD(U8(16), K1, K2)
	lowBits(rTail, rTmp, K3)
	KSHIFTRW(U8(8), K3, K7)
	Load(Param("ld"), rLd)
	SHLQ(U8(2), rLd)
	even, odd := Z31, Z30
	VMOVDQU32(table("convEven"), even)
	VMOVDQU32(table("convOdd"), odd)
	codes := []VecPhysical{Z26, Z27, Z28} // 1, w, w+1
	pos, base, step, pos0, rowStep := Z29, Z25, Z24, Z23, Z22
	if withIdx {
		VMOVDQU32(table("convEven"), pos0) // 2·lane
		MOVL(U32(1), rTmp.As32())
		VPBROADCASTD(rTmp.As32(), codes[0])
		Load(Param("w"), rW)
		VPBROADCASTD(rW.As32(), codes[1])
		LEAQ(Mem{Base: rW, Disp: 1}, rTmp)
		VPBROADCASTD(rTmp.As32(), codes[2])
		MOVL(U32(32), rTmp.As32())
		VPBROADCASTD(rTmp.As32(), step)
		SHLQ(U8(1), rW)
		VPBROADCASTQ(rW, rowStep) // 2w: the next output row's base
	}
	body := func(masked bool) {
		if masked {
			VMOVUPS_Z(Mem{Base: rX}, K1, Z0)
			VMOVUPS_Z(Mem{Base: rX, Disp: 64}, K2, Z1)
			VMOVUPS_Z(Mem{Base: rX, Index: rLd, Scale: 1}, K1, Z2)
			VMOVUPS_Z(Mem{Base: rX, Index: rLd, Scale: 1, Disp: 64}, K2, Z3)
		} else {
			VMOVUPS(Mem{Base: rX}, Z0)
			VMOVUPS(Mem{Base: rX, Disp: 64}, Z1)
			VMOVUPS(Mem{Base: rX, Index: rLd, Scale: 1}, Z2)
			VMOVUPS(Mem{Base: rX, Index: rLd, Scale: 1, Disp: 64}, Z3)
		}
		// Window elements in order: top even, top odd, bottom even,
		// bottom odd.
		m := Z4
		cand := []VecPhysical{Z5, Z6, Z7}
		VMOVAPS(Z0, m)
		VPERMT2PS(Z1, even, m)
		VMOVAPS(Z0, cand[0])
		VPERMT2PS(Z1, odd, cand[0])
		VMOVAPS(Z2, cand[1])
		VPERMT2PS(Z3, even, cand[1])
		VMOVAPS(Z2, cand[2])
		VPERMT2PS(Z3, odd, cand[2])
		code := Z8
		if withIdx {
			VPXORD(code, code, code)
		}
		for i, c := range cand {
			// take = c > m || (c is NaN && m is not)
			VCMPPS(U8(0x1e), m, c, K4) // GT_OQ: c > m
			VCMPPS(U8(3), c, c, K5)    // UNORD_Q: c is NaN
			VCMPPS(U8(7), m, m, K6)    // ORD_Q: m is not NaN
			KANDW(K5, K6, K5)
			KORW(K4, K5, K4)
			VMOVAPS(c, K4, m)
			if withIdx {
				VMOVDQA32(codes[i], K4, code)
			}
		}
		if masked {
			VMOVUPS(m, K3, Mem{Base: rD})
		} else {
			VMOVUPS(m, Mem{Base: rD})
		}
		if withIdx {
			VPADDD(pos, code, code)
			VPMOVSXDQ(code.AsY(), Z9)
			VEXTRACTI32X8(U8(1), code, Y10)
			VPMOVSXDQ(Y10, Z10)
			VPADDQ(base, Z9, Z9)
			VPADDQ(base, Z10, Z10)
			if masked {
				VMOVDQU64(Z9, K3, Mem{Base: rI})
				VMOVDQU64(Z10, K7, Mem{Base: rI, Disp: 64})
			} else {
				VMOVDQU64(Z9, Mem{Base: rI})
				VMOVDQU64(Z10, Mem{Base: rI, Disp: 64})
			}
			VPADDD(step, pos, pos)
		}
	}
	strides := [][3]string{{"x", "xps", "4"}, {"dst", "dps", "4"}}
	if withIdx {
		strides = append(strides, [3]string{"idx", "dps", "8"}, [3]string{"base", "bps", "1"})
	}
	planeLoop(name, func() {
		Load(Param("rows"), rRows)
		Load(Param("x"), rXp)
		Load(Param("dst"), rD)
		if withIdx {
			Load(Param("idx"), rI)
			Load(Param("base"), rTmp)
			VPBROADCASTQ(rTmp, base)
		}
	}, func() {
		rowLoop(name, rRows, rNF, rTail, rCnt,
			func() {
				MOVQ(rXp, rX)
				if withIdx {
					VMOVDQA32(pos0, pos)
				}
			},
			func() {
				body(false)
				ADDQ(U32(128), rX)
				ADDQ(U32(64), rD)
				if withIdx {
					ADDQ(U32(128), rI)
				}
			},
			func() {
				body(true)
				LEAQ(Mem{Base: rD, Index: rTail, Scale: 4}, rD)
				if withIdx {
					LEAQ(Mem{Base: rI, Index: rTail, Scale: 8}, rI)
				}
			},
			func() {
				// Next output row: two input rows down.
				LEAQ(Mem{Base: rXp, Index: rLd, Scale: 2}, rXp)
				if withIdx {
					VPADDQ(rowStep, base, base)
				}
				DECQ(rRows)
			})
	}, strides, rTmp)
}

// dup2AVX512 emits the AVX-512 twin of dup2Generic.
func dup2AVX512() {
	name := "dup2AVX512"
	TEXT(name, NOSPLIT, "func(planes, rows, n int, src *float32, lds, sps int, dst *float32, ldd, dps, gap int)")
	Pragma("noescape")
	Doc(name + " is the AVX-512 twin of dup2Generic.")
	rRows, rS, rD, rCnt, rTmp, rSp, rDp := RCX, RSI, RDI, RBX, RAX, R10, R11
	rNF, rTail, rGF, rLds, rLdd := R12, R13, RDX, R8, R9
	Load(Param("n"), rTmp)
	chunks(rTmp, rNF, rTail)
	lowBits(rTail, rTmp, K1)
	MOVQ(rTail, rCnt)
	SHLQ(U8(1), rCnt)
	lowBits(rCnt, rTmp, K2)
	KSHIFTRD(U8(16), K2, K3)
	Load(Param("gap"), rTmp)
	MOVQ(rTmp, rGF)
	SHRQ(U8(4), rGF)
	ANDQ(U8(15), rTmp)
	lowBits(rTmp, rCnt, K4)
	Load(Param("lds"), rLds)
	Load(Param("ldd"), rLdd)
	VPXORD(Z31, Z31, Z31)
	lo, hi := Z30, Z29
	VMOVDQU32(table("convDupLo"), lo)
	VMOVDQU32(table("convDupHi"), hi)
	planeLoop(name, func() {
		Load(Param("rows"), rRows)
		Load(Param("src"), rSp)
		Load(Param("dst"), rDp)
	}, func() {
		rowLoop(name, rRows, rNF, rTail, rCnt,
			func() {
				MOVQ(rSp, rS)
				MOVQ(rDp, rD)
			},
			func() {
				VMOVUPS(Mem{Base: rS}, Z0)
				VPERMPS(Z0, lo, Z1)
				VPERMPS(Z0, hi, Z2)
				VMOVUPS(Z1, Mem{Base: rD})
				VMOVUPS(Z2, Mem{Base: rD, Disp: 64})
				ADDQ(U32(64), rS)
				ADDQ(U32(128), rD)
			},
			func() {
				VMOVUPS_Z(Mem{Base: rS}, K1, Z0)
				VPERMPS(Z0, lo, Z1)
				VPERMPS(Z0, hi, Z2)
				VMOVUPS(Z1, K2, Mem{Base: rD})
				VMOVUPS(Z2, K3, Mem{Base: rD, Disp: 64})
				LEAQ(Mem{Base: rD, Index: rTail, Scale: 8}, rD)
			},
			func() {
				DECQ(rRows)
				JZ(LabelRef(name + "_pnext"))
				zeroGap(name, rD, rGF, rCnt, K4)
				LEAQ(Mem{Base: rSp, Index: rLds, Scale: 4}, rSp)
				LEAQ(Mem{Base: rDp, Index: rLdd, Scale: 4}, rDp)
			})
	}, [][3]string{{"src", "sps", "4"}, {"dst", "dps", "4"}}, rTmp)
}

// padRowsAVX512 emits the AVX-512 twin of padRowsGeneric.
func padRowsAVX512() {
	name := "padRowsAVX512"
	TEXT(name, NOSPLIT, "func(planes, rows, w int, src *float32, lds, sps int, dst *float32, ldd, dps, gap int)")
	Pragma("noescape")
	Doc(name + " is the AVX-512 twin of padRowsGeneric.")
	rRows, rS, rD, rCnt, rTmp, rSp, rDp := RCX, RSI, RDI, RBX, RAX, R10, R11
	rNF, rTail, rGF, rLds, rLdd := R12, R13, RDX, R8, R9
	Load(Param("w"), rTmp)
	chunks(rTmp, rNF, rTail)
	lowBits(rTail, rTmp, K1)
	Load(Param("gap"), rTmp)
	MOVQ(rTmp, rGF)
	SHRQ(U8(4), rGF)
	ANDQ(U8(15), rTmp)
	lowBits(rTmp, rCnt, K4)
	Load(Param("lds"), rLds)
	Load(Param("ldd"), rLdd)
	VPXORD(Z31, Z31, Z31)
	planeLoop(name, func() {
		Load(Param("rows"), rRows)
		Load(Param("src"), rSp)
		Load(Param("dst"), rDp)
	}, func() {
		rowLoop(name, rRows, rNF, rTail, rCnt,
			func() {
				MOVQ(rSp, rS)
				MOVQ(rDp, rD)
			},
			func() {
				VMOVUPS(Mem{Base: rS}, Z0)
				VMOVUPS(Z0, Mem{Base: rD})
				ADDQ(U32(64), rS)
				ADDQ(U32(64), rD)
			},
			func() {
				VMOVUPS_Z(Mem{Base: rS}, K1, Z0)
				VMOVUPS(Z0, K1, Mem{Base: rD})
				LEAQ(Mem{Base: rD, Index: rTail, Scale: 4}, rD)
			},
			func() {
				DECQ(rRows)
				JZ(LabelRef(name + "_pnext"))
				zeroGap(name, rD, rGF, rCnt, K4)
				LEAQ(Mem{Base: rSp, Index: rLds, Scale: 4}, rSp)
				LEAQ(Mem{Base: rDp, Index: rLdd, Scale: 4}, rDp)
			})
	}, [][3]string{{"src", "sps", "4"}, {"dst", "dps", "4"}}, rTmp)
}

// splitRowsAVX512 emits the AVX-512 twin of splitRowsGeneric. A full
// chunk is 16 even and 16 odd elements, nf = no/16 of them; the tail
// holds the ne-16·nf (up to 16) even and no mod 16 odd ones left.
func splitRowsAVX512() {
	name := "splitRowsAVX512"
	TEXT(name, NOSPLIT, "func(planes, rows, ne, no int, src *float32, lds, sps int, even, odd *float32, ldd, dps, gape, gapo int)")
	Pragma("noescape")
	Doc(name + " is the AVX-512 twin of splitRowsGeneric.")
	rRows, rS, rE, rO, rCnt, rTmp, rSp, rEp, rOp := RCX, RSI, RDI, R8, RBX, RAX, R10, R11, R12
	rNF, rTail := R13, RDX
	Load(Param("no"), rTmp)
	MOVQ(rTmp, rNF)
	SHRQ(U8(4), rNF)
	// Tail counts: odd no&15, even ne-16·nf (one more, or the same).
	ANDQ(U8(15), rTmp)
	lowBits(rTmp, rCnt, K4)
	Load(Param("ne"), rTail)
	MOVQ(rNF, rCnt)
	SHLQ(U8(4), rCnt)
	SUBQ(rCnt, rTail)
	lowBits(rTail, rCnt, K3)
	LEAQ(Mem{Base: rTail, Index: rTmp, Scale: 1}, rCnt)
	lowBits(rCnt, rTmp, K1)
	KSHIFTRD(U8(16), K1, K2)
	VPXORD(Z31, Z31, Z31)
	ev, od := Z30, Z29
	VMOVDQU32(table("convEven"), ev)
	VMOVDQU32(table("convOdd"), od)
	body := func(masked bool) {
		if masked {
			VMOVUPS_Z(Mem{Base: rS}, K1, Z0)
			VMOVUPS_Z(Mem{Base: rS, Disp: 64}, K2, Z1)
		} else {
			VMOVUPS(Mem{Base: rS}, Z0)
			VMOVUPS(Mem{Base: rS, Disp: 64}, Z1)
		}
		VMOVAPS(Z0, Z2)
		VPERMT2PS(Z1, ev, Z2)
		VMOVAPS(Z0, Z3)
		VPERMT2PS(Z1, od, Z3)
		if masked {
			VMOVUPS(Z2, K3, Mem{Base: rE})
			VMOVUPS(Z3, K4, Mem{Base: rO})
		} else {
			VMOVUPS(Z2, Mem{Base: rE})
			VMOVUPS(Z3, Mem{Base: rO})
		}
	}
	planeLoop(name, func() {
		Load(Param("rows"), rRows)
		Load(Param("src"), rSp)
		Load(Param("even"), rEp)
		Load(Param("odd"), rOp)
	}, func() {
		rowLoop(name, rRows, rNF, rTail, rCnt,
			func() {
				MOVQ(rSp, rS)
				MOVQ(rEp, rE)
				MOVQ(rOp, rO)
			},
			func() {
				body(false)
				ADDQ(U32(128), rS)
				ADDQ(U32(64), rE)
				ADDQ(U32(64), rO)
			},
			func() { body(true) },
			func() {
				DECQ(rRows)
				JZ(LabelRef(name + "_pnext"))
				// Gaps: gape zeros after the evens, gapo after the odds.
				Load(Param("ne"), rTmp)
				LEAQ(Mem{Base: rEp, Index: rTmp, Scale: 4}, rE)
				Load(Param("gape"), rTmp)
				zeroElems(name+"_zeroe", rE, rTmp, rCnt)
				Load(Param("no"), rTmp)
				LEAQ(Mem{Base: rOp, Index: rTmp, Scale: 4}, rO)
				Load(Param("gapo"), rTmp)
				zeroElems(name+"_zeroo", rO, rTmp, rCnt)
				Load(Param("lds"), rTmp)
				LEAQ(Mem{Base: rSp, Index: rTmp, Scale: 4}, rSp)
				Load(Param("ldd"), rTmp)
				LEAQ(Mem{Base: rEp, Index: rTmp, Scale: 4}, rEp)
				LEAQ(Mem{Base: rOp, Index: rTmp, Scale: 4}, rOp)
			})
	}, [][3]string{{"src", "sps", "4"}, {"even", "dps", "4"}, {"odd", "dps", "4"}}, rTmp)
}

// interleaveRowsAVX512 emits the AVX-512 twin of interleaveRowsGeneric.
func interleaveRowsAVX512() {
	name := "interleaveRowsAVX512"
	TEXT(name, NOSPLIT, "func(planes, rows, ne, no int, even *float32, lde, eps int, odd *float32, ldo, ops int, dst *float32, ldd, dps int)")
	Pragma("noescape")
	Doc(name + " is the AVX-512 twin of interleaveRowsGeneric.")
	rRows, rD, rE, rO, rCnt, rTmp, rDp, rEp, rOp := RCX, RSI, RDI, R8, RBX, RAX, R10, R11, R12
	rNF, rTail := R13, RDX
	Load(Param("no"), rTmp)
	MOVQ(rTmp, rNF)
	SHRQ(U8(4), rNF)
	ANDQ(U8(15), rTmp)
	lowBits(rTmp, rCnt, K4)
	Load(Param("ne"), rTail)
	MOVQ(rNF, rCnt)
	SHLQ(U8(4), rCnt)
	SUBQ(rCnt, rTail)
	lowBits(rTail, rCnt, K3)
	LEAQ(Mem{Base: rTail, Index: rTmp, Scale: 1}, rCnt)
	lowBits(rCnt, rTmp, K1)
	KSHIFTRD(U8(16), K1, K2)
	lo, hi := Z30, Z29
	// Interleaving indices: lane 2i from the first table (even), lane
	// 2i+1 from the second (odd, +16).
	VMOVDQU32(table("convZipLo"), lo)
	VMOVDQU32(table("convZipHi"), hi)
	body := func(masked bool) {
		if masked {
			VMOVUPS_Z(Mem{Base: rE}, K3, Z0)
			VMOVUPS_Z(Mem{Base: rO}, K4, Z1)
		} else {
			VMOVUPS(Mem{Base: rE}, Z0)
			VMOVUPS(Mem{Base: rO}, Z1)
		}
		VMOVAPS(Z0, Z2)
		VPERMT2PS(Z1, lo, Z2)
		VMOVAPS(Z0, Z3)
		VPERMT2PS(Z1, hi, Z3)
		if masked {
			VMOVUPS(Z2, K1, Mem{Base: rD})
			VMOVUPS(Z3, K2, Mem{Base: rD, Disp: 64})
		} else {
			VMOVUPS(Z2, Mem{Base: rD})
			VMOVUPS(Z3, Mem{Base: rD, Disp: 64})
		}
	}
	planeLoop(name, func() {
		Load(Param("rows"), rRows)
		Load(Param("dst"), rDp)
		Load(Param("even"), rEp)
		Load(Param("odd"), rOp)
	}, func() {
		rowLoop(name, rRows, rNF, rTail, rCnt,
			func() {
				MOVQ(rDp, rD)
				MOVQ(rEp, rE)
				MOVQ(rOp, rO)
			},
			func() {
				body(false)
				ADDQ(U32(128), rD)
				ADDQ(U32(64), rE)
				ADDQ(U32(64), rO)
			},
			func() { body(true) },
			func() {
				DECQ(rRows)
				Load(Param("ldd"), rTmp)
				LEAQ(Mem{Base: rDp, Index: rTmp, Scale: 4}, rDp)
				Load(Param("lde"), rTmp)
				LEAQ(Mem{Base: rEp, Index: rTmp, Scale: 4}, rEp)
				Load(Param("ldo"), rTmp)
				LEAQ(Mem{Base: rOp, Index: rTmp, Scale: 4}, rOp)
			})
	}, [][3]string{{"even", "eps", "4"}, {"odd", "ops", "4"}, {"dst", "dps", "4"}}, rTmp)
}

// zeroElems stores cnt zeros (Z31) at d, consuming cnt, 16 at a time
// with a masked last block under K5; it clobbers tmp and R9.
func zeroElems(name string, d, cnt, tmp GPPhysical) {
	Label(name)
	TESTQ(cnt, cnt)
	JLE(LabelRef(name + "_end"))
	lowBits(cnt, tmp, K5)
	VMOVUPS(Z31, K5, Mem{Base: d})
	ADDQ(U32(64), d)
	SUBQ(U8(16), cnt)
	JMP(LabelRef(name))
	Label(name + "_end")
}

var avx2Tables = map[string]Mem{}

// avx2Table returns a named read-only table for the AVX2 kernels.
func avx2Table(name string) Mem {
	if m, ok := avx2Tables[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	switch name {
	case "convMask32": // 8 int32 -1, then 8 zeros: 8-c.. gives c lanes
		for i := 0; i < 16; i++ {
			v := uint32(0)
			if i < 8 {
				v = 0xffffffff
			}
			DATA(4*i, U32(v))
		}
	case "convMask64": // 4 int64 -1, then 4 zeros
		for i := 0; i < 8; i++ {
			v := uint64(0)
			if i < 4 {
				v = ^uint64(0)
			}
			DATA(8*i, U64(v))
		}
	case "convSixteen": // 8 int32 16s
		for i := 0; i < 8; i++ {
			DATA(4*i, U32(16))
		}
	default:
		panic(name)
	}
	avx2Tables[name] = m
	return m
}

// maskLanes loads into v the AVX2 mask of the first cnt (0..lanes)
// lanes of width bytes from table tab, clobbering tmp and tbl.
func maskLanes(tab Mem, width int, cnt, tmp, tbl GPPhysical, v VecPhysical) {
	MOVQ(cnt, tmp)
	NEGQ(tmp)
	LEAQ(tab, tbl)
	VMOVDQU(Mem{Base: tbl, Index: tmp, Scale: uint8(width), Disp: 32}, v)
}

// clamp sets dst = min(max(src, 0), hi), clobbering tmp.
func clamp(src, dst, tmp GPPhysical, hi int) {
	MOVQ(src, dst)
	XORL(tmp.As32(), tmp.As32())
	CMPQ(dst, tmp)
	CMOVQLT(tmp, dst)
	MOVL(U32(uint32(hi)), tmp.As32())
	CMPQ(dst, tmp)
	CMOVQGT(tmp, dst)
}

// maxPool2x2AVX2 emits the AVX2 twin of maxPool2x2Generic: 8 outputs per
// chunk, the last chunk of a row under lane masks computed once.
func maxPool2x2AVX2(withIdx bool) {
	name := "maxPool2x2AVX2"
	sig := "func(planes, rows, n int, x *float32, ld, xps int, dst *float32, dps int)"
	if withIdx {
		name = "maxPool2x2IdxAVX2"
		sig = "func(planes, rows, n int, x *float32, ld, xps int, dst *float32, dps int, idx *int64, base, bps int64, w int)"
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the AVX2 twin of maxPool2x2Generic.", name))
	rRows, rX, rLd, rD, rI, rCnt, rTmp := RCX, RSI, RDX, RDI, R8, RAX, RBX
	rNF, rTail, rXp, rBase, rW2 := R10, R11, R12, R13, R9
	// Lane masks of the tail: two input vectors per row, the outputs,
	// and the two halves of the indices.
	masks := AllocLocal(32 * 5)
	Load(Param("n"), rTmp)
	MOVQ(rTmp, rNF)
	SHRQ(U8(3), rNF)
	MOVQ(rTmp, rTail)
	ANDQ(U8(7), rTail)
	m32, m64 := avx2Table("convMask32"), avx2Table("convMask64")
	MOVQ(rTail, rD) // scratch until dst is loaded
	SHLQ(U8(1), rD)
	clamp(rD, rX, rTmp, 8)
	maskLanes(m32, 4, rX, rTmp, rI, Y0)
	VMOVDQU(Y0, masks.Offset(0))
	SUBQ(U8(8), rD)
	clamp(rD, rX, rTmp, 8)
	maskLanes(m32, 4, rX, rTmp, rI, Y0)
	VMOVDQU(Y0, masks.Offset(32))
	maskLanes(m32, 4, rTail, rTmp, rI, Y0)
	VMOVDQU(Y0, masks.Offset(64))
	clamp(rTail, rX, rTmp, 4)
	maskLanes(m64, 8, rX, rTmp, rI, Y0)
	VMOVDQU(Y0, masks.Offset(96))
	MOVQ(rTail, rD)
	SUBQ(U8(4), rD)
	clamp(rD, rX, rTmp, 4)
	maskLanes(m64, 8, rX, rTmp, rI, Y0)
	VMOVDQU(Y0, masks.Offset(128))
	Load(Param("ld"), rLd)
	SHLQ(U8(2), rLd)
	codes := []VecPhysical{Y12, Y13, Y14} // 1, w, w+1
	pos := Y15
	if withIdx {
		MOVL(U32(1), rTmp.As32())
		MOVQ(rTmp, X12)
		VPBROADCASTD(X12, codes[0])
		Load(Param("w"), rW2)
		MOVQ(rW2, X13)
		VPBROADCASTD(X13, codes[1])
		LEAQ(Mem{Base: rW2, Disp: 1}, rTmp)
		MOVQ(rTmp, X14)
		VPBROADCASTD(X14, codes[2])
		SHLQ(U8(1), rW2) // 2w: the next output row's base
	}
	body := func(masked bool) {
		if masked {
			VMOVDQU(masks.Offset(0), Y9)
			VMOVDQU(masks.Offset(32), Y10)
			VMASKMOVPS(Mem{Base: rX}, Y9, Y0)
			VMASKMOVPS(Mem{Base: rX, Disp: 32}, Y10, Y1)
			VMASKMOVPS(Mem{Base: rX, Index: rLd, Scale: 1}, Y9, Y2)
			VMASKMOVPS(Mem{Base: rX, Index: rLd, Scale: 1, Disp: 32}, Y10, Y3)
		} else {
			VMOVUPS(Mem{Base: rX}, Y0)
			VMOVUPS(Mem{Base: rX, Disp: 32}, Y1)
			VMOVUPS(Mem{Base: rX, Index: rLd, Scale: 1}, Y2)
			VMOVUPS(Mem{Base: rX, Index: rLd, Scale: 1, Disp: 32}, Y3)
		}
		// Even and odd elements of 16: within lanes, then the quadwords
		// in order.
		m := Y4
		cand := []VecPhysical{Y5, Y6, Y7}
		VSHUFPS(U8(0x88), Y1, Y0, m)
		VPERMPD(U8(0xd8), m, m)
		VSHUFPS(U8(0xdd), Y1, Y0, cand[0])
		VPERMPD(U8(0xd8), cand[0], cand[0])
		VSHUFPS(U8(0x88), Y3, Y2, cand[1])
		VPERMPD(U8(0xd8), cand[1], cand[1])
		VSHUFPS(U8(0xdd), Y3, Y2, cand[2])
		VPERMPD(U8(0xd8), cand[2], cand[2])
		code := Y8
		if withIdx {
			VPXOR(code, code, code)
		}
		for i, c := range cand {
			// take = c > m || (c is NaN && m is not)
			VCMPPS(U8(0x1e), m, c, Y9)
			VCMPPS(U8(3), c, c, Y10)
			VCMPPS(U8(7), m, m, Y11)
			VANDPS(Y11, Y10, Y10)
			VORPS(Y10, Y9, Y9)
			VBLENDVPS(Y9, c, m, m)
			if withIdx {
				VBLENDVPS(Y9, codes[i], code, code)
			}
		}
		if masked {
			VMOVDQU(masks.Offset(64), Y9)
			VMASKMOVPS(m, Y9, Mem{Base: rD})
		} else {
			VMOVUPS(m, Mem{Base: rD})
		}
		if withIdx {
			VPADDD(pos, code, code)
			VPMOVSXDQ(code.AsX(), Y9)
			VEXTRACTI128(U8(1), code, X10)
			VPMOVSXDQ(X10, Y10)
			MOVQ(rBase, X11)
			VPBROADCASTQ(X11, Y11)
			VPADDQ(Y11, Y9, Y9)
			VPADDQ(Y11, Y10, Y10)
			if masked {
				VMOVDQU(masks.Offset(96), Y11)
				VPMASKMOVQ(Y9, Y11, Mem{Base: rI})
				VMOVDQU(masks.Offset(128), Y11)
				VPMASKMOVQ(Y10, Y11, Mem{Base: rI, Disp: 32})
			} else {
				VMOVDQU(Y9, Mem{Base: rI})
				VMOVDQU(Y10, Mem{Base: rI, Disp: 32})
			}
			VPADDD(avx2Table("convSixteen"), pos, pos)
		}
	}
	strides := [][3]string{{"x", "xps", "4"}, {"dst", "dps", "4"}}
	if withIdx {
		strides = append(strides, [3]string{"idx", "dps", "8"}, [3]string{"base", "bps", "1"})
	}
	planeLoop(name, func() {
		Load(Param("rows"), rRows)
		Load(Param("x"), rXp)
		Load(Param("dst"), rD)
		if withIdx {
			Load(Param("idx"), rI)
			Load(Param("base"), rBase)
		}
	}, func() {
		rowLoop(name, rRows, rNF, rTail, rCnt,
			func() {
				MOVQ(rXp, rX)
				if withIdx {
					VMOVDQU(table("convEven"), pos) // 2·lane (the low 8)
				}
			},
			func() {
				body(false)
				ADDQ(U32(64), rX)
				ADDQ(U32(32), rD)
				if withIdx {
					ADDQ(U32(64), rI)
				}
			},
			func() {
				body(true)
				LEAQ(Mem{Base: rD, Index: rTail, Scale: 4}, rD)
				if withIdx {
					LEAQ(Mem{Base: rI, Index: rTail, Scale: 8}, rI)
				}
			},
			func() {
				LEAQ(Mem{Base: rXp, Index: rLd, Scale: 2}, rXp)
				if withIdx {
					ADDQ(rW2, rBase)
				}
				DECQ(rRows)
			})
	}, strides, rTmp)
}
