package ir

import (
	"fmt"
	"math"
	"slices"
)

// Schemas of the data-movement and shape operators: Flatten, Reshape,
// Transpose, Squeeze, Unsqueeze, Concat, Split, Slice, Gather, Expand,
// Shape, Size, Constant, ConstantOfShape and Range. Where an output shape
// depends on an input's data (Reshape's shape, Slice's starts, ...), the
// inference uses that input's data when it is a constant and leaves the
// affected dimensions unknown otherwise.

func init() {
	Register(&Schema{Op: "Flatten", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"axis": {Kind: AttrInt}}, Infer: inferFlatten})
	Register(&Schema{Op: "Reshape", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"allowzero": {Kind: AttrInt}}, Infer: inferReshape})
	Register(&Schema{Op: "Transpose", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"perm": {Kind: AttrInts}}, Infer: inferTranspose})
	Register(&Schema{Op: "Squeeze", MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Infer: inferSqueeze})
	Register(&Schema{Op: "Unsqueeze", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Infer: inferUnsqueeze})
	Register(&Schema{Op: "Concat", MinInputs: 1, MaxInputs: Variadic, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"axis": {Kind: AttrInt, Required: true}}, Infer: inferConcat})
	Register(&Schema{Op: "Split", MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: Variadic,
		Attrs: map[string]AttrSpec{"axis": {Kind: AttrInt}}, Infer: inferSplit})
	Register(&Schema{Op: "Slice", MinInputs: 3, MaxInputs: 5, MinOutputs: 1, MaxOutputs: 1,
		Infer: inferSlice})
	Register(&Schema{Op: "Gather", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"axis": {Kind: AttrInt}}, Infer: inferGather})
	Register(&Schema{Op: "Expand", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Infer: inferExpand})
	Register(&Schema{Op: "Shape", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"start": {Kind: AttrInt}, "end": {Kind: AttrInt}}, Infer: inferShapeOp})
	Register(&Schema{Op: "Size", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Infer: func(n *Node) error {
			if err := checkDType("input", n.Inputs[0].DType, anyTypes); err != nil {
				return err
			}
			setOutput(n, 0, Int64, Shape{})
			return nil
		}})
	Register(&Schema{Op: "Constant", MinInputs: 0, MaxInputs: 0, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{
			"value": {Kind: AttrTensor}, "value_float": {Kind: AttrFloat}, "value_floats": {Kind: AttrFloats},
			"value_int": {Kind: AttrInt}, "value_ints": {Kind: AttrInts},
			"value_string": {Kind: AttrString}, "value_strings": {Kind: AttrStrings},
		},
		Infer: func(n *Node) error {
			t, err := ConstantValue(n.Attrs)
			if err != nil {
				return err
			}
			setOutput(n, 0, t.DType, StaticShape(t.Shape...))
			return nil
		}})
	Register(&Schema{Op: "ConstantOfShape", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"value": {Kind: AttrTensor}}, Infer: inferConstantOfShape})
	Register(&Schema{Op: "Range", MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
		Infer: inferRange})
}

// ConstantValue returns the tensor a Constant node with attributes a
// produces: exactly one of value, value_float, value_floats, value_int and
// value_ints must be set (string constants are not supported).
func ConstantValue(a Attrs) (*Tensor, error) {
	var set []string
	for _, name := range a.Names() {
		switch name {
		case "value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings":
			set = append(set, name)
		}
	}
	if len(set) != 1 {
		return nil, fmt.Errorf("exactly one value attribute must be set, found %v", set)
	}
	switch set[0] {
	case "value":
		t := a.Tensor("value")
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		return t.Clone(), nil
	case "value_float":
		return Float32Tensor(nil, []float32{a.Float("value_float", 0)}), nil
	case "value_floats":
		f := slices.Clone(a.Floats("value_floats", nil))
		return Float32Tensor([]int{len(f)}, f), nil
	case "value_int":
		return Int64Tensor(nil, []int64{a.Int("value_int", 0)}), nil
	case "value_ints":
		v := slices.Clone(a.Ints("value_ints", nil))
		return Int64Tensor([]int{len(v)}, v), nil
	}
	return nil, fmt.Errorf("%s: string constants are not supported", set[0])
}

