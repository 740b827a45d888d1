package asm

//go:generate sh -c "cd _gen/vec && go run . -out ../../vec_gen_amd64.s -stubs ../../vec_gen_amd64.go"

import (
	"fmt"
	"math"
)

// vecKernels is one tier's table of elementwise kernels. Every slot has the
// contract of its generic twin in vec_generic.go; callers have checked the
// lengths (all slices as long as dst).
type vecKernels struct {
	add, sub, mul, div func(dst, x, y []float32)
	addS, mulS, divS   func(dst, x []float32, s float32)
	scaleShift         func(dst, x []float32, a, b float32)
	axpy               func(dst, x []float32, a float32)
	relu               func(dst, x []float32)
	leaky              func(dst, x []float32, alpha float32)
	clip               func(dst, x []float32, lo, hi float32)
	exp, sigmoid, tanh func(dst, x []float32)
	sum, max           func(x []float32) float32
	expShiftSum        func(dst, x []float32, shift float32) float32

	reluGrad              func(dst, dy, x []float32)
	leakyGrad             func(dst, dy, x []float32, alpha float32)
	sigmoidGrad, tanhGrad func(dst, dy, y []float32)
}

// Vec is the table of vectorised elementwise, activation and reduction
// kernels of one tier. The package-level functions of the same names use
// the table of Active(); VecFor returns the table of any supported tier, so
// tests and benchmarks can compare tiers within one process.
//
// All methods are safe for concurrent use. Slices passed as dst may be the
// same slice as an input (in-place operation) but must not otherwise
// overlap one. A method panics if its slices' lengths disagree, as copying
// past the end of a slice would: that is a bug in the caller, never a
// property of a model's data. Bad data (NaN, ±Inf) never panics.
type Vec struct {
	tier Tier
	k    vecKernels
}

var vecTables [numTiers]*Vec

func init() {
	vecTables[Generic] = &Vec{tier: Generic, k: genericVec}
	for t := Generic + 1; t < numTiers; t++ {
		if !t.Supported() {
			continue
		}
		if k := archVec(t); k != nil {
			vecTables[t] = &Vec{tier: t, k: *k}
		}
	}
}

// VecFor returns the kernel table of tier t, or an error if the running
// CPU or this build cannot execute it.
func VecFor(t Tier) (*Vec, error) {
	if t >= numTiers || !t.Supported() || vecTables[t] == nil {
		return nil, fmt.Errorf("asm: VecFor: tier %s not supported by this CPU or build", t)
	}
	return vecTables[t], nil
}

// ActiveVec returns the table the package-level functions use: that of
// Active().
func ActiveVec() *Vec {
	if v := vecTables[Active()]; v != nil {
		return v
	}
	return vecTables[Generic]
}

// Tier returns the tier whose kernels v holds.
func (v *Vec) Tier() Tier { return v.tier }

func lenPanic(op, name string, got, want int) {
	panic(fmt.Sprintf("asm: %s: len(%s) = %d, want %d", op, name, got, want))
}

// Add sets dst[i] = x[i] + y[i].
func (v *Vec) Add(dst, x, y []float32) { v.binary("Add", v.k.add, dst, x, y) }

// Sub sets dst[i] = x[i] - y[i].
func (v *Vec) Sub(dst, x, y []float32) { v.binary("Sub", v.k.sub, dst, x, y) }

// Mul sets dst[i] = x[i] * y[i].
func (v *Vec) Mul(dst, x, y []float32) { v.binary("Mul", v.k.mul, dst, x, y) }

// Div sets dst[i] = x[i] / y[i] (IEEE division: x/0 is ±Inf or NaN).
func (v *Vec) Div(dst, x, y []float32) { v.binary("Div", v.k.div, dst, x, y) }

func (v *Vec) binary(op string, f func(dst, x, y []float32), dst, x, y []float32) {
	if len(x) != len(dst) {
		lenPanic(op, "x", len(x), len(dst))
	}
	if len(y) != len(dst) {
		lenPanic(op, "y", len(y), len(dst))
	}
	if len(dst) > 0 {
		f(dst, x, y)
	}
}

func (v *Vec) unary(op string, f func(dst, x []float32), dst, x []float32) {
	if len(x) != len(dst) {
		lenPanic(op, "x", len(x), len(dst))
	}
	if len(dst) > 0 {
		f(dst, x)
	}
}

