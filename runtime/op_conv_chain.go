package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"
)

// A ConvChainSlot is a tensor a ConvChain reads or writes, one image at a
// time: either a frame buffer holding every image of the batch, or a
// region of the running worker's workspace holding the current image only
// (a tensor between two links, which then never exists whole).
type ConvChainSlot struct {
	// Buffer is the frame buffer, or -1 for workspace.
	Buffer int
	// Elems is the number of elements per image.
	Elems int
	// Int64 marks int64 elements (MaxPool indices); others are float32.
	Int64 bool
}

// A ConvChainLink is one DirectConv of a chain and the slots it reads and
// writes (-1: none).
type ConvChainLink struct {
	Conv *DirectConv
	// X is the input; Indices, for SourceUnpool, the indices.
	X, Indices int
	// Out is the output, NCHW or, with RawOut, in the convolution's raw
	// layout (DirectConv.RawOut; only for workspace slots). PoolOut and
	// PoolIndices are the fused pooling's outputs.
	Out, PoolOut, PoolIndices int
	RawOut                    bool
}

// A ConvChain runs direct convolutions image by image: each image goes
// through every link before the next image starts, so the tensors between
// links live only in per-worker workspace, one image at a time, and stay
// in cache. Workers take images one at a time from a shared counter.
type ConvChain struct {
	slots   []ConvChainSlot
	links   []ConvChainLink
	batch   int
	scratch int   // floats of padded copy and C, the largest link's
	slotOff []int // workspace offset of each workspace slot (floats)
	wsPer   int   // floats per worker
	flops   int64
}

// chainHeader is the number of floats at the start of each worker's
// workspace that hold its status (error code, image and index at 0..3)
// and, in workspace 0, the count of images handed out (at 4).
const chainHeader = 16

// NewConvChain checks and lays out a chain of links over slots. Every
// link processes the same batch; a workspace slot must be written by a
// link before a later link reads it.
func NewConvChain(slots []ConvChainSlot, links []ConvChainLink) (*ConvChain, error) {
	if len(links) == 0 {
		return nil, errors.New("conv chain: no links")
	}
	c := &ConvChain{slots: slots, links: links, batch: links[0].Conv.Batch(), slotOff: make([]int, len(slots))}
	for i, s := range slots {
		if s.Elems < 0 {
			return nil, fmt.Errorf("conv chain: slot %d has %d elements", i, s.Elems)
		}
	}
	written := make([]bool, len(slots))
	check := func(k, slot, want int, int64s, write bool, what string) error {
		if slot < 0 {
			return nil
		}
		if slot >= len(slots) {
			return fmt.Errorf("conv chain: link %d: %s slot %d of %d", k, what, slot, len(slots))
		}
		s := slots[slot]
		if s.Elems != want || s.Int64 != int64s {
			return fmt.Errorf("conv chain: link %d: %s slot has %d elements (int64 %v), want %d (int64 %v)", k, what, s.Elems, s.Int64, want, int64s)
		}
		if write {
			written[slot] = true
		} else if s.Buffer < 0 && !written[slot] {
			return fmt.Errorf("conv chain: link %d reads workspace slot %d before any link writes it", k, slot)
		}
		return nil
	}
	for k, l := range links {
		d := l.Conv
		if d == nil || d.Batch() != c.batch {
			return nil, fmt.Errorf("conv chain: link %d: missing convolution or another batch", k)
		}
		switch {
		case l.X < 0:
			return nil, fmt.Errorf("conv chain: link %d has no input", k)
		case (l.Indices >= 0) != (d.p.Source == SourceUnpool):
			return nil, fmt.Errorf("conv chain: link %d: indices and source disagree", k)
		case l.Out < 0 && l.PoolOut < 0:
			return nil, fmt.Errorf("conv chain: link %d has no output", k)
		case d.p.Pool != (l.PoolOut >= 0), !d.p.Pool && l.PoolIndices >= 0:
			return nil, fmt.Errorf("conv chain: link %d: pooled outputs disagree with the plan", k)
		}
		if l.RawOut {
			if _, _, ok := d.RawOut(); !ok || l.Out < 0 || slots[l.Out].Buffer >= 0 {
				return nil, fmt.Errorf("conv chain: link %d: no raw output layout", k)
			}
		}
		for _, e := range []error{
			check(k, l.X, d.InElems(), false, false, "input"),
			check(k, l.Indices, d.IndexElems(), true, false, "indices"),
			check(k, l.Out, d.OutElems(l.RawOut), false, true, "output"),
			check(k, l.PoolOut, d.PoolElems(), false, true, "pooled output"),
			check(k, l.PoolIndices, d.PoolElems(), true, true, "pool indices"),
		} {
			if e != nil {
				return nil, e
			}
		}
		if l.RawOut {
			c.scratch = max(c.scratch, roundUp16(d.xpLen)) // C is the output slot
		} else {
			c.scratch = max(c.scratch, d.scratch)
		}
		c.flops += d.flops
	}
	c.wsPer = chainHeader + c.placeSlots() + c.scratch
	return c, nil
}