func inferFlatten(n *Node) error {
	x := n.Inputs[0]
	if x.Shape == nil {
		setOutput(n, 0, x.DType, Shape{Unknown, Unknown})
		return nil
	}
	r := len(x.Shape)
	axis := n.Attrs.Int("axis", 1)
	if axis < -int64(r) || axis > int64(r) {
		return fmt.Errorf("axis %d is out of range [%d, %d]", axis, -r, r)
	}
	if axis < 0 {
		axis += int64(r)
	}
	setOutput(n, 0, x.DType, Shape{dimProduct(x.Shape[:axis]), dimProduct(x.Shape[axis:])})
	return nil
}

func inferReshape(n *Node) error {
	x, shp := n.Inputs[0], n.Inputs[1]
	if err := checkDType("shape", shp.DType, []DType{Int64}); err != nil {
		return err
	}
	vals, ok := constInts(n, 1)
	if !ok {
		r := -1
		if d, ok := shp.Shape.Ints(); ok && len(d) == 1 {
			r = d[0]
		}
		setOutput(n, 0, x.DType, unknownShape(r))
		return nil
	}
	allowzero := n.Attrs.Int("allowzero", 0) != 0
	out := make(Shape, len(vals))
	neg := -1
	hasZero := false
	for i, v := range vals {
		switch {
		case v == -1:
			if neg >= 0 {
				return fmt.Errorf("shape %v has more than one -1", vals)
			}
			neg = i
		case v < -1:
			return fmt.Errorf("shape %v has invalid dimension %d", vals, v)
		case v == 0 && !allowzero:
			switch {
			case x.Shape == nil:
				out[i] = Unknown
			case i >= len(x.Shape):
				return fmt.Errorf("shape %v copies dimension %d (0), but the input has rank %d", vals, i, len(x.Shape))
			default:
				out[i] = x.Shape[i]
			}
		default:
			hasZero = hasZero || v == 0
			out[i] = D(int(v))
		}
	}
	if allowzero && hasZero && neg >= 0 {
		return fmt.Errorf("shape %v has both 0 and -1 with allowzero set", vals)
	}
	if neg >= 0 {
		rest := slices.Delete(slices.Clone(out), neg, neg+1)
		d, err := inferMinusOne(x.Shape, rest)
		if err != nil {
			return fmt.Errorf("shape %v: %w", vals, err)
		}
		out[neg] = d
	} else if x.Shape.IsStatic() && out.IsStatic() {
		in, o := dimProduct(x.Shape), dimProduct(out)
		if in != o {
			return fmt.Errorf("cannot reshape %v (%v elements) to %v (%v elements)", x.Shape, in, vals, o)
		}
	}
	setOutput(n, 0, x.DType, out)
	return nil
}

// inferMinusOne works out the dimension a -1 in Reshape's shape stands for:
// the input's element count divided by the other output dimensions', with
// symbolic dimensions cancelled by name.
func inferMinusOne(in, rest Shape) (Dim, error) {
	if in == nil {
		return Unknown, nil
	}
	params := map[string]int{}
	kin, kout := 1, 1
	for _, d := range in {
		switch {
		case d.Known():
			if d.Size != 0 && kin > math.MaxInt/d.Size {
				return Unknown, nil
			}
			kin *= d.Size
		case d.Param != "":
			params[d.Param]++
		default:
			return Unknown, nil
		}
	}
	for _, d := range rest {
		switch {
		case d.Known():
			if d.Size != 0 && kout > math.MaxInt/d.Size {
				return Unknown, nil
			}
			kout *= d.Size
		case d.Param != "" && params[d.Param] > 0:
			params[d.Param]--
		default:
			return Unknown, nil
		}
	}
	var left []string
	for p, c := range params {
		for ; c > 0; c-- {
			left = append(left, p)
		}
	}
	switch {
	case kout == 0:
		return Unknown, nil
	case len(left) == 0:
		if kin%kout != 0 {
			return Unknown, fmt.Errorf("%d elements cannot be divided into dimensions of %d", kin, kout)
		}
		return D(kin / kout), nil
	case len(left) == 1 && kin == kout:
		return Sym(left[0]), nil
	}
	return Unknown, nil
}