func (v *Vec) scalar(op string, f func(dst, x []float32, s float32), dst, x []float32, s float32) {
	if len(x) != len(dst) {
		lenPanic(op, "x", len(x), len(dst))
	}
	if len(dst) > 0 {
		f(dst, x, s)
	}
}

// AddScalar sets dst[i] = x[i] + s. (x - s is AddScalar with -s, exactly.)
func (v *Vec) AddScalar(dst, x []float32, s float32) { v.scalar("AddScalar", v.k.addS, dst, x, s) }

// MulScalar sets dst[i] = x[i] * s.
func (v *Vec) MulScalar(dst, x []float32, s float32) { v.scalar("MulScalar", v.k.mulS, dst, x, s) }

// DivScalar sets dst[i] = x[i] / s, a true division (not x[i] * (1/s)).
func (v *Vec) DivScalar(dst, x []float32, s float32) { v.scalar("DivScalar", v.k.divS, dst, x, s) }

// ScaleShift sets dst[i] = x[i]*a + b, the product rounded before the sum.
func (v *Vec) ScaleShift(dst, x []float32, a, b float32) {
	if len(x) != len(dst) {
		lenPanic("ScaleShift", "x", len(x), len(dst))
	}
	if len(dst) > 0 {
		v.k.scaleShift(dst, x, a, b)
	}
}

// Axpy sets dst[i] += a * x[i], the product rounded before the sum.
func (v *Vec) Axpy(dst, x []float32, a float32) { v.scalar("Axpy", v.k.axpy, dst, x, a) }

// ReLU sets dst[i] = max(x[i], 0); NaN stays NaN.
func (v *Vec) ReLU(dst, x []float32) { v.unary("ReLU", v.k.relu, dst, x) }

// LeakyReLU sets dst[i] = x[i] if x[i] >= 0, else alpha*x[i] (ONNX
// LeakyRelu); NaN stays NaN.
func (v *Vec) LeakyReLU(dst, x []float32, alpha float32) {
	v.scalar("LeakyReLU", v.k.leaky, dst, x, alpha)
}

// Clip sets dst[i] = min(max(x[i], lo), hi) (ONNX Clip); NaN stays NaN.
// If lo > hi every result is hi.
func (v *Vec) Clip(dst, x []float32, lo, hi float32) {
	if len(x) != len(dst) {
		lenPanic("Clip", "x", len(x), len(dst))
	}
	if len(dst) > 0 {
		v.k.clip(dst, x, lo, hi)
	}
}

// Exp sets dst[i] = e^x[i] (Cephes-style: x = n*ln2 + r, a degree-5
// polynomial in r, then scaling by 2^n in two steps). Maximum error
// against float64 math.Exp, measured over every float32 input by
// TestActivationAccuracy with LATENT_EXHAUSTIVE=1: 1.010 ulp of the
// float32 result (at x = -5.8778844); the test's bound is 1.5 ulp.
// exp(NaN) = NaN, exp(+Inf) = +Inf, exp(-Inf) = 0; results above
// MaxFloat32 (x > 88.7228) are +Inf, and small results underflow
// gradually through the subnormals to 0 (x < -103.97).
func (v *Vec) Exp(dst, x []float32) { v.unary("Exp", v.k.exp, dst, x) }

// Sigmoid sets dst[i] = 1 / (1 + e^-x[i]), computed as
// (x<0 ? e : 1) / (1+e) with e = Exp(-|x|), so neither tail overflows or
// loses relative accuracy. Maximum error against float64 1/(1+exp(-x)),
// measured over every float32 input: 2.402 ulp (at x = -4.157294); the
// test's bound is 2.5 ulp. sigmoid(+Inf) = 1 and x >= 17.4 give exactly
// 1; sigmoid(-Inf) = 0 and very negative x decay through the subnormals
// to 0 (x < -103.97); NaN stays NaN.
func (v *Vec) Sigmoid(dst, x []float32) { v.unary("Sigmoid", v.k.sigmoid, dst, x) }

