//go:build !purego

#include "textflag.h"

// Hand-written NEON SGEMM kernels. Go's arm64 assembler has no mnemonic
// for the by-element forms of FMLA and FMUL, so they are WORD-encoded by
// these macros (Arm ARM C7.2: "FMLA (by element)", "FMUL (by element)",
// vector, single precision, Q=1, sz=0):
//
//	FMLA Vd.4S, Vn.4S, Vm.S[i]  = 0x4F801000 | L<<21 | M:Rm<<16 | H<<11 | Rn<<5 | Rd
//	FMUL Vd.4S, Vn.4S, Vm.S[i]  = 0x4F809000 | (same fields)
//
// with the lane index i = H:L and the 5-bit register m = M:Rm.
#define FMLA_E(d, n, m, i) WORD $(0x4F801000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))
#define FMUL_E(d, n, m, i) WORD $(0x4F809000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// One k step of the 8×12 kernel: A (8 values) is in V0, V1 and B (12
// values) in V2..V4; accumulator (i, j) is V(8+3i+j).
#define ROW(i, a, l) \
	FMLA_E(8+3*(i), 2, a, l); \
	FMLA_E(9+3*(i), 3, a, l); \
	FMLA_E(10+3*(i), 4, a, l)

#define STEP \
	VLD1.P 32(R1), [V0.S4, V1.S4]; \
	VLD1   (R2), [V2.S4, V3.S4, V4.S4]; \
	ADD    R3, R2, R2; \
	ROW(0, 0, 0); \
	ROW(1, 0, 1); \
	ROW(2, 0, 2); \
	ROW(3, 0, 3); \
	ROW(4, 1, 0); \
	ROW(5, 1, 1); \
	ROW(6, 1, 2); \
	ROW(7, 1, 3)

// Row i (accumulators va, vb, vc) of the store phase with beta:
// C row = alpha·acc + beta·C, with alpha in V0.S[0], beta in V1.S[0] and
// the old C row loaded into V2..V4.
#define STORE_B(i, va, vb, vc) \
	VLD1 (R4), [V2.S4, V3.S4, V4.S4]; \
	FMUL_E(8+3*(i), 8+3*(i), 0, 0); \
	FMUL_E(9+3*(i), 9+3*(i), 0, 0); \
	FMUL_E(10+3*(i), 10+3*(i), 0, 0); \
	FMLA_E(8+3*(i), 2, 1, 0); \
	FMLA_E(9+3*(i), 3, 1, 0); \
	FMLA_E(10+3*(i), 4, 1, 0); \
	VST1 [va.S4, vb.S4, vc.S4], (R4); \
	ADD  R5, R4, R4

// Row i of the store phase without beta: C row = alpha·acc.
#define STORE_Z(i, va, vb, vc) \
	FMUL_E(8+3*(i), 8+3*(i), 0, 0); \
	FMUL_E(9+3*(i), 9+3*(i), 0, 0); \
	FMUL_E(10+3*(i), 10+3*(i), 0, 0); \
	VST1 [va.S4, vb.S4, vc.S4], (R4); \
	ADD  R5, R4, R4

// func sgemmKernelNEON8x12(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, mr, nr int, pf *float32)
TEXT ·sgemmKernelNEON8x12(SB), NOSPLIT, $0-88
	MOVD kc+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+24(FP), R2
	MOVD ldb+32(FP), R3
	LSL  $2, R3, R3
	MOVD c+40(FP), R4
	MOVD ldc+48(FP), R5
	LSL  $2, R5, R5
	MOVD mr+64(FP), R7

	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	VEOR V24.B16, V24.B16, V24.B16
	VEOR V25.B16, V25.B16, V25.B16
	VEOR V26.B16, V26.B16, V26.B16
	VEOR V27.B16, V27.B16, V27.B16
	VEOR V28.B16, V28.B16, V28.B16
	VEOR V29.B16, V29.B16, V29.B16
	VEOR V30.B16, V30.B16, V30.B16
	VEOR V31.B16, V31.B16, V31.B16

	// Two k steps per iteration, then one more if kc is odd.
	LSR  $1, R0, R6
	CBZ  R6, tail

loop:
	STEP
	STEP
	SUBS $1, R6, R6
	BNE  loop

tail:
	TBZ  $0, R0, store
	STEP

store:
	FMOVS alpha+56(FP), F0
	FMOVS beta+60(FP), F1
	MOVWU beta+60(FP), R6
	ANDW  $0x7fffffff, R6, R6
	CBZW  R6, storez

	STORE_B(0, V8, V9, V10)
	CMP $1, R7
	BLE done
	STORE_B(1, V11, V12, V13)
	CMP $2, R7
	BLE done
	STORE_B(2, V14, V15, V16)
	CMP $3, R7
	BLE done
	STORE_B(3, V17, V18, V19)
	CMP $4, R7
	BLE done
	STORE_B(4, V20, V21, V22)
	CMP $5, R7
	BLE done
	STORE_B(5, V23, V24, V25)
	CMP $6, R7
	BLE done
	STORE_B(6, V26, V27, V28)
	CMP $7, R7
	BLE done
	STORE_B(7, V29, V30, V31)
	RET

