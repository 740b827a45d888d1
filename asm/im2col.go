package asm

import (
	"errors"
	"fmt"
)

// Window is the validated geometry of a sliding window over the spatial
// dimensions of one NCHW (or N x C x D1 x ... x Dk) plane, as ONNX Conv,
// ConvTranspose, MaxPool and AveragePool describe it. Build it once with
// NewWindow (for example when a model is compiled); the kernels that take
// it then allocate nothing (for up to 8 spatial dims). The fields are
// read-only once NewWindow has returned: to change the geometry, build a
// new Window.
//
// Output size per dimension i (ONNX, with explicit pads):
//
//	span   = Dilations[i]*(Kernel[i]-1) + 1
//	Out[i] = floor((In[i] + PadBegin[i] + PadEnd[i] - span) / Strides[i]) + 1
//
// or with ceil instead of floor when CeilMode is set (pooling only), in
// which case a last window that would start in the end padding is dropped
// (as ONNX Runtime and PyTorch do).
type Window struct {
	In        []int // input spatial dims
	Kernel    []int // kernel spatial dims
	Strides   []int // per dim, >= 1
	PadBegin  []int // per dim, >= 0
	PadEnd    []int // per dim, >= 0
	Dilations []int // per dim, >= 1
	CeilMode  bool
	Out       []int // output spatial dims, computed by NewWindow

	inSize, kSize, outSize int
}

// WindowOptions are the optional parts of a Window; nil slices mean the
// ONNX defaults (strides and dilations 1, pads 0).
type WindowOptions struct {
	Strides   []int
	Pads      []int // ONNX order: all begins, then all ends (x1_begin, x2_begin, ..., x1_end, x2_end, ...)
	Dilations []int
	CeilMode  bool
}

// maxWindowElems bounds every size a Window computes so that products of
// dims cannot overflow int and a malformed model cannot ask for absurd
// buffers.
const maxWindowElems = 1 << 40

// NewWindow validates a window geometry and computes its output dims. in
// and kernel give the spatial dims (1 or more); opt may be nil.
func NewWindow(in, kernel []int, opt *WindowOptions) (*Window, error) {
	nd := len(in)
	if nd == 0 {
		return nil, errors.New("asm: NewWindow: no spatial dimensions")
	}
	if len(kernel) != nd {
		return nil, fmt.Errorf("asm: NewWindow: kernel has %d dims, input %d", len(kernel), nd)
	}
	var o WindowOptions
	if opt != nil {
		o = *opt
	}
	w := &Window{
		In: append([]int(nil), in...), Kernel: append([]int(nil), kernel...),
		Strides: make([]int, nd), PadBegin: make([]int, nd), PadEnd: make([]int, nd),
		Dilations: make([]int, nd), Out: make([]int, nd), CeilMode: o.CeilMode,
	}
	if o.Strides != nil && len(o.Strides) != nd {
		return nil, fmt.Errorf("asm: NewWindow: %d strides for %d dims", len(o.Strides), nd)
	}
	if o.Dilations != nil && len(o.Dilations) != nd {
		return nil, fmt.Errorf("asm: NewWindow: %d dilations for %d dims", len(o.Dilations), nd)
	}
	if o.Pads != nil && len(o.Pads) != 2*nd {
		return nil, fmt.Errorf("asm: NewWindow: %d pads for %d dims (want %d)", len(o.Pads), nd, 2*nd)
	}
	w.inSize, w.kSize, w.outSize = 1, 1, 1
	for i := 0; i < nd; i++ {
		w.Strides[i], w.Dilations[i] = 1, 1
		if o.Strides != nil {
			w.Strides[i] = o.Strides[i]
		}
		if o.Dilations != nil {
			w.Dilations[i] = o.Dilations[i]
		}
		if o.Pads != nil {
			w.PadBegin[i], w.PadEnd[i] = o.Pads[i], o.Pads[nd+i]
		}
		switch {
		case in[i] < 1 || in[i] > maxWindowElems:
			return nil, fmt.Errorf("asm: NewWindow: input dim %d is %d", i, in[i])
		case kernel[i] < 1 || kernel[i] > maxWindowElems:
			return nil, fmt.Errorf("asm: NewWindow: kernel dim %d is %d", i, kernel[i])
		case w.Strides[i] < 1 || w.Strides[i] > maxWindowElems:
			return nil, fmt.Errorf("asm: NewWindow: stride %d is %d", i, w.Strides[i])
		case w.Dilations[i] < 1 || w.Dilations[i] > maxWindowElems:
			return nil, fmt.Errorf("asm: NewWindow: dilation %d is %d", i, w.Dilations[i])
		case w.PadBegin[i] < 0 || w.PadEnd[i] < 0 || w.PadBegin[i] > maxWindowElems || w.PadEnd[i] > maxWindowElems:
			return nil, fmt.Errorf("asm: NewWindow: pads of dim %d are %d, %d", i, w.PadBegin[i], w.PadEnd[i])
		}
		span := w.Dilations[i]*(kernel[i]-1) + 1
		if span > maxWindowElems {
			return nil, fmt.Errorf("asm: NewWindow: dilated kernel of dim %d spans %d", i, span)
		}
		room := in[i] + w.PadBegin[i] + w.PadEnd[i] - span
		if room < 0 {
			return nil, fmt.Errorf("asm: NewWindow: dim %d: dilated kernel %d is larger than padded input %d", i, span, in[i]+w.PadBegin[i]+w.PadEnd[i])
		}
		out := room/w.Strides[i] + 1
		if w.CeilMode {
			out = (room+w.Strides[i]-1)/w.Strides[i] + 1
			if (out-1)*w.Strides[i] >= in[i]+w.PadBegin[i] {
				out--
			}
		}
		w.Out[i] = out
		w.inSize *= in[i]
		w.kSize *= kernel[i]
		w.outSize *= out
		if w.inSize > maxWindowElems || w.kSize > maxWindowElems || w.outSize > maxWindowElems {
			return nil, fmt.Errorf("asm: NewWindow: window sizes exceed %d elements", maxWindowElems)
		}
	}
	return w, nil
}

