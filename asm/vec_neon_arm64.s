//go:build !purego

#include "textflag.h"

// NEON elementwise kernels. Each processes len(dst) elements, which the Go
// wrappers in vec_arm64.go make a multiple of 4 (the rest goes to the
// generic twin). They follow vec_generic.go and math_generic.go operation
// for operation (FMLA/FMLS are single-rounding FMAs), so results equal the
// generic twins bit for bit.
//
// Go's arm64 assembler has no vector floating-point arithmetic mnemonics,
// so those instructions are WORD-encoded by the macros below (encodings
// checked with llvm-mc -triple=aarch64 -show-encoding). Arguments are
// register numbers; every form is the 4 x float32 (.4S) arrangement.

// FADD Vd.4S, Vn.4S, Vm.4S: Vd = Vn + Vm
#define FADD4(m, n, d) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))
// FSUB Vd.4S, Vn.4S, Vm.4S: Vd = Vn - Vm
#define FSUB4(m, n, d) WORD $(0x4EA0D400 | (m)<<16 | (n)<<5 | (d))
// FMUL Vd.4S, Vn.4S, Vm.4S: Vd = Vn * Vm
#define FMUL4(m, n, d) WORD $(0x6E20DC00 | (m)<<16 | (n)<<5 | (d))
// FDIV Vd.4S, Vn.4S, Vm.4S: Vd = Vn / Vm
#define FDIV4(m, n, d) WORD $(0x6E20FC00 | (m)<<16 | (n)<<5 | (d))
// FMAX Vd.4S, Vn.4S, Vm.4S: Vd = max(Vn, Vm), NaN if either is NaN
#define FMAX4(m, n, d) WORD $(0x4E20F400 | (m)<<16 | (n)<<5 | (d))
// FMIN Vd.4S, Vn.4S, Vm.4S: Vd = min(Vn, Vm), NaN if either is NaN
#define FMIN4(m, n, d) WORD $(0x4EA0F400 | (m)<<16 | (n)<<5 | (d))
// FCMGT Vd.4S, Vn.4S, Vm.4S: Vd = Vn > Vm ? all ones : 0
#define FCMGT4(m, n, d) WORD $(0x6EA0E400 | (m)<<16 | (n)<<5 | (d))
// FCMLT Vd.4S, Vn.4S, #0.0: Vd = Vn < 0 ? all ones : 0
#define FCMLTZ4(n, d) WORD $(0x4EA0E800 | (n)<<5 | (d))
// FRINTN Vd.4S, Vn.4S: round to nearest, ties to even
#define FRINTN4(n, d) WORD $(0x4E218800 | (n)<<5 | (d))
// FCVTZS Vd.4S, Vn.4S: float to int32, toward zero
#define FCVTZS4(n, d) WORD $(0x4EA1B800 | (n)<<5 | (d))
// SSHR Vd.4S, Vn.4S, #1: arithmetic shift right by one
#define SSHR1_4(n, d) WORD $(0x4F3F0400 | (n)<<5 | (d))

// DUPC broadcasts the 32-bit constant c into vector register V.
#define DUPC(c, V) MOVW $c, R9; VDUP R9, V.S4

// EXPCONST loads the constants of the exp core into V16-V30: log2e,
// ln2hi, ln2lo, the clamp bounds -104 and 89, P0-P5, 1.0, the exponent
// bias 127 (int), the sign bit and the abs mask.
#define EXPCONST \
	DUPC(0x3fb8aa3b, V16) \
	DUPC(0x3f318000, V17) \
	DUPC(0xb95e8083, V18) \
	DUPC(0xc2d00000, V19) \
	DUPC(0x42b20000, V20) \
	DUPC(0x3f000000, V21) \
	DUPC(0x3e2aaaaa, V22) \
	DUPC(0x3d2aa9c1, V23) \
	DUPC(0x3c088908, V24) \
	DUPC(0x3ab743ce, V25) \
	DUPC(0x39506967, V26) \
	DUPC(0x3f800000, V27) \
	DUPC(127, V28) \
	DUPC(0x80000000, V29) \
	DUPC(0x7fffffff, V30) /* abs mask */

