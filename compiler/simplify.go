package compiler

import (
	"fmt"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

// maxFoldElements bounds the size of a tensor constant folding may create,
// so that a ConstantOfShape of a huge shape stays a runtime operation.
const maxFoldElements = 1 << 24

// FoldConstants evaluates, with the reference evaluator, every node whose
// inputs are all constant and replaces its outputs by constants. It also
// folds Shape and Size of values whose shapes are static, and the integer
// arithmetic exporters build from them (Gather, Slice, Unsqueeze, Concat,
// Cast, ...), which then folds because its inputs became constant.
func FoldConstants(g *ir.Graph) error {
	dead := map[*ir.Node]bool{}
	for _, n := range g.Nodes {
		// Earlier folds may have made inputs constant: refresh the
		// node's output shapes first.
		if err := ir.InferNode(n); err != nil {
			return err
		}
		if n.Domain != "" {
			continue
		}
		if folded, err := foldShapeOf(n); err != nil {
			return err
		} else if folded {
			dead[n] = true
			continue
		}
		if !allInputsConst(n) || !reference.Supports(n.Domain, n.Op) {
			continue
		}
		if !outputsSmall(n) {
			continue
		}
		k, _ := reference.KernelFor(n.Domain, n.Op)
		in := make([]*ir.Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			if v != nil {
				in[i] = v.Const
			}
		}
		out, err := k(n, in)
		if err != nil {
			return fmt.Errorf("node %s: folding constants: %w", n, err)
		}
		for i, v := range n.Outputs {
			if v == nil {
				continue
			}
			if i >= len(out) || out[i] == nil {
				return fmt.Errorf("node %s: folding constants: output %q not computed", n, v.Name)
			}
			if err := out[i].Check(); err != nil {
				return fmt.Errorf("node %s: folding constants: output %q: %w", n, v.Name, err)
			}
			v.Const, v.DType, v.Shape = out[i], out[i].DType, ir.StaticShape(out[i].Shape...)
		}
		dead[n] = true
	}
	removeNodes(g, dead)
	return nil
}

func allInputsConst(n *ir.Node) bool {
	for _, v := range n.Inputs {
		if v != nil && !v.IsConst() {
			return false
		}
	}
	return true
}

// outputsSmall reports whether every output's inferred size is known and
// at most maxFoldElements.
func outputsSmall(n *ir.Node) bool {
	for _, v := range n.Outputs {
		if v == nil {
			continue
		}
		dims, ok := v.Shape.Ints()
		if !ok {
			return false
		}
		if c := ir.NumElements(dims); c < 0 || c > maxFoldElements {
			return false
		}
	}
	return true
}

// foldShapeOf replaces Shape(x) and Size(x) by constants when the needed
// dimensions of x are known.
func foldShapeOf(n *ir.Node) (bool, error) {
	if n.Op != "Shape" && n.Op != "Size" || n.Inputs[0].IsConst() {
		return false, nil
	}
	s := n.Inputs[0].Shape
	if s == nil {
		return false, nil
	}
	out := n.Outputs[0]
	if n.Op == "Size" {
		dims, ok := s.Ints()
		if !ok {
			return false, nil
		}
		t := ir.Int64Tensor([]int{}, []int64{int64(ir.NumElements(dims))})
		out.Const, out.DType, out.Shape = t, ir.Int64, ir.Shape{}
		return true, nil
	}
	start, end := ir.ShapeRange(n.Attrs.Int("start", 0), n.Attrs.Int("end", 0), n.Attrs.Has("end"), len(s))
	vals := []int64{}
	for i := start; i < end; i++ {
		if !s[i].Known() {
			return false, nil
		}
		vals = append(vals, int64(s[i].Size))
	}
	t := ir.Int64Tensor([]int{len(vals)}, vals)
	out.Const, out.DType, out.Shape = t, ir.Int64, ir.StaticShape(len(vals))
	return true, nil
}

// EliminateIdentities removes nodes that pass their input through
// unchanged: Identity, Dropout in inference mode (when its mask is not
// read), and Reshape, Flatten, Squeeze and Unsqueeze whose output shape
// equals the input shape.
func EliminateIdentities(g *ir.Graph) error {
	prod := g.Producers()
	dead := map[*ir.Node]bool{}
	for _, n := range g.Nodes {
		if n.Domain != "" || !isIdentity(n) {
			continue
		}
		if bypass(g, prod, n, n.Inputs[0], n.Outputs[0]) {
			dead[n] = true
		}
	}
	removeNodes(g, dead)
	return nil
}

func isIdentity(n *ir.Node) bool {
	in, out := n.Inputs[0], n.Outputs[0]
	switch n.Op {
	case "Identity":
		return true
	case "Dropout":
		if mask := n.Output(1); mask != nil {
			return false
		}
		if tm := n.Input(2); tm != nil {
			return tm.IsConst() && tm.Const.Len() == 1 && tm.Const.Float64At(0) == 0
		}
		return true
	case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
		return in.Shape != nil && in.Shape.IsStatic() && in.Shape.Equal(out.Shape)
	}
	return false
}

// EliminateDeadCode removes nodes none of whose outputs reach a graph
// output, and drops optional outputs nobody reads (MaxPool's Indices,
// say), so the runtime does not compute them.
func EliminateDeadCode(g *ir.Graph) error {
	live := map[*ir.Value]bool{}
	for _, v := range g.Outputs {
		live[v] = true
	}
	dead := map[*ir.Node]bool{}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		any := false
		for _, v := range n.Outputs {
			any = any || (v != nil && live[v])
		}
		if !any {
			dead[n] = true
			continue
		}
		if s, ok := ir.LookupSchema(n.Domain, n.Op); ok {
			for j := len(n.Outputs) - 1; j >= s.MinOutputs; j-- {
				if v := n.Outputs[j]; v != nil && !live[v] {
					n.Outputs[j] = nil
				}
			}
			// trailing nil outputs are dropped altogether
			k := len(n.Outputs)
			for k > s.MinOutputs && n.Outputs[k-1] == nil {
				k--
			}
			n.Outputs = n.Outputs[:k]
		}
		for _, v := range n.Inputs {
			if v != nil {
				live[v] = true
			}
		}
	}
	removeNodes(g, dead)
	return nil
}
