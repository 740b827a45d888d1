// Package reference is latent's reference evaluator: it runs an ir.Graph
// with plain, obviously-correct Go loops, one node at a time. It is slow on
// purpose; it is the oracle that the importer, the compiler and the
// optimised runtime are tested against.
//
// Each operator is a Kernel registered under its ir op name. Kernels follow
// ONNX semantics at ir.Opset and compute in float32 for float32 tensors
// (float64 where a test shows float32 drift matters), int64 for shape
// arithmetic.
package reference

import (
	"context"
	"fmt"
	"sync"

	"github.com/latent-go/latent/ir"
)

// A Kernel computes node n's outputs from its input tensors (nil for an
// omitted optional input). It returns one tensor per node output; it may
// return nil for optional outputs.
type Kernel func(n *ir.Node, inputs []*ir.Tensor) ([]*ir.Tensor, error)

var (
	kernelsMu sync.RWMutex
	kernels   = map[string]Kernel{}
)

func kernelKey(domain, op string) string {
	if domain == "ai.onnx" {
		domain = ""
	}
	return domain + "\x00" + op
}

// Register installs the kernel for operator op of domain ("" for ai.onnx).
// It panics on a duplicate: registration happens at initialisation.
func Register(domain, op string, k Kernel) {
	kernelsMu.Lock()
	defer kernelsMu.Unlock()
	key := kernelKey(domain, op)
	if _, dup := kernels[key]; dup {
		panic(fmt.Sprintf("reference: kernel for %s.%s registered twice", domain, op))
	}
	kernels[key] = k
}

// Supports reports whether the evaluator has a kernel for op of domain.
func Supports(domain, op string) bool {
	kernelsMu.RLock()
	defer kernelsMu.RUnlock()
	_, ok := kernels[kernelKey(domain, op)]
	return ok
}

// KernelFor returns the kernel registered for op of domain.
func KernelFor(domain, op string) (Kernel, bool) { return lookup(domain, op) }

func lookup(domain, op string) (Kernel, bool) {
	kernelsMu.RLock()
	defer kernelsMu.RUnlock()
	k, ok := kernels[kernelKey(domain, op)]
	return k, ok
}

// Run evaluates g on inputs, given in the order of g.Inputs, and returns
// the values of g.Outputs in order. It checks each input's element type
// and shape against the graph's declaration (symbolic dimensions must bind
// consistently), and every node's outputs for well-formedness.
func Run(ctx context.Context, g *ir.Graph, inputs []*ir.Tensor) ([]*ir.Tensor, error) {
	if len(inputs) != len(g.Inputs) {
		return nil, fmt.Errorf("graph %q takes %d inputs, got %d", g.Name, len(g.Inputs), len(inputs))
	}
	env := make(map[*ir.Value]*ir.Tensor, len(g.Nodes)+len(inputs))
	if err := bindInputs(g, inputs, env); err != nil {
		return nil, err
	}
	for _, n := range g.Nodes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, ok := lookup(n.Domain, n.Op)
		if !ok {
			return nil, fmt.Errorf("node %s: operator not supported by the reference evaluator", n)
		}
		in := make([]*ir.Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			if v == nil {
				continue
			}
			if v.IsConst() {
				in[i] = v.Const
				continue
			}
			t, ok := env[v]
			if !ok {
				return nil, fmt.Errorf("node %s: input %q has no value (graph not in topological order?)", n, v.Name)
			}
			in[i] = t
		}
		out, err := k(n, in)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n, err)
		}
		if len(out) > len(n.Outputs) {
			return nil, fmt.Errorf("node %s: kernel returned %d outputs, node has %d", n, len(out), len(n.Outputs))
		}
		for i, v := range n.Outputs {
			if v == nil {
				continue
			}
			if i >= len(out) || out[i] == nil {
				return nil, fmt.Errorf("node %s: kernel did not compute output %q", n, v.Name)
			}
			if err := out[i].Check(); err != nil {
				return nil, fmt.Errorf("node %s: output %q: %w", n, v.Name, err)
			}
			env[v] = out[i]
		}
	}
	res := make([]*ir.Tensor, len(g.Outputs))
	for i, v := range g.Outputs {
		if v.IsConst() {
			res[i] = v.Const.Clone()
			continue
		}
		t, ok := env[v]
		if !ok {
			return nil, fmt.Errorf("graph output %q was not computed", v.Name)
		}
		res[i] = t
	}
	return res, nil
}

// RunNamed is Run with inputs and outputs keyed by value name.
func RunNamed(ctx context.Context, g *ir.Graph, inputs map[string]*ir.Tensor) (map[string]*ir.Tensor, error) {
	in := make([]*ir.Tensor, len(g.Inputs))
	for i, v := range g.Inputs {
		t, ok := inputs[v.Name]
		if !ok {
			return nil, fmt.Errorf("missing input %q", v.Name)
		}
		in[i] = t
	}
	for name := range inputs {
		found := false
		for _, v := range g.Inputs {
			found = found || v.Name == name
		}
		if !found {
			return nil, fmt.Errorf("graph %q has no input %q", g.Name, name)
		}
	}
	out, err := Run(ctx, g, in)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*ir.Tensor, len(out))
	for i, v := range g.Outputs {
		m[v.Name] = out[i]
	}
	return m, nil
}

// bindInputs checks the inputs against the graph's declared types and
// records them in env.
func bindInputs(g *ir.Graph, inputs []*ir.Tensor, env map[*ir.Value]*ir.Tensor) error {
	bind := map[string]int{}
	for i, v := range g.Inputs {
		t := inputs[i]
		if t == nil {
			return fmt.Errorf("input %q is nil", v.Name)
		}
		if err := t.Check(); err != nil {
			return fmt.Errorf("input %q: %w", v.Name, err)
		}
		if v.DType != ir.Undefined && t.DType != v.DType {
			return fmt.Errorf("input %q: got %s, want %s", v.Name, t.DType, v.DType)
		}
		if err := CheckShape(v.Shape, t.Shape, bind); err != nil {
			return fmt.Errorf("input %q: %w", v.Name, err)
		}
		env[v] = t
	}
	return nil
}

// CheckShape checks a concrete shape against a declared one. Symbolic
// dimensions are bound in bind on first sight and must agree afterwards.
func CheckShape(declared ir.Shape, got []int, bind map[string]int) error {
	if declared == nil {
		return nil
	}
	if len(declared) != len(got) {
		return fmt.Errorf("shape %v has rank %d, want %v", got, len(got), declared)
	}
	for i, d := range declared {
		switch {
		case d.Known():
			if got[i] != d.Size {
				return fmt.Errorf("shape %v, want %v (dimension %d)", got, declared, i)
			}
		case d.Param != "":
			if b, ok := bind[d.Param]; ok && b != got[i] {
				return fmt.Errorf("shape %v: dimension %d (%s) is %d, but %s is %d elsewhere", got, i, d.Param, got[i], d.Param, b)
			}
			bind[d.Param] = got[i]
		}
	}
	return nil
}