// CLAMP0 clamps V0 to [-104, 89]; NaN stays NaN.
#define CLAMP0 \
	FMAX4(19, 0, 0) \
	FMIN4(20, 0, 0)

// EXPCORE computes expCore(V0) into V2 for clamped V0; clobbers V0-V5:
//
//	V1 = n = roundEven(x*log2e)
//	V2 = r = x - n*ln2hi - n*ln2lo          (FMLS, fused)
//	V4 = p = P0 + r*(P1 + r*(... P5))       (FMLA chain)
//	V2 = y = (r + p*r*r) + 1
//	V2 = y * 2^(n>>1) * 2^(n - n>>1)
#define EXPCORE \
	FMUL4(16, 0, 1) \
	FRINTN4(1, 1) \
	VMOV V0.B16, V2.B16 \
	VFMLS V17.S4, V1.S4, V2.S4 \
	VFMLS V18.S4, V1.S4, V2.S4 \
	VMOV V25.B16, V4.B16           \
	VFMLA V2.S4, V26.S4, V4.S4 \
	VMOV V24.B16, V3.B16           \
	VFMLA V2.S4, V4.S4, V3.S4 \
	VMOV V23.B16, V4.B16           \
	VFMLA V2.S4, V3.S4, V4.S4 \
	VMOV V22.B16, V3.B16           \
	VFMLA V2.S4, V4.S4, V3.S4 \
	VMOV V21.B16, V4.B16           \
	VFMLA V2.S4, V3.S4, V4.S4 \
	FMUL4(2, 2, 3) \
	VFMLA V3.S4, V4.S4, V2.S4 \
	FADD4(27, 2, 2) \
	FCVTZS4(1, 1) \
	SSHR1_4(1, 3) \
	VSUB V3.S4, V1.S4, V4.S4 \
	VADD V28.S4, V3.S4, V3.S4      \
	VSHL $23, V3.S4, V3.S4 \
	VADD V28.S4, V4.S4, V4.S4      \
	VSHL $23, V4.S4, V4.S4 \
	FMUL4(3, 2, 2)                 \
	FMUL4(4, 2, 2)

