package reference

import (
	"fmt"
	"math"
	"slices"

	"github.com/latent-go/latent/ir"
)

// Kernels of ReduceSum, ReduceMean, ReduceMax and ReduceMin. Float sums
// accumulate in float64 and round once; integer sums accumulate exactly in
// int64. A reduction over an empty set gives 0 for a sum, NaN for a float
// mean (0 for an integer one), and for Max (Min) the lowest (highest)
// value of the type: -Inf (+Inf) for floats.

func init() {
	for _, op := range []string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"} {
		Register("", op, reduceKernel(op))
	}
}

func reduceKernel(op string) Kernel {
	return func(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
		if err := checkInputs(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		r := len(x.Shape)
		var axes []int64
		if op == "ReduceSum" {
			a, _, err := intInput(in, 1, "axes")
			if err != nil {
				return nil, err
			}
			if len(a) == 0 && n.Attrs.Int("noop_with_empty_axes", 0) != 0 {
				return []*ir.Tensor{x.Clone()}, nil
			}
			axes = a
		} else {
			axes = n.Attrs.Ints("axes", nil)
		}
		reduced := make([]bool, r)
		for _, a := range axes {
			ax, err := normAxis(a, r)
			if err != nil {
				return nil, err
			}
			if reduced[ax] {
				return nil, fmt.Errorf("axis %d appears twice in %v", ax, axes)
			}
			reduced[ax] = true
		}
		if len(axes) == 0 {
			for i := range reduced {
				reduced[i] = true
			}
		}
		// keptShape has 1 for reduced axes; outIdx maps each input
		// element to its output element.
		keptShape := slices.Clone(x.Shape)
		outShape := []int{}
		for i, d := range x.Shape {
			switch {
			case reduced[i]:
				keptShape[i] = 1
				if n.Attrs.Int("keepdims", 1) != 0 {
					outShape = append(outShape, 1)
				}
			default:
				outShape = append(outShape, d)
			}
		}
		st := strides(keptShape)
		for i := range st {
			if reduced[i] {
				st[i] = 0
			}
		}
		outIdx := offsets(x.Shape, st, 0)
		nOut := ir.NumElements(keptShape)
		var out *ir.Tensor
		switch x.DType {
		case ir.Float32:
			out = tensorOf(outShape, reduceT(op, x.F32, outIdx, nOut))
		case ir.Float64:
			out = tensorOf(outShape, reduceT(op, x.F64, outIdx, nOut))
		case ir.Int32:
			out = tensorOf(outShape, reduceT(op, x.I32, outIdx, nOut))
		case ir.Int64:
			out = tensorOf(outShape, reduceT(op, x.I64, outIdx, nOut))
		default:
			return nil, fmt.Errorf("element type %s is not supported", x.DType)
		}
		return []*ir.Tensor{out}, nil
	}
}

// reduceT reduces x into nOut elements; element i of x goes to outIdx[i].
func reduceT[T number](op string, x []T, outIdx []int, nOut int) []T {
	out := make([]T, nOut)
	count := make([]int, nOut)
	for _, o := range outIdx {
		count[o]++
	}
	switch op {
	case "ReduceSum", "ReduceMean":
		if isFloat[T]() {
			acc := make([]float64, nOut)
			for i, v := range x {
				acc[outIdx[i]] += float64(v)
			}
			for o, s := range acc {
				if op == "ReduceMean" {
					s /= float64(count[o]) // 0/0 is NaN for an empty set
				}
				out[o] = T(s)
			}
			return out
		}
		acc := make([]int64, nOut)
		for i, v := range x {
			acc[outIdx[i]] += int64(v)
		}
		for o, s := range acc {
			if op == "ReduceMean" && count[o] > 0 {
				s /= int64(count[o])
			}
			out[o] = T(s)
		}
		return out
	case "ReduceMax", "ReduceMin":
		isMax := op == "ReduceMax"
		seen := make([]bool, nOut)
		for i, v := range x {
			o := outIdx[i]
			switch {
			case !seen[o]:
				out[o], seen[o] = v, true
			case v != v: // NaN propagates
				out[o] = v
			case isMax && v > out[o], !isMax && v < out[o]:
				out[o] = v
			}
		}
		for o := range out {
			if !seen[o] {
				if isMax {
					out[o] = lowest[T]()
				} else {
					out[o] = highest[T]()
				}
			}
		}
	}
	return out
}

func isFloat[T number]() bool {
	var z T
	switch any(z).(type) {
	case float32, float64:
		return true
	}
	return false
}

// lowest returns the smallest value of T (-Inf for floats).
func lowest[T number]() T {
	var z T
	var v any
	switch any(z).(type) {
	case float32:
		v = float32(math.Inf(-1))
	case float64:
		v = math.Inf(-1)
	case int32:
		v = int32(math.MinInt32)
	case int64:
		v = int64(math.MinInt64)
	}
	return v.(T)
}

// highest returns the largest value of T (+Inf for floats).
func highest[T number]() T {
	var z T
	var v any
	switch any(z).(type) {
	case float32:
		v = float32(math.Inf(1))
	case float64:
		v = math.Inf(1)
	case int32:
		v = int32(math.MaxInt32)
	case int64:
		v = int64(math.MaxInt64)
	}
	return v.(T)
}
