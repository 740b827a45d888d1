package runtime

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/ir"
)

// Align is the byte alignment of every tensor in the arena: one cache
// line, so vector loads never straddle lines at a tensor's start.
const Align = 64

// A Buffer is one tensor's storage in a plan: a region of the arena, or
// constant data owned by the plan.
type Buffer struct {
	Name   string
	DType  ir.DType
	Shape  []int
	Offset int        // byte offset in the arena; -1 for constants
	Const  *ir.Tensor // constant data, when Offset < 0
}

// Elems returns the number of elements.
func (b *Buffer) Elems() int { return ir.NumElements(b.Shape) }

// Bytes returns the size in bytes.
func (b *Buffer) Bytes() int { return b.Elems() * b.DType.Size() }

// A Step is one kernel call.
type Step struct {
	// Name is the node the step computes; Kernel names the kernel chosen
	// ("gemm-packed+relu", "conv-im2col", "reference:Gather", ...).
	Name, Kernel string
	// In and Out index Plan.Buffers.
	In, Out []int
	// Run performs the step on frame f.
	Run func(f *Frame) error
	// FLOPs is the step's floating-point operation count, when known.
	FLOPs int64
}

// A Plan is a compiled model specialised to concrete input shapes.
type Plan struct {
	Buffers []Buffer
	Inputs  []int // Buffers index of each graph input, in order
	Outputs []int // Buffers index of each graph output, in order
	Steps   []Step
	// ArenaBytes is the arena size every call needs.
	ArenaBytes int
	// NaiveBytes is the sum of the sizes of the graph inputs, every node
	// output (views and in-place results included) and every step's
	// scratch buffer: what an executor that gives each of them its own
	// memory would allocate.
	NaiveBytes int
	// Workspace is the largest scratch buffer (im2col columns, say) of any
	// one step, in bytes; scratch lives only during its step and is part
	// of ArenaBytes.
	Workspace int
}

// A Frame is the per-call state of one plan execution: the arena and the
// thread pool. Steps reach their tensors through it.
type Frame struct {
	plan  *Plan
	arena []byte
	// Ctx is the context of the call.
	Ctx context.Context
	// Pool runs work in parallel; never nil.
	Pool *Pool
	// Gemm runs matrix products with the session's tier and threads.
	Gemm *asm.Gemm

	job job // the frame's parallel-for state, reused by every Pool.For
}

// newFrame allocates a frame with an arena for p. The arena is allocated
// as []float64 so that it is 8-byte aligned; offsets are multiples of Align
// from an Align-aligned base.
func newFrame(p *Plan, pool *Pool, gemm *asm.Gemm) *Frame {
	words := (p.ArenaBytes + Align + 7) / 8
	raw := make([]float64, words)
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)*8)
	off := 0
	if r := uintptr(unsafe.Pointer(unsafe.SliceData(b))) % Align; r != 0 {
		off = int(Align - r)
	}
	return &Frame{plan: p, arena: b[off : off+p.ArenaBytes], Pool: pool, Gemm: gemm}
}

// bytesOf returns buffer i's bytes in the arena.
func (f *Frame) bytesOf(i int) unsafe.Pointer {
	return unsafe.Pointer(&f.arena[f.plan.Buffers[i].Offset])
}

// F32 returns buffer i as float32s: arena memory, or constant data.
func (f *Frame) F32(i int) []float32 {
	b := &f.plan.Buffers[i]
	if b.Offset < 0 {
		return b.Const.F32
	}
	n := b.Elems()
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(f.bytesOf(i)), n)
}

// I64 returns buffer i as int64s.
func (f *Frame) I64(i int) []int64 {
	b := &f.plan.Buffers[i]
	if b.Offset < 0 {
		return b.Const.I64
	}
	n := b.Elems()
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*int64)(f.bytesOf(i)), n)
}

// Bool returns buffer i as bools.
func (f *Frame) Bool(i int) []bool {
	b := &f.plan.Buffers[i]
	if b.Offset < 0 {
		return b.Const.Bool
	}
	n := b.Elems()
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*bool)(f.bytesOf(i)), n)
}

// F32At returns float32s at a byte offset of the arena (workspace).
func (f *Frame) F32At(offset, n int) []float32 {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&f.arena[offset])), n)
}

