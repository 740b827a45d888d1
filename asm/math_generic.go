package asm

import "math"

// This file holds the scalar float32 algorithms that every tier's exp,
// sigmoid and tanh kernels follow operation for operation. The assembly
// kernels evaluate the same expressions lane-wise with hardware FMA, so
// their results equal these functions bit for bit (NaN payloads aside).

// Constants of the exp approximation (Cephes expf, public domain).
const (
	expLog2e  float32 = 1.44269504088896341 // log2(e) rounded to float32
	expLn2Hi  float32 = 0.693359375         // high part of ln 2, 9 significant bits
	expLn2Lo  float32 = -2.12194440e-4      // ln 2 - expLn2Hi
	expClampL float32 = -104                // exp(x) < 2^-150 below: rounds to 0
	expClampH float32 = 89                  // exp(x) > MaxFloat32 above
	expP0     float32 = 5.0000001201e-1
	expP1     float32 = 1.6666665459e-1
	expP2     float32 = 4.1665795894e-2
	expP3     float32 = 8.3334519073e-3
	expP4     float32 = 1.3981999507e-3
	expP5     float32 = 1.9875691500e-4
)

// Constants of the tanh approximation near zero (Cephes tanhf).
const (
	tanhSmall float32 = 0.625 // |x| below this uses the odd polynomial
	tanhP0    float32 = -3.33332819422e-1
	tanhP1    float32 = 1.33314422036e-1
	tanhP2    float32 = -5.37397155531e-2
	tanhP3    float32 = 2.06390887954e-2
	tanhP4    float32 = -5.70498872745e-3
)

// fma32 returns a*b+c computed with a single rounding to float32, as the
// FMA instructions of every tier do. The product a*b is exact in float64;
// the float64 sum is then rounded once more to float32, and the one case in
// which that double rounding can differ from a single rounding (the float64
// sum lies exactly halfway between two float32 values while the exact sum
// does not) is corrected using the exact error of the float64 sum.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b) // exact: 24+24 significant bits
	s := p + float64(c)
	f := float32(s)
	// Fast path: s is not halfway between two normal float32 values (its
	// low 29 significand bits are not exactly 1000...0), so rounding it
	// to float32 is the correctly rounded result.
	if bits := math.Float64bits(s); bits&(1<<29-1) != 1<<28 && bits&(0x7ff<<52) >= (1023-126)<<52 {
		return f
	}
	if float64(f) == s || math.IsInf(s, 0) || s != s {
		return f
	}
	// Exact error of s (TwoSum).
	bb := s - p
	e := (p - (s - bb)) + (float64(c) - bb)
	if e == 0 {
		return f
	}
	// Neighbour of f on the other side of s.
	var g float32
	if float64(f) < s {
		g = math.Nextafter32(f, float32(math.Inf(1)))
	} else {
		g = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	if (float64(f)+float64(g))/2 != s {
		return f // s was not a tie, so rounding s once was right
	}
	// s is a tie; the exact value lies on the side of e.
	if (e > 0) == (g > f) {
		return g
	}
	return f
}

// expCore returns e^x for x already clamped to [expClampL, expClampH]
// and not NaN. It is the lane-wise algorithm of every Exp kernel:
//
//	n  = roundEven(x * log2e)            // float32 product
//	r  = fma(n, -ln2hi, x); r = fma(n, -ln2lo, r)
//	p  = P5; p = fma(p, r, P4) ... fma(p, r, P0)
//	y  = fma(p, r*r, r) + 1
//	y  = y * 2^(n>>1) * 2^(n-(n>>1))     // two steps: no overflow in 2^n,
//	                                     // one rounding into subnormals
func expCore(x float32) float32 {
	z := float32(x * expLog2e)
	n := float32(math.RoundToEven(float64(z)))
	r := fma32(n, -expLn2Hi, x)
	r = fma32(n, -expLn2Lo, r)
	p := fma32(expP5, r, expP4)
	p = fma32(p, r, expP3)
	p = fma32(p, r, expP2)
	p = fma32(p, r, expP1)
	p = fma32(p, r, expP0)
	r2 := float32(r * r)
	y := fma32(p, r2, r)
	y = float32(y + 1)
	ni := int32(n)
	n1 := ni >> 1
	n2 := ni - n1
	y = float32(y * math.Float32frombits(uint32(n1+127)<<23))
	y = float32(y * math.Float32frombits(uint32(n2+127)<<23))
	return y
}

// clampExp clamps x to the domain of expCore; NaN stays NaN.
func clampExp(x float32) float32 {
	if x < expClampL {
		x = expClampL
	}
	if x > expClampH {
		x = expClampH
	}
	return x
}

// exp32 is the scalar twin of the Exp kernels: e^x for float32 x, with
// exp(NaN) = NaN, exp(+Inf) = +Inf, exp(-Inf) = 0, overflow to +Inf above
// about 88.72 and gradual underflow to subnormals and then 0.
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	return expCore(clampExp(x))
}

// sigmoid32 is the scalar twin of the Sigmoid kernels:
//
//	e = exp(-|x|)
//	y = (x < 0 ? e : 1) / (1 + e)
//
// which never overflows and keeps full relative accuracy in both tails.
func sigmoid32(x float32) float32 {
	if x != x {
		return x
	}
	a := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	e := expCore(clampExp(-a))
	d := float32(1 + e)
	num := float32(1)
	if x < 0 {
		num = e
	}
	return num / d
}

// tanh32 is the scalar twin of the Tanh kernels; with a = |x|:
//
//	a <  0.625: z = a*a; p = P4; p = fma(p, z, P3) ... fma(p, z, P0)
//	            t = fma(p*z, a, a)
//	a >= 0.625: e = exp(-2a); t = (1-e)/(1+e)
//	y = copysign(t, x)
func tanh32(x float32) float32 {
	if x != x {
		return x
	}
	a := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	var y float32
	if a < tanhSmall {
		z := float32(a * a)
		p := fma32(tanhP4, z, tanhP3)
		p = fma32(p, z, tanhP2)
		p = fma32(p, z, tanhP1)
		p = fma32(p, z, tanhP0)
		t := float32(p * z)
		y = fma32(t, a, a)
	} else {
		e := expCore(clampExp(float32(-2 * a)))
		y = float32(1-e) / float32(1+e)
	}
	return math.Float32frombits(math.Float32bits(y) | math.Float32bits(x)&(1<<31))
}
