package dataset

import (
	"math/bits"
	"math/rand/v2"
)

// Source is the random source every randomised function here draws from:
// any math/rand/v2 Source, such as rand.NewPCG(seed, 0) or a *rand.Rand.
// Only its Uint64 method is used, through this package's own sampling
// algorithms, so results depend on the source's output alone.
type Source = rand.Source

// NewSource returns the package's default deterministic source for a seed:
// a PCG generator seeded with (seed, 0x6c6174656e74). Its state can be saved
// and restored with MarshalBinary and UnmarshalBinary.
func NewSource(seed uint64) *rand.PCG {
	return rand.NewPCG(seed, 0x6c6174656e74) // "latent"
}

// Float64 returns a uniform number in [0, 1) from the top 53 bits of one
// src.Uint64 draw.
func Float64(src Source) float64 {
	return float64(src.Uint64()>>11) * 0x1p-53
}

// Intn returns a uniform integer in [0, n) (Lemire's multiply-and-reject
// method; unbiased). It returns 0 when n <= 0.
func Intn(src Source, n int) int {
	if n <= 0 {
		return 0
	}
	un := uint64(n)
	hi, lo := bits.Mul64(src.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), un)
		}
	}
	return int(hi)
}

// Shuffle permutes p in place with the Fisher-Yates algorithm, drawing
// len(p)-1 integers from src with Intn.
func Shuffle(p []int, src Source) {
	for i := len(p) - 1; i > 0; i-- {
		j := Intn(src, i+1)
		p[i], p[j] = p[j], p[i]
	}
}

// Perm returns a uniformly random permutation of 0..n-1: the identity
// shuffled by Shuffle.
func Perm(n int, src Source) []int {
	p := make([]int, max(n, 0))
	for i := range p {
		p[i] = i
	}
	Shuffle(p, src)
	return p
}

// rotationSource is the angle source of MNISTRotation.
func rotationSource(seed uint64) Source {
	return rand.NewPCG(seed, 0x726f74) // "rot"
}
