package reference

import (
	"fmt"
	"math"

	"github.com/latent-go/latent/ir"
)

// Kernels of the elementwise operators. Float32 math that Go only offers
// in float64 (exp, log, tanh, ...) is computed in float64 and rounded
// once; integer arithmetic is exact (wrapping on overflow, as in C).

func init() {
	// Unary operators without attributes.
	for op, u := range map[string]unaryFuncs{
		"Neg":        {f32: neg[float32], f64: neg[float64], i32: neg[int32], i64: neg[int64]},
		"Abs":        {f32: abs[float32], f64: abs[float64], i32: abs[int32], i64: abs[int64]},
		"Relu":       {f32: relu[float32], f64: relu[float64], i32: relu[int32], i64: relu[int64]},
		"Sqrt":       floatUnary(math.Sqrt),
		"Exp":        floatUnary(math.Exp),
		"Log":        floatUnary(math.Log),
		"Tanh":       floatUnary(math.Tanh),
		"Sigmoid":    floatUnary(sigmoid),
		"Softplus":   floatUnary(softplus),
		"Reciprocal": {f32: reciprocal[float32], f64: reciprocal[float64]},
	} {
		Register("", op, unaryKernel(func(*ir.Node) unaryFuncs { return u }))
	}
	// Unary operators with attributes (defaults from the ONNX spec).
	Register("", "LeakyRelu", unaryKernel(func(n *ir.Node) unaryFuncs {
		alpha := float64(n.Attrs.Float("alpha", 0.01))
		return floatUnary(func(x float64) float64 {
			if x < 0 {
				return alpha * x
			}
			return x
		})
	}))
	Register("", "Elu", unaryKernel(func(n *ir.Node) unaryFuncs {
		alpha := float64(n.Attrs.Float("alpha", 1))
		return floatUnary(func(x float64) float64 {
			if x < 0 {
				return alpha * (math.Exp(x) - 1)
			}
			return x
		})
	}))
	Register("", "Selu", unaryKernel(func(n *ir.Node) unaryFuncs {
		alpha := float64(n.Attrs.Float("alpha", 1.67326319217681884765625))
		gamma := float64(n.Attrs.Float("gamma", 1.05070102214813232421875))
		return floatUnary(func(x float64) float64 {
			if x <= 0 {
				return gamma * (alpha*math.Exp(x) - alpha)
			}
			return gamma * x
		})
	}))
	Register("", "HardSigmoid", unaryKernel(func(n *ir.Node) unaryFuncs {
		alpha := float64(n.Attrs.Float("alpha", 0.2))
		beta := float64(n.Attrs.Float("beta", 0.5))
		return floatUnary(func(x float64) float64 {
			return math.Max(0, math.Min(1, alpha*x+beta))
		})
	}))
	Register("", "Identity", func(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
		if err := checkInputs(in, 1); err != nil {
			return nil, err
		}
		return []*ir.Tensor{in[0].Clone()}, nil
	})

	// Broadcasting arithmetic.
	for op, b := range map[string]binaryFuncs{
		"Add": {f32: add[float32], f64: add[float64], i32: add[int32], i64: add[int64]},
		"Sub": {f32: sub[float32], f64: sub[float64], i32: sub[int32], i64: sub[int64]},
		"Mul": {f32: mul[float32], f64: mul[float64], i32: mul[int32], i64: mul[int64]},
		"Div": {f32: div[float32], f64: div[float64], i32: div[int32], i64: div[int64]},
	} {
		Register("", op, binaryKernel(op, b))
	}
	// Comparisons.
	Register("", "Equal", compareKernel(compareFuncs{
		f32: eq[float32], f64: eq[float64], i32: eq[int32], i64: eq[int64],
		b: func(x, y bool) bool { return x == y },
	}))
	Register("", "Less", compareKernel(compareFuncs{f32: lt[float32], f64: lt[float64], i32: lt[int32], i64: lt[int64]}))
	Register("", "Greater", compareKernel(compareFuncs{f32: gt[float32], f64: gt[float64], i32: gt[int32], i64: gt[int64]}))

	// Variadic operators.
	Register("", "Sum", variadicKernel(binaryFuncs{f32: add[float32], f64: add[float64]}, false))
	Register("", "Mean", variadicKernel(binaryFuncs{f32: add[float32], f64: add[float64]}, true))
	Register("", "Max", variadicKernel(binaryFuncs{f32: fmax[float32], f64: fmax[float64], i32: imax[int32], i64: imax[int64]}, false))
	Register("", "Min", variadicKernel(binaryFuncs{f32: fmin[float32], f64: fmin[float64], i32: imin[int32], i64: imin[int64]}, false))

	Register("", "Pow", powKernel)
	Register("", "PRelu", preluKernel)
	Register("", "Where", whereKernel)
	Register("", "Clip", clipKernel)
	Register("", "Cast", castKernel)
}

