package ir

import "fmt"

// Schemas of the elementwise operators: unary math and activations,
// broadcasting arithmetic and comparisons, Where, Clip, Cast, Identity and
// the variadic Sum, Mean, Max and Min.

func init() {
	// Unary operators: output has the input's type and shape.
	unary := []struct {
		op    string
		types []DType
		attrs map[string]AttrSpec
	}{
		{"Neg", numericTypes, nil},
		{"Abs", numericTypes, nil},
		{"Sqrt", floatTypes, nil},
		{"Exp", floatTypes, nil},
		{"Log", floatTypes, nil},
		{"Reciprocal", floatTypes, nil},
		{"Relu", numericTypes, nil},
		{"Sigmoid", floatTypes, nil},
		{"Tanh", floatTypes, nil},
		{"Softplus", floatTypes, nil},
		{"Identity", anyTypes, nil},
		{"LeakyRelu", floatTypes, map[string]AttrSpec{"alpha": {Kind: AttrFloat}}},
		{"Elu", floatTypes, map[string]AttrSpec{"alpha": {Kind: AttrFloat}}},
		{"Selu", floatTypes, map[string]AttrSpec{"alpha": {Kind: AttrFloat}, "gamma": {Kind: AttrFloat}}},
		{"HardSigmoid", floatTypes, map[string]AttrSpec{"alpha": {Kind: AttrFloat}, "beta": {Kind: AttrFloat}}},
	}
	for _, u := range unary {
		types := u.types
		Register(&Schema{
			Op: u.op, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs: u.attrs,
			Infer: func(n *Node) error {
				x := n.Inputs[0]
				if err := checkDType("input", x.DType, types); err != nil {
					return err
				}
				setOutput(n, 0, x.DType, x.Shape.Clone())
				return nil
			},
			Elementwise: true,
		})
	}

	// Broadcasting binary operators whose output has the inputs' type.
	for _, op := range []string{"Add", "Sub", "Mul", "Div"} {
		Register(&Schema{
			Op: op, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer:       inferBroadcast(numericTypes, false),
			Elementwise: true,
		})
	}
	// Comparisons give bool.
	Register(&Schema{
		Op: "Equal", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Infer: inferBroadcast(anyTypes, true), Elementwise: true,
	})
	for _, op := range []string{"Less", "Greater"} {
		Register(&Schema{
			Op: op, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferBroadcast(numericTypes, true), Elementwise: true,
		})
	}
	// Variadic broadcasting operators.
	for _, v := range []struct {
		op    string
		types []DType
	}{{"Sum", floatTypes}, {"Mean", floatTypes}, {"Max", numericTypes}, {"Min", numericTypes}} {
		Register(&Schema{
			Op: v.op, MinInputs: 1, MaxInputs: Variadic, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferBroadcast(v.types, false), Elementwise: true,
		})
	}

	Register(&Schema{
		Op: "Pow", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Infer: func(n *Node) error {
			x, y := n.Inputs[0], n.Inputs[1]
			if err := checkDType("base X", x.DType, numericTypes); err != nil {
				return err
			}
			if err := checkDType("exponent Y", y.DType, numericTypes); err != nil {
				return err
			}
			s, err := BroadcastShapes(x.Shape, y.Shape)
			if err != nil {
				return err
			}
			setOutput(n, 0, x.DType, s)
			return nil
		},
		Elementwise: true,
	})

	Register(&Schema{
		Op: "PRelu", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Infer: func(n *Node) error {
			x, slope := n.Inputs[0], n.Inputs[1]
			if err := checkDType("X", x.DType, numericTypes); err != nil {
				return err
			}
			if slope.DType != Undefined && x.DType != Undefined && slope.DType != x.DType {
				return fmt.Errorf("slope is %s, X is %s", slope.DType, x.DType)
			}
			if err := checkUnidirectional(slope.Shape, x.Shape); err != nil {
				return fmt.Errorf("slope: %w", err)
			}
			setOutput(n, 0, x.DType, x.Shape.Clone())
			return nil
		},
		Elementwise: true,
	})

	Register(&Schema{
		Op: "Where", MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
		Infer: func(n *Node) error {
			if err := checkDType("condition", n.Inputs[0].DType, []DType{Bool}); err != nil {
				return err
			}
			dt, err := sameDTypes(n, 1, 3)
			if err != nil {
				return err
			}
			s, err := BroadcastShapes(n.Inputs[0].Shape, n.Inputs[1].Shape, n.Inputs[2].Shape)
			if err != nil {
				return err
			}
			setOutput(n, 0, dt, s)
			return nil
		},
		Elementwise: true,
	})

	Register(&Schema{
		Op: "Clip", MinInputs: 1, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
		Infer: func(n *Node) error {
			x := n.Inputs[0]
			if err := checkDType("input", x.DType, numericTypes); err != nil {
				return err
			}
			if _, err := sameDTypes(n, 0, 3); err != nil {
				return err
			}
			for i, name := range []string{1: "min", 2: "max"} {
				if d, ok := inShape(n, i).Ints(); i > 0 && ok && NumElements(d) != 1 {
					return fmt.Errorf("%s must be a scalar, has shape %v", name, d)
				}
			}
			setOutput(n, 0, x.DType, x.Shape.Clone())
			return nil
		},
		Elementwise: true,
	})

	Register(&Schema{
		Op: "Cast", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{"to": {Kind: AttrInt, Required: true}},
		Infer: func(n *Node) error {
			x := n.Inputs[0]
			if err := checkDType("input", x.DType, anyTypes); err != nil {
				return err
			}
			to := DType(n.Attrs.Int("to", 0))
			if !to.Supported() {
				return fmt.Errorf("cast to %s is not supported", to)
			}
			setOutput(n, 0, to, x.Shape.Clone())
			return nil
		},
		Elementwise: true,
	})
}

// inferBroadcast returns the inference of an operator whose inputs share
// one element type from types and broadcast together; the output is bool
// when boolOut is set, else the inputs' type.
func inferBroadcast(types []DType, boolOut bool) func(n *Node) error {
	return func(n *Node) error {
		dt, err := sameDTypes(n, 0, len(n.Inputs))
		if err != nil {
			return err
		}
		if err := checkDType("input", dt, types); err != nil {
			return err
		}
		shapes := make([]Shape, 0, len(n.Inputs))
		for i, v := range n.Inputs {
			if v == nil {
				return fmt.Errorf("input %d is missing", i)
			}
			shapes = append(shapes, v.Shape)
		}
		s, err := BroadcastShapes(shapes...)
		if err != nil {
			return err
		}
		if boolOut {
			dt = Bool
		}
		setOutput(n, 0, dt, s)
		return nil
	}
}

// checkUnidirectional checks that from can be broadcast to shape to
// (ONNX's unidirectional broadcasting), as far as the known dimensions
// tell.
func checkUnidirectional(from, to Shape) error {
	if from == nil || to == nil {
		return nil
	}
	if len(from) > len(to) {
		return fmt.Errorf("shape %v has a higher rank than %v", from, to)
	}
	off := len(to) - len(from)
	for i, d := range from {
		t := to[off+i]
		if d.Known() && t.Known() && d.Size != 1 && d.Size != t.Size {
			return fmt.Errorf("shape %v cannot be broadcast to %v (dimension %d)", from, to, off+i)
		}
	}
	return nil
}
