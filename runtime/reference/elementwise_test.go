package reference

import (
	"math"
	"testing"

	"github.com/latent-go/latent/ir"
)

var (
	nan  = float32(math.NaN())
	pinf = float32(math.Inf(1))
	ninf = float32(math.Inf(-1))
)

func TestArithmetic(t *testing.T) {
	runKernelCases(t, []kernelCase{
		{name: "row bias", op: "Add", in: []*ir.Tensor{f32(sh(2, 3), 1, 2, 3, 4, 5, 6), f32(sh(3), 10, 20, 30)},
			want: []*ir.Tensor{f32(sh(2, 3), 11, 22, 33, 14, 25, 36)}},
		{name: "outer int64", op: "Add", in: []*ir.Tensor{i64(sh(2, 1), 1, 2), i64(sh(1, 3), 10, 20, 30)},
			want: []*ir.Tensor{i64(sh(2, 3), 11, 21, 31, 12, 22, 32)}},
		{name: "int32", op: "Add", in: []*ir.Tensor{i32(sh(2), 1, 2), i32(sh(2), 3, 4)},
			want: []*ir.Tensor{i32(sh(2), 4, 6)}},
		{name: "empty", op: "Add", in: []*ir.Tensor{f32(sh(0, 3)), f32(sh(3), 1, 2, 3)},
			want: []*ir.Tensor{f32(sh(0, 3))}},
		{name: "types", op: "Add", in: []*ir.Tensor{f32(sh(1), 1), i64(sh(1), 1)},
			err: "input 1 is int64", inferErr: "different element types"},
		{name: "shapes", op: "Add", in: []*ir.Tensor{f32(sh(2, 3), 1, 2, 3, 4, 5, 6), f32(sh(2), 1, 2)},
			err: "cannot be broadcast", inferErr: "cannot be broadcast"},
		{name: "bool", op: "Add", in: []*ir.Tensor{bl(sh(1), true), bl(sh(1), true)},
			err: "element type bool", inferErr: "element type bool"},
		{name: "scalar", op: "Sub", in: []*ir.Tensor{f32(sh(3), 5, 6, 7), f32(scalar, 1)},
			want: []*ir.Tensor{f32(sh(3), 4, 5, 6)}},
		{name: "scalar first", op: "Sub", in: []*ir.Tensor{i64(scalar, 1), i64(sh(2), 5, -6)},
			want: []*ir.Tensor{i64(sh(2), -4, 7)}},
		{name: "float64", op: "Mul", in: []*ir.Tensor{f64(sh(2), 1.5, 2), f64(sh(2), 2, 4)},
			want: []*ir.Tensor{f64(sh(2), 3, 8)}},
		{name: "column", op: "Mul", in: []*ir.Tensor{f32(sh(2, 2), 1, 2, 3, 4), f32(sh(2, 1), 10, -1)},
			want: []*ir.Tensor{f32(sh(2, 2), 10, 20, -3, -4)}},
		{name: "float", op: "Div", in: []*ir.Tensor{f32(sh(3), 1, 2, 3), f32(sh(1), 2)},
			want: []*ir.Tensor{f32(sh(3), 0.5, 1, 1.5)}},
		{name: "by zero float", op: "Div", in: []*ir.Tensor{f32(sh(3), 1, -1, 0), f32(scalar, 0)},
			want: []*ir.Tensor{f32(sh(3), pinf, ninf, nan)}},
		{name: "truncates", op: "Div", in: []*ir.Tensor{i64(sh(4), 7, -7, 7, -7), i64(sh(4), 2, 2, -2, -2)},
			want: []*ir.Tensor{i64(sh(4), 3, -3, -3, 3)}},
		{name: "int by zero", op: "Div", in: []*ir.Tensor{i64(sh(2), 7, 8), i64(sh(2), 1, 0)},
			err: "division by zero"},
		{name: "int32 by zero", op: "Div", in: []*ir.Tensor{i32(sh(1), 7), i32(sh(1), 0)},
			err: "division by zero"},
	})
}