// placeSlots gives every workspace slot an offset after the header such
// that slots live at the same time (from the link writing them to the
// last link reading them) do not overlap, and returns the floats they
// take. Largest first, each at the lowest offset that fits.
func (c *ConvChain) placeSlots() int {
	first, last := make([]int, len(c.slots)), make([]int, len(c.slots))
	for i := range c.slots {
		first[i], last[i], c.slotOff[i] = -1, -1, -1
	}
	for k, l := range c.links {
		for _, s := range []int{l.Out, l.PoolOut, l.PoolIndices, l.X, l.Indices} {
			if s >= 0 {
				if first[s] < 0 {
					first[s] = k
				}
				last[s] = k
			}
		}
	}
	size := func(i int) int {
		n := c.slots[i].Elems
		if c.slots[i].Int64 {
			n *= 2
		}
		return roundUp16(n)
	}
	var order []int
	for i, s := range c.slots {
		if s.Buffer < 0 && first[i] >= 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return size(b) - size(a) })
	end := 0
	var placed []int
	for _, i := range order {
		off := 0
		for moved := true; moved; {
			moved = false
			for _, j := range placed {
				if first[i] <= last[j] && first[j] <= last[i] && off < c.slotOff[j]+size(j) && c.slotOff[j] < off+size(i) {
					off, moved = c.slotOff[j]+size(j), true
				}
			}
		}
		c.slotOff[i] = off
		placed = append(placed, i)
		end = max(end, off+size(i))
	}
	for _, i := range placed {
		c.slotOff[i] += chainHeader
	}
	return end
}

// WorkspaceFloats returns the workspace one worker needs, in float32s:
// a status header, the workspace slots and the largest link's padded
// copy and output block.
func (c *ConvChain) WorkspaceFloats() int { return c.wsPer }

// Step returns the chain's step; ws is a float32 buffer of
// workers·WorkspaceFloats() elements, and up to workers images (at most
// the session's threads) are processed at once.
func (c *ConvChain) Step(name string, ws, workers int) Step {
	var in, out []int
	written := map[int]bool{}
	kernels := make([]string, len(c.links))
	for k, l := range c.links {
		for _, s := range []int{l.X, l.Indices} {
			if s >= 0 && c.slots[s].Buffer >= 0 && !written[s] {
				in = append(in, c.slots[s].Buffer)
			}
		}
		for _, s := range []int{l.Out, l.PoolOut, l.PoolIndices} {
			if s >= 0 {
				written[s] = true
				if c.slots[s].Buffer >= 0 {
					out = append(out, c.slots[s].Buffer)
				}
			}
		}
		kernels[k] = l.Conv.Kernel(l.RawOut)
	}
	in = append(in, ws)
	kernel := kernels[0]
	if len(kernels) > 1 {
		kernel = "chain: " + strings.Join(kernels, " > ")
	}
	t := &chainTask{c: c, ws: ws, workers: max(1, workers)}
	return Step{Name: name, Kernel: kernel, In: in, Out: out, FLOPs: c.flops, Run: t.run}
}

// chainTask runs a chain on a frame; part i of a parallel run uses
// workspace i.
type chainTask struct {
	c       *ConvChain
	ws      int
	workers int
}

