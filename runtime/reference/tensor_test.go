package reference

import (
	"testing"

	"github.com/latent-go/latent/ir"
)

// iota32 returns a float32 tensor of the given shape holding 0, 1, 2, ...
func iota32(shape ...int) *ir.Tensor {
	v := make([]float32, ir.NumElements(shape))
	for i := range v {
		v[i] = float32(i)
	}
	return f32(shape, v...)
}

func TestReshapeFamily(t *testing.T) {
	x := iota32(2, 3, 4)
	data := x.F32
	ax := func(a int64) ir.Attrs { return ir.Attrs{"axis": ir.IntAttr(a)} }
	runKernelCases(t, []kernelCase{
		{name: "explicit", op: "Reshape", in: []*ir.Tensor{x, i64(sh(2), 4, 6)}, want: []*ir.Tensor{f32(sh(4, 6), data...)}},
		{name: "minus one", op: "Reshape", in: []*ir.Tensor{x, i64(sh(3), 2, -1, 3)}, want: []*ir.Tensor{f32(sh(2, 4, 3), data...)}},
		{name: "zero copies", op: "Reshape", in: []*ir.Tensor{x, i64(sh(2), 0, -1)}, want: []*ir.Tensor{f32(sh(2, 12), data...)}},
		{name: "zero and minus one at end", op: "Reshape", in: []*ir.Tensor{x, i64(sh(3), 0, 0, -1)}, want: []*ir.Tensor{f32(sh(2, 3, 4), data...)}},
		{name: "to scalar", op: "Reshape", in: []*ir.Tensor{f32(sh(1, 1), 5), i64(sh(0))}, want: []*ir.Tensor{f32(scalar, 5)}},
		{name: "allowzero", op: "Reshape", attrs: ir.Attrs{"allowzero": ir.IntAttr(1)}, in: []*ir.Tensor{f32(sh(0, 3)), i64(sh(3), 3, 1, 0)}, want: []*ir.Tensor{f32(sh(3, 1, 0))}},
		{name: "allowzero off copies", op: "Reshape", in: []*ir.Tensor{f32(sh(0, 3)), i64(sh(2), 3, 0)}, err: "cannot reshape"},
		{name: "two minus ones", op: "Reshape", in: []*ir.Tensor{x, i64(sh(2), -1, -1)}, err: "more than one -1", inferErr: "more than one -1"},
		{name: "count", op: "Reshape", in: []*ir.Tensor{x, i64(sh(2), 5, 5)}, err: "cannot reshape", inferErr: "cannot reshape"},
		{name: "indivisible", op: "Reshape", in: []*ir.Tensor{x, i64(sh(2), 5, -1)}, err: "cannot reshape", inferErr: "cannot be divided"},
		{name: "huge", op: "Reshape", in: []*ir.Tensor{x, i64(sh(3), 1<<40, 1<<40, 1<<40)}, err: "exceeds", inferErr: "cannot reshape"},
		{name: "default", op: "Flatten", in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(2, 12), data...)}},
		{name: "axis0", op: "Flatten", attrs: ax(0), in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(1, 24), data...)}},
		{name: "axis3", op: "Flatten", attrs: ax(3), in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(24, 1), data...)}},
		{name: "negative", op: "Flatten", attrs: ax(-1), in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(6, 4), data...)}},
		{name: "out of range", op: "Flatten", attrs: ax(4), in: []*ir.Tensor{x}, err: "out of range", inferErr: "out of range"},
		{name: "axes", op: "Squeeze", in: []*ir.Tensor{iota32(1, 3, 1, 2), i64(sh(2), 0, -2)}, want: []*ir.Tensor{f32(sh(3, 2), 0, 1, 2, 3, 4, 5)}},
		{name: "all", op: "Squeeze", in: []*ir.Tensor{iota32(1, 3, 1, 2)}, want: []*ir.Tensor{f32(sh(3, 2), 0, 1, 2, 3, 4, 5)}},
		{name: "to scalar", op: "Squeeze", in: []*ir.Tensor{f32(sh(1, 1), 7)}, want: []*ir.Tensor{f32(scalar, 7)}},
		{name: "not one", op: "Squeeze", in: []*ir.Tensor{iota32(1, 3), i64(sh(1), 1)}, err: "cannot squeeze", inferErr: "cannot squeeze"},
		{name: "axis range", op: "Squeeze", in: []*ir.Tensor{iota32(1, 3), i64(sh(1), 2)}, err: "out of range", inferErr: "out of range"},
		{name: "front and back", op: "Unsqueeze", in: []*ir.Tensor{iota32(3), i64(sh(2), 0, 2)}, want: []*ir.Tensor{f32(sh(1, 3, 1), 0, 1, 2)}},
		{name: "negative unsorted", op: "Unsqueeze", in: []*ir.Tensor{iota32(2, 2), i64(sh(2), -1, 1)}, want: []*ir.Tensor{f32(sh(2, 1, 2, 1), 0, 1, 2, 3)}},
		{name: "scalar", op: "Unsqueeze", in: []*ir.Tensor{f32(scalar, 4), i64(sh(1), 0)}, want: []*ir.Tensor{f32(sh(1), 4)}},
		{name: "duplicate", op: "Unsqueeze", in: []*ir.Tensor{iota32(2), i64(sh(2), 0, -3)}, err: "twice", inferErr: "twice"},
	})
}

