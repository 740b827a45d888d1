package onnxgo

import (
	"errors"
	"fmt"
	"slices"

	"gorgonia.org/tensor"

	"github.com/latent-go/latent/ir"
)

// dtypeOf maps a gorgonia element type to latent's.
func dtypeOf(t tensor.Tensor) (ir.DType, error) {
	if t == nil {
		return ir.Undefined, errors.New("no tensor")
	}
	switch t.Dtype() {
	case tensor.Float32:
		return ir.Float32, nil
	case tensor.Float64:
		return ir.Float64, nil
	case tensor.Int32:
		return ir.Int32, nil
	case tensor.Int64:
		return ir.Int64, nil
	case tensor.Bool:
		return ir.Bool, nil
	}
	return ir.Undefined, fmt.Errorf("element type %v is not supported", t.Dtype())
}

// FromTensor copies a gorgonia tensor into a latent tensor.
func FromTensor(t tensor.Tensor) (*ir.Tensor, error) {
	dt, err := dtypeOf(t)
	if err != nil {
		return nil, err
	}
	if d, ok := t.(*tensor.Dense); ok && (d.IsMaterializable() || d.RequiresIterator()) {
		t = d.Materialize()
	}
	// gorgonia calls shape [1] "scalar" too; keep the dimensions as given.
	shape := slices.Clone([]int(t.Shape()))
	if shape == nil {
		shape = []int{}
	}
	out := &ir.Tensor{DType: dt, Shape: shape}
	data := t.Data()
	switch v := data.(type) {
	case []float32:
		out.F32 = slices.Clone(v)
	case float32:
		out.F32 = []float32{v}
	case []float64:
		out.F64 = slices.Clone(v)
	case float64:
		out.F64 = []float64{v}
	case []int32:
		out.I32 = slices.Clone(v)
	case int32:
		out.I32 = []int32{v}
	case []int64:
		out.I64 = slices.Clone(v)
	case int64:
		out.I64 = []int64{v}
	case []bool:
		out.Bool = slices.Clone(v)
	case bool:
		out.Bool = []bool{v}
	default:
		return nil, fmt.Errorf("tensor data of Go type %T", data)
	}
	if err := out.Check(); err != nil {
		return nil, err
	}
	return out, nil
}

// ToTensor copies a latent tensor into a gorgonia dense tensor. A scalar
// becomes a gorgonia scalar.
func ToTensor(t *ir.Tensor) (tensor.Tensor, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	if len(t.Shape) == 0 {
		switch t.DType {
		case ir.Float32:
			return tensor.New(tensor.FromScalar(t.F32[0])), nil
		case ir.Float64:
			return tensor.New(tensor.FromScalar(t.F64[0])), nil
		case ir.Int32:
			return tensor.New(tensor.FromScalar(t.I32[0])), nil
		case ir.Int64:
			return tensor.New(tensor.FromScalar(t.I64[0])), nil
		case ir.Bool:
			return tensor.New(tensor.FromScalar(t.Bool[0])), nil
		}
	}
	var backing any
	switch t.DType {
	case ir.Float32:
		backing = slices.Clone(t.F32)
	case ir.Float64:
		backing = slices.Clone(t.F64)
	case ir.Int32:
		backing = slices.Clone(t.I32)
	case ir.Int64:
		backing = slices.Clone(t.I64)
	case ir.Bool:
		backing = slices.Clone(t.Bool)
	default:
		return nil, fmt.Errorf("element type %s", t.DType)
	}
	if t.Len() == 0 {
		// gorgonia cannot hold an empty array; its shape alone is kept.
		return tensor.New(tensor.Of(tensorDtype(t.DType)), tensor.WithShape(t.Shape...)), nil
	}
	return tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(backing)), nil
}

func tensorDtype(dt ir.DType) tensor.Dtype {
	switch dt {
	case ir.Float64:
		return tensor.Float64
	case ir.Int32:
		return tensor.Int32
	case ir.Int64:
		return tensor.Int64
	case ir.Bool:
		return tensor.Bool
	}
	return tensor.Float32
}
