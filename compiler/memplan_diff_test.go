package compiler_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// viewOps are the operators lowered to views (no step; the output buffer
// shares its input's storage).
var viewOps = map[string]bool{"Reshape": true, "Flatten": true, "Squeeze": true, "Unsqueeze": true, "Identity": true, "Dropout": true}

// inPlaceKernel reports whether a step of this kernel may write its output
// over its (first) input: the single-pass elementwise kernels.
func inPlaceKernel(k string) bool {
	return strings.HasPrefix(k, "act:") || strings.HasPrefix(k, "binary:") || k == "scaleshift"
}

// planStats is what checkPlan measured.
type planStats struct {
	Storages  int // distinct arena storages (alias classes)
	NaiveSum  int // sum of their sizes, each rounded up to runtime.Align
	Arena     int // p.ArenaBytes
	MaxLive   int // the largest total size of storages live at one step
	InPlace   int // steps writing their output over their input
	ViewCount int // buffers that are views of another buffer
}

// checkPlan verifies the memory plan of p, built from the specialised
// graph g, independently of how the compiler computed it:
//
//   - every buffer of a view node (Reshape, Flatten, ... lowered without a
//     step) coincides exactly with its source's buffer;
//   - a step whose output overlaps one of its inputs is an elementwise
//     kernel and the two coincide exactly (in-place);
//   - with buffers that alias (views, in-place outputs) merged into one
//     storage whose live range runs from its first write (or the start,
//     for graph inputs) to its last read (or the end, for graph outputs),
//     no two storages whose live ranges overlap share a byte;
//   - every storage that is not a graph input is written before it is
//     read (scratch buffers that no step writes are exempt);
//   - the arena is no larger than the naive sum of all storages.
func checkPlan(p *runtime.Plan, g *ir.Graph) (planStats, error) {
	var st planStats
	if err := p.Validate(); err != nil {
		return st, err
	}
	nb := len(p.Buffers)
	end := len(p.Steps)
	const none = 1 << 60
	first, last := make([]int, nb), make([]int, nb)
	written, isInput := make([]bool, nb), make([]bool, nb)
	firstWrite := make([]int, nb)
	for i := range first {
		first[i], last[i], firstWrite[i] = none, -none, none
	}
	touch := func(b, s int) {
		first[b] = min(first[b], s)
		last[b] = max(last[b], s)
	}
	for si, s := range p.Steps {
		for _, b := range s.In {
			touch(b, si)
		}
		for _, b := range s.Out {
			touch(b, si)
			written[b] = true
			firstWrite[b] = min(firstWrite[b], si)
		}
	}
	for _, b := range p.Inputs {
		touch(b, -1)
		isInput[b] = true
	}
	for _, b := range p.Outputs {
		touch(b, end)
	}
	arena := func(b int) bool { return p.Buffers[b].Offset >= 0 }
	overlap := func(a, b int) bool {
		ba, bb := &p.Buffers[a], &p.Buffers[b]
		return ba.Bytes() > 0 && bb.Bytes() > 0 && ba.Offset < bb.Offset+bb.Bytes() && bb.Offset < ba.Offset+ba.Bytes()
	}
	same := func(a, b int) bool {
		return p.Buffers[a].Offset == p.Buffers[b].Offset && p.Buffers[a].Bytes() == p.Buffers[b].Bytes()
	}

	parent := make([]int, nb)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) { parent[find(a)] = find(b) }

	// Views.
	byName := map[string]int{}
	for b := nb - 1; b >= 0; b-- {
		if arena(b) {
			byName[p.Buffers[b].Name] = b // the lowest index wins
		}
	}
	producer := map[string]*ir.Node{}
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				producer[v.Name] = n
			}
		}
	}
	scratch := make([]bool, nb)
	for b := range p.Buffers {
		if !arena(b) || written[b] || isInput[b] {
			continue
		}
		buf := &p.Buffers[b]
		if n := producer[buf.Name]; n != nil && n.Domain == "" && viewOps[n.Op] {
			if src, ok := byName[n.Inputs[0].Name]; ok && src != b {
				if !same(b, src) {
					return st, fmt.Errorf("view %q [%d,+%d) does not coincide with its source %q [%d,+%d)",
						buf.Name, buf.Offset, buf.Bytes(), p.Buffers[src].Name, p.Buffers[src].Offset, p.Buffers[src].Bytes())
				}
				union(b, src)
				st.ViewCount++
				continue
			}
		}
		scratch[b] = true
	}
	// In-place steps.
	for si, s := range p.Steps {
		for _, o := range s.Out {
			for _, i := range s.In {
				if !arena(o) || !arena(i) || !overlap(o, i) || find(o) == find(i) {
					continue
				}
				if !same(o, i) || !inPlaceKernel(s.Kernel) {
					return st, fmt.Errorf("step %d %s (%s) writes %q [%d,+%d) over its input %q [%d,+%d)",
						si, s.Name, s.Kernel, p.Buffers[o].Name, p.Buffers[o].Offset, p.Buffers[o].Bytes(),
						p.Buffers[i].Name, p.Buffers[i].Offset, p.Buffers[i].Bytes())
				}
				union(o, i)
				st.InPlace++
			}
		}
	}
	// Storages.
	type storage struct {
		off, bytes  int
		first, last int
		firstWrite  int
		input       bool
		scratch     bool
		names       []string
	}
	stores := map[int]*storage{}
	for b := range p.Buffers {
		if !arena(b) || first[b] > last[b] {
			continue // constant, or never referenced
		}
		r := find(b)
		s, ok := stores[r]
		if !ok {
			s = &storage{off: p.Buffers[b].Offset, bytes: p.Buffers[b].Bytes(), first: none, last: -none, firstWrite: none, scratch: true}
			stores[r] = s
		}
		if p.Buffers[b].Offset != s.off || p.Buffers[b].Bytes() != s.bytes {
			return st, fmt.Errorf("aliases %v and %q occupy different bytes", s.names, p.Buffers[b].Name)
		}
		s.first, s.last = min(s.first, first[b]), max(s.last, last[b])
		s.firstWrite = min(s.firstWrite, firstWrite[b])
		s.input = s.input || isInput[b]
		s.scratch = s.scratch && scratch[b]
		s.names = append(s.names, p.Buffers[b].Name)
	}
	list := make([]*storage, 0, len(stores))
	for _, s := range stores {
		list = append(list, s)
	}
	sort.Slice(list, func(a, b int) bool {
		if list[a].off != list[b].off {
			return list[a].off < list[b].off
		}
		return list[a].first < list[b].first
	})
	for _, s := range list {
		if !s.input && !s.scratch && s.firstWrite > s.first {
			return st, fmt.Errorf("storage %v is read at step %d before it is written (step %d)", s.names, s.first, s.firstWrite)
		}
		st.NaiveSum += (s.bytes + runtime.Align - 1) / runtime.Align * runtime.Align
	}
	for i, a := range list {
		for _, b := range list[i+1:] {
			if a.bytes == 0 || b.bytes == 0 {
				continue
			}
			bytesOverlap := a.off < b.off+b.bytes && b.off < a.off+a.bytes
			timeOverlap := a.first <= b.last && b.first <= a.last
			if bytesOverlap && timeOverlap {
				return st, fmt.Errorf("storages %v [%d,+%d) live %d..%d and %v [%d,+%d) live %d..%d overlap",
					a.names, a.off, a.bytes, a.first, a.last, b.names, b.off, b.bytes, b.first, b.last)
			}
		}
	}
	for t := -1; t <= end; t++ {
		live := 0
		for _, s := range list {
			if s.first <= t && t <= s.last {
				live += (s.bytes + runtime.Align - 1) / runtime.Align * runtime.Align
			}
		}
		st.MaxLive = max(st.MaxLive, live)
	}
	st.Storages = len(list)
	st.Arena = p.ArenaBytes
	if p.ArenaBytes > st.NaiveSum {
		return st, fmt.Errorf("arena %d bytes is larger than the naive sum %d", p.ArenaBytes, st.NaiveSum)
	}
	return st, nil
}

