//go:build (!amd64 && !arm64) || purego

package asm

// gemmArchTables adds nothing: this build has no assembly kernels.
func gemmArchTables(t *[numTiers]*gemmKernels) {}
