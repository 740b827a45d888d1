// Command gemm generates latent's AVX2+FMA and AVX-512 SGEMM micro-kernels
// and single-row (GEMV) kernels: asm/sgemm_gen_amd64.s and the stubs
// asm/sgemm_gen_amd64.go, with avo.
//
// Run from this directory:
//
//	go run . -out ../../sgemm_gen_amd64.s -stubs ../../sgemm_gen_amd64.go -pkg asm
//
// Every micro-kernel follows the contract of sgemmKernelGeneric and every
// single-row kernel that of gemvKernelGeneric (asm/gemm_generic.go), with
// fused multiply-adds. The generated files are committed; asm's
// TestGemmGenerated regenerates them into a temporary directory and fails
// on any difference.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Shapes of the generated micro-kernels: rows × vectors per row.
var (
	avx512Shapes = []struct{ mr, v int }{{8, 3}, {12, 2}, {6, 4}}
	avx2Shapes   = []struct{ mr, v int }{{6, 2}, {4, 3}}
)

const (
	kernelSig = "func(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, mr, nr int, pf *float32)"
	gemvSig   = "func(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32, nr int)"
)

// Fixed register roles shared by the kernels.
var (
	rA   = RSI // packed A (or x)
	rB   = RDI // B rows
	rLdb = R8  // ldb in bytes
	rK   = RDX // k steps left
	rC   = R9  // C row (or y)
	rLdc = R10 // ldc in bytes
	rMR  = R11 // mr (in the store phase; the prefetch pointer in the k loop)
	rPF  = R11 // pf (in full-width k loops)
	rTmp = RAX
	rNR  = RCX // nr
	rCnt = RBX // loop counter
)

func main() {
	ConstraintExpr("!purego")
	for _, s := range avx512Shapes {
		kernelAVX512(s.mr, s.v)
	}
	for _, s := range avx2Shapes {
		kernelAVX2(s.mr, s.v)
	}
	gemvAVX512()
	gemvAVX2()
	transpose8AVX2()
	dot4("dot4AVX512", true)
	dot4("dot4AVX2", false)
	peakFMA("peakFMAAVX2", ymm)
	peakFMA("peakFMAAVX512", zmm)
	Generate()
}

// paramAddr returns the stack address of a scalar argument.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// unroll is how many k steps one loop iteration of a micro-kernel runs.
const unroll = 4

// pfLines is how many cache lines a full-width micro-kernel prefetches
// from its pf argument per unrolled iteration: with kc k steps, a tile
// prefetches kc·pfLines·16 bytes (measured: 2 beat 1 and 4 on Zen 5).
const pfLines = 2

// loadArgs loads the arguments shared by every micro-kernel except A.
func loadArgs() {
	Load(Param("kc"), rK)
	Load(Param("b"), rB)
	Load(Param("ldb"), rLdb)
	SHLQ(U8(2), rLdb)
	Load(Param("c"), rC)
	Load(Param("ldc"), rLdc)
	SHLQ(U8(2), rLdc)
	Load(Param("mr"), rMR)
	Load(Param("nr"), rNR)
}

// prefetchC touches the first and last cache line of each of mr rows of C
// so that the stores at the end of the kernel do not miss.
func prefetchC(mr, rowBytes int) {
	MOVQ(rC, rTmp)
	for i := 0; i < mr; i++ {
		PREFETCHT0(Mem{Base: rTmp})
		PREFETCHT0(Mem{Base: rTmp, Disp: rowBytes - 4})
		ADDQ(rLdc, rTmp)
	}
}

// aRows addresses the rows of A in a micro-kernel: row i is at
// bases[i/3] + lda·(i%3), and column p of it p·4 bytes further.
type aRows struct {
	bases []GPPhysical
	lda   GPPhysical
}

// aBases are the registers that hold A row pointers (RAX only while the
// k loop runs).
var aBases = []GPPhysical{RSI, R12, R13, RAX}

// setupARows loads a and lda and points the base registers at rows 0, 3,
// 6, 9 of A. It clobbers rNR (which becomes lda in bytes) and, for more
// than 9 rows, rTmp.
func setupARows(mr int) aRows {
	n := (mr + 2) / 3
	r := aRows{bases: aBases[:n], lda: rNR}
	Load(Param("a"), r.bases[0])
	Load(Param("lda"), r.lda)
	SHLQ(U8(2), r.lda)
	for b := 1; b < n; b++ {
		LEAQ(Mem{Base: r.bases[b-1], Index: r.lda, Scale: 2}, r.bases[b])
		ADDQ(r.lda, r.bases[b])
	}
	return r
}

func (r aRows) at(i, disp int) Mem {
	if i%3 == 0 {
		return Mem{Base: r.bases[i/3], Disp: disp}
	}
	return Mem{Base: r.bases[i/3], Index: r.lda, Scale: uint8(i % 3), Disp: disp}
}