// TestCheckPlanCatchesBadPlans makes sure checkPlan is not vacuous: it
// accepts a real plan and rejects copies of it with one buffer moved onto
// a live neighbour, a view moved off its source, and a GEMM writing over
// its own input.
func TestCheckPlanCatchesBadPlans(t *testing.T) {
	g, err := ir.Parse(`graph g {
  input x: float32[N,4]
  const w1: float32[4,8] = {1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0}
  const w2: float32[8,4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
  const s: int64[3] = {0, 2, 4}
  h = MatMul(x, w1)
  r = Relu(h)
  v = Reshape(r, s)
  f = Flatten(v)
  y = MatMul(f, w2)
  z = Sigmoid(y)
  u = Add(z, x)
  output u
}`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := compiler.Compile(g, compiler.Options{NoFusion: true})
	if err != nil {
		t.Fatal(err)
	}
	shapes := [][]int{{3, 4}}
	p, err := m.Plan(shapes)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := m.Specialize(shapes)
	if err != nil {
		t.Fatal(err)
	}
	st, err := checkPlan(p, sg)
	if err != nil {
		t.Fatalf("the real plan: %v", err)
	}
	if st.ViewCount == 0 || st.InPlace == 0 {
		t.Fatalf("test graph should give views and in-place steps: %+v", st)
	}
	clone := func() *runtime.Plan {
		c := *p
		c.Buffers = append([]runtime.Buffer(nil), p.Buffers...)
		return &c
	}
	find := func(name string) int {
		for i, b := range p.Buffers {
			if b.Name == name && b.Offset >= 0 {
				return i
			}
		}
		t.Fatalf("no buffer %s", name)
		return -1
	}
	// x is live to the end (the last Add reads it); y is written while
	// x is live, by a step that does not read x.
	bad := clone()
	bad.Buffers[find("y")].Offset = bad.Buffers[find("x")].Offset
	if _, err := checkPlan(bad, sg); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("storage placed over a live one: got %v, want an overlap error", err)
	}
	// A view that does not coincide with its source.
	bad = clone()
	bad.Buffers[find("v")].Offset += runtime.Align
	bad.ArenaBytes += runtime.Align
	if _, err := checkPlan(bad, sg); err == nil || !strings.Contains(err.Error(), "does not coincide") {
		t.Errorf("view moved off its source: got %v, want a view error", err)
	}
	// A GEMM writing over its own input (a view).
	bad = clone()
	bad.Buffers[find("y")].Offset = bad.Buffers[find("f")].Offset
	if _, err := checkPlan(bad, sg); err == nil || !strings.Contains(err.Error(), "over its input") {
		t.Errorf("GEMM output over its input view: got %v, want an in-place error", err)
	}
}
