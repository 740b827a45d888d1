package train

import (
	"fmt"
	"math"

	"github.com/latent-go/latent/asm"
)

// Activation is an elementwise (or, for Softmax, row-wise) output
// function g applied to a layer's pre-activation a = b + W h.
type Activation uint8

const (
	// Linear is g(a) = a.
	Linear Activation = iota
	// Sigmoid is g(a) = 1/(1+exp(-a)).
	Sigmoid
	// Tanh is g(a) = tanh(a).
	Tanh
	// ReLU is g(a) = max(a, 0).
	ReLU
	// LeakyReLU is g(a) = a for a > 0 and slope*a otherwise, with the
	// layer's LeakySlope (0 < slope < 1).
	LeakyReLU
	// Softmax is g(a)_k = exp(a_k)/sum_j exp(a_j) over each row. It is
	// only valid on an output layer trained with SoftmaxCrossEntropy.
	Softmax
	numActivations
)

var activationNames = [numActivations]string{"linear", "sigmoid", "tanh", "relu", "leakyrelu", "softmax"}

// String returns the activation's lower-case name.
func (a Activation) String() string {
	if a < numActivations {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

// ParseActivation returns the activation with the given name (as String
// prints it).
func ParseActivation(s string) (Activation, error) {
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("train: unknown activation %q", s)
}

// MarshalText implements encoding.TextMarshaler.
func (a Activation) MarshalText() ([]byte, error) {
	if a >= numActivations {
		return nil, fmt.Errorf("train: invalid activation %d", uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Activation) UnmarshalText(b []byte) error {
	v, err := ParseActivation(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// DefaultLeakySlope is the negative-side slope of LeakyReLU layers that do
// not set one (ONNX LeakyRelu's default alpha).
const DefaultLeakySlope = 0.01

// exp32 returns e**x in float32, accurate to about 2 ulp, without calling
// the float64 math.Exp. Inputs are clamped to the finite range.
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	if x > 88.72 {
		x = 88.72
	} else if x < -87.33 {
		x = -87.33
	}
	// n = round(x*log2(e)), r = x - n*ln2 in [-ln2/2, ln2/2].
	t := x * log2e
	var n float32
	if t >= 0 {
		n = float32(int32(t + 0.5))
	} else {
		n = float32(int32(t - 0.5))
	}
	r := x - n*ln2hi - n*ln2lo
	// Minimax polynomial for e**r on [-ln2/2, ln2/2] (the Cephes expf
	// coefficients).
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	// Scale by 2**n in two steps so n = 128 or n = -126 stay finite.
	ni := int32(n)
	h := ni / 2
	s1 := math.Float32frombits(uint32(h+127) << 23)
	s2 := math.Float32frombits(uint32(ni-h+127) << 23)
	return p * s1 * s2
}

// sigmoid32 is 1/(1+e**-x).
func sigmoid32(x float32) float32 {
	return 1 / (1 + exp32(-x))
}

// tanh32 is tanh(x) in float32.
func tanh32(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax < 0.0625 {
		// Taylor series to x**7: truncation error < 1e-11.
		x2 := x * x
		return x * (1 + x2*(-1.0/3+x2*(2.0/15+x2*(-17.0/315))))
	}
	if ax > 9.1 {
		// tanh(9.1) rounds to 1 in float32.
		if x > 0 {
			return 1
		}
		return -1
	}
	e := exp32(-2 * ax)
	y := (1 - e) / (1 + e)
	if x < 0 {
		return -y
	}
	return y
}

// softplus32 is log(1+e**x), computed without overflow as
// max(x,0) + log1p(e**-|x|).
func softplus32(x float32) float64 {
	ax := math.Abs(float64(x))
	return math.Max(float64(x), 0) + math.Log1p(math.Exp(-ax))
}

// applyAct applies g to row in place, with the asm package's vectorised
// kernels (the same functions the fused GEMM epilogues use).
func applyAct(act Activation, slope float32, row []float32) {
	switch act {
	case Sigmoid:
		asm.Sigmoid(row, row)
	case Tanh:
		asm.Tanh(row, row)
	case ReLU:
		asm.ReLU(row, row)
	case LeakyReLU:
		asm.LeakyReLU(row, row, slope)
	case Softmax:
		softmaxRow(row)
	}
}

// biasAct computes row[j] = g(row[j] + bias[j]) in one pass.
func biasAct(act Activation, slope float32, row, bias []float32) {
	bias = bias[:len(row)]
	switch act {
	case Linear:
		for j := range row {
			row[j] += bias[j]
		}
	case Sigmoid:
		for j := range row {
			row[j] = sigmoid32(row[j] + bias[j])
		}
	case Tanh:
		for j := range row {
			row[j] = tanh32(row[j] + bias[j])
		}
	case ReLU:
		for j := range row {
			v := row[j] + bias[j]
			if !(v > 0) {
				v = 0
			}
			row[j] = v
		}
	case LeakyReLU:
		for j := range row {
			v := row[j] + bias[j]
			if v < 0 {
				v *= slope
			}
			row[j] = v
		}
	case Softmax:
		for j := range row {
			row[j] += bias[j]
		}
		softmaxRow(row)
	}
}

// softmaxRow replaces row with its softmax, subtracting the maximum first.
func softmaxRow(row []float32) {
	if len(row) == 0 {
		return
	}
	m := row[0]
	for _, v := range row[1:] {
		if v > m {
			m = v
		}
	}
	var s float32
	for j, v := range row {
		e := exp32(v - m)
		row[j] = e
		s += e
	}
	inv := 1 / s
	for j := range row {
		row[j] *= inv
	}
}

// actGrad multiplies d by g'(a) expressed through the output y = g(a):
// sigmoid y(1-y), tanh 1-y², ReLU [y>0], leaky ReLU 1 or slope. It also
// adds each column of the result into colsum when colsum is not nil.
// With a scratch slice tmp (len(d) values) sigmoid, tanh and the column
// sums use asm's vectorised kernels; the results are the same bits.
// Softmax is not handled here (its gradient comes from the loss).
func actGrad(act Activation, slope float32, d, y, colsum, tmp []float32) {
	y = y[:len(d)]
	switch act {
	case Sigmoid:
		if tmp != nil {
			tmp = tmp[:len(d)]
			asm.ScaleShift(tmp, y, -1, 1)
			asm.Mul(tmp, tmp, y)
			asm.Mul(d, d, tmp)
			break
		}
		for j, v := range y {
			d[j] *= v * (1 - v)
		}
	case Tanh:
		if tmp != nil {
			tmp = tmp[:len(d)]
			asm.Mul(tmp, y, y)
			asm.ScaleShift(tmp, tmp, -1, 1)
			asm.Mul(d, d, tmp)
			break
		}
		for j, v := range y {
			d[j] *= 1 - v*v
		}
	case ReLU:
		for j, v := range y {
			if !(v > 0) {
				d[j] = 0
			}
		}
	case LeakyReLU:
		for j, v := range y {
			if !(v > 0) {
				d[j] *= slope
			}
		}
	}
	if colsum != nil {
		colsum = colsum[:len(d)]
		if tmp != nil {
			asm.Add(colsum, colsum, d)
			return
		}
		for j, v := range d {
			colsum[j] += v
		}
	}
}