storez:
	STORE_Z(0, V8, V9, V10)
	CMP $1, R7
	BLE done
	STORE_Z(1, V11, V12, V13)
	CMP $2, R7
	BLE done
	STORE_Z(2, V14, V15, V16)
	CMP $3, R7
	BLE done
	STORE_Z(3, V17, V18, V19)
	CMP $4, R7
	BLE done
	STORE_Z(4, V20, V21, V22)
	CMP $5, R7
	BLE done
	STORE_Z(5, V23, V24, V25)
	CMP $6, R7
	BLE done
	STORE_Z(6, V26, V27, V28)
	CMP $7, R7
	BLE done
	STORE_Z(7, V29, V30, V31)

done:
	RET

// func gemvKernelNEON16(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32)
//
// y[0:16] = alpha·x·B[:, 0:16] + beta·y (y not read when beta is ±0), with
// two accumulator sets (even and odd k) in V0..V3 and V4..V7.
TEXT ·gemvKernelNEON16(SB), NOSPLIT, $0-48
	MOVD kc+0(FP), R0
	MOVD x+8(FP), R1
	MOVD b+16(FP), R2
	MOVD ldb+24(FP), R3
	LSL  $2, R3, R3
	MOVD y+32(FP), R4
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	LSR  $1, R0, R6
	CBZ  R6, g16tail

g16loop:
	VLD1.P 8(R1), [V16.S2]
	VLD1   (R2), [V20.S4, V21.S4, V22.S4, V23.S4]
	ADD    R3, R2, R2
	VLD1   (R2), [V24.S4, V25.S4, V26.S4, V27.S4]
	ADD    R3, R2, R2
	FMLA_E(0, 20, 16, 0)
	FMLA_E(1, 21, 16, 0)
	FMLA_E(2, 22, 16, 0)
	FMLA_E(3, 23, 16, 0)
	FMLA_E(4, 24, 16, 1)
	FMLA_E(5, 25, 16, 1)
	FMLA_E(6, 26, 16, 1)
	FMLA_E(7, 27, 16, 1)
	SUBS $1, R6, R6
	BNE  g16loop

g16tail:
	TBZ  $0, R0, g16store
	FMOVS (R1), F16
	VLD1  (R2), [V20.S4, V21.S4, V22.S4, V23.S4]
	FMLA_E(0, 20, 16, 0)
	FMLA_E(1, 21, 16, 0)
	FMLA_E(2, 22, 16, 0)
	FMLA_E(3, 23, 16, 0)

g16store:
	// V0..V3 += V4..V7 via FMLA with 1.0: Go lacks vector FADD.
	FMOVS $1.0, F17
	FMLA_E(0, 4, 17, 0)
	FMLA_E(1, 5, 17, 0)
	FMLA_E(2, 6, 17, 0)
	FMLA_E(3, 7, 17, 0)
	FMOVS alpha+40(FP), F16
	FMOVS beta+44(FP), F17
	FMUL_E(0, 0, 16, 0)
	FMUL_E(1, 1, 16, 0)
	FMUL_E(2, 2, 16, 0)
	FMUL_E(3, 3, 16, 0)
	MOVWU beta+44(FP), R6
	ANDW  $0x7fffffff, R6, R6
	CBZW  R6, g16z
	VLD1  (R4), [V20.S4, V21.S4, V22.S4, V23.S4]
	FMLA_E(0, 20, 17, 0)
	FMLA_E(1, 21, 17, 0)
	FMLA_E(2, 22, 17, 0)
	FMLA_E(3, 23, 17, 0)

g16z:
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R4)
	RET

// func gemvKernelNEON4(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32)
//
// The 4-column form of gemvKernelNEON16.
TEXT ·gemvKernelNEON4(SB), NOSPLIT, $0-48
	MOVD kc+0(FP), R0
	MOVD x+8(FP), R1
	MOVD b+16(FP), R2
	MOVD ldb+24(FP), R3
	LSL  $2, R3, R3
	MOVD y+32(FP), R4
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V4.B16, V4.B16, V4.B16
	LSR  $1, R0, R6
	CBZ  R6, g4tail

g4loop:
	VLD1.P 8(R1), [V16.S2]
	VLD1   (R2), [V20.S4]
	ADD    R3, R2, R2
	VLD1   (R2), [V24.S4]
	ADD    R3, R2, R2
	FMLA_E(0, 20, 16, 0)
	FMLA_E(4, 24, 16, 1)
	SUBS $1, R6, R6
	BNE  g4loop

g4tail:
	TBZ  $0, R0, g4store
	FMOVS (R1), F16
	VLD1  (R2), [V20.S4]
	FMLA_E(0, 20, 16, 0)

g4store:
	FMOVS $1.0, F17
	FMLA_E(0, 4, 17, 0)
	FMOVS alpha+40(FP), F16
	FMOVS beta+44(FP), F17
	FMUL_E(0, 0, 16, 0)
	MOVWU beta+44(FP), R6
	ANDW  $0x7fffffff, R6, R6
	CBZW  R6, g4z
	VLD1  (R4), [V20.S4]
	FMLA_E(0, 20, 17, 0)

g4z:
	VST1 [V0.S4], (R4)
	RET