// AutoPads returns ONNX pads (begins, then ends) for auto_pad SAME_UPPER
// (upper = true) or SAME_LOWER: the output has ceil(in/stride) elements
// per dim and the odd padding element goes at the end (upper) or the
// beginning (lower). strides and dilations may be nil (all 1).
func AutoPads(in, kernel, strides, dilations []int, upper bool) ([]int, error) {
	nd := len(in)
	if len(kernel) != nd || (strides != nil && len(strides) != nd) || (dilations != nil && len(dilations) != nd) {
		return nil, fmt.Errorf("asm: AutoPads: dims disagree (in %d, kernel %d, strides %d, dilations %d)", nd, len(kernel), len(strides), len(dilations))
	}
	pads := make([]int, 2*nd)
	for i := 0; i < nd; i++ {
		s, d := 1, 1
		if strides != nil {
			s = strides[i]
		}
		if dilations != nil {
			d = dilations[i]
		}
		if in[i] < 1 || kernel[i] < 1 || s < 1 || d < 1 || in[i] > maxWindowElems || kernel[i] > maxWindowElems || s > maxWindowElems || d > maxWindowElems {
			return nil, fmt.Errorf("asm: AutoPads: bad dim %d (in %d, kernel %d, stride %d, dilation %d)", i, in[i], kernel[i], s, d)
		}
		out := (in[i] + s - 1) / s
		total := (out-1)*s + d*(kernel[i]-1) + 1 - in[i]
		if total < 0 {
			total = 0
		}
		small, big := total/2, total-total/2
		if upper {
			pads[i], pads[nd+i] = small, big
		} else {
			pads[i], pads[nd+i] = big, small
		}
	}
	return pads, nil
}

// InSize returns the number of elements of one input plane (product of In).
func (w *Window) InSize() int { return w.inSize }

// KernelSize returns the number of kernel positions (product of Kernel).
func (w *Window) KernelSize() int { return w.kSize }

// OutSize returns the number of output positions (product of Out).
func (w *Window) OutSize() int { return w.outSize }

// ColSize returns the length of the column matrix Im2Col fills for
// channels input planes: channels * KernelSize * OutSize.
func (w *Window) ColSize(channels int) int { return channels * w.kSize * w.outSize }

