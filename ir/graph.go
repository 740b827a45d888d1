package ir

import (
	"fmt"
	"strconv"
)

// A Value is an edge of the graph: a graph input, a constant, or the
// output of exactly one node. Values are identified by pointer; names are
// unique within a graph.
type Value struct {
	Name  string
	DType DType
	Shape Shape   // nil: rank unknown
	Const *Tensor // non-nil for weights and other constants
}

// IsConst reports whether v holds constant data.
func (v *Value) IsConst() bool { return v != nil && v.Const != nil }

// String returns the value's name and type, e.g. "x: float32[N,784]".
func (v *Value) String() string {
	if v == nil {
		return "<nil>"
	}
	return v.Name + ": " + TypeString(v.DType, v.Shape)
}

// TypeString formats an element type and shape the way the text form
// does: "float32[N,784]", or just "float32" when the rank is unknown.
func TypeString(dt DType, s Shape) string {
	if s == nil {
		return dt.String()
	}
	return dt.String() + s.String()
}

// A Node applies operator Op of Domain ("" for ai.onnx) to Inputs and
// defines Outputs. A nil entry in Inputs is an omitted optional input; a
// nil entry in Outputs is an optional output nobody asked for.
type Node struct {
	Name    string
	Op      string
	Domain  string
	Inputs  []*Value
	Outputs []*Value
	Attrs   Attrs
}

// Input returns input i, or nil if it is omitted or out of range.
func (n *Node) Input(i int) *Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

// Output returns output i, or nil if it is omitted or out of range.
func (n *Node) Output(i int) *Value {
	if i < len(n.Outputs) {
		return n.Outputs[i]
	}
	return nil
}

// String returns a one-line description naming the node and its operator,
// for error messages.
func (n *Node) String() string {
	op := n.Op
	if n.Domain != "" {
		op = n.Domain + "." + n.Op
	}
	if n.Name == "" {
		return op
	}
	return fmt.Sprintf("%s %q", op, n.Name)
}

// A Graph is a computation: inputs fed by the caller, nodes in topological
// order, and the values returned as outputs.
type Graph struct {
	Name    string
	Inputs  []*Value
	Outputs []*Value
	Nodes   []*Node
	// SourceOpset is the ai.onnx opset of the model the graph came from,
	// for information; node semantics always follow Opset.
	SourceOpset int64
	// Doc is free text carried from and to the model file.
	Doc string
}

// Constants returns the constant values the graph uses, in order of first
// use (node inputs, then outputs).
func (g *Graph) Constants() []*Value {
	var out []*Value
	seen := map[*Value]bool{}
	add := func(v *Value) {
		if v.IsConst() && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			add(v)
		}
	}
	for _, v := range g.Outputs {
		add(v)
	}
	return out
}

// Producers maps each node output to the node defining it.
func (g *Graph) Producers() map[*Value]*Node {
	m := make(map[*Value]*Node)
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				m[v] = n
			}
		}
	}
	return m
}

// Consumers maps each value to the nodes that read it, in node order; a
// node reading a value twice appears twice.
func (g *Graph) Consumers() map[*Value][]*Node {
	m := make(map[*Value][]*Node)
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			if v != nil {
				m[v] = append(m[v], n)
			}
		}
	}
	return m
}

// IsOutput reports whether v is one of the graph's outputs.
func (g *Graph) IsOutput(v *Value) bool {
	for _, o := range g.Outputs {
		if o == v {
			return true
		}
	}
	return false
}

// Values returns every value of the graph: inputs, constants, then node
// outputs in order.
func (g *Graph) Values() []*Value {
	var out []*Value
	out = append(out, g.Inputs...)
	out = append(out, g.Constants()...)
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// UniqueName returns a name starting with base that no value or node of the
// graph uses yet.
func (g *Graph) UniqueName(base string) string {
	used := map[string]bool{}
	for _, v := range g.Values() {
		used[v.Name] = true
	}
	for _, n := range g.Nodes {
		used[n.Name] = true
	}
	if !used[base] {
		return base
	}
	for i := 1; ; i++ {
		if s := base + "_" + strconv.Itoa(i); !used[s] {
			return s
		}
	}
}

// Clone returns a deep copy of the graph: new Values and Nodes with the
// same structure; constant tensors are copied too.
func (g *Graph) Clone() *Graph {
	m := map[*Value]*Value{}
	cv := func(v *Value) *Value {
		if v == nil {
			return nil
		}
		if c, ok := m[v]; ok {
			return c
		}
		c := &Value{Name: v.Name, DType: v.DType, Shape: v.Shape.Clone()}
		if v.Const != nil {
			c.Const = v.Const.Clone()
		}
		m[v] = c
		return c
	}
	c := &Graph{Name: g.Name, SourceOpset: g.SourceOpset, Doc: g.Doc}
	for _, v := range g.Inputs {
		c.Inputs = append(c.Inputs, cv(v))
	}
	for _, n := range g.Nodes {
		cn := &Node{Name: n.Name, Op: n.Op, Domain: n.Domain, Attrs: n.Attrs.Clone()}
		for _, v := range n.Inputs {
			cn.Inputs = append(cn.Inputs, cv(v))
		}
		for _, v := range n.Outputs {
			cn.Outputs = append(cn.Outputs, cv(v))
		}
		c.Nodes = append(c.Nodes, cn)
	}
	for _, v := range g.Outputs {
		c.Outputs = append(c.Outputs, cv(v))
	}
	return c
}

// SortTopological reorders g.Nodes so that every node follows the
// producers of its inputs, keeping the existing order where it can. It
// returns an error naming a node on a cycle, or an input no one defines.
func (g *Graph) SortTopological() error {
	prod := g.Producers()
	defined := map[*Value]bool{}
	for _, v := range g.Inputs {
		defined[v] = true
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make(map[*Node]int, len(g.Nodes))
	order := make([]*Node, 0, len(g.Nodes))
	var visit func(n *Node) error
	visit = func(n *Node) error {
		switch state[n] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("graph has a cycle through node %s", n)
		}
		state[n] = visiting
		for _, in := range n.Inputs {
			if in == nil || in.IsConst() || defined[in] {
				continue
			}
			p, ok := prod[in]
			if !ok {
				return fmt.Errorf("node %s: input %q is not a graph input, a constant or any node's output", n, in.Name)
			}
			if err := visit(p); err != nil {
				return err
			}
		}
		state[n] = done
		order = append(order, n)
		return nil
	}
	for _, n := range g.Nodes {
		if err := visit(n); err != nil {
			return err
		}
	}
	g.Nodes = order
	return nil
}