// Tensor copies buffer i into a new tensor.
func (f *Frame) Tensor(i int) *ir.Tensor {
	b := &f.plan.Buffers[i]
	t, err := ir.NewTensor(b.DType, b.Shape...)
	if err != nil {
		panic(err) // plans only hold supported types
	}
	f.copyOut(i, t)
	return t
}

// SetTensor copies t into buffer i, which must have t's type and size.
func (f *Frame) SetTensor(i int, t *ir.Tensor) error {
	b := &f.plan.Buffers[i]
	if t.DType != b.DType || t.Len() != b.Elems() {
		return fmt.Errorf("buffer %q is %s%v, got %s%v", b.Name, b.DType, b.Shape, t.DType, t.Shape)
	}
	if b.Offset < 0 {
		return fmt.Errorf("buffer %q is constant", b.Name)
	}
	switch b.DType {
	case ir.Float32:
		copy(f.F32(i), t.F32)
	case ir.Int64:
		copy(f.I64(i), t.I64)
	case ir.Bool:
		copy(f.Bool(i), t.Bool)
	case ir.Float64:
		copy(unsafe.Slice((*float64)(f.bytesOf(i)), b.Elems()), t.F64)
	case ir.Int32:
		copy(unsafe.Slice((*int32)(f.bytesOf(i)), b.Elems()), t.I32)
	}
	return nil
}

func (f *Frame) copyOut(i int, t *ir.Tensor) {
	b := &f.plan.Buffers[i]
	if b.Offset < 0 {
		switch b.DType {
		case ir.Float32:
			copy(t.F32, b.Const.F32)
		case ir.Int64:
			copy(t.I64, b.Const.I64)
		case ir.Bool:
			copy(t.Bool, b.Const.Bool)
		case ir.Float64:
			copy(t.F64, b.Const.F64)
		case ir.Int32:
			copy(t.I32, b.Const.I32)
		}
		return
	}
	if b.Elems() == 0 {
		return
	}
	switch b.DType {
	case ir.Float32:
		copy(t.F32, f.F32(i))
	case ir.Int64:
		copy(t.I64, f.I64(i))
	case ir.Bool:
		copy(t.Bool, f.Bool(i))
	case ir.Float64:
		copy(t.F64, unsafe.Slice((*float64)(f.bytesOf(i)), b.Elems()))
	case ir.Int32:
		copy(t.I32, unsafe.Slice((*int32)(f.bytesOf(i)), b.Elems()))
	}
}

// Validate checks the plan's internal consistency: buffers inside the
// arena and aligned, steps referring to existing buffers.
func (p *Plan) Validate() error {
	for i, b := range p.Buffers {
		if !b.DType.Supported() {
			return fmt.Errorf("buffer %d (%s): unsupported type %s", i, b.Name, b.DType)
		}
		if b.Offset < 0 {
			if b.Const == nil || b.Const.Len() != b.Elems() || b.Const.DType != b.DType {
				return fmt.Errorf("buffer %d (%s): constant does not match %s%v", i, b.Name, b.DType, b.Shape)
			}
			continue
		}
		if b.Offset%Align != 0 {
			return fmt.Errorf("buffer %d (%s): offset %d not %d-aligned", i, b.Name, b.Offset, Align)
		}
		if b.Offset+b.Bytes() > p.ArenaBytes {
			return fmt.Errorf("buffer %d (%s): [%d,%d) outside the %d-byte arena", i, b.Name, b.Offset, b.Offset+b.Bytes(), p.ArenaBytes)
		}
	}
	check := func(what string, idx []int) error {
		for _, i := range idx {
			if i < 0 || i >= len(p.Buffers) {
				return fmt.Errorf("%s refers to buffer %d of %d", what, i, len(p.Buffers))
			}
		}
		return nil
	}
	if err := check("inputs", p.Inputs); err != nil {
		return err
	}
	if err := check("outputs", p.Outputs); err != nil {
		return err
	}
	for _, s := range p.Steps {
		if err := check("step "+s.Name, s.In); err != nil {
			return err
		}
		if err := check("step "+s.Name, s.Out); err != nil {
			return err
		}
		if s.Run == nil {
			return fmt.Errorf("step %s has no kernel", s.Name)
		}
	}
	return nil
}
