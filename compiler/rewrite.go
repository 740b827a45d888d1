package compiler

import (
	"github.com/latent-go/latent/ir"
)

// replaceUses makes every node input and graph output that reads old read
// new instead.
func replaceUses(g *ir.Graph, old, new *ir.Value) {
	for _, n := range g.Nodes {
		for i, v := range n.Inputs {
			if v == old {
				n.Inputs[i] = new
			}
		}
	}
	for i, v := range g.Outputs {
		if v == old {
			g.Outputs[i] = new
		}
	}
}

// removeNodes deletes the nodes in dead from g, keeping the order of the
// rest.
func removeNodes(g *ir.Graph, dead map[*ir.Node]bool) {
	if len(dead) == 0 {
		return
	}
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if !dead[n] {
			kept = append(kept, n)
		}
	}
	for i := len(kept); i < len(g.Nodes); i++ {
		g.Nodes[i] = nil
	}
	g.Nodes = kept
}

// isGraphInput reports whether v is one of g's inputs.
func isGraphInput(g *ir.Graph, v *ir.Value) bool {
	for _, in := range g.Inputs {
		if in == v {
			return true
		}
	}
	return false
}

// bypass removes node n, whose output out carries the same data as its
// input in, by making out's readers read in. When out is a graph output,
// the value out is kept (for its name) by making in's producer define it
// instead; if that is impossible (in is a graph input, a constant or
// another graph output) bypass reports false and changes nothing.
func bypass(g *ir.Graph, prod map[*ir.Value]*ir.Node, n *ir.Node, in, out *ir.Value) bool {
	if !g.IsOutput(out) {
		replaceUses(g, out, in)
		return true
	}
	p, ok := prod[in]
	if !ok || g.IsOutput(in) || in.IsConst() || isGraphInput(g, in) {
		return false
	}
	for i, v := range p.Outputs {
		if v == in {
			p.Outputs[i] = out
		}
	}
	out.DType, out.Shape = in.DType, in.Shape.Clone()
	replaceUses(g, in, out)
	prod[out] = p
	delete(prod, in)
	return true
}

// constValue returns a new constant value holding t, with a name unique in
// g derived from base.
func constValue(g *ir.Graph, base string, t *ir.Tensor) *ir.Value {
	return &ir.Value{Name: g.UniqueName(base), DType: t.DType, Shape: ir.StaticShape(t.Shape...), Const: t}
}

// soleConsumer returns the only node reading v, or nil if v is read by
// none, by several nodes, by one node twice, or is a graph output.
func soleConsumer(g *ir.Graph, cons map[*ir.Value][]*ir.Node, v *ir.Value) *ir.Node {
	c := cons[v]
	if len(c) != 1 || g.IsOutput(v) {
		return nil
	}
	return c[0]
}