// Tanh sets dst[i] = tanh(x[i]): an odd polynomial (Cephes tanhf) for
// |x| < 0.625 and (1-e)/(1+e) with e = Exp(-2|x|) above, with the sign
// of x. Maximum error against float64 math.Tanh, measured over every
// float32 input: 1.509 ulp (at x = 1.2711887); the test's bound is 2
// ulp. tanh(±Inf) = ±1 and |x| >= 9 gives exactly ±1; tanh(-0) = -0;
// NaN stays NaN.
func (v *Vec) Tanh(dst, x []float32) { v.unary("Tanh", v.k.tanh, dst, x) }

// ReLUGrad is the backward pass of ReLU: dst[i] = dy[i] where x[i] > 0,
// else 0 (x is the forward input; NaN gives 0).
func (v *Vec) ReLUGrad(dst, dy, x []float32) { v.binary("ReLUGrad", v.k.reluGrad, dst, dy, x) }

// LeakyReLUGrad is the backward pass of LeakyReLU: dst[i] = alpha*dy[i]
// where x[i] < 0, else dy[i] (x is the forward input).
func (v *Vec) LeakyReLUGrad(dst, dy, x []float32, alpha float32) {
	if len(dy) != len(dst) {
		lenPanic("LeakyReLUGrad", "dy", len(dy), len(dst))
	}
	if len(x) != len(dst) {
		lenPanic("LeakyReLUGrad", "x", len(x), len(dst))
	}
	if len(dst) > 0 {
		v.k.leakyGrad(dst, dy, x, alpha)
	}
}

// SigmoidGrad is the backward pass of Sigmoid from its output y:
// dst[i] = dy[i] * (y[i] * (1 - y[i])), each step rounded.
func (v *Vec) SigmoidGrad(dst, dy, y []float32) { v.binary("SigmoidGrad", v.k.sigmoidGrad, dst, dy, y) }

// TanhGrad is the backward pass of Tanh from its output y:
// dst[i] = dy[i] * (1 - y[i]*y[i]), each step rounded.
func (v *Vec) TanhGrad(dst, dy, y []float32) { v.binary("TanhGrad", v.k.tanhGrad, dst, dy, y) }

// sumBlock is the block length below which the kernels' 32 partial sums
// are used directly; longer inputs are split in halves (at a multiple of
// sumBlock) and summed pairwise, so the rounding error grows with
// sumBlock/32 + log2(len/sumBlock) rather than len.
const sumBlock = 4096

// Sum returns the sum of x, accumulated in 32 interleaved partial sums
// within blocks of 4096 and pairwise across blocks. All tiers give the
// same result bit for bit. Sum of an empty slice is 0.
func (v *Vec) Sum(x []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	if len(x) <= sumBlock {
		return v.k.sum(x)
	}
	h := (len(x) + sumBlock - 1) / sumBlock / 2 * sumBlock
	return v.Sum(x[:h]) + v.Sum(x[h:])
}

// Max returns the largest element of x, NaN if any element is NaN, and
// -Inf for an empty slice.
func (v *Vec) Max(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	return v.k.max(x)
}

// ExpShiftSum sets dst[i] = Exp(x[i] - shift) and returns the sum of dst,
// accumulated as Sum does. With shift = Max(x) it is the middle step of a
// numerically safe softmax.
func (v *Vec) ExpShiftSum(dst, x []float32, shift float32) float32 {
	if len(x) != len(dst) {
		lenPanic("ExpShiftSum", "x", len(x), len(dst))
	}
	return v.expShiftSum(dst, x, shift)
}

func (v *Vec) expShiftSum(dst, x []float32, shift float32) float32 {
	if len(dst) == 0 {
		return 0
	}
	if len(dst) <= sumBlock {
		return v.k.expShiftSum(dst, x, shift)
	}
	h := (len(dst) + sumBlock - 1) / sumBlock / 2 * sumBlock
	return v.expShiftSum(dst[:h], x[:h], shift) + v.expShiftSum(dst[h:], x[h:], shift)
}

// Softmax sets dst to the softmax of x: e^(x[i]-max) / sum. If x holds a
// NaN, every result is NaN; if it holds +Inf, the result is NaN where
// x[i] is +Inf too (Inf-Inf), matching a direct float evaluation.
func (v *Vec) Softmax(dst, x []float32) {
	if len(x) != len(dst) {
		lenPanic("Softmax", "x", len(x), len(dst))
	}
	if len(dst) == 0 {
		return
	}
	m := v.Max(x)
	s := v.expShiftSum(dst, x, m)
	v.k.divS(dst, dst, s)
}