func TestTranspose(t *testing.T) {
	perm := func(p ...int64) ir.Attrs { return ir.Attrs{"perm": ir.IntsAttr(p...)} }
	x := iota32(2, 3, 4)
	// want[i][j][k] for perm (1, 2, 0) is x[k][i][j] = 12k + 4i + j.
	var p120 []float32
	for i := range 3 {
		for j := range 4 {
			for k := range 2 {
				p120 = append(p120, float32(12*k+4*i+j))
			}
		}
	}
	runKernelCases(t, []kernelCase{
		{name: "matrix", op: "Transpose", in: []*ir.Tensor{iota32(2, 3)}, want: []*ir.Tensor{f32(sh(3, 2), 0, 3, 1, 4, 2, 5)}},
		{name: "perm 1 2 0", op: "Transpose", attrs: perm(1, 2, 0), in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(3, 4, 2), p120...)}},
		{name: "identity perm", op: "Transpose", attrs: perm(0, 1, 2), in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(2, 3, 4), x.F32...)}},
		{name: "int64", op: "Transpose", in: []*ir.Tensor{i64(sh(1, 2), 7, 8)}, want: []*ir.Tensor{i64(sh(2, 1), 7, 8)}},
		{name: "bad perm", op: "Transpose", attrs: perm(0, 0, 1), in: []*ir.Tensor{x}, err: "not a permutation", inferErr: "not a permutation"},
		{name: "short perm", op: "Transpose", attrs: perm(1, 0), in: []*ir.Tensor{x}, err: "has 2 entries", inferErr: "has 2 entries"},
	})
}

