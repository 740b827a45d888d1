package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/ir"
)

// A Planner builds a Plan for concrete input shapes; the compiler is one.
type Planner interface {
	// Plan returns a plan for inputs of the given shapes, one per graph
	// input in order.
	Plan(inputShapes [][]int) (*Plan, error)
	// InputNames and OutputNames name the graph's inputs and outputs.
	InputNames() []string
	OutputNames() []string
}

// Options configure a Session.
type Options struct {
	// Threads is the intra-op parallelism (default: GOMAXPROCS).
	Threads int
	// RejectNonFinite makes Run fail on NaN or ±Inf input elements
	// instead of propagating them.
	RejectNonFinite bool
	// MaxPlans bounds the number of cached plans (distinct input shapes);
	// 0 means 16. When full, the least recently built plan is dropped.
	MaxPlans int
}

// A Session runs a compiled model. It is safe for concurrent use.
type Session struct {
	planner Planner
	opts    Options
	pool    *Pool
	gemm    *asm.Gemm

	mu    sync.RWMutex
	plans map[shapeKey]*planEntry
	order []shapeKey
}

type planEntry struct {
	plan *Plan
	mu   sync.Mutex
	free []*Frame
}

// maxKeyDims bounds the dimensions held in an allocation-free shape key;
// inputs with more fall back to a string key.
const maxKeyDims = 15

type shapeKey struct {
	n    int
	dims [maxKeyDims]int
	long string
}

// NewSession returns a session running plans from planner.
func NewSession(planner Planner, opts Options) *Session {
	if opts.Threads <= 0 {
		opts.Threads = runtime.GOMAXPROCS(0)
	}
	if opts.MaxPlans <= 0 {
		opts.MaxPlans = 16
	}
	gemm, err := asm.NewGemm(asm.Active(), opts.Threads)
	if err != nil {
		gemm = asm.DefaultGemm()
	}
	return &Session{planner: planner, opts: opts, pool: NewPool(opts.Threads), gemm: gemm, plans: map[shapeKey]*planEntry{}}
}

// Close releases the session's worker goroutines.
func (s *Session) Close() { s.pool.Close() }

// Threads returns the session's intra-op parallelism.
func (s *Session) Threads() int { return s.opts.Threads }

func keyOf(inputs []*ir.Tensor) shapeKey {
	var k shapeKey
	total := 0
	for _, t := range inputs {
		total += len(t.Shape) + 1
	}
	if total > maxKeyDims {
		k.long = fmt.Sprint(shapesOf(inputs))
		return k
	}
	for _, t := range inputs {
		k.dims[k.n] = len(t.Shape)
		k.n++
		for _, d := range t.Shape {
			k.dims[k.n] = d
			k.n++
		}
	}
	return k
}

func shapesOf(inputs []*ir.Tensor) [][]int {
	s := make([][]int, len(inputs))
	for i, t := range inputs {
		s[i] = t.Shape
	}
	return s
}

// PlanFor returns the plan for inputs of these shapes, building it if
// needed.
func (s *Session) PlanFor(shapes [][]int) (*Plan, error) {
	ts := make([]*ir.Tensor, len(shapes))
	for i, sh := range shapes {
		ts[i] = &ir.Tensor{Shape: sh}
	}
	e, err := s.entry(ts)
	if err != nil {
		return nil, err
	}
	return e.plan, nil
}

func (s *Session) entry(inputs []*ir.Tensor) (*planEntry, error) {
	k := keyOf(inputs)
	s.mu.RLock()
	e, ok := s.plans[k]
	s.mu.RUnlock()
	if ok {
		return e, nil
	}
	p, err := s.planner.Plan(shapesOf(inputs))
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("runtime: invalid plan: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.plans[k]; ok {
		return e, nil
	}
	if len(s.order) >= s.opts.MaxPlans {
		delete(s.plans, s.order[0])
		s.order = s.order[1:]
	}
	e = &planEntry{plan: p}
	s.plans[k] = e
	s.order = append(s.order, k)
	return e, nil
}

func (e *planEntry) get(pool *Pool, gemm *asm.Gemm) *Frame {
	e.mu.Lock()
	if n := len(e.free); n > 0 {
		f := e.free[n-1]
		e.free = e.free[:n-1]
		e.mu.Unlock()
		return f
	}
	e.mu.Unlock()
	return newFrame(e.plan, pool, gemm)
}

func (e *planEntry) put(f *Frame) {
	f.Ctx = nil
	e.mu.Lock()
	e.free = append(e.free, f)
	e.mu.Unlock()
}