func neg[T number](x T) T { return -x }

func abs[T number](x T) T {
	if x < 0 {
		return -x
	}
	return x // NaN stays NaN; -0 stays -0, as in C's fabs up to the sign of zero
}

func relu[T number](x T) T {
	if x > 0 {
		return x
	}
	if x != x { // NaN
		return x
	}
	return 0
}

func reciprocal[T float](x T) T { return 1 / x }

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(exp(x) + 1), computed without overflow for large x.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func add[T number](x, y T) T { return x + y }
func sub[T number](x, y T) T { return x - y }
func mul[T number](x, y T) T { return x * y }

// div divides; integer division truncates toward zero (the kernel rejects
// integer division by zero before calling it).
func div[T number](x, y T) T { return x / y }

func eq[T number](x, y T) bool { return x == y }
func lt[T number](x, y T) bool { return x < y }
func gt[T number](x, y T) bool { return x > y }

// fmax and fmin propagate NaN, as numpy's maximum and minimum do.
func fmax[T float](x, y T) T {
	if x != x || x > y {
		return x
	}
	return y
}

func fmin[T float](x, y T) T {
	if x != x || x < y {
		return x
	}
	return y
}

func imax[T number](x, y T) T { return max(x, y) }
func imin[T number](x, y T) T { return min(x, y) }

// unaryFuncs holds one operator's function per element type; nil means the
// type is not supported.
type unaryFuncs struct {
	f32 func(float32) float32
	f64 func(float64) float64
	i32 func(int32) int32
	i64 func(int64) int64
}

// floatUnary computes f for float32 and float64 tensors, float32 through
// float64 with one rounding.
func floatUnary(f func(float64) float64) unaryFuncs {
	return unaryFuncs{
		f32: func(x float32) float32 { return float32(f(float64(x))) },
		f64: f,
	}
}

func mapElems[T elem](x []T, f func(T) T) []T {
	out := make([]T, len(x))
	for i, v := range x {
		out[i] = f(v)
	}
	return out
}

// unaryKernel returns the kernel applying the functions that funcs builds
// from the node's attributes.
func unaryKernel(funcs func(n *ir.Node) unaryFuncs) Kernel {
	return func(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
		if err := checkInputs(in, 1); err != nil {
			return nil, err
		}
		x, u := in[0], funcs(n)
		var out *ir.Tensor
		switch {
		case x.DType == ir.Float32 && u.f32 != nil:
			out = tensorOf(x.Shape, mapElems(x.F32, u.f32))
		case x.DType == ir.Float64 && u.f64 != nil:
			out = tensorOf(x.Shape, mapElems(x.F64, u.f64))
		case x.DType == ir.Int32 && u.i32 != nil:
			out = tensorOf(x.Shape, mapElems(x.I32, u.i32))
		case x.DType == ir.Int64 && u.i64 != nil:
			out = tensorOf(x.Shape, mapElems(x.I64, u.i64))
		default:
			return nil, fmt.Errorf("element type %s is not supported", x.DType)
		}
		return []*ir.Tensor{out}, nil
	}
}

// binaryFuncs holds one binary operator's function per element type; nil
// means the type is not supported.
type binaryFuncs struct {
	f32 func(x, y float32) float32
	f64 func(x, y float64) float64
	i32 func(x, y int32) int32
	i64 func(x, y int64) int64
}

