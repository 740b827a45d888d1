package reference

import (
	"fmt"
	"slices"

	"github.com/latent-go/latent/ir"
)

// Kernels of the data-movement and shape operators. Most compute, for
// every output element, the index of the input element it copies, and let
// gatherElems do the copying for every element type.

func init() {
	Register("", "Flatten", flattenKernel)
	Register("", "Reshape", reshapeKernel)
	Register("", "Transpose", transposeKernel)
	Register("", "Squeeze", squeezeKernel)
	Register("", "Unsqueeze", unsqueezeKernel)
	Register("", "Concat", concatKernel)
	Register("", "Split", splitKernel)
	Register("", "Slice", sliceKernel)
	Register("", "Gather", gatherKernel)
	Register("", "Expand", expandKernel)
	Register("", "Shape", shapeKernel)
	Register("", "Size", sizeKernel)
	Register("", "Constant", constantKernel)
	Register("", "ConstantOfShape", constantOfShapeKernel)
	Register("", "Range", rangeKernel)
}

// offsets returns, in row-major order over shape, base plus the dot
// product of each index with strides.
func offsets(shape, strides []int, base int) []int {
	n := ir.NumElements(shape)
	out := make([]int, 0, max(n, 0))
	if n <= 0 {
		return out
	}
	idx := make([]int, len(shape))
	off := base
	for range n {
		out = append(out, off)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			off += strides[d]
			if idx[d] < shape[d] {
				break
			}
			off -= strides[d] * shape[d]
			idx[d] = 0
		}
	}
	return out
}

// intInput returns input i (an int32 or int64 tensor) as int64s; ok is
// false if the input is omitted.
func intInput(in []*ir.Tensor, i int, what string) (v []int64, ok bool, err error) {
	if i >= len(in) || in[i] == nil {
		return nil, false, nil
	}
	t := in[i]
	if t.DType != ir.Int64 && t.DType != ir.Int32 {
		return nil, false, fmt.Errorf("%s is %s, want an integer type", what, t.DType)
	}
	if len(t.Shape) > 1 {
		return nil, false, fmt.Errorf("%s must be 1-D, has shape %v", what, t.Shape)
	}
	return t.Int64s(), true, nil
}

func one(t *ir.Tensor, err error) ([]*ir.Tensor, error) {
	if err != nil {
		return nil, err
	}
	return []*ir.Tensor{t}, nil
}

func flattenKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	r := len(x.Shape)
	axis := n.Attrs.Int("axis", 1)
	if axis < -int64(r) || axis > int64(r) {
		return nil, fmt.Errorf("axis %d is out of range [%d, %d]", axis, -r, r)
	}
	if axis < 0 {
		axis += int64(r)
	}
	return one(reshaped(x, []int{ir.NumElements(x.Shape[:axis]), ir.NumElements(x.Shape[axis:])}))
}

func reshapeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 2); err != nil {
		return nil, err
	}
	x := in[0]
	if in[1].DType != ir.Int64 {
		return nil, fmt.Errorf("shape is %s, want int64", in[1].DType)
	}
	spec, _, err := intInput(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	allowzero := n.Attrs.Int("allowzero", 0) != 0
	shape := make([]int, len(spec))
	neg, known := -1, 1
	for i, v := range spec {
		switch {
		case v == -1:
			if neg >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", spec)
			}
			neg = i
			continue
		case v < -1:
			return nil, fmt.Errorf("shape %v has invalid dimension %d", spec, v)
		case v == 0 && !allowzero:
			if i >= len(x.Shape) {
				return nil, fmt.Errorf("shape %v copies dimension %d (0), but the input has rank %d", spec, i, len(x.Shape))
			}
			shape[i] = x.Shape[i]
		case v > int64(x.Len()) && x.Len() > 0:
			return nil, fmt.Errorf("shape %v: dimension %d exceeds the input's %d elements", spec, v, x.Len())
		default:
			shape[i] = int(v)
		}
		known *= max(shape[i], 1)
		if shape[i] == 0 {
			known = 0
		}
	}
	if neg >= 0 {
		if known == 0 || x.Len()%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", x.Shape, x.Len(), spec)
		}
		shape[neg] = x.Len() / known
	}
	return one(reshaped(x, shape))
}

func transposeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	r := len(x.Shape)
	perm := n.Attrs.Ints("perm", nil)
	if !n.Attrs.Has("perm") {
		perm = make([]int64, r)
		for i := range perm {
			perm[i] = int64(r - 1 - i)
		}
	}
	if len(perm) != r {
		return nil, fmt.Errorf("perm %v has %d entries, input has rank %d", perm, len(perm), r)
	}
	seen := make([]bool, r)
	st := strides(x.Shape)
	shape := make([]int, r)
	pst := make([]int, r)
	for i, p := range perm {
		if p < 0 || p >= int64(r) || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation of 0..%d", perm, r-1)
		}
		seen[p] = true
		shape[i], pst[i] = x.Shape[p], st[p]
	}
	return one(gatherElems(x, shape, offsets(shape, pst, 0)))
}

func squeezeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	axes, given, err := intInput(in, 1, "axes")
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(x.Shape))
	if !given || len(axes) == 0 {
		for i, d := range x.Shape {
			drop[i] = d == 1
		}
	}
	for _, a := range axes {
		ax, err := normAxis(a, len(x.Shape))
		if err != nil {
			return nil, err
		}
		if x.Shape[ax] != 1 {
			return nil, fmt.Errorf("cannot squeeze axis %d of size %d (shape %v)", ax, x.Shape[ax], x.Shape)
		}
		drop[ax] = true
	}
	shape := []int{}
	for i, d := range x.Shape {
		if !drop[i] {
			shape = append(shape, d)
		}
	}
	return one(reshaped(x, shape))
}

func unsqueezeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 2); err != nil {
		return nil, err
	}
	x := in[0]
	axes, _, err := intInput(in, 1, "axes")
	if err != nil {
		return nil, err
	}
	r := len(x.Shape) + len(axes)
	ones := make([]bool, r)
	for _, a := range axes {
		ax, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		if ones[ax] {
			return nil, fmt.Errorf("axis %d appears twice in %v", ax, axes)
		}
		ones[ax] = true
	}
	shape := make([]int, r)
	j := 0
	for i := range shape {
		if ones[i] {
			shape[i] = 1
		} else {
			shape[i] = x.Shape[j]
			j++
		}
	}
	return one(reshaped(x, shape))
}

func concatKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, len(in)); err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("needs at least one input")
	}
	if err := sameType(in); err != nil {
		return nil, err
	}
	r := len(in[0].Shape)
	axis, err := normAxis(n.Attrs.Int("axis", 0), r)
	if err != nil {
		return nil, err
	}
	shape := slices.Clone(in[0].Shape)
	shape[axis] = 0
	for i, t := range in {
		if len(t.Shape) != r {
			return nil, fmt.Errorf("input %d has rank %d, input 0 rank %d", i, len(t.Shape), r)
		}
		for d := range r {
			if d != axis && t.Shape[d] != shape[d] {
				return nil, fmt.Errorf("input %d has shape %v, which does not match input 0's %v outside axis %d", i, t.Shape, in[0].Shape, axis)
			}
		}
		shape[axis] += t.Shape[axis]
	}
	// Lay the inputs end to end in one source and gather from it.
	total := 0
	for _, t := range in {
		total += t.Len()
	}
	src, err := ir.NewTensor(in[0].DType, total)
	if err != nil {
		return nil, err
	}
	base := make([]int, len(in))
	pos := 0
	for i, t := range in {
		base[i] = pos
		for j := range t.Len() {
			copyElem(src, pos+j, t, j)
		}
		pos += t.Len()
	}
	outer := ir.NumElements(shape[:axis])
	inner := ir.NumElements(shape[axis+1:])
	idx := make([]int, 0, ir.NumElements(shape))
	for o := range outer {
		for i, t := range in {
			block := t.Shape[axis] * inner
			for j := range block {
				idx = append(idx, base[i]+o*block+j)
			}
		}
	}
	return one(gatherElems(src, shape, idx))
}

// copyElem sets dst[i] = src[j]; both hold the same element type.
func copyElem(dst *ir.Tensor, i int, src *ir.Tensor, j int) {
	switch dst.DType {
	case ir.Float32:
		dst.F32[i] = src.F32[j]
	case ir.Float64:
		dst.F64[i] = src.F64[j]
	case ir.Int32:
		dst.I32[i] = src.I32[j]
	case ir.Int64:
		dst.I64[i] = src.I64[j]
	case ir.Bool:
		dst.Bool[i] = src.Bool[j]
	}
}

func splitKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	k := len(n.Outputs)
	if k == 0 {
		return nil, fmt.Errorf("node has no outputs")
	}
	axis, err := normAxis(n.Attrs.Int("axis", 0), len(x.Shape))
	if err != nil {
		return nil, err
	}
	dim := x.Shape[axis]
	split, given, err := intInput(in, 1, "split")
	if err != nil {
		return nil, err
	}
	sizes := make([]int, k)
	if given {
		if len(split) != k {
			return nil, fmt.Errorf("split %v has %d entries for %d outputs", split, len(split), k)
		}
		total := 0
		for i, s := range split {
			if s < 0 || s > int64(dim) {
				return nil, fmt.Errorf("split %v has size %d outside [0, %d]", split, s, dim)
			}
			sizes[i] = int(s)
			total += int(s)
		}
		if total != dim {
			return nil, fmt.Errorf("split %v sums to %d, axis %d has size %d", split, total, axis, dim)
		}
	} else {
		if dim%k != 0 {
			return nil, fmt.Errorf("axis %d of size %d cannot be split into %d equal parts", axis, dim, k)
		}
		for i := range sizes {
			sizes[i] = dim / k
		}
	}
	st := strides(x.Shape)
	outs := make([]*ir.Tensor, k)
	start := 0
	for i, s := range sizes {
		shape := slices.Clone(x.Shape)
		shape[axis] = s
		t, err := gatherElems(x, shape, offsets(shape, st, start*st[axis]))
		if err != nil {
			return nil, err
		}
		outs[i] = t
		start += s
	}
	return outs, nil
}

func sliceKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 3); err != nil {
		return nil, err
	}
	x := in[0]
	r := len(x.Shape)
	starts, _, err := intInput(in, 1, "starts")
	if err != nil {
		return nil, err
	}
	ends, _, err := intInput(in, 2, "ends")
	if err != nil {
		return nil, err
	}
	axes, hasAxes, err := intInput(in, 3, "axes")
	if err != nil {
		return nil, err
	}
	steps, hasSteps, err := intInput(in, 4, "steps")
	if err != nil {
		return nil, err
	}
	if !hasAxes {
		axes = make([]int64, len(starts))
		for i := range axes {
			axes[i] = int64(i)
		}
	}
	if !hasSteps {
		steps = make([]int64, len(starts))
		for i := range steps {
			steps[i] = 1
		}
	}
	if len(ends) != len(starts) || len(axes) != len(starts) || len(steps) != len(starts) {
		return nil, fmt.Errorf("starts %v, ends %v, axes %v and steps %v differ in length", starts, ends, axes, steps)
	}
	shape := slices.Clone(x.Shape)
	st := strides(x.Shape)
	step := slices.Clone(st)
	base := 0
	seen := make([]bool, r)
	for i, a := range axes {
		ax, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		if seen[ax] {
			return nil, fmt.Errorf("axis %d appears twice in %v", ax, axes)
		}
		seen[ax] = true
		if steps[i] == 0 {
			return nil, fmt.Errorf("steps %v has a 0", steps)
		}
		first, count := ir.SliceRange(starts[i], ends[i], steps[i], x.Shape[ax])
		shape[ax] = count
		if count > 0 {
			base += first * st[ax]
		}
		step[ax] = st[ax] * int(steps[i])
	}
	return one(gatherElems(x, shape, offsets(shape, step, base)))
}

func gatherKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 2); err != nil {
		return nil, err
	}
	x, ind := in[0], in[1]
	if ind.DType != ir.Int64 && ind.DType != ir.Int32 {
		return nil, fmt.Errorf("indices are %s, want int32 or int64", ind.DType)
	}
	if len(x.Shape) == 0 {
		return nil, fmt.Errorf("data must have rank >= 1")
	}
	axis, err := normAxis(n.Attrs.Int("axis", 0), len(x.Shape))
	if err != nil {
		return nil, err
	}
	dim := x.Shape[axis]
	outer := ir.NumElements(x.Shape[:axis])
	inner := ir.NumElements(x.Shape[axis+1:])
	indices := slices.Clone(ind.Int64s())
	for i, k := range indices {
		if k < -int64(dim) || k >= int64(dim) {
			return nil, fmt.Errorf("index %d (element %d of indices) is out of range for axis %d of size %d", k, i, axis, dim)
		}
		if k < 0 {
			indices[i] = k + int64(dim)
		}
	}
	shape := slices.Concat(x.Shape[:axis], ind.Shape, x.Shape[axis+1:])
	if ir.NumElements(shape) < 0 || ir.NumElements(shape) > maxElements {
		return nil, fmt.Errorf("output shape %v is too large", shape)
	}
	idx := make([]int, 0, ir.NumElements(shape))
	for o := range outer {
		for _, k := range indices {
			for j := range inner {
				idx = append(idx, (o*dim+int(k))*inner+j)
			}
		}
	}
	return one(gatherElems(x, shape, idx))
}

func expandKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 2); err != nil {
		return nil, err
	}
	x := in[0]
	if in[1].DType != ir.Int64 {
		return nil, fmt.Errorf("shape is %s, want int64", in[1].DType)
	}
	spec, _, err := intInput(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	target, err := dimsFrom(spec, "shape")
	if err != nil {
		return nil, err
	}
	shape, err := ir.BroadcastInts(x.Shape, target)
	if err != nil {
		return nil, err
	}
	if n := ir.NumElements(shape); n < 0 || n > maxElements {
		return nil, fmt.Errorf("output shape %v is too large", shape)
	}
	bc, err := unidirectional(x.Shape, shape)
	if err != nil {
		return nil, err
	}
	idx := make([]int, bc.size())
	bc.each(func(i int, off []int) { idx[i] = off[1] })
	return one(gatherElems(x, shape, idx))
}

// dimsFrom converts a shape given as data into ints, rejecting negative
// dimensions and shapes with too many elements.
func dimsFrom(spec []int64, what string) ([]int, error) {
	dims := make([]int, len(spec))
	for i, v := range spec {
		if v < 0 || v > maxElements {
			return nil, fmt.Errorf("%s %v has invalid dimension %d", what, spec, v)
		}
		dims[i] = int(v)
	}
	if n := ir.NumElements(dims); n < 0 || n > maxElements {
		return nil, fmt.Errorf("%s %v has too many elements", what, spec)
	}
	return dims, nil
}

func shapeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	s, e := ir.ShapeRange(n.Attrs.Int("start", 0), n.Attrs.Int("end", 0), n.Attrs.Has("end"), len(x.Shape))
	out := make([]int64, e-s)
	for i := range out {
		out[i] = int64(x.Shape[s+i])
	}
	return []*ir.Tensor{ir.Int64Tensor([]int{len(out)}, out)}, nil
}

func sizeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	return []*ir.Tensor{ir.Int64Tensor(nil, []int64{int64(in[0].Len())})}, nil
}

func constantKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	return one(ir.ConstantValue(n.Attrs))
}

func constantOfShapeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 1); err != nil {
		return nil, err
	}
	if in[0].DType != ir.Int64 {
		return nil, fmt.Errorf("input is %s, want int64", in[0].DType)
	}
	spec, _, err := intInput(in, 0, "shape")
	if err != nil {
		return nil, err
	}
	shape, err := dimsFrom(spec, "shape")
	if err != nil {
		return nil, err
	}
	value := ir.Float32Tensor([]int{1}, []float32{0})
	if v := n.Attrs.Tensor("value"); v != nil {
		if err := v.Check(); err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		if v.Len() != 1 {
			return nil, fmt.Errorf("value must hold one element, holds %d", v.Len())
		}
		value = v
	}
	return one(gatherElems(value, shape, make([]int, ir.NumElements(shape))))
}

func rangeKernel(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	if err := checkInputs(in, 3); err != nil {
		return nil, err
	}
	if err := sameType(in); err != nil {
		return nil, err
	}
	for i, name := range []string{"start", "limit", "delta"} {
		if in[i].Len() != 1 {
			return nil, fmt.Errorf("%s must be a scalar, has shape %v", name, in[i].Shape)
		}
	}
	switch in[0].DType {
	case ir.Float32:
		return one(rangeOf(in[0].F32[0], in[1].F32[0], in[2].F32[0]))
	case ir.Float64:
		return one(rangeOf(in[0].F64[0], in[1].F64[0], in[2].F64[0]))
	case ir.Int32:
		return one(rangeOf(in[0].I32[0], in[1].I32[0], in[2].I32[0]))
	case ir.Int64:
		return one(rangeOf(in[0].I64[0], in[1].I64[0], in[2].I64[0]))
	}
	return nil, fmt.Errorf("element type %s is not supported", in[0].DType)
}

func rangeOf[T number](start, limit, delta T) (*ir.Tensor, error) {
	c, err := ir.RangeCount(float64(start), float64(limit), float64(delta))
	if err != nil {
		return nil, err
	}
	if c > maxElements {
		return nil, fmt.Errorf("range of %d elements is too large", c)
	}
	out := make([]T, c)
	for i := range out {
		out[i] = start + T(i)*delta
	}
	return tensorOf([]int{c}, out), nil
}
