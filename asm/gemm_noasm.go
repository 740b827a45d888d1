//go:build (!amd64 && !arm64) || purego

package asm

// gemmArchTables adds nothing: this build has no assembly kernels.
func gemmArchTables(t *[numTiers]*gemmKernels) {}

// gemmVariants returns every kernel table of tier, the default first.
func gemmVariants(t Tier) []*gemmKernels { return []*gemmKernels{gemmTables[t]} }
