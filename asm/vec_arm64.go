//go:build !purego

package asm

// archVec returns the arm64 kernel table of tier t, or nil if this
// architecture has none for t.
func archVec(t Tier) *vecKernels {
	return nil
}