func TestUnary(t *testing.T) {
	runKernelCases(t, []kernelCase{
		{name: "float", op: "Neg", in: []*ir.Tensor{f32(sh(3), 1, -2, 0)}, want: []*ir.Tensor{f32(sh(3), -1, 2, 0)}},
		{name: "int64", op: "Neg", in: []*ir.Tensor{i64(sh(2), 3, -4)}, want: []*ir.Tensor{i64(sh(2), -3, 4)}},
		{name: "float", op: "Abs", in: []*ir.Tensor{f32(sh(2, 1), -1.5, 2)}, want: []*ir.Tensor{f32(sh(2, 1), 1.5, 2)}},
		{name: "int32", op: "Abs", in: []*ir.Tensor{i32(sh(2), -3, 3)}, want: []*ir.Tensor{i32(sh(2), 3, 3)}},
		{name: "bool", op: "Abs", in: []*ir.Tensor{bl(sh(1), true)}, err: "element type bool", inferErr: "element type bool"},
		{name: "float", op: "Sqrt", in: []*ir.Tensor{f32(sh(3), 4, 2, -1)}, want: []*ir.Tensor{f32(sh(3), 2, 1.4142135623730951, nan)}},
		{name: "int", op: "Sqrt", in: []*ir.Tensor{i64(sh(1), 4)}, err: "element type int64", inferErr: "element type int64"},
		{name: "float", op: "Exp", in: []*ir.Tensor{f32(sh(2), 0, 1)}, want: []*ir.Tensor{f32(sh(2), 1, 2.718281828459045)}},
		{name: "float64", op: "Exp", in: []*ir.Tensor{f64(sh(1), math.Ln2)}, want: []*ir.Tensor{f64(sh(1), 2)}},
		{name: "float", op: "Log", in: []*ir.Tensor{f32(sh(3), 1, 2.718281828459045, 0)}, want: []*ir.Tensor{f32(sh(3), 0, 1, ninf)}},
		{name: "float", op: "Reciprocal", in: []*ir.Tensor{f32(sh(2), 2, -4)}, want: []*ir.Tensor{f32(sh(2), 0.5, -0.25)}},
		{name: "float", op: "Relu", in: []*ir.Tensor{f32(sh(3), -1, 0, 2)}, want: []*ir.Tensor{f32(sh(3), 0, 0, 2)}},
		{name: "int64", op: "Relu", in: []*ir.Tensor{i64(sh(2), -5, 5)}, want: []*ir.Tensor{i64(sh(2), 0, 5)}},
		{name: "default", op: "LeakyRelu", in: []*ir.Tensor{f32(sh(2), -1, 2)}, want: []*ir.Tensor{f32(sh(2), -0.01, 2)}},
		{name: "alpha", op: "LeakyRelu", attrs: ir.Attrs{"alpha": ir.FloatAttr(0.1)}, in: []*ir.Tensor{f32(sh(1), -10)}, want: []*ir.Tensor{f32(sh(1), -1)}},
		{name: "default", op: "Elu", in: []*ir.Tensor{f32(sh(3), -1, 0, 1)}, want: []*ir.Tensor{f32(sh(3), -0.6321205588285577, 0, 1)}},
		{name: "alpha", op: "Elu", attrs: ir.Attrs{"alpha": ir.FloatAttr(2)}, in: []*ir.Tensor{f32(sh(1), -1)}, want: []*ir.Tensor{f32(sh(1), -1.2642411176571153)}},
		{name: "default", op: "Selu", in: []*ir.Tensor{f32(sh(3), -1, 0, 1)}, want: []*ir.Tensor{f32(sh(3), -1.1113307412864781, 0, 1.0507010221481323)}},
		{name: "attrs", op: "Selu", attrs: ir.Attrs{"alpha": ir.FloatAttr(2), "gamma": ir.FloatAttr(3)}, in: []*ir.Tensor{f32(sh(2), -1, 2)}, want: []*ir.Tensor{f32(sh(2), -3.792723352971346, 6)}},
		{name: "float", op: "Sigmoid", in: []*ir.Tensor{f32(sh(5), 0, 1, -1, -1000, 1000)}, want: []*ir.Tensor{f32(sh(5), 0.5, 0.7310585786300049, 0.2689414213699951, 0, 1)}},
		{name: "default", op: "HardSigmoid", in: []*ir.Tensor{f32(sh(4), -3, 0, 1, 3)}, want: []*ir.Tensor{f32(sh(4), 0, 0.5, 0.7, 1)}},
		{name: "attrs", op: "HardSigmoid", attrs: ir.Attrs{"alpha": ir.FloatAttr(0.5), "beta": ir.FloatAttr(0.6)}, in: []*ir.Tensor{f32(sh(1), 0.5)}, want: []*ir.Tensor{f32(sh(1), 0.85)}},
		{name: "float", op: "Tanh", in: []*ir.Tensor{f32(sh(2), 0, 1)}, want: []*ir.Tensor{f32(sh(2), 0, 0.7615941559557649)}},
		{name: "float", op: "Softplus", in: []*ir.Tensor{f32(sh(4), 0, 1, -1, 100)}, want: []*ir.Tensor{f32(sh(4), 0.6931471805599453, 1.3132616875182228, 0.31326168751822286, 100)}},
		{name: "bool", op: "Identity", in: []*ir.Tensor{bl(sh(2), true, false)}, want: []*ir.Tensor{bl(sh(2), true, false)}},
		{name: "scalar", op: "Identity", in: []*ir.Tensor{f32(scalar, 3)}, want: []*ir.Tensor{f32(scalar, 3)}},
	})
}