func (t *chainTask) parts(f *Frame) int { return min(t.workers, f.Pool.Threads(), max(1, t.c.batch)) }

func (t *chainTask) run(f *Frame) error {
	c := t.c
	for i, s := range c.slots {
		if s.Buffer < 0 {
			continue
		}
		n := len(f.F32(s.Buffer))
		if s.Int64 {
			n = len(f.I64(s.Buffer))
		}
		if n != c.batch*s.Elems {
			return fmt.Errorf("conv chain: slot %d: buffer of %d elements for %d images of %d", i, n, c.batch, s.Elems)
		}
	}
	parts := t.parts(f)
	ws := f.F32(t.ws)
	if len(ws) < parts*c.wsPer {
		return fmt.Errorf("conv chain: workspace of %d floats for %d parts of %d", len(ws), parts, c.wsPer)
	}
	for i := 0; i < parts; i++ {
		ws[i*c.wsPer] = 0
	}
	next(ws).Store(0)
	if parts == 1 {
		t.Do(f, 0)
	} else {
		f.Pool.For(f, parts, t)
	}
	for i := 0; i < parts; i++ {
		h := ws[i*c.wsPer : i*c.wsPer+chainHeader]
		if h[0] != 0 {
			j := *(*int64)(unsafe.Pointer(&h[2]))
			d := c.links[int(h[3])].Conv
			return fmt.Errorf("maxunpool: index %d of image %d is outside its %dx%d plane", j, int(h[1]), d.h, d.w)
		}
	}
	return nil
}

// next returns the frame's counter of images handed out, in the header
// of workspace 0 (arena memory, so per call).
func next(ws []float32) *atomic.Int32 {
	return (*atomic.Int32)(unsafe.Pointer(&ws[4]))
}

// Do runs part i with workspace i: it takes images one at a time until
// none are left, so that a part whose goroutine starts late (the machine
// is busy) takes fewer.
func (t *chainTask) Do(f *Frame, i int) {
	c := t.c
	all := f.F32(t.ws)
	counter := next(all)
	ws := all[i*c.wsPer : (i+1)*c.wsPer]
	scratch := ws[c.wsPer-c.scratch:]
	for {
		n := int(counter.Add(1)) - 1
		if n >= c.batch {
			return
		}
		for k := range c.links {
			l := &c.links[k]
			io := convIO{n: n, raw: l.RawOut,
				x: t.f32(f, ws, l.X, n), idx: t.i64(f, ws, l.Indices, n),
				out: t.f32(f, ws, l.Out, n), pool: t.f32(f, ws, l.PoolOut, n), poolIdx: t.i64(f, ws, l.PoolIndices, n)}
			if bad, j := l.Conv.image(&io, scratch); bad {
				ws[0], ws[1], ws[3] = 1, float32(n), float32(k)
				*(*int64)(unsafe.Pointer(&ws[2])) = j
				return
			}
		}
	}
}

// f32 returns image n of float32 slot s (nil for -1).
func (t *chainTask) f32(f *Frame, ws []float32, s, n int) []float32 {
	if s < 0 {
		return nil
	}
	sl := &t.c.slots[s]
	if sl.Buffer >= 0 {
		return f.F32(sl.Buffer)[n*sl.Elems : (n+1)*sl.Elems]
	}
	o := t.c.slotOff[s]
	return ws[o : o+sl.Elems]
}

// i64 returns image n of int64 slot s (nil for -1).
func (t *chainTask) i64(f *Frame, ws []float32, s, n int) []int64 {
	if s < 0 {
		return nil
	}
	sl := &t.c.slots[s]
	if sl.Buffer >= 0 {
		return f.I64(sl.Buffer)[n*sl.Elems : (n+1)*sl.Elems]
	}
	if sl.Elems == 0 {
		return nil
	}
	// Workspace offsets are multiples of 16 floats from a 64-byte
	// aligned buffer: 8-byte aligned for int64.
	return unsafe.Slice((*int64)(unsafe.Pointer(&ws[t.c.slotOff[s]])), sl.Elems)
}
