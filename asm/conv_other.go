//go:build !amd64 || purego

package asm

// convShapes returns the generic direct-convolution tile: this build has
// no assembly kernels for it.
func convShapes(t Tier) []convShape { return genericConvShapes }

// archMove returns nil: no assembly data-movement kernels in this build.
func archMove(t Tier) *moveKernels { return nil }