func TestPReluWhereClip(t *testing.T) {
	x := f32(sh(2, 3), -1, 2, -3, 4, -5, 6)
	runKernelCases(t, []kernelCase{
		{name: "channel", op: "PRelu", in: []*ir.Tensor{x, f32(sh(3), 0.1, 0.2, 0.3)}, want: []*ir.Tensor{f32(sh(2, 3), -0.1, 2, -0.9, 4, -1, 6)}},
		{name: "row", op: "PRelu", in: []*ir.Tensor{x, f32(sh(2, 1), 0.5, 2)}, want: []*ir.Tensor{f32(sh(2, 3), -0.5, 2, -1.5, 4, -10, 6)}},
		{name: "bad slope", op: "PRelu", in: []*ir.Tensor{x, f32(sh(2), 1, 2)}, err: "slope", inferErr: "slope"},
		{name: "slope too big", op: "PRelu", in: []*ir.Tensor{f32(sh(3), 1, 2, 3), f32(sh(2, 3), 1, 2, 3, 4, 5, 6)}, err: "cannot be broadcast", inferErr: "slope"},
		{name: "broadcast", op: "Where", in: []*ir.Tensor{bl(sh(2, 1), true, false), f32(sh(2), 1, 2), f32(scalar, 9)}, want: []*ir.Tensor{f32(sh(2, 2), 1, 2, 9, 9)}},
		{name: "bool values", op: "Where", in: []*ir.Tensor{bl(sh(2), true, false), bl(sh(2), true, true), bl(sh(2), false, false)}, want: []*ir.Tensor{bl(sh(2), true, false)}},
		{name: "int64", op: "Where", in: []*ir.Tensor{bl(sh(3), false, true, false), i64(sh(3), 1, 2, 3), i64(sh(1), -1)}, want: []*ir.Tensor{i64(sh(3), -1, 2, -1)}},
		{name: "cond type", op: "Where", in: []*ir.Tensor{f32(sh(1), 1), f32(sh(1), 1), f32(sh(1), 2)}, err: "condition", inferErr: "condition"},
		{name: "both", op: "Clip", in: []*ir.Tensor{f32(sh(4), -2, 0, 5, 10), f32(scalar, 0), f32(scalar, 6)}, want: []*ir.Tensor{f32(sh(4), 0, 0, 5, 6)}},
		{name: "max only", op: "Clip", in: []*ir.Tensor{f32(sh(4), -2, 0, 5, 10), nil, f32(scalar, 1)}, want: []*ir.Tensor{f32(sh(4), -2, 0, 1, 1)}},
		{name: "min only", op: "Clip", in: []*ir.Tensor{f32(sh(2), -2, 3), f32(scalar, 0)}, want: []*ir.Tensor{f32(sh(2), 0, 3)}},
		{name: "none", op: "Clip", in: []*ir.Tensor{f32(sh(2), -2, 3)}, want: []*ir.Tensor{f32(sh(2), -2, 3)}},
		{name: "int64", op: "Clip", in: []*ir.Tensor{i64(sh(3), -5, 0, 5), i64(scalar, -1), i64(scalar, 1)}, want: []*ir.Tensor{i64(sh(3), -1, 0, 1)}},
		{name: "min above max", op: "Clip", in: []*ir.Tensor{f32(sh(2), 0, 5), f32(scalar, 3), f32(scalar, 1)}, want: []*ir.Tensor{f32(sh(2), 1, 1)}},
		{name: "nan", op: "Clip", in: []*ir.Tensor{f32(sh(1), nan), f32(scalar, 0), f32(scalar, 1)}, want: []*ir.Tensor{f32(sh(1), nan)}},
		{name: "vector bound", op: "Clip", in: []*ir.Tensor{f32(sh(2), 0, 5), f32(sh(2), 1, 2)}, err: "must be a scalar", inferErr: "must be a scalar"},
	})
}

