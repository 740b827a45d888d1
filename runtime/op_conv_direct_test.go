package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// fixedPlanner serves one hand-built plan.
type fixedPlanner struct{ p *runtime.Plan }

func (f fixedPlanner) Plan([][]int) (*runtime.Plan, error) { return f.p, nil }
func (fixedPlanner) InputNames() []string                  { return []string{"x"} }
func (fixedPlanner) OutputNames() []string                 { return []string{"y"} }

// directPlan builds a plan of one DirectConv step (a one-link chain)
// from buffers x (and indices when not nil) to y, with an arena laid out
// by hand.
func directPlan(t *testing.T, d *runtime.DirectConv, xShape, idxShape, yShape []int, workers int) *runtime.Plan {
	t.Helper()
	p := &runtime.Plan{}
	off := 0
	add := func(name string, dt ir.DType, shape []int) int {
		b := runtime.Buffer{Name: name, DType: dt, Shape: shape, Offset: off}
		off += (b.Bytes() + runtime.Align - 1) / runtime.Align * runtime.Align
		p.Buffers = append(p.Buffers, b)
		return len(p.Buffers) - 1
	}
	perImage := func(shape []int) int { return ir.NumElements(shape) / shape[0] }
	var slots []runtime.ConvChainSlot
	slot := func(b int, shape []int, int64s bool) int {
		slots = append(slots, runtime.ConvChainSlot{Buffer: b, Elems: perImage(shape), Int64: int64s})
		return len(slots) - 1
	}
	link := runtime.ConvChainLink{Conv: d, Indices: -1, PoolOut: -1, PoolIndices: -1}
	x := add("x", ir.Float32, xShape)
	link.X = slot(x, xShape, false)
	if idxShape != nil {
		link.Indices = slot(add("idx", ir.Int64, idxShape), idxShape, true)
	}
	y := add("y", ir.Float32, yShape)
	link.Out = slot(y, yShape, false)
	ch, err := runtime.NewConvChain(slots, []runtime.ConvChainLink{link})
	if err != nil {
		t.Fatal(err)
	}
	ws := add("ws", ir.Float32, []int{workers * ch.WorkspaceFloats()})
	p.Steps = []runtime.Step{ch.Step("conv", ws, workers)}
	p.Inputs = []int{x}
	p.Outputs = []int{y}
	p.ArenaBytes = off
	return p
}