func (r aRows) advance(bytes int) {
	for _, b := range r.bases {
		ADDQ(U32(bytes), b)
	}
}

// kLoop emits the k loop: step(u) emits one k step whose A values sit at
// u*4 bytes from the row pointers; the loop advances rB by ldb after each
// step and the rows by 4*unroll after each unrolled block, then falls
// through to name_store.
//
// With prefetch set, every unrolled block also prefetches (PREFETCHT0)
// the next pfLines cache lines from rPF: the driver points rPF at the part
// of the next block of a streamed B that this tile fetches ahead of use,
// spread over the k loop so that the fetches overlap the arithmetic.
// (Prefetching the same lines in a burst between kernel calls measured
// slower than none; inside the loop, PREFETCHT0 measured best and
// PREFETCHNTA worst.)
func kLoop(name string, a aRows, prefetch bool, step func(u int)) {
	MOVQ(rK, rCnt)
	SHRQ(U8(2), rCnt)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	for u := 0; u < unroll; u++ {
		step(u)
		ADDQ(rLdb, rB)
	}
	if prefetch {
		for l := 0; l < pfLines; l++ {
			PREFETCHT0(Mem{Base: rPF, Disp: 64 * l})
		}
		ADDQ(U8(64*pfLines), rPF)
	}
	a.advance(4 * unroll)
	DECQ(rCnt)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_tail")
	ANDQ(U8(unroll-1), rK)
	JZ(LabelRef(name + "_store"))
	Label(name + "_tailloop")
	step(0)
	ADDQ(rLdb, rB)
	a.advance(4)
	DECQ(rK)
	JNZ(LabelRef(name + "_tailloop"))
	Label(name + "_store")
}

// betaIsZero jumps to label when beta is ±0 (BLAS then does not read C).
func betaIsZero(label string) {
	MOVL(paramAddr("beta"), rTmp.As32())
	ANDL(U32(0x7fffffff), rTmp.As32())
	JZ(LabelRef(label))
}

// broadcastParam broadcasts a float32 argument into every lane of v.
func broadcastParam(name string, v VecPhysical) {
	VBROADCASTSS(paramAddr(name), v)
}

func zmm(i int) VecPhysical {
	return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
}

func ymm(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}[i]
}

var kmask = []Register{K1, K2, K3, K4}

// columnMasks sets K1..Kv to the lanes of vectors 0..v-1 that lie below
// column nr: K1 = the low nr bits, Kj = K1 >> 16(j-1).
func columnMasks(v int) {
	MOVQ(I32(-1), rTmp)
	BZHIQ(rNR, rTmp, rTmp)
	KMOVQ(rTmp, K1)
	for j := 1; j < v; j++ {
		KSHIFTRQ(U8(16*j), K1, kmask[j])
	}
}

