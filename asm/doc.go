// Package asm holds latent's compute kernels: packed SGEMM, GEMV,
// vectorised elementwise and activation functions, convolution helpers
// (im2col, col2im) and pooling.
//
// Every kernel has a generic Go twin whose doc comment is the loop the
// assembly must equal. The kernels for one instruction-set tier are grouped
// in tables chosen once at start-up from the CPU's features (read with
// github.com/klauspost/cpuid/v2); tests and benchmarks may ask for any tier
// the CPU supports explicitly. The environment variable LATENT_ISA
// (generic, avx2, avx512, neon) forces a tier for a whole process. The build
// tag purego removes every assembly file.
package asm