// AddRowVector adds b to every row of the row-major matrix x with len(b)
// columns: dst[r*len(b)+j] = x[r*len(b)+j] + b[j] (Gemm/MatMul bias).
// len(x) must be a multiple of len(b).
func (v *Vec) AddRowVector(dst, x, b []float32) {
	if len(x) != len(dst) {
		lenPanic("AddRowVector", "x", len(x), len(dst))
	}
	n := len(b)
	if len(x) == 0 {
		return
	}
	if n == 0 || len(x)%n != 0 {
		panic(fmt.Sprintf("asm: AddRowVector: len(x) = %d is not a multiple of len(b) = %d", len(x), n))
	}
	for r := 0; r < len(x); r += n {
		v.k.add(dst[r:r+n], x[r:r+n], b)
	}
}

// AddColVector adds b[r] to every element of row r of the row-major matrix
// x with len(b) rows: dst[r*cols+j] = x[r*cols+j] + b[r], cols =
// len(x)/len(b). len(x) must be a multiple of len(b).
func (v *Vec) AddColVector(dst, x, b []float32) {
	if len(x) != len(dst) {
		lenPanic("AddColVector", "x", len(x), len(dst))
	}
	if len(x) == 0 {
		return
	}
	if len(b) == 0 || len(x)%len(b) != 0 {
		panic(fmt.Sprintf("asm: AddColVector: len(x) = %d is not a multiple of len(b) = %d", len(x), len(b)))
	}
	cols := len(x) / len(b)
	for r, bv := range b {
		o := r * cols
		v.k.addS(dst[o:o+cols], x[o:o+cols], bv)
	}
}

// AddChannelBias adds a per-channel bias to an NCHW tensor (or any
// N x C x spatial layout): dst[(n*C+c)*spatial+s] = x[...] + b[c], with C =
// len(b). len(x) must be a multiple of len(b)*spatial.
func (v *Vec) AddChannelBias(dst, x, b []float32, spatial int) {
	v.ScaleShiftChannels(dst, x, nil, b, spatial)
}

// ScaleShiftChannels applies a per-channel affine map to an NCHW tensor,
// as BatchNormalization does at inference:
// dst[(n*C+c)*spatial+s] = x[...]*scale[c] + shift[c], the product rounded
// before the sum. C = len(shift); scale may be nil (meaning all ones) or
// must have length C; len(x) must be a multiple of C*spatial.
func (v *Vec) ScaleShiftChannels(dst, x, scale, shift []float32, spatial int) {
	if len(x) != len(dst) {
		lenPanic("ScaleShiftChannels", "x", len(x), len(dst))
	}
	c := len(shift)
	if scale != nil && len(scale) != c {
		lenPanic("ScaleShiftChannels", "scale", len(scale), c)
	}
	if len(x) == 0 {
		return
	}
	if c == 0 || spatial <= 0 || len(x)%(c*spatial) != 0 {
		panic(fmt.Sprintf("asm: ScaleShiftChannels: len(x) = %d is not a multiple of channels %d * spatial %d", len(x), c, spatial))
	}
	for o, ch := 0, 0; o < len(x); o += spatial {
		d, s := dst[o:o+spatial], x[o:o+spatial]
		if scale == nil {
			v.k.addS(d, s, shift[ch])
		} else {
			v.k.scaleShift(d, s, scale[ch], shift[ch])
		}
		if ch++; ch == c {
			ch = 0
		}
	}
}

// Package-level functions: the Vec methods of ActiveVec().

// Add sets dst[i] = x[i] + y[i] using the active tier; see Vec.Add.
func Add(dst, x, y []float32) { ActiveVec().Add(dst, x, y) }

// Sub sets dst[i] = x[i] - y[i] using the active tier; see Vec.Sub.
func Sub(dst, x, y []float32) { ActiveVec().Sub(dst, x, y) }

// Mul sets dst[i] = x[i] * y[i] using the active tier; see Vec.Mul.
func Mul(dst, x, y []float32) { ActiveVec().Mul(dst, x, y) }

// Div sets dst[i] = x[i] / y[i] using the active tier; see Vec.Div.
func Div(dst, x, y []float32) { ActiveVec().Div(dst, x, y) }

// AddScalar sets dst[i] = x[i] + s using the active tier.
func AddScalar(dst, x []float32, s float32) { ActiveVec().AddScalar(dst, x, s) }

