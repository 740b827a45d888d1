package compiler

import (
	"fmt"
	"sort"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// A lowerFunc turns node n into steps, or reports ok=false to fall back
// to the reference kernel.
type lowerFunc func(l *lowerer, n *ir.Node) (ok bool, err error)

// lowerings maps "domain\x00op" to the node's lowering.
var lowerings = map[string]lowerFunc{}

func lowering(domain, op string, f lowerFunc) { lowerings[domain+"\x00"+op] = f }

// storage is one region of the arena, shared by a value and its views.
type storage struct {
	bytes       int
	first, last int  // step indices of the first write and last read
	pinned      bool // holds a graph output: lives to the end
	lastNode    int  // last node (index) reading any value in it
	offset      int
}

type lowerer struct {
	m     *Model
	g     *ir.Graph
	plan  *runtime.Plan
	buf   map[*ir.Value]int // value -> buffer index
	store []int             // buffer index -> storage index (-1 for constants)
	sts   []*storage
	node  int // index of the node being lowered
	// lastUse is the index of the last node reading each value; graph
	// outputs read "after the end".
	lastUse map[*ir.Value]int
	// conv tracks operators folded into direct convolutions
	// (lower_conv.go).
	conv convState
}

func (m *Model) lower(g *ir.Graph) (*runtime.Plan, error) {
	l := &lowerer{m: m, g: g, plan: &runtime.Plan{}, buf: map[*ir.Value]int{}, lastUse: map[*ir.Value]int{}}
	end := len(g.Nodes)
	for i, n := range g.Nodes {
		for _, v := range n.Inputs {
			if v != nil {
				l.lastUse[v] = i
			}
		}
	}
	for _, v := range g.Outputs {
		l.lastUse[v] = end
	}
	for _, v := range g.Inputs {
		l.countNaive(v)
		b := l.newBuffer(v)
		l.plan.Inputs = append(l.plan.Inputs, b)
		l.sts[l.store[b]].first = -1
	}
	for i, n := range g.Nodes {
		l.node = i
		if err := l.lowerNode(n); err != nil {
			return nil, err
		}
	}
	// Graph outputs are read where they are: their storages live to the
	// end (pinned), and the session copies constants and arena data out
	// alike, so no output needs a copy step.
	for _, v := range g.Outputs {
		b, err := l.in(v)
		if err != nil {
			return nil, err
		}
		if st := l.store[b]; st >= 0 {
			l.sts[st].pinned = true
		}
		l.plan.Outputs = append(l.plan.Outputs, b)
	}
	l.assignOffsets()
	return l.plan, nil
}

func (l *lowerer) lowerNode(n *ir.Node) error {
	if f, ok := lowerings[n.Domain+"\x00"+n.Op]; ok {
		done, err := f(l, n)
		if err != nil {
			return fmt.Errorf("node %s: %w", n, err)
		}
		if done {
			return nil
		}
	}
	return l.reference(n)
}

// reference lowers n to the reference kernel.
func (l *lowerer) reference(n *ir.Node) error {
	in := make([]int, len(n.Inputs))
	for i, v := range n.Inputs {
		in[i] = -1
		if v != nil {
			b, err := l.in(v)
			if err != nil {
				return err
			}
			in[i] = b
		}
	}
	out := make([]int, len(n.Outputs))
	for i, v := range n.Outputs {
		out[i] = -1
		if v != nil {
			out[i] = l.out(v)
		}
	}
	s, err := runtime.ReferenceStep(n, in, out)
	if err != nil {
		return err
	}
	l.addStep(s)
	return nil
}

// newBuffer adds an arena buffer with its own storage for v.
func (l *lowerer) newBuffer(v *ir.Value) int {
	dims, _ := v.Shape.Ints()
	b := len(l.plan.Buffers)
	l.plan.Buffers = append(l.plan.Buffers, runtime.Buffer{Name: v.Name, DType: v.DType, Shape: dims})
	st := &storage{bytes: l.plan.Buffers[b].Bytes(), first: len(l.plan.Steps), last: -2, lastNode: l.lastUse[v]}
	l.store = append(l.store, len(l.sts))
	l.sts = append(l.sts, st)
	l.buf[v] = b
	return b
}

// in returns the buffer holding v, adding a constant buffer for constants.
func (l *lowerer) in(v *ir.Value) (int, error) {
	if b, ok := l.buf[v]; ok {
		return b, nil
	}
	if v.IsConst() {
		b := len(l.plan.Buffers)
		l.plan.Buffers = append(l.plan.Buffers, runtime.Buffer{Name: v.Name, DType: v.DType, Shape: v.Const.Shape, Offset: -1, Const: v.Const})
		l.store = append(l.store, -1)
		l.buf[v] = b
		return b, nil
	}
	return 0, fmt.Errorf("value %q has no buffer (not computed before use)", v.Name)
}

// out returns a new buffer for node output v.
func (l *lowerer) out(v *ir.Value) int {
	l.countNaive(v)
	return l.newBuffer(v)
}

// countNaive adds v to the naive sum: what an executor that gives every
// graph input, node output and step scratch buffer its own memory would
// allocate.
func (l *lowerer) countNaive(v *ir.Value) {
	l.plan.NaiveBytes += roundUp(byteSize(v))
}

// view returns a buffer for v sharing src's storage (a reshape).
func (l *lowerer) view(v *ir.Value, src int) int {
	s := l.store[src]
	if s < 0 {
		// a view of a constant is a constant with another shape
		c := l.plan.Buffers[src].Const
		t := *c
		t.Shape, _ = v.Shape.Ints()
		b := len(l.plan.Buffers)
		l.plan.Buffers = append(l.plan.Buffers, runtime.Buffer{Name: v.Name, DType: v.DType, Shape: t.Shape, Offset: -1, Const: &t})
		l.store = append(l.store, -1)
		l.buf[v] = b
		return b
	}
	l.countNaive(v)
	dims, _ := v.Shape.Ints()
	b := len(l.plan.Buffers)
	l.plan.Buffers = append(l.plan.Buffers, runtime.Buffer{Name: v.Name, DType: v.DType, Shape: dims})
	l.store = append(l.store, s)
	l.sts[s].lastNode = max(l.sts[s].lastNode, l.lastUse[v])
	l.buf[v] = b
	return b
}

// inPlace returns a buffer for output v that reuses input buffer src's
// storage when no later node reads it and it holds no graph output;
// otherwise a new buffer. Only single-step elementwise kernels may use it.
func (l *lowerer) inPlace(v *ir.Value, src int) int {
	s := l.store[src]
	if s >= 0 && !l.sts[s].pinned && l.sts[s].lastNode == l.node && !l.isGraphOutputStorage(s) &&
		l.plan.Buffers[src].Bytes() == byteSize(v) {
		return l.view(v, src)
	}
	return l.out(v)
}

func (l *lowerer) isGraphOutputStorage(s int) bool {
	for _, v := range l.g.Outputs {
		if b, ok := l.buf[v]; ok && l.store[b] == s {
			return true
		}
	}
	return false
}

func byteSize(v *ir.Value) int {
	dims, _ := v.Shape.Ints()
	return ir.NumElements(dims) * v.DType.Size()
}

// workspace returns a float32 scratch buffer of n elements live only
// during the next step added.
func (l *lowerer) workspace(name string, n int) int {
	v := &ir.Value{Name: name, DType: ir.Float32, Shape: ir.StaticShape(n)}
	l.countNaive(v)
	b := l.newBuffer(v)
	l.plan.Workspace = max(l.plan.Workspace, roundUp(l.plan.Buffers[b].Bytes()))
	return b
}

// addStep appends s and records the storages it touches.
func (l *lowerer) addStep(s runtime.Step) {
	i := len(l.plan.Steps)
	l.plan.Steps = append(l.plan.Steps, s)
	for _, b := range s.In {
		if st := l.store[b]; st >= 0 {
			l.sts[st].last = max(l.sts[st].last, i)
		}
	}
	for _, b := range s.Out {
		if st := l.store[b]; st >= 0 {
			l.sts[st].first = min(l.sts[st].first, i)
			l.sts[st].last = max(l.sts[st].last, i)
		}
	}
}

// assignOffsets places every storage in the arena. Storages whose live
// ranges [first, last] overlap get disjoint byte ranges; the others may
// share. Largest first, each at the lowest-waste gap that fits (best fit).
func (l *lowerer) assignOffsets() {
	end := len(l.plan.Steps)
	order := make([]int, 0, len(l.sts))
	for i, s := range l.sts {
		if s.pinned {
			s.last = end
		}
		if s.last < s.first {
			s.last = s.first // written, never read (an unread output)
		}
		order = append(order, i)
	}
	sort.SliceStable(order, func(a, b int) bool {
		sa, sb := l.sts[order[a]], l.sts[order[b]]
		if sa.bytes != sb.bytes {
			return sa.bytes > sb.bytes
		}
		return sa.first < sb.first
	})
	type placed struct{ off, end, first, last int }
	var done []placed
	arena := 0
	for _, i := range order {
		s := l.sts[i]
		size := roundUp(s.bytes)
		var busy []placed
		for _, p := range done {
			if p.first <= s.last && s.first <= p.last {
				busy = append(busy, p)
			}
		}
		sort.Slice(busy, func(a, b int) bool { return busy[a].off < busy[b].off })
		best, bestWaste := -1, -1
		pos := 0
		for _, p := range busy {
			if gap := p.off - pos; gap >= size && (bestWaste < 0 || gap-size < bestWaste) {
				best, bestWaste = pos, gap-size
			}
			pos = max(pos, p.end)
		}
		if best < 0 {
			best = pos
		}
		s.offset = best
		done = append(done, placed{best, best + size, s.first, s.last})
		arena = max(arena, best+size)
	}
	l.plan.ArenaBytes = arena
	for b := range l.plan.Buffers {
		if st := l.store[b]; st >= 0 {
			l.plan.Buffers[b].Offset = l.sts[st].offset
		}
	}
}

func roundUp(n int) int {
	return (n + runtime.Align - 1) / runtime.Align * runtime.Align
}