func TestConcatSplit(t *testing.T) {
	ax := func(a int64) ir.Attrs { return ir.Attrs{"axis": ir.IntAttr(a)} }
	a := f32(sh(2, 2), 1, 2, 3, 4)
	b := f32(sh(2, 1), 5, 6)
	runKernelCases(t, []kernelCase{
		{name: "axis1", op: "Concat", attrs: ax(1), in: []*ir.Tensor{a, b}, want: []*ir.Tensor{f32(sh(2, 3), 1, 2, 5, 3, 4, 6)}},
		{name: "axis0", op: "Concat", attrs: ax(0), in: []*ir.Tensor{a, f32(sh(1, 2), 7, 8)}, want: []*ir.Tensor{f32(sh(3, 2), 1, 2, 3, 4, 7, 8)}},
		{name: "negative three", op: "Concat", attrs: ax(-1), in: []*ir.Tensor{b, a, b}, want: []*ir.Tensor{f32(sh(2, 4), 5, 1, 2, 5, 6, 3, 4, 6)}},
		{name: "int64 1d with empty", op: "Concat", attrs: ax(0), in: []*ir.Tensor{i64(sh(2), 1, 2), i64(sh(0)), i64(sh(1), 3)}, want: []*ir.Tensor{i64(sh(3), 1, 2, 3)}},
		{name: "mismatch", op: "Concat", attrs: ax(0), in: []*ir.Tensor{a, b}, err: "does not match", inferErr: "does not match"},
		{name: "rank", op: "Concat", attrs: ax(0), in: []*ir.Tensor{a, f32(sh(2), 1, 2)}, err: "rank", inferErr: "rank"},
		{name: "equal", op: "Split", attrs: ax(1), in: []*ir.Tensor{iota32(2, 4)},
			want: []*ir.Tensor{f32(sh(2, 2), 0, 1, 4, 5), f32(sh(2, 2), 2, 3, 6, 7)}},
		{name: "sizes", op: "Split", in: []*ir.Tensor{iota32(6), i64(sh(3), 1, 2, 3)},
			want: []*ir.Tensor{f32(sh(1), 0), f32(sh(2), 1, 2), f32(sh(3), 3, 4, 5)}},
		{name: "zero size", op: "Split", in: []*ir.Tensor{iota32(3), i64(sh(2), 0, 3)},
			want: []*ir.Tensor{f32(sh(0)), f32(sh(3), 0, 1, 2)}},
		{name: "negative axis sizes", op: "Split", attrs: ax(-1), in: []*ir.Tensor{iota32(2, 3), i64(sh(2), 2, 1)},
			want: []*ir.Tensor{f32(sh(2, 2), 0, 1, 3, 4), f32(sh(2, 1), 2, 5)}},
		{name: "bad sum", op: "Split", in: []*ir.Tensor{iota32(6), i64(sh(2), 1, 2)},
			want: []*ir.Tensor{nil, nil}, err: "sums to 3", inferErr: "sums to 3"},
		{name: "uneven", op: "Split", in: []*ir.Tensor{iota32(5)},
			want: []*ir.Tensor{nil, nil}, err: "equal parts", inferErr: "equal parts"},
	})
}

func TestSliceGather(t *testing.T) {
	x := iota32(3, 4) // rows 0..3, 4..7, 8..11
	const maxI = int64(1<<63 - 1)
	ax := func(a int64) ir.Attrs { return ir.Attrs{"axis": ir.IntAttr(a)} }
	runKernelCases(t, []kernelCase{
		{name: "spec example 1", op: "Slice", in: []*ir.Tensor{iota32(2, 4), i64(sh(2), 1, 0), i64(sh(2), 2, 3), i64(sh(2), 0, 1), i64(sh(2), 1, 2)},
			want: []*ir.Tensor{f32(sh(1, 2), 4, 6)}},
		{name: "spec example 2", op: "Slice", in: []*ir.Tensor{iota32(2, 4), i64(sh(2), 0, 1), i64(sh(2), -1, 1000)},
			want: []*ir.Tensor{f32(sh(1, 3), 1, 2, 3)}},
		{name: "negative step", op: "Slice", in: []*ir.Tensor{x, i64(sh(1), -1), i64(sh(1), -maxI), i64(sh(1), 1), i64(sh(1), -2)},
			want: []*ir.Tensor{f32(sh(3, 2), 3, 1, 7, 5, 11, 9)}},
		{name: "reverse rows", op: "Slice", in: []*ir.Tensor{x, i64(sh(1), 10), i64(sh(1), -10), i64(sh(1), 0), i64(sh(1), -1)},
			want: []*ir.Tensor{f32(sh(3, 4), 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3)}},
		{name: "negative axis int32 indices", op: "Slice", in: []*ir.Tensor{x, i32(sh(1), 1), i32(sh(1), 3), i32(sh(1), -1)},
			want: []*ir.Tensor{f32(sh(3, 2), 1, 2, 5, 6, 9, 10)}},
		{name: "start out of bounds", op: "Slice", in: []*ir.Tensor{x, i64(sh(1), 1000), i64(sh(1), 1001), i64(sh(1), 1)},
			want: []*ir.Tensor{f32(sh(3, 0))}},
		{name: "empty", op: "Slice", in: []*ir.Tensor{x, i64(sh(1), 2), i64(sh(1), 1)},
			want: []*ir.Tensor{f32(sh(0, 4))}},
		{name: "zero step", op: "Slice", in: []*ir.Tensor{x, i64(sh(1), 0), i64(sh(1), 1), nil, i64(sh(1), 0)},
			err: "has a 0", inferErr: "has a 0"},
		{name: "lengths", op: "Slice", in: []*ir.Tensor{x, i64(sh(2), 0, 0), i64(sh(1), 1)},
			err: "differ in length", inferErr: "differ in length"},
		{name: "rows", op: "Gather", in: []*ir.Tensor{x, i64(sh(2), 2, 0)},
			want: []*ir.Tensor{f32(sh(2, 4), 8, 9, 10, 11, 0, 1, 2, 3)}},
		{name: "negative columns", op: "Gather", attrs: ax(1), in: []*ir.Tensor{x, i64(sh(2, 1), -1, 0)},
			want: []*ir.Tensor{f32(sh(3, 2, 1), 3, 0, 7, 4, 11, 8)}},
		{name: "scalar index", op: "Gather", in: []*ir.Tensor{x, i32(scalar, 1)},
			want: []*ir.Tensor{f32(sh(4), 4, 5, 6, 7)}},
		{name: "int64 data", op: "Gather", in: []*ir.Tensor{i64(sh(3), 10, 20, 30), i64(sh(2, 2), 0, 1, 2, -3)},
			want: []*ir.Tensor{i64(sh(2, 2), 10, 20, 30, 10)}},
		{name: "out of range", op: "Gather", in: []*ir.Tensor{x, i64(sh(1), 3)}, err: "out of range"},
		{name: "float indices", op: "Gather", in: []*ir.Tensor{x, f32(sh(1), 1)}, err: "indices", inferErr: "indices"},
	})
}