func TestCastPow(t *testing.T) {
	to := func(d ir.DType) ir.Attrs { return ir.Attrs{"to": ir.IntAttr(int64(d))} }
	runKernelCases(t, []kernelCase{
		{name: "float to int64", op: "Cast", attrs: to(ir.Int64), in: []*ir.Tensor{f32(sh(4), 1.7, -1.7, 0, 2.5)}, want: []*ir.Tensor{i64(sh(4), 1, -1, 0, 2)}},
		{name: "float to int32", op: "Cast", attrs: to(ir.Int32), in: []*ir.Tensor{f64(sh(2), 1e3+0.9, -3.9)}, want: []*ir.Tensor{i32(sh(2), 1000, -3)}},
		{name: "float to bool", op: "Cast", attrs: to(ir.Bool), in: []*ir.Tensor{f32(sh(4), 1.7, -0.1, 0, nan)}, want: []*ir.Tensor{bl(sh(4), true, true, false, true)}},
		{name: "bool to float", op: "Cast", attrs: to(ir.Float32), in: []*ir.Tensor{bl(sh(2), true, false)}, want: []*ir.Tensor{f32(sh(2), 1, 0)}},
		{name: "bool to int64", op: "Cast", attrs: to(ir.Int64), in: []*ir.Tensor{bl(sh(2), false, true)}, want: []*ir.Tensor{i64(sh(2), 0, 1)}},
		{name: "int64 to float64", op: "Cast", attrs: to(ir.Float64), in: []*ir.Tensor{i64(sh(1), 3)}, want: []*ir.Tensor{f64(sh(1), 3)}},
		{name: "float64 overflow", op: "Cast", attrs: to(ir.Float32), in: []*ir.Tensor{f64(sh(2), 1e40, 0.1)}, want: []*ir.Tensor{f32(sh(2), pinf, 0.1)}},
		{name: "int64 wraps to int32", op: "Cast", attrs: to(ir.Int32), in: []*ir.Tensor{i64(sh(1), 1<<31+5)}, want: []*ir.Tensor{i32(sh(1), -2147483643)}},
		{name: "int to bool", op: "Cast", attrs: to(ir.Bool), in: []*ir.Tensor{i64(sh(3), 0, 2, -1)}, want: []*ir.Tensor{bl(sh(3), false, true, true)}},
		{name: "same type", op: "Cast", attrs: to(ir.Float32), in: []*ir.Tensor{f32(sh(1), 1.25)}, want: []*ir.Tensor{f32(sh(1), 1.25)}},
		{name: "float16", op: "Cast", attrs: to(ir.Float16), in: []*ir.Tensor{f32(sh(1), 1)}, err: "not supported", inferErr: "not supported"},
		{name: "float scalar exp", op: "Pow", in: []*ir.Tensor{f32(sh(3), 2, 4, 9), f32(scalar, 0.5)}, want: []*ir.Tensor{f32(sh(3), 1.4142135623730951, 2, 3)}},
		{name: "broadcast", op: "Pow", in: []*ir.Tensor{f32(sh(2, 1), 2, 3), f32(sh(2), 2, 3)}, want: []*ir.Tensor{f32(sh(2, 2), 4, 8, 9, 27)}},
		{name: "int64", op: "Pow", in: []*ir.Tensor{i64(sh(3), 2, 3, -2), i64(sh(3), 3, 2, 3)}, want: []*ir.Tensor{i64(sh(3), 8, 9, -8)}},
		{name: "int64 big", op: "Pow", in: []*ir.Tensor{i64(sh(1), 3), i64(sh(1), 39)}, want: []*ir.Tensor{i64(sh(1), 4052555153018976267)}},
		{name: "int base float exp", op: "Pow", in: []*ir.Tensor{i64(sh(2), 4, 10), f32(sh(2), 0.5, -1)}, want: []*ir.Tensor{i64(sh(2), 2, 0)}},
		{name: "float base int exp", op: "Pow", in: []*ir.Tensor{f32(sh(2), 2, 2), i64(sh(2), -1, 3)}, want: []*ir.Tensor{f32(sh(2), 0.5, 8)}},
		{name: "int negative exp", op: "Pow", in: []*ir.Tensor{i32(sh(2), 2, 1), i32(sh(2), -1, -3)}, want: []*ir.Tensor{i32(sh(2), 0, 1)}},
	})
}

