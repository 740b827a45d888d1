//go:build !purego

package asm

//go:generate sh -c "cd _gen/conv && go run . -out ../../conv_gen_amd64.s -stubs ../../conv_gen_amd64.go -pkg asm"

// convShapes returns the direct-convolution register tiles of tier, the
// generic one for tiers without assembly kernels. eff estimates each
// tile's speed per FMA lane relative to the best (loads per FMA, measured
// with BenchmarkConvGemm).
func convShapes(t Tier) []convShape {
	switch t {
	case AVX512:
		return []convShape{
			{mr: 8, lanes: 16, nv: 3, kern: convKernelAVX512x8x48, eff: 1},
			{mr: 4, lanes: 16, nv: 6, kern: convKernelAVX512x4x96, eff: 0.95},
			{mr: 2, lanes: 16, nv: 8, kern: convKernelAVX512x2x128, eff: 0.85},
			{mr: 1, lanes: 16, nv: 8, kern: convKernelAVX512x1x128, eff: 0.6},
		}
	case AVX2:
		return []convShape{
			{mr: 4, lanes: 8, nv: 3, kern: convKernelAVX2x4x24, eff: 1},
			{mr: 2, lanes: 8, nv: 5, kern: convKernelAVX2x2x40, eff: 0.9},
			{mr: 1, lanes: 8, nv: 8, kern: convKernelAVX2x1x64, eff: 0.6},
		}
	}
	return genericConvShapes
}

// archMove returns the amd64 data-movement kernels of tier t, or nil.
func archMove(t Tier) *moveKernels {
	if t == AVX512 {
		return &moveKernels{
			maxPool2x2: maxPool2x2AVX512, maxPool2x2Idx: maxPool2x2IdxAVX512,
			dup2: dup2AVX512, padRows: padRowsAVX512, splitRows: splitRowsAVX512,
			interleaveRows: interleaveRowsAVX512,
		}
	}
	return nil
}
