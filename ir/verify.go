package ir

import (
	"errors"
	"fmt"
)

// Verify checks the graph's structural invariants and returns an error
// naming the first violation:
//
//   - value names are non-empty and unique;
//   - graph inputs are not constants and have a supported element type;
//   - constants hold well-formed tensors matching their value's type and
//     shape;
//   - nodes are in topological order: every input is a graph input, a
//     constant, or an earlier node's output;
//   - each value is defined once, and never redefines an input or constant;
//   - every node passes its operator schema (CheckNode);
//   - every graph output is defined.
func Verify(g *Graph) error {
	if g == nil {
		return errors.New("nil graph")
	}
	names := map[string]*Value{}
	defined := map[*Value]bool{}
	claim := func(v *Value, what string) error {
		if v.Name == "" {
			return fmt.Errorf("%s has no name", what)
		}
		if prev, ok := names[v.Name]; ok && prev != v {
			return fmt.Errorf("%s: name %q is used by two different values", what, v.Name)
		}
		names[v.Name] = v
		return nil
	}
	checkConst := func(v *Value) error {
		if err := v.Const.Check(); err != nil {
			return fmt.Errorf("constant %q: %w", v.Name, err)
		}
		if v.DType != v.Const.DType {
			return fmt.Errorf("constant %q: value type %s but tensor holds %s", v.Name, v.DType, v.Const.DType)
		}
		if v.Shape != nil && !v.Shape.Equal(StaticShape(v.Const.Shape...)) {
			return fmt.Errorf("constant %q: value shape %v but tensor shape %v", v.Name, v.Shape, v.Const.Shape)
		}
		return nil
	}
	for i, v := range g.Inputs {
		if v == nil {
			return fmt.Errorf("graph input %d is nil", i)
		}
		if err := claim(v, fmt.Sprintf("graph input %d", i)); err != nil {
			return err
		}
		if v.IsConst() {
			return fmt.Errorf("graph input %q is also a constant", v.Name)
		}
		if defined[v] {
			return fmt.Errorf("graph input %q is listed twice", v.Name)
		}
		if !v.DType.Supported() {
			return fmt.Errorf("graph input %q has unsupported element type %s", v.Name, v.DType)
		}
		defined[v] = true
	}
	for _, n := range g.Nodes {
		if n == nil {
			return errors.New("graph has a nil node")
		}
		if err := CheckNode(n); err != nil {
			return err
		}
		for i, v := range n.Inputs {
			if v == nil {
				continue
			}
			if err := claim(v, fmt.Sprintf("node %s input %d", n, i)); err != nil {
				return err
			}
			if v.IsConst() {
				if !defined[v] {
					if err := checkConst(v); err != nil {
						return fmt.Errorf("node %s: %w", n, err)
					}
					defined[v] = true
				}
				continue
			}
			if !defined[v] {
				return fmt.Errorf("node %s: input %q is not defined before use (not a graph input, constant or earlier node's output)", n, v.Name)
			}
		}
		for i, v := range n.Outputs {
			if v == nil {
				continue
			}
			if err := claim(v, fmt.Sprintf("node %s output %d", n, i)); err != nil {
				return err
			}
			if v.IsConst() {
				return fmt.Errorf("node %s: output %q is a constant", n, v.Name)
			}
			if defined[v] {
				return fmt.Errorf("node %s: output %q is already defined", n, v.Name)
			}
			defined[v] = true
		}
	}
	if len(g.Outputs) == 0 {
		return errors.New("graph has no outputs")
	}
	for i, v := range g.Outputs {
		if v == nil {
			return fmt.Errorf("graph output %d is nil", i)
		}
		if err := claim(v, fmt.Sprintf("graph output %d", i)); err != nil {
			return err
		}
		if v.IsConst() && !defined[v] {
			if err := checkConst(v); err != nil {
				return err
			}
			defined[v] = true
		}
		if !defined[v] {
			return fmt.Errorf("graph output %q is never defined", v.Name)
		}
	}
	return nil
}
