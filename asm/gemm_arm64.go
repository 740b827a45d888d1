//go:build !purego

package asm

// gemmArchTables adds the NEON kernel table.
func gemmArchTables(t *[numTiers]*gemmKernels) {
	// TODO(gemm): NEON micro-kernel; the generic kernels stand in.
	t[NEON] = newGemmKernels(&gemmKernels{
		tier: NEON, mr: 4, nr: 4,
		kern: sgemmKernelGeneric, partialN: true,
		gemv: gemvKernelGeneric, gemvNR: 64,
		epi: epilogueGeneric,
	})
}

// gemmVariants returns every kernel table of tier, the default first.
func gemmVariants(t Tier) []*gemmKernels { return []*gemmKernels{gemmTables[t]} }