// TestDirectConvLecture runs the worked example of DESIGN.md through the
// direct convolution: the 4×4 input and the 3×3 kernel 1..9 give
// [[57,50],[66,61]], and the transposed convolution of [[1,0],[2,1]]
// gives the 4×4 grid of the lecture, exactly (small integers).
func TestDirectConvLecture(t *testing.T) {
	k := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	for _, tc := range []struct {
		transpose bool
		in        []float32
		inDims    []int
		out       []float32
		outDims   []int
	}{
		{false, []float32{2, 1, 0, 3, 0, 0, 1, 2, 3, 1, 2, 0, 0, 2, 2, 1}, []int{4, 4}, []float32{57, 50, 66, 61}, []int{2, 2}},
		{true, []float32{1, 0, 2, 1}, []int{2, 2}, []float32{1, 2, 3, 0, 6, 10, 14, 3, 15, 22, 26, 6, 14, 23, 26, 9}, []int{4, 4}},
	} {
		// The window is always the forward convolution from the larger
		// plane to the smaller one.
		big := tc.inDims
		if tc.transpose {
			big = tc.outDims
		}
		w, err := asm.NewWindow(big, []int{3, 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, err := runtime.NewDirectConv(runtime.DirectConvParams{Transpose: tc.transpose, Batch: 1, Group: 1, CIn: 1, COut: 1, Window: w, W: k})
		if err != nil {
			t.Fatal(err)
		}
		p := directPlan(t, d, append([]int{1, 1}, tc.inDims...), nil, append([]int{1, 1}, tc.outDims...), 1)
		s := runtime.NewSession(fixedPlanner{p}, runtime.Options{Threads: 1})
		x := ir.Float32Tensor(append([]int{1, 1}, tc.inDims...), tc.in)
		out, err := s.Run(context.Background(), []*ir.Tensor{x})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range tc.out {
			if out[0].F32[i] != want {
				t.Fatalf("transpose=%v: got %v, want %v", tc.transpose, out[0].F32, tc.out)
			}
		}
	}
}

// TestDirectConvUnpoolBadIndex checks that a folded MaxUnpool whose index
// leaves its plane fails the run with an error naming it (the data is
// bad, not the plan), with one and two threads.
func TestDirectConvUnpoolBadIndex(t *testing.T) {
	w, err := asm.NewWindow([]int{4, 4}, []int{3, 3}, &asm.WindowOptions{Pads: []int{1, 1, 1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	k := make([]float32, 9)
	k[4] = 1 // identity
	d, err := runtime.NewDirectConv(runtime.DirectConvParams{Batch: 2, Group: 1, CIn: 1, COut: 1, Window: w, W: k,
		Source: runtime.SourceUnpool, XDims: []int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		p := directPlan(t, d, []int{2, 1, 2, 2}, []int{2, 1, 2, 2}, []int{2, 1, 4, 4}, 2)
		s := runtime.NewSession(fixedPlanner{p}, runtime.Options{Threads: threads})
		x := ir.Float32Tensor([]int{2, 1, 2, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8})
		// The indices are arena data: a first step of the plan writes
		// them (the plan is the session's, so the change is seen).
		run := func(idx []int64) ([]*ir.Tensor, error) {
			p.Steps = append([]runtime.Step{{Name: "idx", Kernel: "test", Out: []int{1}, Run: func(fr *runtime.Frame) error {
				copy(fr.I64(1), idx)
				return nil
			}}}, p.Steps[len(p.Steps)-1])
			return s.Run(context.Background(), []*ir.Tensor{x})
		}
		out, err := run([]int64{0, 3, 12, 15, 16, 19, 28, 31})
		if err != nil {
			t.Fatalf("threads %d: valid indices: %v", threads, err)
		}
		// The identity kernel shows the unpooled planes.
		for i, v := range out[0].F32 {
			var want float32
			switch i % 16 {
			case 0, 3, 12, 15:
				want = x.F32[i/16*4+[16]int{0: 0, 3: 1, 12: 2, 15: 3}[i%16]]
			}
			if v != want {
				t.Fatalf("threads %d: output %d = %v, want %v", threads, i, v, want)
			}
		}
		_, err = run([]int64{0, 3, 12, 15, 16, 19, 28, 5})
		if err == nil || !strings.Contains(err.Error(), "index 5 of image 1") {
			t.Fatalf("threads %d: out-of-plane index: error %v", threads, err)
		}
		s.Close()
	}
}

// TestConvChainErrors checks that NewConvChain rejects links whose slots
// do not fit them.
func TestConvChainErrors(t *testing.T) {
	w, err := asm.NewWindow([]int{4, 4}, []int{3, 3}, &asm.WindowOptions{Pads: []int{1, 1, 1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := runtime.NewDirectConv(runtime.DirectConvParams{Batch: 2, Group: 1, CIn: 1, COut: 2, Window: w, W: make([]float32, 18)})
	if err != nil {
		t.Fatal(err)
	}
	in := runtime.ConvChainSlot{Buffer: 0, Elems: 16}
	out := runtime.ConvChainSlot{Buffer: 1, Elems: 32}
	work := runtime.ConvChainSlot{Buffer: -1, Elems: 32}
	link := func(x, o int) runtime.ConvChainLink {
		return runtime.ConvChainLink{Conv: d, X: x, Indices: -1, Out: o, PoolOut: -1, PoolIndices: -1}
	}
	for _, c := range []struct {
		name  string
		slots []runtime.ConvChainSlot
		links []runtime.ConvChainLink
	}{
		{"no links", []runtime.ConvChainSlot{in}, nil},
		{"input size", []runtime.ConvChainSlot{out, out}, []runtime.ConvChainLink{link(0, 1)}},
		{"output size", []runtime.ConvChainSlot{in, in}, []runtime.ConvChainLink{link(0, 1)}},
		{"no output", []runtime.ConvChainSlot{in}, []runtime.ConvChainLink{link(0, -1)}},
		{"slot range", []runtime.ConvChainSlot{in}, []runtime.ConvChainLink{link(0, 5)}},
		{"read before write", []runtime.ConvChainSlot{work, out}, []runtime.ConvChainLink{link(0, 1)}},
		{"indices without unpooling", []runtime.ConvChainSlot{in, out, {Buffer: 2, Elems: 16, Int64: true}},
			[]runtime.ConvChainLink{{Conv: d, X: 0, Indices: 2, Out: 1, PoolOut: -1, PoolIndices: -1}}},
		{"pool output without pooling", []runtime.ConvChainSlot{in, out}, []runtime.ConvChainLink{{Conv: d, X: 0, Indices: -1, Out: -1, PoolOut: 1, PoolIndices: -1}}},
		{"raw into a frame buffer", []runtime.ConvChainSlot{in, out}, []runtime.ConvChainLink{{Conv: d, X: 0, Indices: -1, Out: 1, PoolOut: -1, PoolIndices: -1, RawOut: true}}},
	} {
		if _, err := runtime.NewConvChain(c.slots, c.links); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if _, err := runtime.NewConvChain([]runtime.ConvChainSlot{in, out}, []runtime.ConvChainLink{link(0, 1)}); err != nil {
		t.Errorf("valid chain: %v", err)
	}
}
