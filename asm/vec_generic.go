package asm

import "math"

// This file holds the generic (pure Go) elementwise kernels. Each doc
// comment is the loop that every tier's kernel must equal; the tests hold
// each tier to it. Callers (the Vec methods) have already checked that all
// slices have the same length. Products and sums are rounded separately
// (the float32 conversions forbid the compiler to fuse them) unless the
// comment says fma.

// genericVec is the table of the Generic tier.
var genericVec = vecKernels{
	add: addGeneric, sub: subGeneric, mul: mulGeneric, div: divGeneric,
	addS: addSGeneric, mulS: mulSGeneric, divS: divSGeneric,
	scaleShift: scaleShiftGeneric, axpy: axpyGeneric,
	relu: reluGeneric, leaky: leakyGeneric, clip: clipGeneric,
	exp: expGeneric, sigmoid: sigmoidGeneric, tanh: tanhGeneric,
	sum: sumGeneric, max: maxGeneric, expShiftSum: expShiftSumGeneric,
	reluGrad: reluGradGeneric, leakyGrad: leakyGradGeneric,
	sigmoidGrad: sigmoidGradGeneric, tanhGrad: tanhGradGeneric,
}

// addGeneric is: for i := range dst { dst[i] = x[i] + y[i] }
func addGeneric(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

// subGeneric is: for i := range dst { dst[i] = x[i] - y[i] }
func subGeneric(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - y[i]
	}
}

// mulGeneric is: for i := range dst { dst[i] = x[i] * y[i] }
func mulGeneric(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

// divGeneric is: for i := range dst { dst[i] = x[i] / y[i] }
func divGeneric(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / y[i]
	}
}

// addSGeneric is: for i := range dst { dst[i] = x[i] + s }
func addSGeneric(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + s
	}
}

// mulSGeneric is: for i := range dst { dst[i] = x[i] * s }
func mulSGeneric(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * s
	}
}

// divSGeneric is: for i := range dst { dst[i] = x[i] / s }
func divSGeneric(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / s
	}
}

// scaleShiftGeneric is:
//
//	for i := range dst { dst[i] = float32(x[i]*a) + b }   // not fused
func scaleShiftGeneric(dst, x []float32, a, b float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = float32(x[i]*a) + b
	}
}

// axpyGeneric is:
//
//	for i := range dst { dst[i] += float32(a*x[i]) }   // not fused
func axpyGeneric(dst, x []float32, a float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += float32(a * x[i])
	}
}

// reluGeneric is:
//
//	for i := range dst { v := x[i]; if v < 0 { v = 0 }; dst[i] = v }
//
// NaN stays NaN. (-0 may come out as -0 or +0 depending on the tier.)
func reluGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		v := x[i]
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// leakyGeneric is:
//
//	for i := range dst { v := x[i]; if v < 0 { v *= alpha }; dst[i] = v }
func leakyGeneric(dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	for i := range dst {
		v := x[i]
		if v < 0 {
			v *= alpha
		}
		dst[i] = v
	}
}

// clipGeneric is:
//
//	for i := range dst {
//		v := x[i]
//		if v < lo { v = lo }
//		if v > hi { v = hi }
//		dst[i] = v
//	}
//
// NaN stays NaN.
func clipGeneric(dst, x []float32, lo, hi float32) {
	x = x[:len(dst)]
	for i := range dst {
		v := x[i]
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		dst[i] = v
	}
}

// expGeneric is: for i := range dst { dst[i] = exp32(x[i]) }
func expGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = exp32(x[i])
	}
}

// sigmoidGeneric is: for i := range dst { dst[i] = sigmoid32(x[i]) }
func sigmoidGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = sigmoid32(x[i])
	}
}

// tanhGeneric is: for i := range dst { dst[i] = tanh32(x[i]) }
func tanhGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = tanh32(x[i])
	}
}

// sumLanes is the number of partial sums of the Sum and ExpShiftSum
// kernels. Every tier keeps exactly this many (4 YMM, 2 ZMM or 8 NEON
// registers), so all tiers add in the same order and agree bit for bit.
const sumLanes = 32

// reduceLanes adds the partial sums pairwise:
//
//	for w := 16; w >= 1; w /= 2 { for j := 0; j < w; j++ { s[j] += s[j+w] } }
//	return s[0]
func reduceLanes(s *[sumLanes]float32) float32 {
	for w := sumLanes / 2; w >= 1; w /= 2 {
		for j := 0; j < w; j++ {
			s[j] += s[j+w]
		}
	}
	return s[0]
}

// sumGeneric is:
//
//	var s [32]float32
//	for i, v := range x { s[i%32] += v }
//	return reduceLanes(&s)
func sumGeneric(x []float32) float32 {
	var s [sumLanes]float32
	for i, v := range x {
		s[i%sumLanes] += v
	}
	return reduceLanes(&s)
}

// maxGeneric is:
//
//	m := -Inf
//	for _, v := range x { if v != v { return NaN }; if v > m { m = v } }
//	return m
//
// (When the largest value is zero its sign may differ between tiers.)
func maxGeneric(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// expShiftSumGeneric is:
//
//	var s [32]float32
//	for i := range dst { dst[i] = exp32(x[i] - shift); s[i%32] += dst[i] }
//	return reduceLanes(&s)
func expShiftSumGeneric(dst, x []float32, shift float32) float32 {
	x = x[:len(dst)]
	var s [sumLanes]float32
	for i := range dst {
		v := exp32(x[i] - shift)
		dst[i] = v
		s[i%sumLanes] += v
	}
	return reduceLanes(&s)
}

// reluGradGeneric is:
//
//	for i := range dst { if x[i] > 0 { dst[i] = dy[i] } else { dst[i] = 0 } }
func reluGradGeneric(dst, dy, x []float32) {
	dy, x = dy[:len(dst)], x[:len(dst)]
	for i := range dst {
		if x[i] > 0 {
			dst[i] = dy[i]
		} else {
			dst[i] = 0
		}
	}
}

// leakyGradGeneric is:
//
//	for i := range dst { if x[i] < 0 { dst[i] = alpha*dy[i] } else { dst[i] = dy[i] } }
func leakyGradGeneric(dst, dy, x []float32, alpha float32) {
	dy, x = dy[:len(dst)], x[:len(dst)]
	for i := range dst {
		if x[i] < 0 {
			dst[i] = alpha * dy[i]
		} else {
			dst[i] = dy[i]
		}
	}
}

// sigmoidGradGeneric is:
//
//	for i := range dst { dst[i] = dy[i] * float32(y[i]*float32(1-y[i])) }
func sigmoidGradGeneric(dst, dy, y []float32) {
	dy, y = dy[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = dy[i] * float32(y[i]*float32(1-y[i]))
	}
}

// tanhGradGeneric is:
//
//	for i := range dst { dst[i] = dy[i] * float32(1-float32(y[i]*y[i])) }
func tanhGradGeneric(dst, dy, y []float32) {
	dy, y = dy[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = dy[i] * float32(1-float32(y[i]*y[i]))
	}
}