func TestExpandShapeConstants(t *testing.T) {
	runKernelCases(t, []kernelCase{
		{name: "column", op: "Expand", in: []*ir.Tensor{f32(sh(3, 1), 1, 2, 3), i64(sh(2), 2, 4)}, err: "cannot be broadcast", inferErr: "cannot be broadcast"},
		{name: "dim changed", op: "Expand", in: []*ir.Tensor{f32(sh(3, 1), 1, 2, 3), i64(sh(3), 2, 1, 2)},
			want: []*ir.Tensor{f32(sh(2, 3, 2), 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3)}},
		{name: "smaller shape", op: "Expand", in: []*ir.Tensor{f32(sh(2, 2), 1, 2, 3, 4), i64(sh(1), 2)},
			want: []*ir.Tensor{f32(sh(2, 2), 1, 2, 3, 4)}},
		{name: "bool scalar", op: "Expand", in: []*ir.Tensor{bl(scalar, true), i64(sh(1), 3)}, want: []*ir.Tensor{bl(sh(3), true, true, true)}},
		{name: "negative", op: "Expand", in: []*ir.Tensor{f32(scalar, 1), i64(sh(1), -3)}, err: "invalid dimension", inferErr: "negative"},
		{name: "huge", op: "Expand", in: []*ir.Tensor{f32(scalar, 1), i64(sh(2), 1<<20, 1<<20)}, err: "too many"},
		{name: "all", op: "Shape", in: []*ir.Tensor{iota32(2, 3, 4)}, want: []*ir.Tensor{i64(sh(3), 2, 3, 4)}},
		{name: "start end", op: "Shape", attrs: ir.Attrs{"start": ir.IntAttr(1), "end": ir.IntAttr(-1)}, in: []*ir.Tensor{iota32(2, 3, 4)}, want: []*ir.Tensor{i64(sh(1), 3)}},
		{name: "clipped", op: "Shape", attrs: ir.Attrs{"start": ir.IntAttr(-10), "end": ir.IntAttr(10)}, in: []*ir.Tensor{iota32(2, 3)}, want: []*ir.Tensor{i64(sh(2), 2, 3)}},
		{name: "empty range", op: "Shape", attrs: ir.Attrs{"start": ir.IntAttr(2), "end": ir.IntAttr(1)}, in: []*ir.Tensor{iota32(2, 3, 4)}, want: []*ir.Tensor{i64(sh(0))}},
		{name: "scalar", op: "Shape", in: []*ir.Tensor{f32(scalar, 1)}, want: []*ir.Tensor{i64(sh(0))}},
		{name: "matrix", op: "Size", in: []*ir.Tensor{iota32(2, 3)}, want: []*ir.Tensor{i64(scalar, 6)}},
		{name: "empty", op: "Size", in: []*ir.Tensor{bl(sh(0, 3))}, want: []*ir.Tensor{i64(scalar, 0)}},
		{name: "tensor", op: "Constant", attrs: ir.Attrs{"value": ir.TensorAttr(f32(sh(2), 1, 2))}, want: []*ir.Tensor{f32(sh(2), 1, 2)}},
		{name: "value_float", op: "Constant", attrs: ir.Attrs{"value_float": ir.FloatAttr(2.5)}, want: []*ir.Tensor{f32(scalar, 2.5)}},
		{name: "value_floats", op: "Constant", attrs: ir.Attrs{"value_floats": ir.FloatsAttr(1, 2)}, want: []*ir.Tensor{f32(sh(2), 1, 2)}},
		{name: "value_int", op: "Constant", attrs: ir.Attrs{"value_int": ir.IntAttr(-4)}, want: []*ir.Tensor{i64(scalar, -4)}},
		{name: "value_ints", op: "Constant", attrs: ir.Attrs{"value_ints": ir.IntsAttr(3, 4, 5)}, want: []*ir.Tensor{i64(sh(3), 3, 4, 5)}},
		{name: "none", op: "Constant", want: []*ir.Tensor{nil}, err: "exactly one", inferErr: "exactly one"},
		{name: "default", op: "ConstantOfShape", in: []*ir.Tensor{i64(sh(2), 2, 1)}, want: []*ir.Tensor{f32(sh(2, 1), 0, 0)}},
		{name: "int64 value", op: "ConstantOfShape", attrs: ir.Attrs{"value": ir.TensorAttr(i64(sh(1), 7))}, in: []*ir.Tensor{i64(sh(1), 3)}, want: []*ir.Tensor{i64(sh(3), 7, 7, 7)}},
		{name: "scalar", op: "ConstantOfShape", attrs: ir.Attrs{"value": ir.TensorAttr(f32(sh(1), 1))}, in: []*ir.Tensor{i64(sh(0))}, want: []*ir.Tensor{f32(scalar, 1)}},
		{name: "zero dim", op: "ConstantOfShape", in: []*ir.Tensor{i64(sh(2), 0, 5)}, want: []*ir.Tensor{f32(sh(0, 5))}},
		{name: "two values", op: "ConstantOfShape", attrs: ir.Attrs{"value": ir.TensorAttr(f32(sh(2), 1, 2))}, in: []*ir.Tensor{i64(sh(1), 3)}, err: "one element", inferErr: "one element"},
		{name: "huge", op: "ConstantOfShape", in: []*ir.Tensor{i64(sh(3), 1<<20, 1<<20, 1<<20)}, err: "too many"},
		{name: "int", op: "Range", in: []*ir.Tensor{i64(scalar, 3), i64(scalar, 9), i64(scalar, 3)}, want: []*ir.Tensor{i64(sh(2), 3, 6)}},
		{name: "int negative", op: "Range", in: []*ir.Tensor{i64(scalar, 10), i64(scalar, 4), i64(scalar, -2)}, want: []*ir.Tensor{i64(sh(3), 10, 8, 6)}},
		{name: "float", op: "Range", in: []*ir.Tensor{f32(scalar, 1), f32(scalar, 2), f32(scalar, 0.25)}, want: []*ir.Tensor{f32(sh(4), 1, 1.25, 1.5, 1.75)}},
		{name: "empty", op: "Range", in: []*ir.Tensor{i32(scalar, 5), i32(scalar, 1), i32(scalar, 1)}, want: []*ir.Tensor{i32(sh(0))}},
		{name: "zero delta", op: "Range", in: []*ir.Tensor{i64(scalar, 1), i64(scalar, 5), i64(scalar, 0)}, err: "delta is 0", inferErr: "delta is 0"},
		{name: "huge", op: "Range", in: []*ir.Tensor{i64(scalar, 0), i64(scalar, 1<<40), i64(scalar, 1)}, err: "too many", inferErr: "too many"},
		{name: "types", op: "Range", in: []*ir.Tensor{i64(scalar, 0), i32(scalar, 3), i64(scalar, 1)}, err: "input 1 is int32", inferErr: "different element types"},
	})
}