func inferTranspose(n *Node) error {
	x := n.Inputs[0]
	perm := n.Attrs.Ints("perm", nil)
	if x.Shape == nil {
		r := -1 // without perm, the rank is unknown too
		if n.Attrs.Has("perm") {
			r = len(perm)
		}
		setOutput(n, 0, x.DType, unknownShape(r))
		return nil
	}
	r := len(x.Shape)
	if !n.Attrs.Has("perm") {
		perm = make([]int64, r)
		for i := range perm {
			perm[i] = int64(r - 1 - i)
		}
	}
	if err := checkPerm(perm, r); err != nil {
		return err
	}
	out := make(Shape, r)
	for i, p := range perm {
		out[i] = x.Shape[p]
	}
	setOutput(n, 0, x.DType, out)
	return nil
}

// checkPerm checks that perm is a permutation of 0..r-1.
func checkPerm(perm []int64, r int) error {
	if len(perm) != r {
		return fmt.Errorf("perm %v has %d entries, input has rank %d", perm, len(perm), r)
	}
	seen := make([]bool, r)
	for _, p := range perm {
		if p < 0 || p >= int64(r) || seen[p] {
			return fmt.Errorf("perm %v is not a permutation of 0..%d", perm, r-1)
		}
		seen[p] = true
	}
	return nil
}

func inferSqueeze(n *Node) error {
	x := n.Inputs[0]
	if err := checkDType("axes", inType(n, 1), []DType{Int64}); err != nil {
		return err
	}
	if x.Shape == nil {
		setOutput(n, 0, x.DType, nil)
		return nil
	}
	var axes []int64
	if n.Input(1) != nil {
		var ok bool
		if axes, ok = constInts(n, 1); !ok {
			setOutput(n, 0, x.DType, nil)
			return nil
		}
	}
	if len(axes) == 0 {
		out := Shape{}
		for _, d := range x.Shape {
			if !d.Known() {
				// a symbolic dimension might be 1 at run time
				setOutput(n, 0, x.DType, nil)
				return nil
			}
			if d.Size != 1 {
				out = append(out, d)
			}
		}
		setOutput(n, 0, x.DType, out)
		return nil
	}
	ax, err := normalizeAxes(axes, len(x.Shape))
	if err != nil {
		return err
	}
	out := Shape{}
	for i, d := range x.Shape {
		if slices.Contains(ax, i) {
			if d.Known() && d.Size != 1 {
				return fmt.Errorf("cannot squeeze axis %d of size %d (shape %v)", i, d.Size, x.Shape)
			}
			continue
		}
		out = append(out, d)
	}
	setOutput(n, 0, x.DType, out)
	return nil
}

func inferUnsqueeze(n *Node) error {
	x := n.Inputs[0]
	if err := checkDType("axes", inType(n, 1), []DType{Int64}); err != nil {
		return err
	}
	axes, ok := constInts(n, 1)
	if x.Shape == nil || !ok {
		r := -1
		if d, ok := inShape(n, 1).Ints(); ok && len(d) == 1 && x.Shape != nil {
			r = len(x.Shape) + d[0]
		}
		setOutput(n, 0, x.DType, unknownShape(r))
		return nil
	}
	r := len(x.Shape) + len(axes)
	ax, err := normalizeAxes(axes, r)
	if err != nil {
		return err
	}
	out := make(Shape, r)
	j := 0
	for i := range out {
		if slices.Contains(ax, i) {
			out[i] = D(1)
		} else {
			out[i] = x.Shape[j]
			j++
		}
	}
	setOutput(n, 0, x.DType, out)
	return nil
}