func (w *Window) checkPlanes(op string, channels int, planeLen, outLen int, in, out []float32) error {
	if channels < 0 || channels > maxWindowElems/max(planeLen, outLen, 1) {
		return fmt.Errorf("asm: %s: %d channels", op, channels)
	}
	if len(in) != channels*planeLen {
		return fmt.Errorf("asm: %s: input has %d elements, want %d channels x %d", op, len(in), channels, planeLen)
	}
	if len(out) != channels*outLen {
		return fmt.Errorf("asm: %s: output has %d elements, want %d channels x %d", op, len(out), channels, outLen)
	}
	return nil
}

// Im2Col unrolls channels input planes x (each w.InSize() long, NCHW) into
// the column matrix col with channels*KernelSize rows and OutSize columns,
// row-major, so that a convolution is the matrix product
// weights[M, channels*KernelSize] x col. For 2-D:
//
//	col[((c*KH+ki)*KW+kj)*OH*OW + oy*OW+ox] =
//	    x[c][oy*SH-PT+ki*DH][ox*SW-PL+kj*DW]   (0 where that is padding)
//
// and likewise for any number of dims. Every element of col is written.
// Convolution groups are separate calls on the group's channel slice.
func Im2Col(col, x []float32, w *Window, channels int) error {
	if err := w.checkPlanes("Im2Col", channels, w.inSize, w.kSize*w.outSize, x, col); err != nil {
		return err
	}
	if len(w.In) <= 2 {
		im2col2D(col, x, w, channels)
	} else {
		im2colND(col, x, w, channels)
	}
	return nil
}

// dims2 returns the 2-D view of a 1-D or 2-D window (1-D as H = 1).
func (w *Window) dims2() (h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow int) {
	if len(w.In) == 1 {
		return 1, w.In[0], 1, w.Kernel[0], 1, w.Strides[0], 0, w.PadBegin[0], 1, w.Dilations[0], 1, w.Out[0]
	}
	return w.In[0], w.In[1], w.Kernel[0], w.Kernel[1], w.Strides[0], w.Strides[1],
		w.PadBegin[0], w.PadBegin[1], w.Dilations[0], w.Dilations[1], w.Out[0], w.Out[1]
}