// kernelAVX512 emits the mr×(16·v) AVX-512 micro-kernel. Accumulators are
// Z0.., B vectors the top registers, A values are broadcast from memory.
// Column masks cover nr columns, so B is never read and C never written
// at or past column nr.
func kernelAVX512(mr, v int) {
	name := fmt.Sprintf("sgemmKernelAVX512x%dx%d", mr, 16*v)
	TEXT(name, NOSPLIT, kernelSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %d×%d AVX-512 micro-kernel; see sgemmKernelGeneric.", name, mr, 16*v))
	if mr*v+v+1 > 32 || v < 2 {
		panic("bad AVX-512 kernel shape")
	}
	acc := func(i, j int) VecPhysical { return zmm(i*v + j) }
	bv := func(j int) VecPhysical { return zmm(32 - v + j) }
	ntmp := 32 - v - mr*v

	loadArgs()
	columnMasks(v)
	prefetchC(mr, 64*v)
	for i := 0; i < mr; i++ {
		for j := 0; j < v; j++ {
			VXORPS(acc(i, j), acc(i, j), acc(i, j))
		}
	}
	// Full-width tiles load B and access C without masks: on Zen 5 a
	// masked load that misses the cache streams at half the bandwidth of
	// a plain one (measured from L3 and memory), and the first tile of a
	// B panel streams it from there. Narrow tiles take masked loops.
	//
	// Edge tiles run loops that compute only what they store: a tile of
	// mr < MR rows (the last of a product) the loop for the least even
	// row count >= mr, and a tile of nr < NR columns the loop over the
	// fewest vectors that cover them (all MR rows), so that, say, the last
	// 16 columns of a 784-wide product cost a third of a full 8×48 tile.
	CMPQ(rNR, U8(16*v))
	JNE(LabelRef(name + "_partial"))
	var rowSet []int
	for r := 2; r < mr; r += 2 {
		rowSet = append(rowSet, r)
	}
	for _, r := range rowSet {
		CMPQ(rMR, U8(r))
		JLE(LabelRef(fmt.Sprintf("%s_f%d", name, r)))
	}
	loop := func(sub string, rows, vv int, full bool) {
		a := setupARows(rows)
		if full {
			Load(Param("pf"), rPF)
		}
		kLoop(sub, a, full, func(u int) {
			for j := 0; j < vv; j++ {
				src := Mem{Base: rB, Disp: 64 * j}
				if full {
					VMOVUPS(src, bv(j))
				} else {
					VMOVUPS_Z(src, kmask[j], bv(j))
				}
			}
			// Each A value is broadcast once into a rotating temporary and
			// used by all vv FMAs of its row: one load per row, not vv.
			for i := 0; i < rows; i++ {
				t := zmm(mr*v + i%ntmp)
				VBROADCASTSS(a.at(i, 4*u), t)
				for j := 0; j < vv; j++ {
					VFMADD231PS(bv(j), t, acc(i, j))
				}
			}
		})
		if full {
			Load(Param("mr"), rMR)
		}
		alpha, beta := bv(0), bv(1)
		broadcastParam("alpha", alpha)
		betaIsZero(sub + "_z")
		broadcastParam("beta", beta)
		storeRows512(sub+"_b", rows, vv, acc, alpha, beta, full)
		Label(sub + "_z")
		storeRows512(sub+"_z", rows, vv, acc, alpha, nil, full)
	}
	loop(name+"_f", mr, v, true)
	for _, r := range rowSet {
		sub := fmt.Sprintf("%s_f%d", name, r)
		Label(sub)
		loop(sub+"x", r, v, true)
	}
	Label(name + "_partial")
	for vv := 1; vv < v; vv++ {
		CMPQ(rNR, U8(16*vv))
		JLE(LabelRef(fmt.Sprintf("%s_p%d", name, vv)))
	}
	for vv := v; vv >= 1; vv-- {
		sub := fmt.Sprintf("%s_p%d", name, vv)
		if vv < v {
			Label(sub)
		}
		loop(sub+"x", mr, vv, false)
	}
}

// storeRows512 stores rows 0..mr-1 of alpha·acc (+ beta·C), under the
// column masks unless full, then returns.
func storeRows512(name string, mr, v int, acc func(i, j int) VecPhysical, alpha, beta VecPhysical, full bool) {
	for i := 0; i < mr; i++ {
		if i > 0 {
			CMPQ(rMR, U8(i))
			JLE(LabelRef(name + "_done"))
		}
		for j := 0; j < v; j++ {
			dst := Mem{Base: rC, Disp: 64 * j}
			VMULPS(alpha, acc(i, j), acc(i, j))
			switch {
			case full && beta != nil:
				VFMADD231PS(dst, beta, acc(i, j))
			case beta != nil:
				VFMADD231PS(dst, beta, kmask[j], acc(i, j))
			}
			if full {
				VMOVUPS(acc(i, j), dst)
			} else {
				VMOVUPS(acc(i, j), kmask[j], dst)
			}
		}
		ADDQ(rLdc, rC)
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// maskTable holds 8 all-ones then 8 zero int32s: the 8 int32s from index
// 8-n are the AVX2 mask for the first n lanes.
var maskTable Mem

func avx2MaskTable() Mem {
	if maskTable.Symbol.Name == "" {
		maskTable = GLOBL("sgemmMaskTable", RODATA|NOPTR)
		for i := 0; i < 16; i++ {
			v := uint32(0)
			if i < 8 {
				v = 0xffffffff
			}
			DATA(4*i, U32(v))
		}
	}
	return maskTable
}

// laneMask loads into m the AVX2 mask for the lanes of vector j that lie
// below column nr; it clobbers rTmp, R12 and R13.
func laneMask(j int, m VecPhysical) {
	tab := avx2MaskTable()
	// count = clamp(nr - 8j, 0, 8); mask = table[8-count : 16-count].
	MOVQ(rNR, rTmp)
	SUBQ(U8(8*j), rTmp)
	XORL(R12L, R12L)
	CMPQ(rTmp, R12)
	CMOVQLT(R12, rTmp)
	MOVL(U32(8), R12L)
	CMPQ(rTmp, R12)
	CMOVQGT(R12, rTmp)
	NEGQ(rTmp)
	LEAQ(tab, R13)
	VMOVDQU(Mem{Base: R13, Index: rTmp, Scale: 4, Disp: 32}, m)
}

// kernelAVX2 emits the mr×(8·v) AVX2 micro-kernel: accumulators Y0..,
// B vectors above them, one broadcast register. Tiles narrower than 8·v
// columns take a second loop with masked B loads and masked C accesses,
// with the lane masks kept in the stack frame.
func kernelAVX2(mr, v int) {
	name := fmt.Sprintf("sgemmKernelAVX2x%dx%d", mr, 8*v)
	TEXT(name, NOSPLIT, kernelSig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %d×%d AVX2 micro-kernel; see sgemmKernelGeneric.", name, mr, 8*v))
	if mr*v+v+1 > 16 {
		panic("bad AVX2 kernel shape")
	}
	acc := func(i, j int) VecPhysical { return ymm(i*v + j) }
	bv := func(j int) VecPhysical { return ymm(mr*v + j) }
	bc := ymm(mr*v + v)
	masks := AllocLocal(32 * v)

	loadArgs()
	prefetchC(mr, 32*v)
	for i := 0; i < mr; i++ {
		for j := 0; j < v; j++ {
			VXORPS(acc(i, j), acc(i, j), acc(i, j))
		}
	}
	CMPQ(rNR, U8(8*v))
	JNE(LabelRef(name + "_partial"))

	// Full-width tiles.
	a := setupARows(mr)
	Load(Param("pf"), rPF)
	kLoop(name+"_f", a, true, func(u int) {
		for j := 0; j < v; j++ {
			VMOVUPS(Mem{Base: rB, Disp: 32 * j}, bv(j))
		}
		fmaRowsAVX2(a, mr, v, u, acc, bv, bc)
	})
	Load(Param("mr"), rMR)
	storeAVX2(name+"_f", mr, v, acc, bv, nil)

	// Narrow tiles.
	Label(name + "_partial")
	for j := 0; j < v; j++ {
		laneMask(j, bc)
		VMOVDQU(bc, masks.Offset(32*j))
	}
	a = setupARows(mr)
	kLoop(name+"_p", a, false, func(u int) {
		for j := 0; j < v; j++ {
			VMOVDQU(masks.Offset(32*j), bc)
			VMASKMOVPS(Mem{Base: rB, Disp: 32 * j}, bc, bv(j))
		}
		fmaRowsAVX2(a, mr, v, u, acc, bv, bc)
	})
	storeAVX2(name+"_p", mr, v, acc, bv, &masks)
}

// fmaRowsAVX2 multiplies the B vectors of one k step into every row.
func fmaRowsAVX2(a aRows, mr, v, u int, acc func(i, j int) VecPhysical, bv func(j int) VecPhysical, bc VecPhysical) {
	for i := 0; i < mr; i++ {
		VBROADCASTSS(a.at(i, 4*u), bc)
		for j := 0; j < v; j++ {
			VFMADD231PS(bv(j), bc, acc(i, j))
		}
	}
}

// storeAVX2 stores rows 0..mr-1 of alpha·acc (+ beta·C), masked by the
// lane masks in the frame when masks is not nil, then returns. The B and
// broadcast registers are free by now.
func storeAVX2(name string, mr, v int, acc func(i, j int) VecPhysical, bv func(j int) VecPhysical, masks *Mem) {
	alpha := ymm(mr*v + v)
	beta, mask, tmp := bv(0), bv(1), ymm(15)
	if v >= 3 {
		tmp = bv(2)
	}
	broadcastParam("alpha", alpha)
	for _, withBeta := range []bool{true, false} {
		sub := name + "_z"
		if withBeta {
			betaIsZero(sub)
			broadcastParam("beta", beta)
			sub = name + "_b"
		} else {
			Label(sub)
		}
		for i := 0; i < mr; i++ {
			if i > 0 {
				CMPQ(rMR, U8(i))
				JLE(LabelRef(sub + "_done"))
			}
			for j := 0; j < v; j++ {
				dst := Mem{Base: rC, Disp: 32 * j}
				VMULPS(alpha, acc(i, j), acc(i, j))
				if masks != nil {
					VMOVDQU(masks.Offset(32*j), mask)
					if withBeta {
						VMASKMOVPS(dst, mask, tmp)
						VFMADD231PS(tmp, beta, acc(i, j))
					}
					VMASKMOVPS(acc(i, j), mask, dst)
					continue
				}
				if withBeta {
					VFMADD231PS(dst, beta, acc(i, j))
				}
				VMOVUPS(acc(i, j), dst)
			}
			ADDQ(rLdc, rC)
		}
		Label(sub + "_done")
		VZEROUPPER()
		RET()
	}
}

// loadGemvArgs loads the single-row kernels' arguments.
func loadGemvArgs() {
	Load(Param("kc"), rK)
	Load(Param("x"), rA)
	Load(Param("b"), rB)
	Load(Param("ldb"), rLdb)
	SHLQ(U8(2), rLdb)
	Load(Param("y"), rC)
	Load(Param("nr"), rNR)
}

// gemvAVX512 emits the single-row kernel for up to 64 columns: x[p] is
// broadcast and multiplied into up to four column vectors of row p of B.
// The kc rows are cut into four quarters of q = kc/4 rows, summed into
// four accumulator sets (hiding FMA latency) by one loop that reads a row
// of each quarter per iteration: four streams through B in flight, which
// read it faster from L3 and memory than one (measured: 83 against 75
// GB/s from L3, 34 against 25 from memory, on Zen 5). The last kc%4 rows
// go to the first set. Panels of exactly 16, 32, 48 or 64 columns (every
// packed layout) are read with plain FMAs from memory: on Zen 5 a masked
// load that misses the cache streams at half the bandwidth of a plain one
// (measured from L3 and memory). Other widths load B under column masks.
// The loops touch only as many vectors as nr needs.
func gemvAVX512() {
	name := "gemvKernelAVX512"
	TEXT(name, NOSPLIT, gemvSig)
	Pragma("noescape")
	Doc(name + " is the AVX-512 single-row kernel for up to 64 columns; see gemvKernelGeneric.")
	const sets = 4 // quarters of the rows = accumulator sets
	acc := func(u, j int) VecPhysical { return zmm(4*u + j) }
	// Quarter u of B starts at rB + u·qB (quarters 2 and 3 from b2), of
	// x at rA + u·qX (from x2).
	qB, b2, qX, x2 := R10, R11, R12, R13
	loadGemvArgs()
	columnMasks(4)
	for i := 0; i < 4*sets; i++ {
		VXORPS(zmm(i), zmm(i), zmm(i))
	}
	MOVQ(rK, rCnt)
	SHRQ(U8(2), rCnt)
	MOVQ(rCnt, qB)
	IMULQ(rLdb, qB)
	LEAQ(Mem{Base: rB, Index: qB, Scale: 2}, b2)
	MOVQ(rCnt, qX)
	SHLQ(U8(2), qX)
	LEAQ(Mem{Base: rA, Index: qX, Scale: 2}, x2)
	for v := 1; v <= 4; v++ {
		CMPQ(rNR, U8(16*v))
		JE(LabelRef(fmt.Sprintf("%s_f%d", name, v)))
	}
	CMPQ(rNR, U8(16))
	JLE(LabelRef(name + "_m1"))
	CMPQ(rNR, U8(32))
	JLE(LabelRef(name + "_m2"))
	JMP(LabelRef(name + "_m4"))
	// step emits the row of quarter u in a loop iteration (u < 0: the
	// row at rA, rB of the tail loop, into set 0).
	step := func(v, u int, full bool) {
		xm := []Mem{{Base: rA}, {Base: rA, Index: qX, Scale: 1}, {Base: x2}, {Base: x2, Index: qX, Scale: 1}}
		bm := []Mem{{Base: rB}, {Base: rB, Index: qB, Scale: 1}, {Base: b2}, {Base: b2, Index: qB, Scale: 1}}
		set := max(u, 0)
		xb := zmm(16 + set)
		VBROADCASTSS(xm[set], xb)
		for j := 0; j < v; j++ {
			src := bm[set].Offset(64 * j)
			if full {
				VFMADD231PS(src, xb, acc(set, j))
				continue
			}
			t := zmm(20 + j)
			VMOVUPS_Z(src, kmask[j], t)
			VFMADD231PS(t, xb, acc(set, j))
		}
	}
	for _, c := range []struct {
		v    int
		full bool
	}{{1, true}, {2, true}, {3, true}, {4, true}, {1, false}, {2, false}, {4, false}} {
		lbl := fmt.Sprintf("%s_f%d", name, c.v)
		if !c.full {
			lbl = fmt.Sprintf("%s_m%d", name, c.v)
		}
		Label(lbl)
		TESTQ(rCnt, rCnt)
		JZ(LabelRef(lbl + "_tail"))
		Label(lbl + "_loop")
		for u := 0; u < sets; u++ {
			step(c.v, u, c.full)
		}
		ADDQ(rLdb, rB)
		ADDQ(rLdb, b2)
		ADDQ(U8(4), rA)
		ADDQ(U8(4), x2)
		DECQ(rCnt)
		JNZ(LabelRef(lbl + "_loop"))
		Label(lbl + "_tail")
		// The last kc%4 rows follow the fourth quarter.
		ANDQ(U8(sets-1), rK)
		JZ(LabelRef(name + "_store"))
		LEAQ(Mem{Base: b2, Index: qB, Scale: 1}, rB)
		LEAQ(Mem{Base: x2, Index: qX, Scale: 1}, rA)
		Label(lbl + "_tailloop")
		step(c.v, -1, c.full)
		ADDQ(rLdb, rB)
		ADDQ(U8(4), rA)
		DECQ(rK)
		JNZ(LabelRef(lbl + "_tailloop"))
		JMP(LabelRef(name + "_store"))
	}
	Label(name + "_store")
	for j := 0; j < 4; j++ {
		VADDPS(acc(1, j), acc(0, j), acc(0, j))
		VADDPS(acc(3, j), acc(2, j), acc(2, j))
		VADDPS(acc(2, j), acc(0, j), acc(0, j))
	}
	alpha, beta := zmm(16), zmm(17)
	broadcastParam("alpha", alpha)
	betaIsZero(name + "_z")
	broadcastParam("beta", beta)
	for j := 0; j < 4; j++ {
		VMULPS(alpha, zmm(j), zmm(j))
		VFMADD231PS(Mem{Base: rC, Disp: 64 * j}, beta, kmask[j], zmm(j))
		VMOVUPS(zmm(j), kmask[j], Mem{Base: rC, Disp: 64 * j})
	}
	VZEROUPPER()
	RET()
	Label(name + "_z")
	for j := 0; j < 4; j++ {
		VMULPS(alpha, zmm(j), zmm(j))
		VMOVUPS(zmm(j), kmask[j], Mem{Base: rC, Disp: 64 * j})
	}
	VZEROUPPER()
	RET()
}

// gemvAVX2 emits the single-row kernel for up to 32 columns: four masked
// column vectors and two accumulator sets (even and odd p).
func gemvAVX2() {
	name := "gemvKernelAVX2"
	TEXT(name, NOSPLIT, gemvSig)
	Pragma("noescape")
	Doc(name + " is the AVX2 single-row kernel for up to 32 columns; see gemvKernelGeneric.")
	loadGemvArgs()
	// Y8..Y11 lane masks, Y0..Y7 accumulators, Y12..Y13 broadcasts,
	// Y14..Y15 loaded B.
	for j := 0; j < 4; j++ {
		laneMask(j, ymm(8+j))
	}
	for i := 0; i < 8; i++ {
		VXORPS(ymm(i), ymm(i), ymm(i))
	}
	MOVQ(rK, rCnt)
	SHRQ(U8(1), rCnt)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	for u := 0; u < 2; u++ {
		xb := ymm(12 + u)
		VBROADCASTSS(Mem{Base: rA, Disp: 4 * u}, xb)
		for j := 0; j < 4; j++ {
			t := ymm(14 + j%2)
			VMASKMOVPS(Mem{Base: rB, Disp: 32 * j}, ymm(8+j), t)
			VFMADD231PS(t, xb, ymm(4*u+j))
		}
		ADDQ(rLdb, rB)
	}
	ADDQ(U8(8), rA)
	DECQ(rCnt)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_tail")
	TESTQ(U32(1), rK)
	JZ(LabelRef(name + "_store"))
	VBROADCASTSS(Mem{Base: rA}, ymm(12))
	for j := 0; j < 4; j++ {
		t := ymm(14 + j%2)
		VMASKMOVPS(Mem{Base: rB, Disp: 32 * j}, ymm(8+j), t)
		VFMADD231PS(t, ymm(12), ymm(j))
	}
	Label(name + "_store")
	for j := 0; j < 4; j++ {
		VADDPS(ymm(4+j), ymm(j), ymm(j))
	}
	alpha, beta := ymm(12), ymm(13)
	broadcastParam("alpha", alpha)
	betaIsZero(name + "_z")
	broadcastParam("beta", beta)
	for j := 0; j < 4; j++ {
		VMULPS(alpha, ymm(j), ymm(j))
		VMASKMOVPS(Mem{Base: rC, Disp: 32 * j}, ymm(8+j), ymm(14))
		VFMADD231PS(ymm(14), beta, ymm(j))
		VMASKMOVPS(ymm(j), ymm(8+j), Mem{Base: rC, Disp: 32 * j})
	}
	VZEROUPPER()
	RET()
	Label(name + "_z")
	for j := 0; j < 4; j++ {
		VMULPS(alpha, ymm(j), ymm(j))
		VMASKMOVPS(ymm(j), ymm(8+j), Mem{Base: rC, Disp: 32 * j})
	}
	VZEROUPPER()
	RET()
}

// peakFMA emits a loop of n iterations of 12 independent vector FMAs, the
// machine's multiply-add peak that benchmarks compare the kernels with.
func peakFMA(name string, vec func(int) VecPhysical) {
	TEXT(name, NOSPLIT, "func(n int)")
	Doc(name + " runs n iterations of 12 independent FMAs (peak-throughput probe for benchmarks).")
	Load(Param("n"), rCnt)
	for i := 0; i < 14; i++ {
		VXORPS(vec(i), vec(i), vec(i))
	}
	TESTQ(rCnt, rCnt)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for i := 0; i < 12; i++ {
		VFMADD231PS(vec(12), vec(13), vec(i))
	}
	DECQ(rCnt)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// transpose8AVX2 emits packTranspose8AVX2(kc, src, lds, dst, ldd), which
// sets dst[x*ldd+y] = src[y*lds+x] for y < 8 and x < kc: eight source
// rows become kc destination rows of eight values (the transposing packs
// of op(A) and op(B)). Blocks of eight x are 8×8 register transposes; the
// last kc%8 are loaded under a lane mask and stored one row at a time.
func transpose8AVX2() {
	name := "packTranspose8AVX2"
	TEXT(name, NOSPLIT, "func(kc int, src *float32, lds int, dst *float32, ldd int)")
	Pragma("noescape")
	Doc(name + " transposes 8 rows of kc values into kc rows of 8: dst[x*ldd+y] = src[y*lds+x].")
	k, src, lds, dst, ldd := rK, rA, rLdb, rC, rLdc
	Load(Param("kc"), k)
	Load(Param("src"), src)
	Load(Param("lds"), lds)
	SHLQ(U8(2), lds)
	Load(Param("dst"), dst)
	Load(Param("ldd"), ldd)
	SHLQ(U8(2), ldd)
	// Row pointers: src rows y at bases[y/3] + lds*(y%3).
	bases := []GPPhysical{src, R12, R13}
	LEAQ(Mem{Base: src, Index: lds, Scale: 2}, R12)
	ADDQ(lds, R12)
	LEAQ(Mem{Base: R12, Index: lds, Scale: 2}, R13)
	ADDQ(lds, R13)
	row := func(y int) Mem {
		if y%3 == 0 {
			return Mem{Base: bases[y/3]}
		}
		return Mem{Base: bases[y/3], Index: lds, Scale: uint8(y % 3)}
	}
	r := func(i int) VecPhysical { return ymm(i) }
	t := func(i int) VecPhysical { return ymm(8 + i) }
	transpose := func() {
		for i := 0; i < 4; i++ {
			VUNPCKLPS(r(2*i+1), r(2*i), t(2*i))
			VUNPCKHPS(r(2*i+1), r(2*i), t(2*i+1))
		}
		// s0 = shuf(t0,t2,0x44) s1 = shuf(t0,t2,0xEE) s2 = shuf(t1,t3,0x44)
		// s3 = shuf(t1,t3,0xEE), same for t4..t7 into s4..s7 (in r).
		for h := 0; h < 2; h++ {
			a, b, c, d := t(4*h), t(4*h+2), t(4*h+1), t(4*h+3)
			VSHUFPS(U8(0x44), b, a, r(4*h))
			VSHUFPS(U8(0xEE), b, a, r(4*h+1))
			VSHUFPS(U8(0x44), d, c, r(4*h+2))
			VSHUFPS(U8(0xEE), d, c, r(4*h+3))
		}
		// o_x = lanes of s_x (low) and s_{x+4} (high), x < 4; o_{x+4} the
		// high lanes of both.
		for x := 0; x < 4; x++ {
			VPERM2F128(U8(0x20), r(4+x), r(x), t(x))
			VPERM2F128(U8(0x31), r(4+x), r(x), t(4+x))
		}
	}
	MOVQ(k, rCnt)
	SHRQ(U8(3), rCnt)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	for y := 0; y < 8; y++ {
		VMOVUPS(row(y), r(y))
	}
	transpose()
	for x := 0; x < 8; x++ {
		VMOVUPS(t(x), Mem{Base: dst})
		ADDQ(ldd, dst)
	}
	for _, b := range bases {
		ADDQ(U8(32), b)
	}
	DECQ(rCnt)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_tail")
	ANDQ(U8(7), k)
	JZ(LabelRef(name + "_done"))
	// Mask of the first kc%8 lanes from the AVX2 mask table.
	tab := avx2MaskTable()
	MOVQ(k, rTmp)
	NEGQ(rTmp)
	LEAQ(tab, rNR)
	VMOVDQU(Mem{Base: rNR, Index: rTmp, Scale: 4, Disp: 32}, ymm(15))
	for y := 0; y < 8; y++ {
		VMASKMOVPS(row(y), ymm(15), r(y))
	}
	transpose()
	for x := 0; x < 7; x++ {
		VMOVUPS(t(x), Mem{Base: dst})
		if x < 6 {
			CMPQ(k, U8(x+1))
			JE(LabelRef(name + "_done"))
			ADDQ(ldd, dst)
		}
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// dot4 emits name(kc, x, b, ldb, out): out[r] = Σ_p x[p]·b[r*ldb+p] for
// the four rows r < 4 of b (the dot-product GEMV of transposed B). Each
// row has two accumulators (even and odd vector steps); the last kc%w
// values are loaded under a mask.
func dot4(name string, wide bool) {
	TEXT(name, NOSPLIT, "func(kc int, x, b *float32, ldb int, out *[4]float32)")
	Pragma("noescape")
	Doc(name + " computes four dot products of x with rows of b: out[r] = Σ_p x[p]·b[r*ldb+p].")
	vec, w := ymm, 8
	if wide {
		vec, w = zmm, 16
	}
	k, x, b, ldb := rK, rA, rB, rLdb
	Load(Param("kc"), k)
	Load(Param("x"), x)
	Load(Param("b"), b)
	Load(Param("ldb"), ldb)
	SHLQ(U8(2), ldb)
	// Rows 0, 1, 2 at b + ldb*{0,1,2}; row 3 at R12 = b + 3ldb.
	LEAQ(Mem{Base: b, Index: ldb, Scale: 2}, R12)
	ADDQ(ldb, R12)
	row := func(r, disp int) Mem {
		if r == 3 {
			return Mem{Base: R12, Disp: disp}
		}
		if r == 0 {
			return Mem{Base: b, Disp: disp}
		}
		return Mem{Base: b, Index: ldb, Scale: uint8(r), Disp: disp}
	}
	for i := 0; i < 8; i++ {
		VXORPS(vec(i), vec(i), vec(i))
	}
	xv := []VecPhysical{vec(8), vec(9)}
	MOVQ(k, rCnt)
	SHRQ(U8(map[bool]uint8{true: 5, false: 4}[wide]), rCnt)
	JZ(LabelRef(name + "_one"))
	Label(name + "_loop")
	for u := 0; u < 2; u++ {
		VMOVUPS(Mem{Base: x, Disp: 4 * w * u}, xv[u])
		for r := 0; r < 4; r++ {
			VFMADD231PS(row(r, 4*w*u), xv[u], vec(4*u+r))
		}
	}
	ADDQ(U32(8*w), x)
	ADDQ(U32(8*w), b)
	ADDQ(U32(8*w), R12)
	DECQ(rCnt)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_one")
	// One more full vector?
	TESTQ(U32(w), k)
	JZ(LabelRef(name + "_tail"))
	VMOVUPS(Mem{Base: x}, xv[0])
	for r := 0; r < 4; r++ {
		VFMADD231PS(row(r, 0), xv[0], vec(r))
	}
	ADDQ(U32(4*w), x)
	ADDQ(U32(4*w), b)
	ADDQ(U32(4*w), R12)
	Label(name + "_tail")
	ANDQ(U32(w-1), k)
	JZ(LabelRef(name + "_sum"))
	if wide {
		MOVQ(I32(-1), rTmp)
		BZHIQ(k, rTmp, rTmp)
		KMOVQ(rTmp, K1)
		VMOVUPS_Z(Mem{Base: x}, K1, xv[1])
		for r := 0; r < 4; r++ {
			VMOVUPS_Z(row(r, 0), K1, vec(10))
			VFMADD231PS(vec(10), xv[1], vec(4+r))
		}
	} else {
		tab := avx2MaskTable()
		MOVQ(k, rTmp)
		NEGQ(rTmp)
		LEAQ(tab, R13)
		VMOVDQU(Mem{Base: R13, Index: rTmp, Scale: 4, Disp: 32}, ymm(11))
		VMASKMOVPS(Mem{Base: x}, ymm(11), xv[1])
		for r := 0; r < 4; r++ {
			VMASKMOVPS(row(r, 0), ymm(11), ymm(10))
			VFMADD231PS(ymm(10), xv[1], ymm(4+r))
		}
	}
	Label(name + "_sum")
	// Fold to 8 lanes, then reduce the four rows into one vector.
	for r := 0; r < 4; r++ {
		VADDPS(vec(4+r), vec(r), vec(r))
		if wide {
			VEXTRACTF64X4(U8(1), vec(r), ymm(12))
			VADDPS(ymm(12), ymm(r), ymm(r))
		}
	}
	// ymm r = 8 partial sums of row r. Pairwise horizontal adds:
	// h01 = [r0 pairs, r1 pairs], h23 likewise, then h = [r0, r1, r2, r3]
	// sums of quads, per 128-bit lane.
	VHADDPS(ymm(1), ymm(0), ymm(0))
	VHADDPS(ymm(3), ymm(2), ymm(2))
	VHADDPS(ymm(2), ymm(0), ymm(0))
	VEXTRACTF128(U8(1), ymm(0), X1)
	VADDPS(X1, X0, X0)
	Load(Param("out"), rTmp)
	VMOVUPS(X0, Mem{Base: rTmp})
	VZEROUPPER()
	RET()
}