func inferConcat(n *Node) error {
	dt, err := sameDTypes(n, 0, len(n.Inputs))
	if err != nil {
		return err
	}
	var out Shape
	for i, v := range n.Inputs {
		if v == nil {
			return fmt.Errorf("input %d is missing", i)
		}
		if v.Shape != nil {
			if out != nil && len(out) != len(v.Shape) {
				return fmt.Errorf("input %d has rank %d, input 0 rank %d", i, len(v.Shape), len(out))
			}
			out = v.Shape.Clone()
		}
	}
	if out == nil {
		setOutput(n, 0, dt, nil)
		return nil
	}
	axis, err := normalizeAxis(n.Attrs.Int("axis", 0), len(out))
	if err != nil {
		return err
	}
	sum := 0
	for i, v := range n.Inputs {
		s := v.Shape
		if s == nil {
			sum = -1
			continue
		}
		for d := range out {
			if d == axis {
				continue
			}
			o := out[d]
			switch {
			case o.Known() && s[d].Known() && o.Size != s[d].Size:
				return fmt.Errorf("input %d has shape %v, which does not match %v outside axis %d", i, s, out, axis)
			case !o.Known() && s[d].Known():
				out[d] = s[d]
			}
		}
		if sum >= 0 && s[axis].Known() {
			sum += s[axis].Size
		} else {
			sum = -1
		}
	}
	if sum >= 0 {
		out[axis] = D(sum)
	} else if len(n.Inputs) > 1 {
		out[axis] = Unknown
	}
	setOutput(n, 0, dt, out)
	return nil
}

func inferSplit(n *Node) error {
	x := n.Inputs[0]
	if err := checkDType("split", inType(n, 1), []DType{Int64}); err != nil {
		return err
	}
	k := len(n.Outputs)
	if x.Shape == nil {
		for i := range n.Outputs {
			setOutput(n, i, x.DType, nil)
		}
		return nil
	}
	axis, err := normalizeAxis(n.Attrs.Int("axis", 0), len(x.Shape))
	if err != nil {
		return err
	}
	dim := x.Shape[axis]
	sizes := make([]Dim, k)
	split, ok := constInts(n, 1)
	switch {
	case n.Input(1) != nil && ok:
		if len(split) != k {
			return fmt.Errorf("split %v has %d entries for %d outputs", split, len(split), k)
		}
		total := int64(0)
		for i, s := range split {
			if s < 0 {
				return fmt.Errorf("split %v has a negative size", split)
			}
			total += s
			sizes[i] = D(int(s))
		}
		if dim.Known() && total != int64(dim.Size) {
			return fmt.Errorf("split %v sums to %d, axis %d has size %d", split, total, axis, dim.Size)
		}
	case n.Input(1) != nil:
		for i := range sizes {
			sizes[i] = Unknown
		}
	case dim.Known():
		if dim.Size%k != 0 {
			return fmt.Errorf("axis %d of size %d cannot be split into %d equal parts", axis, dim.Size, k)
		}
		for i := range sizes {
			sizes[i] = D(dim.Size / k)
		}
	default:
		for i := range sizes {
			sizes[i] = Unknown
		}
		if k == 1 {
			sizes[0] = dim
		}
	}
	for i := range n.Outputs {
		s := x.Shape.Clone()
		s[axis] = sizes[i]
		setOutput(n, i, x.DType, s)
	}
	return nil
}

// SliceRange applies ONNX Slice's rules to one axis of size dim: negative
// start and end count from the end, then both are clamped (differently for
// positive and negative steps). It returns the effective start and the
// number of elements taken; step must not be 0.
func SliceRange(start, end, step int64, dim int) (first, count int) {
	d := int64(dim)
	if start < 0 {
		start += d
	}
	if end < 0 {
		end += d
	}
	var n int64
	if step > 0 {
		start = min(max(start, 0), d)
		end = min(max(end, 0), d)
		if end > start {
			n = (end - start + step - 1) / step
		}
	} else {
		start = min(max(start, 0), d-1)
		end = min(max(end, -1), d-1)
		if start > end {
			n = (start - end - step - 1) / -step
		}
	}
	return int(start), int(n)
}

