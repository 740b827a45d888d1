package ir

import (
	"fmt"
	"math"
	"slices"
)

// Helpers shared by the shape and type inference of the standard
// operators.

// Type sets used in operator type checks.
var (
	floatTypes   = []DType{Float32, Float64}
	numericTypes = []DType{Float32, Float64, Int32, Int64}
	anyTypes     = []DType{Float32, Float64, Int32, Int64, Bool}
	indexTypes   = []DType{Int32, Int64}
)

// checkDType returns an error unless dt is one of allowed. what names the
// input ("input 0", "X").
func checkDType(what string, dt DType, allowed []DType) error {
	if dt == Undefined || slices.Contains(allowed, dt) {
		return nil
	}
	return fmt.Errorf("%s has element type %s, operator takes %v", what, dt, allowed)
}

// inShape returns the shape of input i, or nil (unknown rank) if the input
// is missing.
func inShape(n *Node, i int) Shape {
	if v := n.Input(i); v != nil {
		return v.Shape
	}
	return nil
}

// inType returns the element type of input i, or Undefined.
func inType(n *Node, i int) DType {
	if v := n.Input(i); v != nil {
		return v.DType
	}
	return Undefined
}

// setOutput sets the type and shape of output i if the node asks for it.
func setOutput(n *Node, i int, dt DType, s Shape) {
	if v := n.Output(i); v != nil {
		v.DType, v.Shape = dt, s
	}
}

// constInts returns the elements of input i as int64s when the input is a
// constant of an integer type.
func constInts(n *Node, i int) ([]int64, bool) {
	v := n.Input(i)
	if !v.IsConst() || (v.Const.DType != Int64 && v.Const.DType != Int32) {
		return nil, false
	}
	return v.Const.Int64s(), true
}

// normalizeAxis maps axis, which may count from the end when negative, into
// [0, rank). It returns an error naming the axis if it is out of range.
func normalizeAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// normalizeAxes normalises a list of axes and rejects duplicates.
func normalizeAxes(axes []int64, rank int) ([]int, error) {
	out := make([]int, len(axes))
	seen := make(map[int]bool, len(axes))
	for i, a := range axes {
		ax, err := normalizeAxis(a, rank)
		if err != nil {
			return nil, err
		}
		if seen[ax] {
			return nil, fmt.Errorf("axis %d appears twice in %v", ax, axes)
		}
		seen[ax] = true
		out[i] = ax
	}
	return out, nil
}

// dimProduct returns the product of dims: a known size when all are known,
// the one symbolic dim when the others multiply to 1, and Unknown
// otherwise.
func dimProduct(dims []Dim) Dim {
	known := 1
	var sym []Dim
	for _, d := range dims {
		if d.Known() {
			if d.Size != 0 && known > math.MaxInt/d.Size {
				return Unknown
			}
			known *= d.Size
		} else {
			sym = append(sym, d)
		}
	}
	switch {
	case known == 0:
		return D(0)
	case len(sym) == 0:
		return D(known)
	case len(sym) == 1 && known == 1:
		return sym[0]
	}
	return Unknown
}

// unknownShape returns a shape of rank r with every dimension unknown, or
// nil if r < 0.
func unknownShape(r int) Shape {
	if r < 0 {
		return nil
	}
	s := make(Shape, r)
	for i := range s {
		s[i] = Unknown
	}
	return s
}

// sameDTypes checks that inputs lo..hi-1 (the present ones) share one
// element type and returns it.
func sameDTypes(n *Node, lo, hi int) (DType, error) {
	dt := Undefined
	for i := lo; i < hi && i < len(n.Inputs); i++ {
		v := n.Inputs[i]
		if v == nil || v.DType == Undefined {
			continue
		}
		if dt == Undefined {
			dt = v.DType
		} else if v.DType != dt {
			return Undefined, fmt.Errorf("inputs have different element types %s and %s", dt, v.DType)
		}
	}
	return dt, nil
}