func TestCompareAndVariadic(t *testing.T) {
	runKernelCases(t, []kernelCase{
		{name: "float", op: "Equal", in: []*ir.Tensor{f32(sh(3), 1, 2, nan), f32(sh(1), 1)}, want: []*ir.Tensor{bl(sh(3), true, false, false)}},
		{name: "bool", op: "Equal", in: []*ir.Tensor{bl(sh(2), true, false), bl(scalar, true)}, want: []*ir.Tensor{bl(sh(2), true, false)}},
		{name: "int64", op: "Equal", in: []*ir.Tensor{i64(sh(2, 1), 1, 2), i64(sh(2), 1, 2)}, want: []*ir.Tensor{bl(sh(2, 2), true, false, false, true)}},
		{name: "float", op: "Less", in: []*ir.Tensor{f32(sh(4), 1, 2, 3, nan), f32(sh(1), 2)}, want: []*ir.Tensor{bl(sh(4), true, false, false, false)}},
		{name: "bool", op: "Less", in: []*ir.Tensor{bl(sh(1), true), bl(sh(1), false)}, err: "element type bool", inferErr: "element type bool"},
		{name: "int64", op: "Greater", in: []*ir.Tensor{i64(sh(2, 1), 1, 3), i64(sh(2), 2, 0)}, want: []*ir.Tensor{bl(sh(2, 2), false, true, true, true)}},
		{name: "three", op: "Sum", in: []*ir.Tensor{f32(sh(2), 1, 2), f32(sh(2, 1), 10, 20), f32(scalar, 100)}, want: []*ir.Tensor{f32(sh(2, 2), 111, 112, 121, 122)}},
		{name: "one", op: "Sum", in: []*ir.Tensor{f32(sh(2), 1, 2)}, want: []*ir.Tensor{f32(sh(2), 1, 2)}},
		{name: "two", op: "Mean", in: []*ir.Tensor{f32(sh(2), 2, 4), f32(sh(1), 6)}, want: []*ir.Tensor{f32(sh(2), 4, 5)}},
		{name: "three", op: "Mean", in: []*ir.Tensor{f64(sh(1), 1), f64(sh(1), 2), f64(sh(1), 6)}, want: []*ir.Tensor{f64(sh(1), 3)}},
		{name: "three", op: "Max", in: []*ir.Tensor{f32(sh(3), 1, 5, 3), f32(sh(3), 4, 2, 6), f32(sh(1), 0)}, want: []*ir.Tensor{f32(sh(3), 4, 5, 6)}},
		{name: "nan", op: "Max", in: []*ir.Tensor{f32(sh(2), nan, 1), f32(sh(2), 1, nan)}, want: []*ir.Tensor{f32(sh(2), nan, nan)}},
		{name: "int64", op: "Max", in: []*ir.Tensor{i64(sh(2), -1, 7), i64(sh(2, 1), 3, -9)}, want: []*ir.Tensor{i64(sh(2, 2), 3, 7, -1, 7)}},
		{name: "three", op: "Min", in: []*ir.Tensor{f32(sh(3), 1, 5, 3), f32(sh(3), 4, 2, 6), f32(sh(1), 2.5)}, want: []*ir.Tensor{f32(sh(3), 1, 2, 2.5)}},
		{name: "nan", op: "Min", in: []*ir.Tensor{f32(sh(2), nan, 1), f32(sh(2), 1, nan)}, want: []*ir.Tensor{f32(sh(2), nan, nan)}},
		{name: "int32", op: "Min", in: []*ir.Tensor{i32(sh(2), -1, 7), i32(sh(1), 3)}, want: []*ir.Tensor{i32(sh(2), -1, 3)}},
		{name: "mismatch", op: "Min", in: []*ir.Tensor{f32(sh(2), 1, 2), f32(sh(3), 1, 2, 3)}, err: "cannot be broadcast", inferErr: "cannot be broadcast"},
	})
}
