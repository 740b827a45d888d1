//go:build !purego

package asm

//go:generate sh -c "cd _gen/gemm && go run . -out ../../sgemm_gen_amd64.s -stubs ../../sgemm_gen_amd64.go -pkg asm"

// gemmArchTables adds the AVX2 and AVX-512 kernel tables.
func gemmArchTables(t *[numTiers]*gemmKernels) {
	t[AVX2] = gemmVariantsAMD64[AVX2][0]
	t[AVX512] = gemmVariantsAMD64[AVX512][0]
}

// gemmVariantsAMD64 lists every generated micro-kernel shape per tier,
// the default first; benchmarks compare them.
var gemmVariantsAMD64 = map[Tier][]*gemmKernels{
	AVX2: {
		avx2Kernels(4, 24, 1, sgemmKernelAVX2x4x24),
		avx2Kernels(6, 16, 0.97, sgemmKernelAVX2x6x16),
	},
	AVX512: {
		avx512Kernels(6, 64, 1, sgemmKernelAVX512x6x64),
		avx512Kernels(8, 48, 0.99, sgemmKernelAVX512x8x48),
		avx512Kernels(12, 32, 0.95, sgemmKernelAVX512x12x32),
	},
}

func avx2Kernels(mr, nr int, eff float64, k gemmKernel) *gemmKernels {
	return newGemmKernels(&gemmKernels{
		tier: AVX2, mr: mr, nr: nr, eff: eff, kern: k, partialN: true, dot4: dot4AVX2, pfPerK: 8,
		transpose8: packTranspose8AVX2,
		gemv:       gemvKernelAVX2, gemvNR: 32,
	})
}

func avx512Kernels(mr, nr int, eff float64, k gemmKernel) *gemmKernels {
	return newGemmKernels(&gemmKernels{
		tier: AVX512, mr: mr, nr: nr, eff: eff, kern: k, partialN: true, dot4: dot4AVX512, pfPerK: 8,
		transpose8: packTranspose8AVX2,
		gemv:       gemvKernelAVX512, gemvNR: 64,
	})
}

// gemmVariants returns every kernel table of tier, the default first.
func gemmVariants(t Tier) []*gemmKernels {
	if v := gemmVariantsAMD64[t]; v != nil {
		return v
	}
	return []*gemmKernels{gemmTables[t]}
}