// MulScalar sets dst[i] = x[i] * s using the active tier.
func MulScalar(dst, x []float32, s float32) { ActiveVec().MulScalar(dst, x, s) }

// DivScalar sets dst[i] = x[i] / s using the active tier.
func DivScalar(dst, x []float32, s float32) { ActiveVec().DivScalar(dst, x, s) }

// ScaleShift sets dst[i] = x[i]*a + b using the active tier.
func ScaleShift(dst, x []float32, a, b float32) { ActiveVec().ScaleShift(dst, x, a, b) }

// Axpy sets dst[i] += a*x[i] using the active tier.
func Axpy(dst, x []float32, a float32) { ActiveVec().Axpy(dst, x, a) }

// ReLU sets dst[i] = max(x[i], 0) using the active tier.
func ReLU(dst, x []float32) { ActiveVec().ReLU(dst, x) }

// LeakyReLU applies ONNX LeakyRelu using the active tier; see Vec.LeakyReLU.
func LeakyReLU(dst, x []float32, alpha float32) { ActiveVec().LeakyReLU(dst, x, alpha) }

// Clip applies ONNX Clip using the active tier; see Vec.Clip.
func Clip(dst, x []float32, lo, hi float32) { ActiveVec().Clip(dst, x, lo, hi) }

// Exp sets dst[i] = e^x[i] using the active tier; see Vec.Exp.
func Exp(dst, x []float32) { ActiveVec().Exp(dst, x) }

// Sigmoid sets dst[i] = 1/(1+e^-x[i]) using the active tier; see Vec.Sigmoid.
func Sigmoid(dst, x []float32) { ActiveVec().Sigmoid(dst, x) }

// Tanh sets dst[i] = tanh(x[i]) using the active tier; see Vec.Tanh.
func Tanh(dst, x []float32) { ActiveVec().Tanh(dst, x) }

// ReLUGrad is the backward pass of ReLU using the active tier; see
// Vec.ReLUGrad.
func ReLUGrad(dst, dy, x []float32) { ActiveVec().ReLUGrad(dst, dy, x) }

// LeakyReLUGrad is the backward pass of LeakyReLU using the active tier.
func LeakyReLUGrad(dst, dy, x []float32, alpha float32) {
	ActiveVec().LeakyReLUGrad(dst, dy, x, alpha)
}

// SigmoidGrad is the backward pass of Sigmoid (from its output) using the
// active tier.
func SigmoidGrad(dst, dy, y []float32) { ActiveVec().SigmoidGrad(dst, dy, y) }

// TanhGrad is the backward pass of Tanh (from its output) using the
// active tier.
func TanhGrad(dst, dy, y []float32) { ActiveVec().TanhGrad(dst, dy, y) }

// Sum returns the sum of x using the active tier; see Vec.Sum.
func Sum(x []float32) float32 { return ActiveVec().Sum(x) }

// Max returns the largest element of x using the active tier; see Vec.Max.
func Max(x []float32) float32 { return ActiveVec().Max(x) }

// ExpShiftSum sets dst[i] = e^(x[i]-shift) and returns their sum using the
// active tier; see Vec.ExpShiftSum.
func ExpShiftSum(dst, x []float32, shift float32) float32 {
	return ActiveVec().ExpShiftSum(dst, x, shift)
}

// Softmax sets dst to the softmax of x using the active tier.
func Softmax(dst, x []float32) { ActiveVec().Softmax(dst, x) }

// AddRowVector adds b to every row of x using the active tier.
func AddRowVector(dst, x, b []float32) { ActiveVec().AddRowVector(dst, x, b) }

// AddColVector adds b[r] to row r of x using the active tier.
func AddColVector(dst, x, b []float32) { ActiveVec().AddColVector(dst, x, b) }

// AddChannelBias adds b[c] to channel c of an NCHW tensor using the
// active tier.
func AddChannelBias(dst, x, b []float32, spatial int) {
	ActiveVec().AddChannelBias(dst, x, b, spatial)
}

// ScaleShiftChannels applies x*scale[c]+shift[c] per channel of an NCHW
// tensor using the active tier.
func ScaleShiftChannels(dst, x, scale, shift []float32, spatial int) {
	ActiveVec().ScaleShiftChannels(dst, x, scale, shift, spatial)
}