func inferSlice(n *Node) error {
	x := n.Inputs[0]
	idt, err := sameDTypes(n, 1, 5)
	if err != nil {
		return fmt.Errorf("starts, ends, axes, steps: %w", err)
	}
	if err := checkDType("starts", idt, indexTypes); err != nil {
		return err
	}
	if x.Shape == nil {
		setOutput(n, 0, x.DType, nil)
		return nil
	}
	r := len(x.Shape)
	out := x.Shape.Clone()
	starts, ok1 := constInts(n, 1)
	ends, ok2 := constInts(n, 2)
	axes, ok3 := constInts(n, 3)
	steps, ok4 := constInts(n, 4)
	// Without axes and steps, their length is that of starts, known from
	// its data or its static shape.
	nStarts := len(starts)
	if d, ok := inShape(n, 1).Ints(); !ok1 && ok && len(d) == 1 {
		nStarts = d[0]
	} else if !ok1 {
		nStarts = -1
	}
	if n.Input(3) == nil {
		ok3 = nStarts >= 0
		axes = nil
		for i := range max(nStarts, 0) {
			axes = append(axes, int64(i))
		}
	}
	if n.Input(4) == nil {
		ok4 = true
		steps = nil
		for range max(nStarts, 0) {
			steps = append(steps, 1)
		}
	}
	if !ok3 {
		setOutput(n, 0, x.DType, unknownShape(r))
		return nil
	}
	ax, err := normalizeAxes(axes, r)
	if err != nil {
		return err
	}
	if !ok1 || !ok2 || !ok4 {
		for _, a := range ax {
			out[a] = Unknown
		}
		setOutput(n, 0, x.DType, out)
		return nil
	}
	if len(starts) != len(ends) || len(starts) != len(ax) || len(starts) != len(steps) {
		return fmt.Errorf("starts %v, ends %v, axes %v and steps %v differ in length", starts, ends, axes, steps)
	}
	for i, a := range ax {
		if steps[i] == 0 {
			return fmt.Errorf("steps %v has a 0", steps)
		}
		d := x.Shape[a]
		if !d.Known() {
			if starts[i] == 0 && steps[i] == 1 && ends[i] >= math.MaxInt32 {
				continue // whole axis
			}
			out[a] = Unknown
			continue
		}
		_, cnt := SliceRange(starts[i], ends[i], steps[i], d.Size)
		out[a] = D(cnt)
	}
	setOutput(n, 0, x.DType, out)
	return nil
}

func inferGather(n *Node) error {
	x, idx := n.Inputs[0], n.Inputs[1]
	if err := checkDType("indices", idx.DType, indexTypes); err != nil {
		return err
	}
	if x.Shape == nil || idx.Shape == nil {
		setOutput(n, 0, x.DType, nil)
		return nil
	}
	if len(x.Shape) == 0 {
		return fmt.Errorf("data must have rank >= 1")
	}
	axis, err := normalizeAxis(n.Attrs.Int("axis", 0), len(x.Shape))
	if err != nil {
		return err
	}
	out := Shape{}
	out = append(out, x.Shape[:axis]...)
	out = append(out, idx.Shape...)
	out = append(out, x.Shape[axis+1:]...)
	setOutput(n, 0, x.DType, out)
	return nil
}

func inferExpand(n *Node) error {
	x, shp := n.Inputs[0], n.Inputs[1]
	if err := checkDType("shape", shp.DType, []DType{Int64}); err != nil {
		return err
	}
	vals, ok := constInts(n, 1)
	if !ok {
		r := -1
		if d, ok := shp.Shape.Ints(); ok && len(d) == 1 && x.Shape != nil {
			r = max(len(x.Shape), d[0])
		}
		setOutput(n, 0, x.DType, unknownShape(r))
		return nil
	}
	target := make(Shape, len(vals))
	for i, v := range vals {
		if v < 0 {
			return fmt.Errorf("shape %v has a negative dimension", vals)
		}
		target[i] = D(int(v))
	}
	out, err := BroadcastShapes(x.Shape, target)
	if err != nil {
		return err
	}
	setOutput(n, 0, x.DType, out)
	return nil
}

