package compiler

import (
	"fmt"
	"sync"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// A Model is a compiled graph: optimised once, then planned for each set
// of concrete input shapes it is run with. It implements runtime.Planner.
// A Model is safe for concurrent use.
type Model struct {
	graph   *ir.Graph
	opts    Options
	inputs  []string
	outputs []string

	mu     sync.Mutex
	packed map[*ir.Tensor]packedWeights // weights pre-packed for GEMM, shared by all plans
}

type packedWeights struct {
	transB bool
	p      *asm.PackedB
}

// Compile optimises g and returns a Model ready to plan. g is not
// modified.
func Compile(g *ir.Graph, opts Options) (*Model, error) {
	opt, err := Optimize(g, opts)
	if err != nil {
		return nil, err
	}
	m := &Model{graph: opt, opts: opts, packed: map[*ir.Tensor]packedWeights{}}
	for _, v := range opt.Inputs {
		m.inputs = append(m.inputs, v.Name)
	}
	for _, v := range opt.Outputs {
		m.outputs = append(m.outputs, v.Name)
	}
	return m, nil
}

// Graph returns the optimised graph (with symbolic dimensions). Callers
// must not modify it.
func (m *Model) Graph() *ir.Graph { return m.graph }

// InputNames returns the graph inputs' names, in order.
func (m *Model) InputNames() []string { return m.inputs }

// OutputNames returns the graph outputs' names, in order.
func (m *Model) OutputNames() []string { return m.outputs }

// Plan builds the executable plan for inputs of the given shapes: it
// specialises the graph to them, folds what became constant, lowers every
// node to a kernel step and assigns arena offsets by liveness.
func (m *Model) Plan(shapes [][]int) (*runtime.Plan, error) {
	g, err := m.Specialize(shapes)
	if err != nil {
		return nil, err
	}
	return m.lower(g)
}

// Specialize returns a copy of the optimised graph with its inputs fixed
// to the given shapes, shapes inferred and constants folded again, so that
// every value has a static shape. Constant tensors are shared with the
// Model, not copied.
func (m *Model) Specialize(shapes [][]int) (*ir.Graph, error) {
	if len(shapes) != len(m.graph.Inputs) {
		return nil, fmt.Errorf("model takes %d inputs, got %d shapes", len(m.graph.Inputs), len(shapes))
	}
	g := shallowClone(m.graph)
	bind := map[string]int{}
	for i, v := range g.Inputs {
		if err := bindShape(v, shapes[i], bind); err != nil {
			return nil, fmt.Errorf("input %q: %w", v.Name, err)
		}
		v.Shape = ir.StaticShape(shapes[i]...)
	}
	// Forget inferred shapes of intermediate values: they were computed
	// for symbolic inputs and get recomputed now.
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil && !v.IsConst() {
				v.Shape = v.Shape.Substitute(bind)
			}
		}
	}
	for _, p := range []Pass{
		{Name: "fold-constants", Run: FoldConstants},
		{Name: "eliminate-identity", Run: EliminateIdentities},
		{Name: "eliminate-dead-code", Run: EliminateDeadCode},
	} {
		if err := runPass(p, g); err != nil {
			return nil, err
		}
	}
	for _, v := range g.Values() {
		if !v.Shape.IsStatic() {
			return nil, fmt.Errorf("value %q: shape %v is not static for input shapes %v", v.Name, v.Shape, shapes)
		}
		if !v.DType.Supported() {
			return nil, fmt.Errorf("value %q: element type %s is not supported", v.Name, v.DType)
		}
	}
	return g, nil
}

// bindShape checks concrete dims against a declared shape, binding
// symbolic dimensions consistently.
func bindShape(v *ir.Value, dims []int, bind map[string]int) error {
	s := v.Shape
	if s == nil {
		return nil
	}
	if len(s) != len(dims) {
		return fmt.Errorf("shape %v has rank %d, model expects %v", dims, len(dims), s)
	}
	for i, d := range s {
		if dims[i] < 0 {
			return fmt.Errorf("shape %v has a negative dimension", dims)
		}
		switch {
		case d.Known():
			if d.Size != dims[i] {
				return fmt.Errorf("shape %v, model expects %v (dimension %d)", dims, s, i)
			}
		case d.Param != "":
			if b, ok := bind[d.Param]; ok && b != dims[i] {
				return fmt.Errorf("shape %v: dimension %d (%s) is %d but %s is %d in another input", dims, i, d.Param, dims[i], d.Param, b)
			}
			bind[d.Param] = dims[i]
		}
	}
	return nil
}

// shallowClone copies the graph structure (values, nodes, attributes)
// but shares constant tensors, which passes never modify in place.
func shallowClone(g *ir.Graph) *ir.Graph {
	m := map[*ir.Value]*ir.Value{}
	cv := func(v *ir.Value) *ir.Value {
		if v == nil {
			return nil
		}
		if c, ok := m[v]; ok {
			return c
		}
		c := &ir.Value{Name: v.Name, DType: v.DType, Shape: v.Shape.Clone(), Const: v.Const}
		m[v] = c
		return c
	}
	c := &ir.Graph{Name: g.Name, SourceOpset: g.SourceOpset, Doc: g.Doc}
	for _, v := range g.Inputs {
		c.Inputs = append(c.Inputs, cv(v))
	}
	for _, n := range g.Nodes {
		cn := &ir.Node{Name: n.Name, Op: n.Op, Domain: n.Domain, Attrs: n.Attrs.Clone()}
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

// packB returns the packed form of constant weight matrix w, packing it on
// first use.
func (m *Model) packB(w *ir.Tensor, transB bool) (*asm.PackedB, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.packed[w]; ok && p.transB == transB {
		return p.p, nil
	}
	k, n := w.Shape[0], w.Shape[1]
	if transB {
		k, n = n, k
	}
	ld := w.Shape[1]
	p, err := asm.PackB(transB, k, n, w.F32, ld)
	if err != nil {
		return nil, err
	}
	m.packed[w] = packedWeights{transB: transB, p: p}
	return p, nil
}
