package ir

import (
	"fmt"
	"math"
)

// A Tensor is a dense, row-major array of one element type. Exactly one of
// the data slices is used, the one matching DType; its length equals the
// product of Shape (1 for a scalar, whose Shape is empty).
type Tensor struct {
	DType DType
	Shape []int

	F32  []float32
	F64  []float64
	I32  []int32
	I64  []int64
	Bool []bool
}

// NumElements returns the product of the dimensions of shape (1 for an
// empty shape). It returns -1 if a dimension is negative or the product
// overflows.
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt/d {
			return -1
		}
		n *= d
	}
	return n
}

// NewTensor returns a zero-filled tensor of the given type and shape.
func NewTensor(dt DType, shape ...int) (*Tensor, error) {
	n := NumElements(shape)
	if n < 0 {
		return nil, fmt.Errorf("tensor shape %v is invalid", shape)
	}
	t := &Tensor{DType: dt, Shape: append([]int{}, shape...)}
	switch dt {
	case Float32:
		t.F32 = make([]float32, n)
	case Float64:
		t.F64 = make([]float64, n)
	case Int32:
		t.I32 = make([]int32, n)
	case Int64:
		t.I64 = make([]int64, n)
	case Bool:
		t.Bool = make([]bool, n)
	default:
		return nil, fmt.Errorf("tensors of element type %s are not supported", dt)
	}
	return t, nil
}

// Float32Tensor returns a float32 tensor that shares data. It panics if
// len(data) does not match shape; it is meant for literals in code.
func Float32Tensor(shape []int, data []float32) *Tensor {
	mustLen(shape, len(data))
	return &Tensor{DType: Float32, Shape: append([]int{}, shape...), F32: data}
}

// Int64Tensor returns an int64 tensor that shares data. It panics if
// len(data) does not match shape; it is meant for literals in code.
func Int64Tensor(shape []int, data []int64) *Tensor {
	mustLen(shape, len(data))
	return &Tensor{DType: Int64, Shape: append([]int{}, shape...), I64: data}
}

// BoolTensor returns a bool tensor that shares data. It panics if
// len(data) does not match shape; it is meant for literals in code.
func BoolTensor(shape []int, data []bool) *Tensor {
	mustLen(shape, len(data))
	return &Tensor{DType: Bool, Shape: append([]int{}, shape...), Bool: data}
}

func mustLen(shape []int, n int) {
	if NumElements(shape) != n {
		panic(fmt.Sprintf("ir: %d elements do not fill shape %v", n, shape))
	}
}

// Len returns the number of elements held in the tensor's data slice.
func (t *Tensor) Len() int {
	switch t.DType {
	case Float32:
		return len(t.F32)
	case Float64:
		return len(t.F64)
	case Int32:
		return len(t.I32)
	case Int64:
		return len(t.I64)
	case Bool:
		return len(t.Bool)
	}
	return 0
}

// Check verifies that the tensor's type is supported and its data fills its
// shape exactly.
func (t *Tensor) Check() error {
	if t == nil {
		return fmt.Errorf("nil tensor")
	}
	if !t.DType.Supported() {
		return fmt.Errorf("tensors of element type %s are not supported", t.DType)
	}
	n := NumElements(t.Shape)
	if n < 0 {
		return fmt.Errorf("tensor shape %v is invalid", t.Shape)
	}
	if t.Len() != n {
		return fmt.Errorf("tensor of shape %v needs %d elements, has %d", t.Shape, n, t.Len())
	}
	return nil
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{DType: t.DType, Shape: append([]int{}, t.Shape...)}
	if t.F32 != nil {
		c.F32 = append([]float32{}, t.F32...)
	}
	if t.F64 != nil {
		c.F64 = append([]float64{}, t.F64...)
	}
	if t.I32 != nil {
		c.I32 = append([]int32{}, t.I32...)
	}
	if t.I64 != nil {
		c.I64 = append([]int64{}, t.I64...)
	}
	if t.Bool != nil {
		c.Bool = append([]bool{}, t.Bool...)
	}
	return c
}

// Float64At returns element i converted to float64 (true is 1).
func (t *Tensor) Float64At(i int) float64 {
	switch t.DType {
	case Float32:
		return float64(t.F32[i])
	case Float64:
		return t.F64[i]
	case Int32:
		return float64(t.I32[i])
	case Int64:
		return float64(t.I64[i])
	case Bool:
		if t.Bool[i] {
			return 1
		}
	}
	return 0
}

// Int64At returns element i converted to int64 (floats truncate toward
// zero, true is 1).
func (t *Tensor) Int64At(i int) int64 {
	switch t.DType {
	case Float32:
		return int64(t.F32[i])
	case Float64:
		return int64(t.F64[i])
	case Int32:
		return int64(t.I32[i])
	case Int64:
		return t.I64[i]
	case Bool:
		if t.Bool[i] {
			return 1
		}
	}
	return 0
}

// SetFloat64 stores v, converted to the tensor's type, at element i.
func (t *Tensor) SetFloat64(i int, v float64) {
	switch t.DType {
	case Float32:
		t.F32[i] = float32(v)
	case Float64:
		t.F64[i] = v
	case Int32:
		t.I32[i] = int32(v)
	case Int64:
		t.I64[i] = int64(v)
	case Bool:
		t.Bool[i] = v != 0
	}
}

// Int64s returns the tensor's elements converted to int64: the usual way
// to read a shape, axes or indices tensor of any integer type.
func (t *Tensor) Int64s() []int64 {
	if t.DType == Int64 {
		return t.I64
	}
	out := make([]int64, t.Len())
	for i := range out {
		out[i] = t.Int64At(i)
	}
	return out
}

// Bytes returns the size of the tensor's data in bytes.
func (t *Tensor) Bytes() int { return t.Len() * t.DType.Size() }
