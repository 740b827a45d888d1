//go:build !purego

package asm

import (
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// BenchmarkPeakFMA measures the single-thread multiply-add peak of the
// 256-bit (AVX2) and 512-bit (AVX-512) FMA units: the yardstick for the
// SGEMM kernels' efficiency.
func BenchmarkPeakFMA(b *testing.B) {
	const iters = 4096
	if AVX2.Supported() {
		b.Run("avx2", func(b *testing.B) {
			benchGflops(b, iters*12*8*2, true, func() { peakFMAAVX2(iters) })
		})
	}
	if AVX512.Supported() && cpuid.CPU.Supports(cpuid.AVX512F) {
		b.Run("avx512", func(b *testing.B) {
			benchGflops(b, iters*12*16*2, true, func() { peakFMAAVX512(iters) })
		})
	}
}
