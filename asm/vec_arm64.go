//go:build !purego

package asm

import "math"

// archVec returns the arm64 kernel table of tier t, or nil if this
// architecture has none for t. NEON kernels (vec_neon_arm64.s) cover the
// hot activations and bias/scale kernels; the rest use the generic twins.
func archVec(t Tier) *vecKernels {
	if t != NEON {
		return nil
	}
	k := genericVec
	k.add = neon3(addNEON, addGeneric)
	k.sub = neon3(subNEON, subGeneric)
	k.mul = neon3(mulNEON, mulGeneric)
	k.div = neon3(divNEON, divGeneric)
	k.divS = neonS(divSNEON, divSGeneric)
	k.axpy = neonS(axpyNEON, axpyGeneric)
	k.clip = func(dst, x []float32, lo, hi float32) {
		n := len(dst) &^ 3
		if n > 0 {
			clipNEON(dst[:n], x[:n], lo, hi)
		}
		if n < len(dst) {
			clipGeneric(dst[n:], x[n:], lo, hi)
		}
	}
	k.addS = neonS(addSNEON, addSGeneric)
	k.mulS = neonS(mulSNEON, mulSGeneric)
	k.scaleShift = func(dst, x []float32, a, b float32) {
		n := len(dst) &^ 3
		if n > 0 {
			scaleShiftNEON(dst[:n], x[:n], a, b)
		}
		if n < len(dst) {
			scaleShiftGeneric(dst[n:], x[n:], a, b)
		}
	}
	k.relu = neon2(reluNEON, reluGeneric)
	k.leaky = neonS(leakyNEON, leakyGeneric)
	k.exp = neon2(expNEON, expGeneric)
	k.sigmoid = neon2(sigmoidNEON, sigmoidGeneric)
	k.tanh = neon2(tanhNEON, tanhGeneric)
	k.sum = sumNEON
	k.max = func(x []float32) float32 {
		n := len(x) &^ 3
		m := float32(math.Inf(-1))
		if n > 0 {
			m = maxNEON(x[:n]) // NaN if any element is NaN
		}
		if m != m {
			return m
		}
		for _, v := range x[n:] {
			if v != v {
				return v
			}
			if v > m {
				m = v
			}
		}
		return m
	}
	k.expShiftSum = expShiftSumNEON
	return &k
}

// sumNEON is sumGeneric: the NEON kernel keeps the 32 partial sums of
// the first len(x)&^3 elements, the rest are added here, in lane order.
func sumNEON(x []float32) float32 {
	var s [sumLanes]float32
	n := len(x) &^ 3
	if n > 0 {
		sumLanesNEON(x[:n], &s)
	}
	for i := n; i < len(x); i++ {
		s[i%sumLanes] += x[i]
	}
	return reduceLanes(&s)
}

// expShiftSumNEON is expShiftSumGeneric, split as sumNEON is.
func expShiftSumNEON(dst, x []float32, shift float32) float32 {
	var s [sumLanes]float32
	n := len(dst) &^ 3
	if n > 0 {
		expShiftSumLanesNEON(dst[:n], x[:n], shift, &s)
	}
	for i := n; i < len(dst); i++ {
		v := exp32(x[i] - shift)
		dst[i] = v
		s[i%sumLanes] += v
	}
	return reduceLanes(&s)
}

// The NEON kernels handle len(dst) rounded down to a multiple of 4; these
// adapters finish the last 0-3 elements with the generic twin, which
// gives the same bits.

func neon2(f, g func(dst, x []float32)) func(dst, x []float32) {
	return func(dst, x []float32) {
		n := len(dst) &^ 3
		if n > 0 {
			f(dst[:n], x[:n])
		}
		if n < len(dst) {
			g(dst[n:], x[n:])
		}
	}
}

func neon3(f, g func(dst, x, y []float32)) func(dst, x, y []float32) {
	return func(dst, x, y []float32) {
		n := len(dst) &^ 3
		if n > 0 {
			f(dst[:n], x[:n], y[:n])
		}
		if n < len(dst) {
			g(dst[n:], x[n:], y[n:])
		}
	}
}

func neonS(f, g func(dst, x []float32, s float32)) func(dst, x []float32, s float32) {
	return func(dst, x []float32, s float32) {
		n := len(dst) &^ 3
		if n > 0 {
			f(dst[:n], x[:n], s)
		}
		if n < len(dst) {
			g(dst[n:], x[n:], s)
		}
	}
}

// addNEON is addGeneric for len(dst) a multiple of 4.
//
//go:noescape
func addNEON(dst, x, y []float32)

// subNEON is subGeneric for len(dst) a multiple of 4.
//
//go:noescape
func subNEON(dst, x, y []float32)

// mulNEON is mulGeneric for len(dst) a multiple of 4.
//
//go:noescape
func mulNEON(dst, x, y []float32)

// divNEON is divGeneric for len(dst) a multiple of 4.
//
//go:noescape
func divNEON(dst, x, y []float32)

// divSNEON is divSGeneric for len(dst) a multiple of 4.
//
//go:noescape
func divSNEON(dst, x []float32, s float32)

// axpyNEON is axpyGeneric for len(dst) a multiple of 4.
//
//go:noescape
func axpyNEON(dst, x []float32, a float32)

// clipNEON is clipGeneric for len(dst) a multiple of 4.
//
//go:noescape
func clipNEON(dst, x []float32, lo, hi float32)

// addSNEON is addSGeneric for len(dst) a multiple of 4.
//
//go:noescape
func addSNEON(dst, x []float32, s float32)

// mulSNEON is mulSGeneric for len(dst) a multiple of 4.
//
//go:noescape
func mulSNEON(dst, x []float32, s float32)

// scaleShiftNEON is scaleShiftGeneric for len(dst) a multiple of 4.
//
//go:noescape
func scaleShiftNEON(dst, x []float32, a, b float32)

// reluNEON is reluGeneric for len(dst) a multiple of 4 (FMAX: -0 gives +0).
//
//go:noescape
func reluNEON(dst, x []float32)

// leakyNEON is leakyGeneric for len(dst) a multiple of 4.
//
//go:noescape
func leakyNEON(dst, x []float32, alpha float32)

// expNEON is expGeneric for len(dst) a multiple of 4.
//
//go:noescape
func expNEON(dst, x []float32)

// sigmoidNEON is sigmoidGeneric for len(dst) a multiple of 4.
//
//go:noescape
func sigmoidNEON(dst, x []float32)

// tanhNEON is tanhGeneric for len(dst) a multiple of 4.
//
//go:noescape
func tanhNEON(dst, x []float32)

// sumLanesNEON adds x[i] to acc[i%32] for len(x) a multiple of 4,
// starting from zero partial sums.
//
//go:noescape
func sumLanesNEON(x []float32, acc *[32]float32)

// expShiftSumLanesNEON sets dst[i] = exp32(x[i]-shift) and adds it to
// acc[i%32] (starting from zero), for len(dst) a multiple of 4.
//
//go:noescape
func expShiftSumLanesNEON(dst, x []float32, shift float32, acc *[32]float32)

// maxNEON returns the largest element of x (NaN if any is NaN), for
// len(x) a positive multiple of 4.
//
//go:noescape
func maxNEON(x []float32) float32
