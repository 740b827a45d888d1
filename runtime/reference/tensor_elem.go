package reference

import (
	"fmt"

	"github.com/latent-go/latent/ir"
)

// elem is the set of Go types an ir.Tensor can hold.
type elem interface {
	float32 | float64 | int32 | int64 | bool
}

// number is the set of numeric element types.
type number interface {
	float32 | float64 | int32 | int64
}

// float is the set of floating-point element types.
type float interface {
	float32 | float64
}

// maxElements bounds the size of tensors whose shape kernels compute from
// data (Range, ConstantOfShape, Expand, ...), so that a bad model fails
// with an error instead of exhausting memory.
const maxElements = 1 << 28

// dtypeOf returns the ir element type of T.
func dtypeOf[T elem]() ir.DType {
	var z T
	switch any(z).(type) {
	case float32:
		return ir.Float32
	case float64:
		return ir.Float64
	case int32:
		return ir.Int32
	case int64:
		return ir.Int64
	}
	return ir.Bool
}

// elems returns t's data slice of type T; it is nil if t does not hold T.
func elems[T elem](t *ir.Tensor) []T {
	var z T
	var s any
	switch any(z).(type) {
	case float32:
		s = t.F32
	case float64:
		s = t.F64
	case int32:
		s = t.I32
	case int64:
		s = t.I64
	case bool:
		s = t.Bool
	}
	return s.([]T)
}

// tensorOf wraps data (not copied) in a tensor of the given shape.
func tensorOf[T elem](shape []int, data []T) *ir.Tensor {
	t := &ir.Tensor{DType: dtypeOf[T](), Shape: append([]int{}, shape...)}
	switch d := any(data).(type) {
	case []float32:
		t.F32 = d
	case []float64:
		t.F64 = d
	case []int32:
		t.I32 = d
	case []int64:
		t.I64 = d
	case []bool:
		t.Bool = d
	}
	return t
}

// gatherElems returns a tensor of the given shape whose element i is src's
// element idx[i]. It is the common core of the data-movement kernels
// (Transpose, Slice, Gather, Expand, ...), which compute the source index
// of every output element and leave the copying, for every element type,
// to it.
func gatherElems(src *ir.Tensor, shape []int, idx []int) (*ir.Tensor, error) {
	switch src.DType {
	case ir.Float32:
		return gatherT(src.F32, shape, idx), nil
	case ir.Float64:
		return gatherT(src.F64, shape, idx), nil
	case ir.Int32:
		return gatherT(src.I32, shape, idx), nil
	case ir.Int64:
		return gatherT(src.I64, shape, idx), nil
	case ir.Bool:
		return gatherT(src.Bool, shape, idx), nil
	}
	return nil, fmt.Errorf("element type %s is not supported", src.DType)
}

func gatherT[T elem](src []T, shape []int, idx []int) *ir.Tensor {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = src[j]
	}
	return tensorOf(shape, out)
}

// reshaped returns a copy of t with a new shape holding the same number of
// elements.
func reshaped(t *ir.Tensor, shape []int) (*ir.Tensor, error) {
	if n := ir.NumElements(shape); n != t.Len() {
		return nil, fmt.Errorf("cannot reshape %d elements (shape %v) to %v", t.Len(), t.Shape, shape)
	}
	c := t.Clone()
	c.Shape = append([]int{}, shape...)
	return c, nil
}

// strides returns the row-major strides of shape.
func strides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = s
		s *= shape[d]
	}
	return st
}

// checkInputs checks that the kernel got at least min present inputs and
// that each present input is well formed.
func checkInputs(in []*ir.Tensor, min int) error {
	if len(in) < min {
		return fmt.Errorf("got %d inputs, need at least %d", len(in), min)
	}
	for i, t := range in {
		if t == nil {
			if i < min {
				return fmt.Errorf("input %d is missing", i)
			}
			continue
		}
		if err := t.Check(); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	return nil
}

// normAxis maps axis (negative counts from the end) into [0, rank).
func normAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}