// broadcast2 applies f to the broadcast of a and b.
func broadcast2[T elem, U elem](a, b *ir.Tensor, f func(x, y T) U) (*ir.Tensor, error) {
	bc, err := newBroadcaster(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	x, y := elems[T](a), elems[T](b)
	out := make([]U, bc.size())
	bc.each(func(i int, off []int) { out[i] = f(x[off[0]], y[off[1]]) })
	return tensorOf(bc.shape, out), nil
}

func sameType(in []*ir.Tensor) error {
	for i, t := range in {
		if t != nil && t.DType != in[0].DType {
			return fmt.Errorf("input %d is %s, input 0 is %s", i, t.DType, in[0].DType)
		}
	}
	return nil
}

func binaryKernel(op string, b binaryFuncs) Kernel {
	return func(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
		if err := checkInputs(in, 2); err != nil {
			return nil, err
		}
		if err := sameType(in[:2]); err != nil {
			return nil, err
		}
		x, y := in[0], in[1]
		if op == "Div" && (x.DType == ir.Int32 || x.DType == ir.Int64) {
			for i := range y.Len() {
				if y.Int64At(i) == 0 {
					return nil, fmt.Errorf("integer division by zero (divisor element %d)", i)
				}
			}
		}
		var out *ir.Tensor
		var err error
		switch {
		case x.DType == ir.Float32 && b.f32 != nil:
			out, err = broadcast2(x, y, b.f32)
		case x.DType == ir.Float64 && b.f64 != nil:
			out, err = broadcast2(x, y, b.f64)
		case x.DType == ir.Int32 && b.i32 != nil:
			out, err = broadcast2(x, y, b.i32)
		case x.DType == ir.Int64 && b.i64 != nil:
			out, err = broadcast2(x, y, b.i64)
		default:
			return nil, fmt.Errorf("element type %s is not supported", x.DType)
		}
		if err != nil {
			return nil, err
		}
		return []*ir.Tensor{out}, nil
	}
}

// compareFuncs holds one comparison's function per element type.
type compareFuncs struct {
	f32 func(x, y float32) bool
	f64 func(x, y float64) bool
	i32 func(x, y int32) bool
	i64 func(x, y int64) bool
	b   func(x, y bool) bool
}

func compareKernel(c compareFuncs) Kernel {
	return func(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
		if err := checkInputs(in, 2); err != nil {
			return nil, err
		}
		if err := sameType(in[:2]); err != nil {
			return nil, err
		}
		x, y := in[0], in[1]
		var out *ir.Tensor
		var err error
		switch {
		case x.DType == ir.Float32 && c.f32 != nil:
			out, err = broadcast2(x, y, c.f32)
		case x.DType == ir.Float64 && c.f64 != nil:
			out, err = broadcast2(x, y, c.f64)
		case x.DType == ir.Int32 && c.i32 != nil:
			out, err = broadcast2(x, y, c.i32)
		case x.DType == ir.Int64 && c.i64 != nil:
			out, err = broadcast2(x, y, c.i64)
		case x.DType == ir.Bool && c.b != nil:
			out, err = broadcast2(x, y, c.b)
		default:
			return nil, fmt.Errorf("element type %s is not supported", x.DType)
		}
		if err != nil {
			return nil, err
		}
		return []*ir.Tensor{out}, nil
	}
}

// foldBroadcast folds f over the broadcast of inputs (all holding T),
// dividing by the number of inputs at the end when mean is set.
func foldBroadcast[T number](in []*ir.Tensor, f func(x, y T) T, mean bool) (*ir.Tensor, error) {
	shapes := make([][]int, len(in))
	data := make([][]T, len(in))
	for k, t := range in {
		shapes[k] = t.Shape
		data[k] = elems[T](t)
	}
	bc, err := newBroadcaster(shapes...)
	if err != nil {
		return nil, err
	}
	out := make([]T, bc.size())
	count := T(len(in))
	bc.each(func(i int, off []int) {
		acc := data[0][off[0]]
		for k := 1; k < len(data); k++ {
			acc = f(acc, data[k][off[k]])
		}
		if mean {
			acc /= count
		}
		out[i] = acc
	})
	return tensorOf(bc.shape, out), nil
}

func variadicKernel(b binaryFuncs, mean bool) Kernel {
	return func(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
		if err := checkInputs(in, len(in)); err != nil {
			return nil, err
		}
		if len(in) == 0 {
			return nil, fmt.Errorf("needs at least one input")
		}
		if err := sameType(in); err != nil {
			return nil, err
		}
		var out *ir.Tensor
		var err error
		switch dt := in[0].DType; {
		case dt == ir.Float32 && b.f32 != nil:
			out, err = foldBroadcast(in, b.f32, mean)
		case dt == ir.Float64 && b.f64 != nil:
			out, err = foldBroadcast(in, b.f64, mean)
		case dt == ir.Int32 && b.i32 != nil:
			out, err = foldBroadcast(in, b.i32, mean)
		case dt == ir.Int64 && b.i64 != nil:
			out, err = foldBroadcast(in, b.i64, mean)
		default:
			return nil, fmt.Errorf("element type %s is not supported", dt)
		}
		if err != nil {
			return nil, err
		}
		return []*ir.Tensor{out}, nil
	}
}

// powKernel computes X^Y with the output of X's type. Integer exponents of
// integer bases are exact; everything else goes through math.Pow in
// float64 and converts (truncating toward zero for integer outputs).
func powKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 2); err != nil {
		return nil, err
	}
	x, y := in[0], in[1]
	if x.DType == ir.Bool || y.DType == ir.Bool {
		return nil, fmt.Errorf("element type bool is not supported")
	}
	bc, err := newBroadcaster(x.Shape, y.Shape)
	if err != nil {
		return nil, err
	}
	out, err := ir.NewTensor(x.DType, bc.shape...)
	if err != nil {
		return nil, err
	}
	intBase := x.DType == ir.Int32 || x.DType == ir.Int64
	intExp := y.DType == ir.Int32 || y.DType == ir.Int64
	bc.each(func(i int, off []int) {
		if intBase && intExp && y.Int64At(off[1]) >= 0 {
			p := ipow(x.Int64At(off[0]), y.Int64At(off[1]))
			if x.DType == ir.Int32 {
				out.I32[i] = int32(p)
			} else {
				out.I64[i] = p
			}
			return
		}
		out.SetFloat64(i, math.Pow(x.Float64At(off[0]), y.Float64At(off[1])))
	})
	return []*ir.Tensor{out}, nil
}

