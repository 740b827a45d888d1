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
			{mr: 8, lanes: 16, nv: 3, eff: 1, narrow: []convKernel{convKernelAVX512x8x16, convKernelAVX512x8x32, convKernelAVX512x8x48}, half: convKernelAVX512x8x8y},
			{mr: 4, lanes: 16, nv: 6, eff: 0.95, narrow: []convKernel{convKernelAVX512x4x16, convKernelAVX512x4x32, convKernelAVX512x4x48, convKernelAVX512x4x64, convKernelAVX512x4x80, convKernelAVX512x4x96}, half: convKernelAVX512x4x8y},
			{mr: 2, lanes: 16, nv: 8, eff: 0.85, narrow: []convKernel{convKernelAVX512x2x16, convKernelAVX512x2x32, convKernelAVX512x2x48, convKernelAVX512x2x64, convKernelAVX512x2x80, convKernelAVX512x2x96, convKernelAVX512x2x112, convKernelAVX512x2x128}, half: convKernelAVX512x2x8y},
			{mr: 1, lanes: 16, nv: 8, eff: 0.6, narrow: []convKernel{convKernelAVX512x1x16, convKernelAVX512x1x32, convKernelAVX512x1x48, convKernelAVX512x1x64, convKernelAVX512x1x80, convKernelAVX512x1x96, convKernelAVX512x1x112, convKernelAVX512x1x128}, half: convKernelAVX512x1x8y},
		}
	case AVX2:
		return []convShape{
			{mr: 4, lanes: 8, nv: 3, eff: 1, narrow: []convKernel{convKernelAVX2x4x8, convKernelAVX2x4x16, convKernelAVX2x4x24}},
			{mr: 2, lanes: 8, nv: 5, eff: 0.9, narrow: []convKernel{convKernelAVX2x2x8, convKernelAVX2x2x16, convKernelAVX2x2x24, convKernelAVX2x2x32, convKernelAVX2x2x40}},
			{mr: 1, lanes: 8, nv: 8, eff: 0.6, narrow: []convKernel{convKernelAVX2x1x8, convKernelAVX2x1x16, convKernelAVX2x1x24, convKernelAVX2x1x32, convKernelAVX2x1x40, convKernelAVX2x1x48, convKernelAVX2x1x56, convKernelAVX2x1x64}},
		}
	}
	return genericConvShapes
}

// archMove returns the amd64 data-movement kernels of tier t, or nil.
// AVX2 has only the pooling kernels; its row copies use the generic
// twins.
func archMove(t Tier) *moveKernels {
	if t == AVX2 {
		return &moveKernels{maxPool2x2: maxPool2x2AVX2, maxPool2x2Idx: maxPool2x2IdxAVX2}
	}
	if t == AVX512 {
		return &moveKernels{
			maxPool2x2: maxPool2x2AVX512, maxPool2x2Idx: maxPool2x2IdxAVX512,
			dup2: dup2AVX512, padRows: padRowsAVX512, splitRows: splitRowsAVX512,
			interleaveRows: interleaveRowsAVX512,
		}
	}
	return nil
}
