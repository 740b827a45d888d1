package ir

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Variadic as a Schema's MaxInputs or MaxOutputs means "any number".
const Variadic = -1

// An AttrSpec describes one attribute an operator accepts.
type AttrSpec struct {
	Kind     AttrKind
	Required bool
}

// A Schema describes an operator: how many inputs and outputs it takes,
// which attributes it accepts, and how to infer its outputs' types and
// shapes.
type Schema struct {
	Op     string
	Domain string // "" for ai.onnx, "latent" for latent's fused ops

	MinInputs, MaxInputs   int
	MinOutputs, MaxOutputs int
	Attrs                  map[string]AttrSpec

	// Infer sets the DType and Shape of n's outputs from its inputs (and
	// any constant inputs' data). It may leave dimensions unknown but must
	// not leave the DType undefined. It returns an error when the inputs
	// are inconsistent (for example shapes that cannot be broadcast).
	Infer func(n *Node) error

	// Elementwise reports that each output element depends only on the
	// input elements at the same (broadcast) position; the compiler may
	// then compute it in place.
	Elementwise bool
}

var (
	schemaMu sync.RWMutex
	schemas  = map[string]*Schema{}
)

func schemaKey(domain, op string) string {
	if domain == "ai.onnx" {
		domain = ""
	}
	return domain + "\x00" + op
}

// Register adds s to the operator registry. It panics if an operator of
// the same domain and name is already registered: registration happens in
// package initialisation, where a duplicate is a programming error.
func Register(s *Schema) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	k := schemaKey(s.Domain, s.Op)
	if _, dup := schemas[k]; dup {
		panic(fmt.Sprintf("ir: operator %s.%s registered twice", s.Domain, s.Op))
	}
	schemas[k] = s
}

// LookupSchema returns the schema of operator op in domain ("" or
// "ai.onnx" for the standard operators).
func LookupSchema(domain, op string) (*Schema, bool) {
	schemaMu.RLock()
	defer schemaMu.RUnlock()
	s, ok := schemas[schemaKey(domain, op)]
	return s, ok
}

// RegisteredOps returns the names of the registered operators of domain,
// sorted.
func RegisteredOps(domain string) []string {
	schemaMu.RLock()
	defer schemaMu.RUnlock()
	var ops []string
	for _, s := range schemas {
		if schemaKey(s.Domain, "") == schemaKey(domain, "") {
			ops = append(ops, s.Op)
		}
	}
	sort.Strings(ops)
	return ops
}

// CheckNode checks n against its schema: the operator exists, the number
// of inputs and outputs is in range, every required input is present, and
// every attribute is known and of the right kind.
func CheckNode(n *Node) error {
	s, ok := LookupSchema(n.Domain, n.Op)
	if !ok {
		return fmt.Errorf("node %s: unknown operator", n)
	}
	return s.check(n)
}

func (s *Schema) check(n *Node) error {
	if len(n.Inputs) < s.MinInputs || (s.MaxInputs != Variadic && len(n.Inputs) > s.MaxInputs) {
		return fmt.Errorf("node %s: has %d inputs, operator takes %s", n, len(n.Inputs), arity(s.MinInputs, s.MaxInputs))
	}
	for i := 0; i < s.MinInputs; i++ {
		if n.Inputs[i] == nil {
			return fmt.Errorf("node %s: required input %d is missing", n, i)
		}
	}
	if len(n.Outputs) < s.MinOutputs || (s.MaxOutputs != Variadic && len(n.Outputs) > s.MaxOutputs) {
		return fmt.Errorf("node %s: has %d outputs, operator gives %s", n, len(n.Outputs), arity(s.MinOutputs, s.MaxOutputs))
	}
	for i := 0; i < s.MinOutputs; i++ {
		if n.Outputs[i] == nil {
			return fmt.Errorf("node %s: required output %d is missing", n, i)
		}
	}
	for _, name := range n.Attrs.Names() {
		spec, ok := s.Attrs[name]
		if !ok {
			return fmt.Errorf("node %s: unknown attribute %q", n, name)
		}
		if got := n.Attrs[name].Kind; got != spec.Kind {
			return fmt.Errorf("node %s: attribute %q is %s, want %s", n, name, got, spec.Kind)
		}
	}
	for name, spec := range s.Attrs {
		if spec.Required && !n.Attrs.Has(name) {
			return fmt.Errorf("node %s: required attribute %q is missing", n, name)
		}
	}
	return nil
}

func arity(lo, hi int) string {
	switch {
	case hi == Variadic:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// InferShapes runs every node's shape and type inference in order. Where
// a value already has a declared shape (from the model file), the inferred
// one must agree with every known dimension; the declared type must match.
// Known inferred dimensions replace unknown or symbolic declared ones.
func InferShapes(g *Graph) error {
	for _, n := range g.Nodes {
		if err := InferNode(n); err != nil {
			return err
		}
	}
	return nil
}

// InferNode runs node n's shape and type inference, merging the result
// with the shapes its outputs already declare (see InferShapes).
func InferNode(n *Node) error {
	s, ok := LookupSchema(n.Domain, n.Op)
	if !ok {
		return fmt.Errorf("node %s: unknown operator", n)
	}
	if s.Infer == nil {
		return fmt.Errorf("node %s: operator has no shape inference", n)
	}
	// Inference functions may assume the node fits its schema.
	if err := s.check(n); err != nil {
		return err
	}
	declared := make([]Value, len(n.Outputs))
	for i, v := range n.Outputs {
		if v != nil {
			declared[i] = *v
		}
	}
	if err := s.Infer(n); err != nil {
		return fmt.Errorf("node %s: %w", n, err)
	}
	for i, v := range n.Outputs {
		if v == nil {
			continue
		}
		d := declared[i]
		if v.DType == Undefined {
			return fmt.Errorf("node %s: inference left output %q without a type", n, v.Name)
		}
		if d.DType != Undefined && d.DType != v.DType {
			return fmt.Errorf("node %s: output %q is declared %s but computes %s", n, v.Name, d.DType, v.DType)
		}
		merged, err := mergeShapes(d.Shape, v.Shape)
		if err != nil {
			return fmt.Errorf("node %s: output %q: %w", n, v.Name, err)
		}
		v.Shape = merged
	}
	return nil
}

// mergeShapes combines a declared and an inferred shape.
func mergeShapes(declared, inferred Shape) (Shape, error) {
	if declared == nil {
		return inferred, nil
	}
	if inferred == nil {
		return declared, nil
	}
	if len(declared) != len(inferred) {
		return nil, fmt.Errorf("declared shape %v has rank %d, inferred %v has rank %d", declared, len(declared), inferred, len(inferred))
	}
	out := slices.Clone(inferred)
	for i, d := range declared {
		in := inferred[i]
		switch {
		case d.Known() && in.Known() && d.Size != in.Size:
			return nil, fmt.Errorf("declared shape %v disagrees with inferred %v at dimension %d", declared, inferred, i)
		case !in.Known() && (d.Known() || in.Param == ""):
			out[i] = d
		}
	}
	return out, nil
}