// validRange returns the range [lo, hi) of output positions o in [0, n)
// for which o*s + off lies in [0, size).
func validRange(n, s, off, size int) (lo, hi int) {
	// o*s + off >= 0  <=>  o >= ceil(-off/s)
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	// o*s + off <= size-1  <=>  o <= floor((size-1-off)/s)
	if size-1-off < 0 {
		return 0, 0
	}
	hi = (size-1-off)/s + 1
	if hi > n {
		hi = n
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

func im2col2D(col, x []float32, w *Window, channels int) {
	h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow := w.dims2()
	plane := h * wd
	row := 0
	for c := 0; c < channels; c++ {
		xc := x[c*plane : (c+1)*plane]
		for ki := 0; ki < kh; ki++ {
			yLo, yHi := validRange(oh, sh, ki*dh-ph, h)
			for kj := 0; kj < kw; kj++ {
				xLo, xHi := validRange(ow, sw, kj*dw-pw, wd)
				dst := col[row*oh*ow : (row+1)*oh*ow]
				row++
				clear(dst[:yLo*ow])
				clear(dst[yHi*ow:])
				for oy := yLo; oy < yHi; oy++ {
					d := dst[oy*ow : (oy+1)*ow]
					clear(d[:xLo])
					clear(d[xHi:])
					if xLo >= xHi {
						continue
					}
					src := xc[(oy*sh+ki*dh-ph)*wd:]
					ix := xLo*sw + kj*dw - pw
					if sw == 1 {
						copy(d[xLo:xHi], src[ix:ix+xHi-xLo])
						continue
					}
					for ox := xLo; ox < xHi; ox++ {
						d[ox] = src[ix]
						ix += sw
					}
				}
			}
		}
	}
}

// Col2Im is the adjoint of Im2Col: it adds every element of the column
// matrix col (channels*KernelSize rows, OutSize columns) into the plane
// position Im2Col would have read it from; elements that fall in padding
// are dropped. dst is accumulated into, not overwritten, so clear it (or
// preload a bias) first. With col = weightsᵀ x input this computes ONNX
// ConvTranspose, whose output plane is the Window's input plane.
func Col2Im(dst, col []float32, w *Window, channels int) error {
	if err := w.checkPlanes("Col2Im", channels, w.inSize, w.kSize*w.outSize, dst, col); err != nil {
		return err
	}
	if len(w.In) <= 2 {
		col2im2D(dst, col, w, channels, ActiveVec())
	} else {
		col2imND(dst, col, w, channels)
	}
	return nil
}

func col2im2D(dst, col []float32, w *Window, channels int, v *Vec) {
	h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow := w.dims2()
	plane := h * wd
	row := 0
	for c := 0; c < channels; c++ {
		dc := dst[c*plane : (c+1)*plane]
		for ki := 0; ki < kh; ki++ {
			yLo, yHi := validRange(oh, sh, ki*dh-ph, h)
			for kj := 0; kj < kw; kj++ {
				xLo, xHi := validRange(ow, sw, kj*dw-pw, wd)
				src := col[row*oh*ow : (row+1)*oh*ow]
				row++
				if xLo >= xHi {
					continue
				}
				for oy := yLo; oy < yHi; oy++ {
					s := src[oy*ow+xLo : oy*ow+xHi]
					d := dc[(oy*sh+ki*dh-ph)*wd+xLo*sw+kj*dw-pw:]
					if sw == 1 {
						d = d[:len(s)]
						v.k.add(d, d, s)
						continue
					}
					for i, val := range s {
						d[i*sw] += val
					}
				}
			}
		}
	}
}

// inputIndex returns the flat input index of kernel position kpos at
// output position opos, or -1 if it falls in padding.
func (w *Window) inputIndex(kpos, opos []int) int {
	idx := 0
	for i := range w.In {
		p := opos[i]*w.Strides[i] + kpos[i]*w.Dilations[i] - w.PadBegin[i]
		if p < 0 || p >= w.In[i] {
			return -1
		}
		idx = idx*w.In[i] + p
	}
	return idx
}

// next advances the odometer pos over dims and reports false when done.
func next(pos, dims []int) bool {
	for i := len(pos) - 1; i >= 0; i-- {
		pos[i]++
		if pos[i] < dims[i] {
			return true
		}
		pos[i] = 0
	}
	return false
}

// scratch2 returns two zeroed position vectors of length nd, on the stack
// of the caller's buffers when nd is small.
func scratch2(nd int, a, b *[8]int) ([]int, []int) {
	if nd <= len(a) {
		return a[:nd], b[:nd]
	}
	return make([]int, nd), make([]int, nd)
}

func im2colND(col, x []float32, w *Window, channels int) {
	var ka, oa [8]int
	kpos, opos := scratch2(len(w.In), &ka, &oa)
	k := 0
	for c := 0; c < channels; c++ {
		xc := x[c*w.inSize : (c+1)*w.inSize]
		clear(kpos)
		for {
			dst := col[k*w.outSize : (k+1)*w.outSize]
			k++
			clear(opos)
			for o := range dst {
				if i := w.inputIndex(kpos, opos); i >= 0 {
					dst[o] = xc[i]
				} else {
					dst[o] = 0
				}
				next(opos, w.Out)
			}
			if !next(kpos, w.Kernel) {
				break
			}
		}
	}
}

func col2imND(dst, col []float32, w *Window, channels int) {
	var ka, oa [8]int
	kpos, opos := scratch2(len(w.In), &ka, &oa)
	k := 0
	for c := 0; c < channels; c++ {
		dc := dst[c*w.inSize : (c+1)*w.inSize]
		clear(kpos)
		for {
			src := col[k*w.outSize : (k+1)*w.outSize]
			k++
			clear(opos)
			for _, v := range src {
				if i := w.inputIndex(kpos, opos); i >= 0 {
					dc[i] += v
				}
				next(opos, w.Out)
			}
			if !next(kpos, w.Kernel) {
				break
			}
		}
	}
}
