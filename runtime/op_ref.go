package runtime

import (
	"fmt"
	"unsafe"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

// view returns buffer i as a tensor sharing the arena's memory.
func (f *Frame) view(i int) *ir.Tensor {
	b := &f.plan.Buffers[i]
	if b.Offset < 0 {
		return b.Const
	}
	t := &ir.Tensor{DType: b.DType, Shape: b.Shape}
	n := b.Elems()
	switch b.DType {
	case ir.Float32:
		t.F32 = f.F32(i)
	case ir.Int64:
		t.I64 = f.I64(i)
	case ir.Bool:
		t.Bool = f.Bool(i)
	case ir.Float64:
		if n > 0 {
			t.F64 = unsafe.Slice((*float64)(f.bytesOf(i)), n)
		}
	case ir.Int32:
		if n > 0 {
			t.I32 = unsafe.Slice((*int32)(f.bytesOf(i)), n)
		}
	}
	if n == 0 {
		switch b.DType {
		case ir.Float32:
			t.F32 = []float32{}
		case ir.Int64:
			t.I64 = []int64{}
		case ir.Bool:
			t.Bool = []bool{}
		case ir.Float64:
			t.F64 = []float64{}
		case ir.Int32:
			t.I32 = []int32{}
		}
	}
	return t
}

// ReferenceStep returns a step that computes node n with the reference
// evaluator's kernel, reading its inputs from buffers in (-1 for an omitted
// input) and copying its outputs into buffers out (-1 for an output not
// needed). It allocates on every run; it serves operators that have no
// dedicated kernel, usually small shape computations.
func ReferenceStep(n *ir.Node, in, out []int) (Step, error) {
	k, ok := reference.KernelFor(n.Domain, n.Op)
	if !ok {
		return Step{}, fmt.Errorf("node %s: no kernel for this operator", n)
	}
	var ins, outs []int
	for _, i := range in {
		if i >= 0 {
			ins = append(ins, i)
		}
	}
	for _, o := range out {
		if o >= 0 {
			outs = append(outs, o)
		}
	}
	return Step{
		Name: n.Name, Kernel: "reference:" + n.Op, In: ins, Out: outs,
		Run: func(f *Frame) error {
			args := make([]*ir.Tensor, len(in))
			for j, i := range in {
				if i >= 0 {
					args[j] = f.view(i)
				}
			}
			res, err := k(n, args)
			if err != nil {
				return err
			}
			for j, o := range out {
				if o < 0 {
					continue
				}
				if j >= len(res) || res[j] == nil {
					return fmt.Errorf("output %d not computed", j)
				}
				b := &f.plan.Buffers[o]
				if !sameDims(res[j].Shape, b.Shape) {
					return fmt.Errorf("output %d has shape %v, plan expects %v", j, res[j].Shape, b.Shape)
				}
				if err := f.SetTensor(o, res[j]); err != nil {
					return err
				}
			}
			return nil
		},
	}, nil
}

// CopyStep copies buffer src into buffer dst (same type and size).
func CopyStep(name string, src, dst int) Step {
	return Step{Name: name, Kernel: "copy", In: []int{src}, Out: []int{dst},
		Run: func(f *Frame) error {
			copy(f.raw(dst), f.raw(src))
			return nil
		}}
}

// raw returns buffer i's bytes (arena or constant data).
func (f *Frame) raw(i int) []byte {
	b := &f.plan.Buffers[i]
	n := b.Bytes()
	if n == 0 {
		return nil
	}
	if b.Offset >= 0 {
		return f.arena[b.Offset : b.Offset+n]
	}
	var p unsafe.Pointer
	switch c := b.Const; c.DType {
	case ir.Float32:
		p = unsafe.Pointer(unsafe.SliceData(c.F32))
	case ir.Int64:
		p = unsafe.Pointer(unsafe.SliceData(c.I64))
	case ir.Bool:
		p = unsafe.Pointer(unsafe.SliceData(c.Bool))
	case ir.Float64:
		p = unsafe.Pointer(unsafe.SliceData(c.F64))
	case ir.Int32:
		p = unsafe.Pointer(unsafe.SliceData(c.I32))
	}
	return unsafe.Slice((*byte)(p), n)
}