// func addNEON(dst, x, y []float32)
TEXT ·addNEON(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	MOVD y_base+48(FP), R2
add16:
	CMP  $16, R3
	BLT  add4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FADD4(4, 0, 0)
	FADD4(5, 1, 1)
	FADD4(6, 2, 2)
	FADD4(7, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    add16
add4:
	CMP  $4, R3
	BLT  adddone
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FADD4(4, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    add4
adddone:
	RET

// func subNEON(dst, x, y []float32)
TEXT ·subNEON(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	MOVD y_base+48(FP), R2
sub16:
	CMP  $16, R3
	BLT  sub4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FSUB4(4, 0, 0)
	FSUB4(5, 1, 1)
	FSUB4(6, 2, 2)
	FSUB4(7, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    sub16
sub4:
	CMP  $4, R3
	BLT  subdone
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FSUB4(4, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    sub4
subdone:
	RET

// func mulNEON(dst, x, y []float32)
TEXT ·mulNEON(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	MOVD y_base+48(FP), R2
mul16:
	CMP  $16, R3
	BLT  mul4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FMUL4(4, 0, 0)
	FMUL4(5, 1, 1)
	FMUL4(6, 2, 2)
	FMUL4(7, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    mul16
mul4:
	CMP  $4, R3
	BLT  muldone
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FMUL4(4, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    mul4
muldone:
	RET

// func divNEON(dst, x, y []float32)
TEXT ·divNEON(SB), NOSPLIT, $0-72
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	MOVD y_base+48(FP), R2
div16:
	CMP  $16, R3
	BLT  div4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	FDIV4(4, 0, 0)
	FDIV4(5, 1, 1)
	FDIV4(6, 2, 2)
	FDIV4(7, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    div16
div4:
	CMP  $4, R3
	BLT  divdone
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FDIV4(4, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    div4
divdone:
	RET

// func divSNEON(dst, x []float32, s float32)
TEXT ·divSNEON(SB), NOSPLIT, $0-52
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	FMOVS s+48(FP), F8
	VDUP  V8.S[0], V8.S4
divs16:
	CMP  $16, R3
	BLT  divs4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FDIV4(8, 0, 0)
	FDIV4(8, 1, 1)
	FDIV4(8, 2, 2)
	FDIV4(8, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    divs16
divs4:
	CMP  $4, R3
	BLT  divsdone
	VLD1.P 16(R1), [V0.S4]
	FDIV4(8, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    divs4
divsdone:
	RET

// func axpyNEON(dst, x []float32, a float32)
TEXT ·axpyNEON(SB), NOSPLIT, $0-52
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	MOVD  R0, R2
	FMOVS a+48(FP), F8
	VDUP  V8.S[0], V8.S4
axpy8:
	CMP  $8, R3
	BLT  axpy4
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 32(R2), [V4.S4, V5.S4]
	FMUL4(8, 0, 0)    // a*x, rounded
	FMUL4(8, 1, 1)
	FADD4(0, 4, 4)    // dst + a*x
	FADD4(1, 5, 5)
	VST1.P [V4.S4, V5.S4], 32(R0)
	SUB  $8, R3
	B    axpy8
axpy4:
	CMP  $4, R3
	BLT  axpydone
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	FMUL4(8, 0, 0)
	FADD4(0, 4, 4)
	VST1.P [V4.S4], 16(R0)
	SUB  $4, R3
	B    axpy4
axpydone:
	RET

// func clipNEON(dst, x []float32, lo, hi float32)
TEXT ·clipNEON(SB), NOSPLIT, $0-56
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	FMOVS lo+48(FP), F8
	VDUP  V8.S[0], V8.S4
	FMOVS hi+52(FP), F9
	VDUP  V9.S[0], V9.S4
clip8:
	CMP  $8, R3
	BLT  clip4
	VLD1.P 32(R1), [V0.S4, V1.S4]
	// x < lo ? lo : x, then > hi ? hi : x, by compare and insert, so
	// that NaN stays NaN and lo > hi gives hi, exactly as clipGeneric.
	FCMGT4(0, 8, 2)              // V2 = lo > x
	FCMGT4(1, 8, 3)
	VBIT V2.B16, V8.B16, V0.B16
	VBIT V3.B16, V8.B16, V1.B16
	FCMGT4(9, 0, 2)              // V2 = x > hi
	FCMGT4(9, 1, 3)
	VBIT V2.B16, V9.B16, V0.B16
	VBIT V3.B16, V9.B16, V1.B16
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUB  $8, R3
	B    clip8
clip4:
	CMP  $4, R3
	BLT  clipdone
	VLD1.P 16(R1), [V0.S4]
	FCMGT4(0, 8, 2)
	VBIT V2.B16, V8.B16, V0.B16
	FCMGT4(9, 0, 2)
	VBIT V2.B16, V9.B16, V0.B16
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    clip4
clipdone:
	RET

// func addSNEON(dst, x []float32, s float32)
TEXT ·addSNEON(SB), NOSPLIT, $0-52
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	FMOVS s+48(FP), F8
	VDUP  V8.S[0], V8.S4
adds16:
	CMP  $16, R3
	BLT  adds4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FADD4(8, 0, 0)
	FADD4(8, 1, 1)
	FADD4(8, 2, 2)
	FADD4(8, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    adds16
adds4:
	CMP  $4, R3
	BLT  addsdone
	VLD1.P 16(R1), [V0.S4]
	FADD4(8, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    adds4
addsdone:
	RET

// func mulSNEON(dst, x []float32, s float32)
TEXT ·mulSNEON(SB), NOSPLIT, $0-52
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	FMOVS s+48(FP), F8
	VDUP  V8.S[0], V8.S4
muls16:
	CMP  $16, R3
	BLT  muls4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMUL4(8, 0, 0)
	FMUL4(8, 1, 1)
	FMUL4(8, 2, 2)
	FMUL4(8, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    muls16
muls4:
	CMP  $4, R3
	BLT  mulsdone
	VLD1.P 16(R1), [V0.S4]
	FMUL4(8, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    muls4
mulsdone:
	RET

// func scaleShiftNEON(dst, x []float32, a, b float32)
TEXT ·scaleShiftNEON(SB), NOSPLIT, $0-56
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	FMOVS a+48(FP), F8
	VDUP  V8.S[0], V8.S4
	FMOVS b+52(FP), F9
	VDUP  V9.S[0], V9.S4
ss16:
	CMP  $16, R3
	BLT  ss4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMUL4(8, 0, 0)
	FMUL4(8, 1, 1)
	FMUL4(8, 2, 2)
	FMUL4(8, 3, 3)
	FADD4(9, 0, 0)
	FADD4(9, 1, 1)
	FADD4(9, 2, 2)
	FADD4(9, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    ss16
ss4:
	CMP  $4, R3
	BLT  ssdone
	VLD1.P 16(R1), [V0.S4]
	FMUL4(8, 0, 0)
	FADD4(9, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    ss4
ssdone:
	RET

// func reluNEON(dst, x []float32)
TEXT ·reluNEON(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	VEOR V8.B16, V8.B16, V8.B16
relu16:
	CMP  $16, R3
	BLT  relu4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMAX4(8, 0, 0)
	FMAX4(8, 1, 1)
	FMAX4(8, 2, 2)
	FMAX4(8, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB  $16, R3
	B    relu16
relu4:
	CMP  $4, R3
	BLT  reludone
	VLD1.P 16(R1), [V0.S4]
	FMAX4(8, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    relu4
reludone:
	RET

// func leakyNEON(dst, x []float32, alpha float32)
TEXT ·leakyNEON(SB), NOSPLIT, $0-52
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	FMOVS alpha+48(FP), F8
	VDUP  V8.S[0], V8.S4
leaky8:
	CMP  $8, R3
	BLT  leaky4
	VLD1.P 32(R1), [V0.S4, V1.S4]
	FMUL4(8, 0, 2)    // V2 = alpha*x
	FMUL4(8, 1, 3)
	FCMLTZ4(0, 4)     // V4 = x < 0
	FCMLTZ4(1, 5)
	VBIT V4.B16, V2.B16, V0.B16 // x = x<0 ? alpha*x : x
	VBIT V5.B16, V3.B16, V1.B16
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUB  $8, R3
	B    leaky8
leaky4:
	CMP  $4, R3
	BLT  leakydone
	VLD1.P 16(R1), [V0.S4]
	FMUL4(8, 0, 2)
	FCMLTZ4(0, 4)
	VBIT V4.B16, V2.B16, V0.B16
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    leaky4
leakydone:
	RET

// func expNEON(dst, x []float32)
TEXT ·expNEON(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	EXPCONST
exp4:
	CMP  $4, R3
	BLT  expdone
	VLD1.P 16(R1), [V0.S4]
	CLAMP0
	EXPCORE
	VST1.P [V2.S4], 16(R0)
	SUB  $4, R3
	B    exp4
expdone:
	RET

// func sigmoidNEON(dst, x []float32)
TEXT ·sigmoidNEON(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	EXPCONST
sig4:
	CMP  $4, R3
	BLT  sigdone
	VLD1.P 16(R1), [V6.S4]
	VORR V29.B16, V6.B16, V0.B16 // -|x|
	CLAMP0
	EXPCORE                      // V2 = e
	FADD4(27, 2, 3)              // V3 = 1 + e
	FCMLTZ4(6, 4)                // V4 = x < 0
	VMOV V27.B16, V5.B16         // num = 1
	VBIT V4.B16, V2.B16, V5.B16  // num = x<0 ? e : 1
	FDIV4(3, 5, 0)               // V0 = num / (1+e)
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    sig4
sigdone:
	RET

// func tanhNEON(dst, x []float32)
TEXT ·tanhNEON(SB), NOSPLIT, $0-48
	MOVD dst_base+0(FP), R0
	MOVD dst_len+8(FP), R3
	MOVD x_base+24(FP), R1
	EXPCONST
	DUPC(0xc0000000, V8)  // -2
	DUPC(0x3f200000, V9)  // 0.625
	DUPC(0xbeaaaa99, V10) // T0
	DUPC(0x3e088393, V11) // T1
	DUPC(0xbd5c1e2d, V12) // T2
	DUPC(0x3ca9134e, V13) // T3
	DUPC(0xbbbaf0ea, V14) // T4
tanh4:
	CMP  $4, R3
	BLT  tanhdone
	VLD1.P 16(R1), [V6.S4]
	VAND V30.B16, V6.B16, V7.B16 // a = |x|
	FMUL4(8, 7, 0)               // -2a
	CLAMP0
	EXPCORE                      // V2 = e
	FSUB4(2, 27, 3)              // V3 = 1 - e
	FADD4(2, 27, 4)              // V4 = 1 + e
	FDIV4(4, 3, 5)               // V5 = big
	FMUL4(7, 7, 0)               // V0 = z = a*a
	VMOV V13.B16, V2.B16
	VFMLA V0.S4, V14.S4, V2.S4   // p = T3 + T4*z
	VMOV V12.B16, V1.B16
	VFMLA V0.S4, V2.S4, V1.S4    // p = T2 + p*z
	VMOV V11.B16, V2.B16
	VFMLA V0.S4, V1.S4, V2.S4    // p = T1 + p*z
	VMOV V10.B16, V1.B16
	VFMLA V0.S4, V2.S4, V1.S4    // V1 = p = T0 + p*z
	FMUL4(0, 1, 2)               // V2 = t = p*z
	VMOV V7.B16, V3.B16
	VFMLA V7.S4, V2.S4, V3.S4    // V3 = small = a + t*a
	FCMGT4(7, 9, 4)              // V4 = 0.625 > a
	VBIT V4.B16, V3.B16, V5.B16  // y = a < 0.625 ? small : big
	VAND V29.B16, V6.B16, V0.B16 // sign of x
	VORR V0.B16, V5.B16, V0.B16
	VST1.P [V0.S4], 16(R0)
	SUB  $4, R3
	B    tanh4
tanhdone:
	RET

// FMAXV Sd, Vn.4S: d = max of the four lanes of Vn (NaN if any is NaN)
#define FMAXV4(n, d) WORD $(0x6E30F800 | (n)<<5 | (d))

// ZERO8 clears the eight lane accumulators V8-V15 (the 32 partial sums
// of sumGeneric: V8 holds s[0:4], ..., V15 holds s[28:32]).
#define ZERO8 \
	VEOR V8.B16, V8.B16, V8.B16 \
	VEOR V9.B16, V9.B16, V9.B16 \
	VEOR V10.B16, V10.B16, V10.B16 \
	VEOR V11.B16, V11.B16, V11.B16 \
	VEOR V12.B16, V12.B16, V12.B16 \
	VEOR V13.B16, V13.B16, V13.B16 \
	VEOR V14.B16, V14.B16, V14.B16 \
	VEOR V15.B16, V15.B16, V15.B16

// STORE8 stores V8-V15 to the [32]float32 at R0.
#define STORE8 \
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R0) \
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R0)

// SSTEP adds the next 4 elements at R1 to accumulator acc.
#define SSTEP(acc) \
	VLD1.P 16(R1), [V0.S4] \
	FADD4(0, acc, acc)

// func sumLanesNEON(x []float32, acc *[32]float32)
TEXT ·sumLanesNEON(SB), NOSPLIT, $0-32
	MOVD x_base+0(FP), R1
	MOVD x_len+8(FP), R3
	MOVD acc+24(FP), R0
	ZERO8
sum32:
	CMP  $32, R3
	BLT  sumtail
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	FADD4(0, 8, 8)
	FADD4(1, 9, 9)
	FADD4(2, 10, 10)
	FADD4(3, 11, 11)
	FADD4(4, 12, 12)
	FADD4(5, 13, 13)
	FADD4(6, 14, 14)
	FADD4(7, 15, 15)
	SUB  $32, R3
	B    sum32
sumtail:
	// Fewer than 32 (a multiple of 4) remain: lanes 0.. in order.
	CMP  $4, R3
	BLT  sumdone
	SSTEP(8)
	CMP  $8, R3
	BLT  sumdone
	SSTEP(9)
	CMP  $12, R3
	BLT  sumdone
	SSTEP(10)
	CMP  $16, R3
	BLT  sumdone
	SSTEP(11)
	CMP  $20, R3
	BLT  sumdone
	SSTEP(12)
	CMP  $24, R3
	BLT  sumdone
	SSTEP(13)
	CMP  $28, R3
	BLT  sumdone
	SSTEP(14)
sumdone:
	STORE8
	RET

// ESTEP computes exp(x - shift) for the next 4 elements at R1, stores
// them at R0 and adds them to accumulator acc.
#define ESTEP(acc) \
	VLD1.P 16(R1), [V0.S4] \
	FSUB4(31, 0, 0) \
	CLAMP0 \
	EXPCORE \
	VST1.P [V2.S4], 16(R0) \
	FADD4(2, acc, acc)

// func expShiftSumLanesNEON(dst, x []float32, shift float32, acc *[32]float32)
TEXT ·expShiftSumLanesNEON(SB), NOSPLIT, $0-64
	MOVD  dst_base+0(FP), R0
	MOVD  dst_len+8(FP), R3
	MOVD  x_base+24(FP), R1
	FMOVS shift+48(FP), F31
	VDUP  V31.S[0], V31.S4
	EXPCONST
	ZERO8
es32:
	CMP  $32, R3
	BLT  estail
	ESTEP(8)
	ESTEP(9)
	ESTEP(10)
	ESTEP(11)
	ESTEP(12)
	ESTEP(13)
	ESTEP(14)
	ESTEP(15)
	SUB  $32, R3
	B    es32
estail:
	CMP  $4, R3
	BLT  esdone
	ESTEP(8)
	CMP  $8, R3
	BLT  esdone
	ESTEP(9)
	CMP  $12, R3
	BLT  esdone
	ESTEP(10)
	CMP  $16, R3
	BLT  esdone
	ESTEP(11)
	CMP  $20, R3
	BLT  esdone
	ESTEP(12)
	CMP  $24, R3
	BLT  esdone
	ESTEP(13)
	CMP  $28, R3
	BLT  esdone
	ESTEP(14)
esdone:
	MOVD acc+56(FP), R0
	STORE8
	RET

// func maxNEON(x []float32) float32
TEXT ·maxNEON(SB), NOSPLIT, $0-28
	MOVD x_base+0(FP), R1
	MOVD x_len+8(FP), R3
	DUPC(0xff800000, V16) // -Inf
	VMOV V16.B16, V17.B16
	VMOV V16.B16, V18.B16
	VMOV V16.B16, V19.B16
max16:
	CMP  $16, R3
	BLT  max4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMAX4(0, 16, 16)
	FMAX4(1, 17, 17)
	FMAX4(2, 18, 18)
	FMAX4(3, 19, 19)
	SUB  $16, R3
	B    max16
max4:
	CMP  $4, R3
	BLT  maxdone
	VLD1.P 16(R1), [V0.S4]
	FMAX4(0, 16, 16)
	SUB  $4, R3
	B    max4
maxdone:
	FMAX4(17, 16, 16)
	FMAX4(19, 18, 18)
	FMAX4(18, 16, 16)
	FMAXV4(16, 0)
	FMOVS F0, ret+24(FP)
	RET