// Run executes the model on inputs (one per graph input, in order) and
// returns new output tensors.
func (s *Session) Run(ctx context.Context, inputs []*ir.Tensor) ([]*ir.Tensor, error) {
	e, f, err := s.start(ctx, inputs)
	if err != nil {
		return nil, err
	}
	defer e.put(f)
	if err := s.exec(f); err != nil {
		return nil, err
	}
	out := make([]*ir.Tensor, len(e.plan.Outputs))
	for i, b := range e.plan.Outputs {
		out[i] = f.Tensor(b)
	}
	return out, nil
}

// RunInto executes the model on inputs and copies the results into
// outputs, which the caller owns and must have the outputs' types and
// shapes. It allocates nothing in steady state.
func (s *Session) RunInto(ctx context.Context, inputs, outputs []*ir.Tensor) error {
	e, f, err := s.start(ctx, inputs)
	if err != nil {
		return err
	}
	defer e.put(f)
	p := e.plan
	if len(outputs) != len(p.Outputs) {
		return fmt.Errorf("runtime: model has %d outputs, got %d output tensors", len(p.Outputs), len(outputs))
	}
	for i, b := range p.Outputs {
		buf := &p.Buffers[b]
		o := outputs[i]
		if o == nil || o.DType != buf.DType || !sameDims(o.Shape, buf.Shape) || o.Len() != buf.Elems() {
			return fmt.Errorf("runtime: output %d (%s) must be %s%v", i, s.outputName(i), buf.DType, buf.Shape)
		}
	}
	if err := s.exec(f); err != nil {
		return err
	}
	for i, b := range p.Outputs {
		f.copyOut(b, outputs[i])
	}
	return nil
}

// OutputShapes returns the output shapes for inputs of the given shapes.
func (s *Session) OutputShapes(inputShapes [][]int) ([][]int, error) {
	p, err := s.PlanFor(inputShapes)
	if err != nil {
		return nil, err
	}
	out := make([][]int, len(p.Outputs))
	for i, b := range p.Outputs {
		out[i] = append([]int{}, p.Buffers[b].Shape...)
	}
	return out, nil
}

func (s *Session) outputName(i int) string {
	if names := s.planner.OutputNames(); i < len(names) {
		return names[i]
	}
	return fmt.Sprint(i)
}

func sameDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// start validates the inputs, finds the plan and a frame, and copies the
// inputs in.
func (s *Session) start(ctx context.Context, inputs []*ir.Tensor) (*planEntry, *Frame, error) {
	names := s.planner.InputNames()
	if len(inputs) != len(names) {
		return nil, nil, fmt.Errorf("runtime: model takes %d inputs (%v), got %d", len(names), names, len(inputs))
	}
	for i, t := range inputs {
		if t == nil {
			return nil, nil, fmt.Errorf("runtime: input %d (%s) is nil", i, names[i])
		}
		if err := t.Check(); err != nil {
			return nil, nil, fmt.Errorf("runtime: input %d (%s): %w", i, names[i], err)
		}
		if s.opts.RejectNonFinite {
			if err := checkFinite(t); err != nil {
				return nil, nil, fmt.Errorf("runtime: input %d (%s): %w", i, names[i], err)
			}
		}
	}
	e, err := s.entry(inputs)
	if err != nil {
		return nil, nil, err
	}
	f := e.get(s.pool, s.gemm)
	f.Ctx = ctx
	for i, b := range e.plan.Inputs {
		if err := f.SetTensor(b, inputs[i]); err != nil {
			e.put(f)
			return nil, nil, fmt.Errorf("runtime: input %d (%s): %w", i, names[i], err)
		}
	}
	return e, f, nil
}

func checkFinite(t *ir.Tensor) error {
	for i, v := range t.F32 {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("element %d is %v", i, v)
		}
	}
	for i, v := range t.F64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("element %d is %v", i, v)
		}
	}
	return nil
}

// ErrCanceled wraps the context's error when a run stops early.
var ErrCanceled = errors.New("runtime: run canceled")

func (s *Session) exec(f *Frame) error {
	steps := f.plan.Steps
	for i := range steps {
		if f.Ctx != nil {
			if err := f.Ctx.Err(); err != nil {
				return fmt.Errorf("%w: %w", ErrCanceled, err)
			}
		}
		if err := steps[i].Run(f); err != nil {
			return fmt.Errorf("runtime: step %d (%s, %s): %w", i, steps[i].Name, steps[i].Kernel, err)
		}
	}
	return nil
}