// ipow returns b^e for e >= 0 by repeated squaring (wrapping on overflow).
func ipow(b, e int64) int64 {
	r := int64(1)
	for e > 0 {
		if e&1 == 1 {
			r *= b
		}
		b *= b
		e >>= 1
	}
	return r
}

// preluKernel computes x < 0 ? slope*x : x with slope broadcast to x's
// shape (unidirectional broadcasting).
func preluKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 2); err != nil {
		return nil, err
	}
	if err := sameType(in[:2]); err != nil {
		return nil, err
	}
	x, s := in[0], in[1]
	bc, err := unidirectional(s.Shape, x.Shape)
	if err != nil {
		return nil, fmt.Errorf("slope: %w", err)
	}
	var out *ir.Tensor
	switch x.DType {
	case ir.Float32:
		out = prelu(bc, x.F32, s.F32)
	case ir.Float64:
		out = prelu(bc, x.F64, s.F64)
	case ir.Int32:
		out = prelu(bc, x.I32, s.I32)
	case ir.Int64:
		out = prelu(bc, x.I64, s.I64)
	default:
		return nil, fmt.Errorf("element type %s is not supported", x.DType)
	}
	return []*ir.Tensor{out}, nil
}

func prelu[T number](bc *broadcaster, x, s []T) *ir.Tensor {
	out := make([]T, bc.size())
	bc.each(func(i int, off []int) {
		v := x[off[0]]
		if v < 0 {
			v *= s[off[1]]
		}
		out[i] = v
	})
	return tensorOf(bc.shape, out)
}

func whereKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 3); err != nil {
		return nil, err
	}
	if in[0].DType != ir.Bool {
		return nil, fmt.Errorf("condition is %s, want bool", in[0].DType)
	}
	if err := sameType(in[1:3]); err != nil {
		return nil, fmt.Errorf("X and Y: %w", err)
	}
	var out *ir.Tensor
	var err error
	switch in[1].DType {
	case ir.Float32:
		out, err = where[float32](in)
	case ir.Float64:
		out, err = where[float64](in)
	case ir.Int32:
		out, err = where[int32](in)
	case ir.Int64:
		out, err = where[int64](in)
	case ir.Bool:
		out, err = where[bool](in)
	default:
		return nil, fmt.Errorf("element type %s is not supported", in[1].DType)
	}
	if err != nil {
		return nil, err
	}
	return []*ir.Tensor{out}, nil
}

