//go:build !purego

package asm

import "unsafe"

// gemmArchTables adds the NEON kernel table.
func gemmArchTables(t *[numTiers]*gemmKernels) {
	t[NEON] = newGemmKernels(&gemmKernels{
		tier: NEON, mr: 8, nr: 12,
		kern: sgemmKernelNEON8x12, partialN: false, packedA: true,
		gemv: gemvNEON, gemvNR: 64,
	})
}

// gemmVariants returns every kernel table of tier, the default first.
func gemmVariants(t Tier) []*gemmKernels { return []*gemmKernels{gemmTables[t]} }

// sgemmKernelNEON8x12 is the 8×12 NEON micro-kernel; see
// sgemmKernelGeneric. It reads A interleaved, A(i, p) at a[p*8+i]
// (packedA; lda is unused), and reads and writes all 12 columns, so edge
// tiles go through the driver's scratch tile (partialN is false).
// It ignores the prefetch hint pf.
//
//go:noescape
func sgemmKernelNEON8x12(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, mr, nr int, pf *float32)

// gemvKernelNEON16 is gemvKernelGeneric for exactly 16 columns.
//
//go:noescape
func gemvKernelNEON16(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32)

// gemvKernelNEON4 is gemvKernelGeneric for exactly 4 columns.
//
//go:noescape
func gemvKernelNEON4(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32)

// gemvNEON is the NEON single-row kernel for up to 64 columns: groups of
// 16 and 4 columns in assembly, the last 1..3 columns in Go.
func gemvNEON(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32, nr int) {
	j := 0
	for ; j+16 <= nr; j += 16 {
		gemvKernelNEON16(kc, x, gemmAdd(b, j), ldb, gemmAdd(y, j), alpha, beta)
	}
	for ; j+4 <= nr; j += 4 {
		gemvKernelNEON4(kc, x, gemmAdd(b, j), ldb, gemmAdd(y, j), alpha, beta)
	}
	if j < nr {
		gemvKernelGeneric(kc, x, gemmAdd(b, j), ldb, gemmAdd(y, j), alpha, beta, nr-j)
	}
}

// gemmAdd returns p advanced by n elements.
func gemmAdd(p *float32, n int) *float32 {
	return (*float32)(unsafe.Add(unsafe.Pointer(p), 4*n))
}
