package ir

// Schemas of the reductions. At opset 17, ReduceMean, ReduceMax and
// ReduceMin take their axes as an attribute (version 13), while ReduceSum
// takes them as an optional input and has noop_with_empty_axes (version
// 13).

func init() {
	for _, op := range []string{"ReduceMean", "ReduceMax", "ReduceMin"} {
		Register(&Schema{Op: op, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: map[string]AttrSpec{"axes": {Kind: AttrInts}, "keepdims": {Kind: AttrInt}},
			Infer: inferReduce})
	}
	Register(&Schema{Op: "ReduceSum", MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"keepdims": {Kind: AttrInt}, "noop_with_empty_axes": {Kind: AttrInt}},
		Infer: inferReduce})
}

// ReduceAxes returns the axes node n (one of the Reduce operators)
// reduces for an input of rank r, normalised and in the order given, and
// whether the node is a no-op (ReduceSum with noop_with_empty_axes and no
// axes). It returns known == false when the axes come from an input that
// is not a constant. An empty list of axes means all of them.
func ReduceAxes(n *Node, r int) (axes []int, noop, known bool, err error) {
	var raw []int64
	if n.Op == "ReduceSum" {
		if n.Input(1) != nil {
			var ok bool
			if raw, ok = constInts(n, 1); !ok {
				return nil, false, false, nil
			}
		}
		if len(raw) == 0 && n.Attrs.Int("noop_with_empty_axes", 0) != 0 {
			return nil, true, true, nil
		}
	} else {
		raw = n.Attrs.Ints("axes", nil)
	}
	axes, err = normalizeAxes(raw, r)
	if err != nil {
		return nil, false, true, err
	}
	if len(axes) == 0 {
		axes = make([]int, r)
		for i := range axes {
			axes[i] = i
		}
	}
	return axes, false, true, nil
}

func inferReduce(n *Node) error {
	x := n.Inputs[0]
	if err := checkDType("data", x.DType, numericTypes); err != nil {
		return err
	}
	if err := checkDType("axes", inType(n, 1), []DType{Int64}); err != nil {
		return err
	}
	keep := n.Attrs.Int("keepdims", 1) != 0
	if x.Shape == nil {
		setOutput(n, 0, x.DType, nil)
		return nil
	}
	r := len(x.Shape)
	axes, noop, known, err := ReduceAxes(n, r)
	if err != nil {
		return err
	}
	switch {
	case noop:
		setOutput(n, 0, x.DType, x.Shape.Clone())
		return nil
	case !known && keep:
		setOutput(n, 0, x.DType, unknownShape(r))
		return nil
	case !known:
		setOutput(n, 0, x.DType, nil)
		return nil
	}
	reduced := make([]bool, r)
	for _, a := range axes {
		reduced[a] = true
	}
	out := Shape{}
	for i, d := range x.Shape {
		switch {
		case !reduced[i]:
			out = append(out, d)
		case keep:
			out = append(out, D(1))
		}
	}
	setOutput(n, 0, x.DType, out)
	return nil
}