func where[T elem](in []*ir.Tensor) (*ir.Tensor, error) {
	bc, err := newBroadcaster(in[0].Shape, in[1].Shape, in[2].Shape)
	if err != nil {
		return nil, err
	}
	c, x, y := in[0].Bool, elems[T](in[1]), elems[T](in[2])
	out := make([]T, bc.size())
	bc.each(func(i int, off []int) {
		if c[off[0]] {
			out[i] = x[off[1]]
		} else {
			out[i] = y[off[2]]
		}
	})
	return tensorOf(bc.shape, out), nil
}

// clipKernel limits x to [min, max]; an omitted bound does not limit.
// Like numpy's clip, a min above max gives max, and NaN stays NaN.
func clipKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	if err := sameType(in); err != nil {
		return nil, err
	}
	for i, name := range []string{1: "min", 2: "max"} {
		if i > 0 && i < len(in) && in[i] != nil && in[i].Len() != 1 {
			return nil, fmt.Errorf("%s must be a scalar, has shape %v", name, in[i].Shape)
		}
	}
	var out *ir.Tensor
	switch in[0].DType {
	case ir.Float32:
		out = clip[float32](in)
	case ir.Float64:
		out = clip[float64](in)
	case ir.Int32:
		out = clip[int32](in)
	case ir.Int64:
		out = clip[int64](in)
	default:
		return nil, fmt.Errorf("element type %s is not supported", in[0].DType)
	}
	return []*ir.Tensor{out}, nil
}

func clip[T number](in []*ir.Tensor) *ir.Tensor {
	bound := func(i int) (T, bool) {
		if i < len(in) && in[i] != nil {
			return elems[T](in[i])[0], true
		}
		var z T
		return z, false
	}
	lo, hasLo := bound(1)
	hi, hasHi := bound(2)
	x := elems[T](in[0])
	out := make([]T, len(x))
	for i, v := range x {
		if hasLo && v < lo {
			v = lo
		}
		if hasHi && v > hi {
			v = hi
		}
		out[i] = v
	}
	return tensorOf(in[0].Shape, out)
}

// castKernel converts between float32, float64, int32, int64 and bool.
// Floats convert to integers by truncation toward zero (out-of-range
// values and NaN give an unspecified value, as in C); integers and
// float64 convert to float32 by rounding to nearest; anything converts to
// bool as != 0, and bool to numbers as 0 or 1.
func castKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	to := ir.DType(n.Attrs.Int("to", 0))
	x := in[0]
	var out *ir.Tensor
	switch x.DType {
	case ir.Float32:
		out = castFrom(x.F32, x.Shape, to)
	case ir.Float64:
		out = castFrom(x.F64, x.Shape, to)
	case ir.Int32:
		out = castFrom(x.I32, x.Shape, to)
	case ir.Int64:
		out = castFrom(x.I64, x.Shape, to)
	case ir.Bool:
		b := make([]int32, len(x.Bool))
		for i, v := range x.Bool {
			if v {
				b[i] = 1
			}
		}
		out = castFrom(b, x.Shape, to)
	}
	if out == nil {
		return nil, fmt.Errorf("cast from %s to %s is not supported", x.DType, to)
	}
	return []*ir.Tensor{out}, nil
}

func castFrom[S number](src []S, shape []int, to ir.DType) *ir.Tensor {
	switch to {
	case ir.Float32:
		return tensorOf(shape, convert[S, float32](src))
	case ir.Float64:
		return tensorOf(shape, convert[S, float64](src))
	case ir.Int32:
		return tensorOf(shape, convert[S, int32](src))
	case ir.Int64:
		return tensorOf(shape, convert[S, int64](src))
	case ir.Bool:
		out := make([]bool, len(src))
		for i, v := range src {
			out[i] = v != 0
		}
		return tensorOf(shape, out)
	}
	return nil
}

func convert[S, D number](src []S) []D {
	out := make([]D, len(src))
	for i, v := range src {
		out[i] = D(v)
	}
	return out
}