// ShapeRange returns the [start, end) range of dimensions that Shape with
// attributes start and end (hasEnd false: to the end) selects from a
// tensor of rank r, clamped as the operator specifies.
func ShapeRange(start, end int64, hasEnd bool, r int) (int, int) {
	if !hasEnd {
		end = int64(r)
	}
	clamp := func(a int64) int {
		if a < 0 {
			a += int64(r)
		}
		return int(min(max(a, 0), int64(r)))
	}
	s, e := clamp(start), clamp(end)
	if e < s {
		e = s
	}
	return s, e
}

func inferShapeOp(n *Node) error {
	x := n.Inputs[0]
	if x.Shape == nil {
		setOutput(n, 0, Int64, Shape{Unknown})
		return nil
	}
	s, e := ShapeRange(n.Attrs.Int("start", 0), n.Attrs.Int("end", 0), n.Attrs.Has("end"), len(x.Shape))
	setOutput(n, 0, Int64, Shape{D(e - s)})
	return nil
}

func inferConstantOfShape(n *Node) error {
	shp := n.Inputs[0]
	if err := checkDType("input", shp.DType, []DType{Int64}); err != nil {
		return err
	}
	dt := Float32
	if v := n.Attrs.Tensor("value"); v != nil {
		if err := v.Check(); err != nil {
			return fmt.Errorf("value: %w", err)
		}
		if v.Len() != 1 {
			return fmt.Errorf("value must hold one element, holds %d", v.Len())
		}
		dt = v.DType
	}
	vals, ok := constInts(n, 0)
	if !ok {
		r := -1
		if d, ok := shp.Shape.Ints(); ok && len(d) == 1 {
			r = d[0]
		}
		setOutput(n, 0, dt, unknownShape(r))
		return nil
	}
	out := make(Shape, len(vals))
	for i, v := range vals {
		if v < 0 {
			return fmt.Errorf("shape %v has a negative dimension", vals)
		}
		out[i] = D(int(v))
	}
	setOutput(n, 0, dt, out)
	return nil
}

// RangeCount returns the number of elements of Range(start, limit, delta):
// max(ceil((limit-start)/delta), 0). It returns an error if delta is 0.
func RangeCount(start, limit, delta float64) (int, error) {
	if delta == 0 {
		return 0, fmt.Errorf("delta is 0")
	}
	c := math.Ceil((limit - start) / delta)
	switch {
	case math.IsNaN(c):
		return 0, fmt.Errorf("range from %v to %v by %v has no defined length", start, limit, delta)
	case c <= 0:
		return 0, nil
	case c > math.MaxInt32:
		return 0, fmt.Errorf("range from %v to %v by %v has too many (%g) elements", start, limit, delta, c)
	}
	return int(c), nil
}

func inferRange(n *Node) error {
	dt, err := sameDTypes(n, 0, 3)
	if err != nil {
		return err
	}
	if err := checkDType("start", dt, numericTypes); err != nil {
		return err
	}
	for i, name := range []string{"start", "limit", "delta"} {
		if d, ok := inShape(n, i).Ints(); ok && NumElements(d) != 1 {
			return fmt.Errorf("%s must be a scalar, has shape %v", name, d)
		}
	}
	var v [3]float64
	for i := range v {
		in := n.Inputs[i]
		if !in.IsConst() || in.Const.Len() != 1 {
			setOutput(n, 0, dt, Shape{Unknown})
			return nil
		}
		v[i] = in.Const.Float64At(0)
	}
	c, err := RangeCount(v[0], v[1], v[2])
	if err != nil {
		return err
	}
	setOutput(n, 0, dt, Shape{D(c)})
	return nil
}
