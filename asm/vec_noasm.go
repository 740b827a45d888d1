//go:build (!amd64 && !arm64) || purego

package asm

// archVec returns nil: this build has no assembly kernels.
func archVec(t Tier) *vecKernels { return nil }
