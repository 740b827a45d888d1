package ir

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Schemas of the neural-network operators: Gemm, MatMul, Conv,
// ConvTranspose, the pooling operators, MaxUnpool, Resize,
// BatchNormalization, Dropout, Softmax, LogSoftmax and Pad, with the
// window geometry (Window, ConvWindow, ConvTransposeWindow) that their
// shape inference shares with the evaluators.

// A Window is the resolved geometry of a sliding-window operator (Conv,
// ConvTranspose, MaxPool, AveragePool, MaxUnpool) along its spatial axes:
// one entry per spatial axis in every slice. Along axis i, output position
// o of Conv and the pools reads input position o*Strides[i] - PadsBegin[i]
// + k*Dilations[i] for k in [0, Kernel[i]); ConvTranspose and MaxUnpool
// scatter input position p to output position p*Strides[i] - PadsBegin[i]
// + k*Dilations[i].
type Window struct {
	In        []int // input spatial size; -1 where unknown
	Kernel    []int
	Strides   []int
	Dilations []int
	// PadsBegin and PadsEnd are the padding actually applied, after
	// auto_pad and output_shape are resolved. ConvTranspose may have
	// negative pads (its output is then larger than the full result).
	// They are meaningful only where In is known.
	PadsBegin, PadsEnd []int
	OutputPadding      []int // ConvTranspose only; zeros otherwise
	Out                []int // output spatial size; -1 where unknown
}

// Rank returns the number of spatial axes.
func (w *Window) Rank() int { return len(w.Kernel) }

func nnConvAttrs() map[string]AttrSpec {
	return map[string]AttrSpec{
		"auto_pad":     {Kind: AttrString},
		"dilations":    {Kind: AttrInts},
		"group":        {Kind: AttrInt},
		"kernel_shape": {Kind: AttrInts},
		"pads":         {Kind: AttrInts},
		"strides":      {Kind: AttrInts},
	}
}

// nnSpatialInts reads ints attribute name of length rank (or def if it is
// absent), checking every value is at least min.
func nnSpatialInts(n *Node, name string, rank int, def, min int) ([]int, error) {
	out := make([]int, rank)
	v, ok := n.Attrs[name]
	if !ok {
		for i := range out {
			out[i] = def
		}
		return out, nil
	}
	if len(v.Ints) != rank {
		return nil, fmt.Errorf("%s %v has %d values, want one per spatial axis (%d)", name, nnList(v.Ints), len(v.Ints), rank)
	}
	for i, x := range v.Ints {
		if x < int64(min) || x > math.MaxInt32 {
			return nil, fmt.Errorf("%s %v: value %d at axis %d is out of range (minimum %d)", name, nnList(v.Ints), x, i, min)
		}
		out[i] = int(x)
	}
	return out, nil
}

// nnPads reads the pads attribute (begin values then end values) for rank
// spatial axes.
func nnPads(n *Node, rank int) (begin, end []int, err error) {
	begin, end = make([]int, rank), make([]int, rank)
	v, ok := n.Attrs["pads"]
	if !ok {
		return begin, end, nil
	}
	if len(v.Ints) != 2*rank {
		return nil, nil, fmt.Errorf("pads %v has %d values, want 2 per spatial axis (%d)", nnList(v.Ints), len(v.Ints), 2*rank)
	}
	for _, x := range v.Ints {
		if x < 0 || x > math.MaxInt32 {
			return nil, nil, fmt.Errorf("pads %v: value %d is out of range", nnList(v.Ints), x)
		}
	}
	for i := range rank {
		begin[i], end[i] = int(v.Ints[i]), int(v.Ints[rank+i])
	}
	return begin, end, nil
}

func nnAutoPad(n *Node) (string, error) {
	switch ap := n.Attrs.String("auto_pad", "NOTSET"); ap {
	case "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID":
		return ap, nil
	case "":
		return "NOTSET", nil
	default:
		return "", fmt.Errorf("auto_pad %q is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", ap)
	}
}

// nnList formats a list of ints the way shapes print: "[3,3]".
func nnList[T int | int64](v []T) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(int64(x), 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// nnFloorDiv is integer division rounding toward negative infinity.
func nnFloorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// nnCeilDiv is integer division rounding toward positive infinity.
func nnCeilDiv(a, b int) int { return -nnFloorDiv(-a, b) }

// ConvWindow resolves the window geometry of a Conv, MaxPool, AveragePool
// (or LpPool) node whose input has spatial sizes in (-1 where unknown) and
// whose kernel has spatial sizes kernel. It applies the node's strides,
// dilations, pads, auto_pad and ceil_mode attributes with ONNX's output
// size rules; with ceil_mode, a last window that would start in the end
// padding is dropped (as PyTorch and later ONNX versions specify).
func ConvWindow(n *Node, in, kernel []int) (*Window, error) {
	rank := len(kernel)
	if len(in) != rank {
		return nil, fmt.Errorf("kernel_shape %v needs %d spatial dims, input has %d", nnList(kernel), rank, len(in))
	}
	w := &Window{In: slices.Clone(in), Kernel: slices.Clone(kernel), OutputPadding: make([]int, rank), Out: make([]int, rank)}
	for i, k := range kernel {
		if k < 1 {
			return nil, fmt.Errorf("kernel_shape %v: size %d at axis %d is not positive", nnList(kernel), k, i)
		}
	}
	var err error
	if w.Strides, err = nnSpatialInts(n, "strides", rank, 1, 1); err != nil {
		return nil, err
	}
	if w.Dilations, err = nnSpatialInts(n, "dilations", rank, 1, 1); err != nil {
		return nil, err
	}
	if w.PadsBegin, w.PadsEnd, err = nnPads(n, rank); err != nil {
		return nil, err
	}
	autoPad, err := nnAutoPad(n)
	if err != nil {
		return nil, err
	}
	ceil := n.Attrs.Int("ceil_mode", 0) != 0
	for i := range rank {
		eff := (w.Kernel[i]-1)*w.Dilations[i] + 1
		s := w.Strides[i]
		if in[i] < 0 {
			w.Out[i] = -1
			continue
		}
		switch autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			w.Out[i] = nnCeilDiv(in[i], s)
			total := max(0, (w.Out[i]-1)*s+eff-in[i])
			if autoPad == "SAME_UPPER" {
				w.PadsBegin[i], w.PadsEnd[i] = total/2, total-total/2
			} else {
				w.PadsBegin[i], w.PadsEnd[i] = total-total/2, total/2
			}
		case "VALID":
			w.PadsBegin[i], w.PadsEnd[i] = 0, 0
			if in[i] < eff {
				return nil, fmt.Errorf("input size %d at spatial axis %d is smaller than the dilated kernel (%d)", in[i], i, eff)
			}
			w.Out[i] = nnCeilDiv(in[i]-eff+1, s)
		default:
			span := in[i] + w.PadsBegin[i] + w.PadsEnd[i] - eff
			if span < 0 {
				return nil, fmt.Errorf("padded input size %d at spatial axis %d is smaller than the dilated kernel (%d)", in[i]+w.PadsBegin[i]+w.PadsEnd[i], i, eff)
			}
			if ceil {
				w.Out[i] = nnCeilDiv(span, s) + 1
				if (w.Out[i]-1)*s >= in[i]+w.PadsBegin[i] {
					w.Out[i]--
				}
			} else {
				w.Out[i] = span/s + 1
			}
		}
	}
	return w, nil
}

// ConvTransposeWindow resolves the window geometry of a ConvTranspose node
// whose input has spatial sizes in (-1 where unknown) and whose kernel has
// spatial sizes kernel, following the opset-17 rules for pads, auto_pad,
// output_padding and output_shape: when output_shape is given (or auto_pad
// is SAME_*), the pads are derived from the total padding, with the odd
// element at the end for SAME_UPPER and at the beginning otherwise.
func ConvTransposeWindow(n *Node, in, kernel []int) (*Window, error) {
	rank := len(kernel)
	if len(in) != rank {
		return nil, fmt.Errorf("kernel_shape %v needs %d spatial dims, input has %d", nnList(kernel), rank, len(in))
	}
	w := &Window{In: slices.Clone(in), Kernel: slices.Clone(kernel), Out: make([]int, rank)}
	for i, k := range kernel {
		if k < 1 {
			return nil, fmt.Errorf("kernel_shape %v: size %d at axis %d is not positive", nnList(kernel), k, i)
		}
	}
	var err error
	if w.Strides, err = nnSpatialInts(n, "strides", rank, 1, 1); err != nil {
		return nil, err
	}
	if w.Dilations, err = nnSpatialInts(n, "dilations", rank, 1, 1); err != nil {
		return nil, err
	}
	if w.OutputPadding, err = nnSpatialInts(n, "output_padding", rank, 0, 0); err != nil {
		return nil, err
	}
	if w.PadsBegin, w.PadsEnd, err = nnPads(n, rank); err != nil {
		return nil, err
	}
	autoPad, err := nnAutoPad(n)
	if err != nil {
		return nil, err
	}
	var outShape []int64
	if v, ok := n.Attrs["output_shape"]; ok {
		outShape = v.Ints
		switch len(outShape) {
		case rank:
		case rank + 2: // some exporters give the full N, C, spatial shape
			outShape = outShape[2:]
		default:
			return nil, fmt.Errorf("output_shape %v has %d values, want one per spatial axis (%d)", nnList(v.Ints), len(v.Ints), rank)
		}
		for _, d := range outShape {
			if d < 1 || d > math.MaxInt32 {
				return nil, fmt.Errorf("output_shape %v: size %d is out of range", nnList(v.Ints), d)
			}
		}
	}
	for i := range rank {
		if w.OutputPadding[i] >= max(w.Strides[i], w.Dilations[i]) {
			return nil, fmt.Errorf("output_padding %d at spatial axis %d must be smaller than the stride (%d) or the dilation (%d)", w.OutputPadding[i], i, w.Strides[i], w.Dilations[i])
		}
		if in[i] < 0 {
			w.Out[i] = -1
			if outShape != nil {
				w.Out[i] = int(outShape[i])
			}
			continue
		}
		eff := (w.Kernel[i]-1)*w.Dilations[i] + 1
		full := w.Strides[i]*(in[i]-1) + w.OutputPadding[i] + eff
		want := -1
		switch {
		case outShape != nil:
			want = int(outShape[i])
		case autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER":
			want = in[i] * w.Strides[i]
		case autoPad == "VALID":
			w.PadsBegin[i], w.PadsEnd[i] = 0, 0
		}
		if want >= 0 {
			total := full - want
			if autoPad == "SAME_UPPER" {
				w.PadsBegin[i] = nnFloorDiv(total, 2)
				w.PadsEnd[i] = total - w.PadsBegin[i]
			} else {
				w.PadsEnd[i] = nnFloorDiv(total, 2)
				w.PadsBegin[i] = total - w.PadsEnd[i]
			}
		}
		w.Out[i] = full - w.PadsBegin[i] - w.PadsEnd[i]
		if w.Out[i] < 1 {
			return nil, fmt.Errorf("output size %d at spatial axis %d is not positive (pads %d+%d exceed the full output %d)", w.Out[i], i, w.PadsBegin[i], w.PadsEnd[i], full)
		}
	}
	return w, nil
}

// nnDims returns the sizes of dims, -1 for unknown or symbolic ones.
func nnDims(dims []Dim) []int {
	out := make([]int, len(dims))
	for i, d := range dims {
		out[i] = d.Size
		if !d.Known() {
			out[i] = -1
		}
	}
	return out
}

// nnSpatialOut turns window output sizes into dims; -1 gives an unknown
// dim.
func nnSpatialOut(out []int) Shape {
	s := make(Shape, len(out))
	for i, o := range out {
		if o < 0 {
			s[i] = Unknown
		} else {
			s[i] = D(o)
		}
	}
	return s
}

func nnSetOut(n *Node, i int, dt DType, s Shape) {
	if v := n.Output(i); v != nil {
		v.DType, v.Shape = dt, s
	}
}

func nnCheckFloat(what string, v *Value) error {
	if v != nil && v.DType != Undefined && v.DType != Float32 && v.DType != Float64 {
		return fmt.Errorf("%s has element type %s, want float32 or float64", what, v.DType)
	}
	return nil
}

// nnKernelShape returns the spatial kernel of a Conv-like node: the
// kernel_shape attribute if given (which must agree with the weight's known
// spatial dims), else the weight's spatial dims. ok is false if neither is
// known.
func nnKernelShape(n *Node, wShape Shape) (kernel []int, ok bool, err error) {
	ks, has := n.Attrs["kernel_shape"]
	if has {
		kernel = make([]int, len(ks.Ints))
		for i, k := range ks.Ints {
			if k < 1 || k > math.MaxInt32 {
				return nil, false, fmt.Errorf("kernel_shape %v: size %d is out of range", nnList(ks.Ints), k)
			}
			kernel[i] = int(k)
		}
		if wShape != nil {
			if len(wShape) != len(kernel)+2 {
				return nil, false, fmt.Errorf("kernel_shape %v needs a weight of rank %d, weight is %v", nnList(ks.Ints), len(kernel)+2, wShape)
			}
			for i, k := range kernel {
				if d := wShape[i+2]; d.Known() && d.Size != k {
					return nil, false, fmt.Errorf("kernel_shape %v disagrees with weight shape %v", nnList(ks.Ints), wShape)
				}
			}
		}
		return kernel, true, nil
	}
	if wShape == nil {
		return nil, false, nil
	}
	if len(wShape) < 3 {
		return nil, false, fmt.Errorf("weight shape %v has rank %d, want at least 3", wShape, len(wShape))
	}
	kernel = nnDims(wShape[2:])
	if slices.Contains(kernel, -1) {
		return nil, false, nil
	}
	return kernel, true, nil
}

func inferConv(n *Node) error {
	x, w := n.Inputs[0], n.Inputs[1]
	if err := nnCheckFloat("input X", x); err != nil {
		return err
	}
	if err := nnCheckFloat("weight W", w); err != nil {
		return err
	}
	group := n.Attrs.Int("group", 1)
	if group < 1 {
		return fmt.Errorf("group %d is not positive", group)
	}
	out := Shape(nil)
	kernel, kok, err := nnKernelShape(n, w.Shape)
	if err != nil {
		return err
	}
	if x.Shape != nil {
		if len(x.Shape) < 3 {
			return fmt.Errorf("input X shape %v has rank %d, want at least 3 (N, C, spatial...)", x.Shape, len(x.Shape))
		}
		if kok && len(kernel) != len(x.Shape)-2 {
			return fmt.Errorf("kernel_shape %v needs %d spatial dims, input has rank %d", nnList(kernel), len(kernel), len(x.Shape))
		}
		if w.Shape != nil && len(w.Shape) != len(x.Shape) {
			return fmt.Errorf("weight W shape %v has rank %d, input X %v has rank %d", w.Shape, len(w.Shape), x.Shape, len(x.Shape))
		}
		out = make(Shape, len(x.Shape))
		out[0], out[1] = x.Shape[0], Unknown
		for i := 2; i < len(out); i++ {
			out[i] = Unknown
		}
		if w.Shape != nil {
			m, cw, c := w.Shape[0], w.Shape[1], x.Shape[1]
			out[1] = m
			if m.Known() && m.Size%int(group) != 0 {
				return fmt.Errorf("weight W has %d output channels, not divisible by group %d", m.Size, group)
			}
			if cw.Known() && c.Known() && cw.Size*int(group) != c.Size {
				return fmt.Errorf("input X has %d channels, weight W expects %d (%d per group x group %d)", c.Size, cw.Size*int(group), cw.Size, group)
			}
		}
		if kok {
			win, err := ConvWindow(n, nnDims(x.Shape[2:]), kernel)
			if err != nil {
				return err
			}
			copy(out[2:], nnSpatialOut(win.Out))
		}
	}
	if b := n.Input(2); b != nil && b.Shape != nil {
		if len(b.Shape) != 1 {
			return fmt.Errorf("bias B shape %v is not 1-D", b.Shape)
		}
		if out != nil && out[1].Known() && b.Shape[0].Known() && b.Shape[0].Size != out[1].Size {
			return fmt.Errorf("bias B has %d elements, output has %d channels", b.Shape[0].Size, out[1].Size)
		}
	}
	nnSetOut(n, 0, x.DType, out)
	return nil
}

func inferConvTranspose(n *Node) error {
	x, w := n.Inputs[0], n.Inputs[1]
	if err := nnCheckFloat("input X", x); err != nil {
		return err
	}
	if err := nnCheckFloat("weight W", w); err != nil {
		return err
	}
	group := n.Attrs.Int("group", 1)
	if group < 1 {
		return fmt.Errorf("group %d is not positive", group)
	}
	kernel, kok, err := nnKernelShape(n, w.Shape)
	if err != nil {
		return err
	}
	out := Shape(nil)
	if x.Shape != nil {
		if len(x.Shape) < 3 {
			return fmt.Errorf("input X shape %v has rank %d, want at least 3 (N, C, spatial...)", x.Shape, len(x.Shape))
		}
		if kok && len(kernel) != len(x.Shape)-2 {
			return fmt.Errorf("kernel_shape %v needs %d spatial dims, input has rank %d", nnList(kernel), len(kernel), len(x.Shape))
		}
		if w.Shape != nil && len(w.Shape) != len(x.Shape) {
			return fmt.Errorf("weight W shape %v has rank %d, input X %v has rank %d", w.Shape, len(w.Shape), x.Shape, len(x.Shape))
		}
		out = make(Shape, len(x.Shape))
		out[0] = x.Shape[0]
		for i := 1; i < len(out); i++ {
			out[i] = Unknown
		}
		if w.Shape != nil {
			c, cw, mg := x.Shape[1], w.Shape[0], w.Shape[1]
			if c.Known() && cw.Known() && c.Size != cw.Size {
				return fmt.Errorf("input X has %d channels, weight W has %d input channels", c.Size, cw.Size)
			}
			if cw.Known() && cw.Size%int(group) != 0 {
				return fmt.Errorf("weight W has %d input channels, not divisible by group %d", cw.Size, group)
			}
			if mg.Known() {
				out[1] = D(mg.Size * int(group))
			}
		}
		if kok {
			win, err := ConvTransposeWindow(n, nnDims(x.Shape[2:]), kernel)
			if err != nil {
				return err
			}
			copy(out[2:], nnSpatialOut(win.Out))
		}
	}
	if b := n.Input(2); b != nil && b.Shape != nil {
		if len(b.Shape) != 1 {
			return fmt.Errorf("bias B shape %v is not 1-D", b.Shape)
		}
		if out != nil && out[1].Known() && b.Shape[0].Known() && b.Shape[0].Size != out[1].Size {
			return fmt.Errorf("bias B has %d elements, output has %d channels", b.Shape[0].Size, out[1].Size)
		}
	}
	nnSetOut(n, 0, x.DType, out)
	return nil
}

// inferPool handles MaxPool and AveragePool.
func inferPool(n *Node) error {
	x := n.Inputs[0]
	if err := nnCheckFloat("input X", x); err != nil {
		return err
	}
	ks := n.Attrs.Ints("kernel_shape", nil)
	kernel := make([]int, len(ks))
	for i, k := range ks {
		if k < 1 || k > math.MaxInt32 {
			return fmt.Errorf("kernel_shape %v: size %d is out of range", nnList(ks), k)
		}
		kernel[i] = int(k)
	}
	if n.Op == "MaxPool" {
		if so := n.Attrs.Int("storage_order", 0); so != 0 && so != 1 {
			return fmt.Errorf("storage_order %d is not 0 or 1", so)
		}
	}
	var out Shape
	if x.Shape != nil {
		if len(x.Shape) != len(kernel)+2 {
			return fmt.Errorf("kernel_shape %v needs %d spatial dims, input %v has rank %d", nnList(ks), len(kernel), x.Shape, len(x.Shape))
		}
		win, err := ConvWindow(n, nnDims(x.Shape[2:]), kernel)
		if err != nil {
			return err
		}
		out = append(Shape{x.Shape[0], x.Shape[1]}, nnSpatialOut(win.Out)...)
	}
	nnSetOut(n, 0, x.DType, out)
	nnSetOut(n, 1, Int64, out.Clone())
	return nil
}

func inferGlobalPool(n *Node) error {
	x := n.Inputs[0]
	if err := nnCheckFloat("input X", x); err != nil {
		return err
	}
	var out Shape
	if x.Shape != nil {
		if len(x.Shape) < 2 {
			return fmt.Errorf("input X shape %v has rank %d, want at least 2 (N, C, spatial...)", x.Shape, len(x.Shape))
		}
		out = x.Shape.Clone()
		for i := 2; i < len(out); i++ {
			out[i] = D(1)
		}
	}
	nnSetOut(n, 0, x.DType, out)
	return nil
}

// MaxUnpoolShape returns the output shape of a MaxUnpool node whose input
// X has shape x, ignoring any output_shape input: the size the pooling
// that produced X had, (in-1)*stride + kernel - pads along each spatial
// axis. Entries of x may be -1 (unknown), giving -1.
func MaxUnpoolShape(n *Node, x []int) ([]int, error) {
	ks := n.Attrs.Ints("kernel_shape", nil)
	rank := len(ks)
	if len(x) != rank+2 {
		return nil, fmt.Errorf("kernel_shape %v needs %d spatial dims, input X has rank %d", nnList(ks), rank, len(x))
	}
	strides, err := nnSpatialInts(n, "strides", rank, 1, 1)
	if err != nil {
		return nil, err
	}
	pb, pe, err := nnPads(n, rank)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(x)
	for i, k := range ks {
		if k < 1 || k > math.MaxInt32 {
			return nil, fmt.Errorf("kernel_shape %v: size %d is out of range", nnList(ks), k)
		}
		if x[i+2] < 0 {
			continue
		}
		out[i+2] = (x[i+2]-1)*strides[i] + int(k) - pb[i] - pe[i]
		if out[i+2] < 1 {
			return nil, fmt.Errorf("output size %d at spatial axis %d is not positive", out[i+2], i)
		}
	}
	return out, nil
}

func inferMaxUnpool(n *Node) error {
	x, idx := n.Inputs[0], n.Inputs[1]
	if err := nnCheckFloat("input X", x); err != nil {
		return err
	}
	if idx.DType != Undefined && idx.DType != Int64 {
		return fmt.Errorf("indices I have element type %s, want int64", idx.DType)
	}
	if x.Shape != nil && idx.Shape != nil && !nnCompatible(x.Shape, idx.Shape) {
		return fmt.Errorf("indices I shape %v differs from input X shape %v", idx.Shape, x.Shape)
	}
	if os := n.Input(2); os != nil {
		if os.IsConst() {
			dims := os.Const.Int64s()
			if x.Shape != nil && len(dims) != len(x.Shape) {
				return fmt.Errorf("output_shape %v has %d values, input X has rank %d", nnList(dims), len(dims), len(x.Shape))
			}
			out := make(Shape, len(dims))
			for i, d := range dims {
				if d < 0 || d > math.MaxInt32 {
					return fmt.Errorf("output_shape %v: size %d is out of range", nnList(dims), d)
				}
				out[i] = D(int(d))
			}
			nnSetOut(n, 0, x.DType, out)
			return nil
		}
		var out Shape
		if x.Shape != nil {
			out = make(Shape, len(x.Shape))
			for i := range out {
				out[i] = Unknown
			}
		}
		nnSetOut(n, 0, x.DType, out)
		return nil
	}
	if x.Shape == nil {
		nnSetOut(n, 0, x.DType, nil)
		return nil
	}
	dims, err := MaxUnpoolShape(n, nnDims(x.Shape))
	if err != nil {
		return err
	}
	out := nnSpatialOut(dims)
	out[0], out[1] = x.Shape[0], x.Shape[1]
	nnSetOut(n, 0, x.DType, out)
	return nil
}

// nnCompatible reports whether two shapes of the same rank could be equal.
func nnCompatible(a, b Shape) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Known() && b[i].Known() && a[i].Size != b[i].Size {
			return false
		}
	}
	return true
}

func inferGemm(n *Node) error {
	a, b := n.Inputs[0], n.Inputs[1]
	if err := nnCheckFloat("input A", a); err != nil {
		return err
	}
	if err := nnCheckFloat("input B", b); err != nil {
		return err
	}
	m, k1, k2, nn := Unknown, Unknown, Unknown, Unknown
	if a.Shape != nil {
		if len(a.Shape) != 2 {
			return fmt.Errorf("input A shape %v is not 2-D", a.Shape)
		}
		m, k1 = a.Shape[0], a.Shape[1]
		if n.Attrs.Int("transA", 0) != 0 {
			m, k1 = k1, m
		}
	}
	if b.Shape != nil {
		if len(b.Shape) != 2 {
			return fmt.Errorf("input B shape %v is not 2-D", b.Shape)
		}
		k2, nn = b.Shape[0], b.Shape[1]
		if n.Attrs.Int("transB", 0) != 0 {
			k2, nn = nn, k2
		}
	}
	if k1.Known() && k2.Known() && k1.Size != k2.Size {
		return fmt.Errorf("inner dimensions differ: A is %v (transA=%d), B is %v (transB=%d)", a.Shape, n.Attrs.Int("transA", 0), b.Shape, n.Attrs.Int("transB", 0))
	}
	out := Shape{m, nn}
	if c := n.Input(2); c != nil && c.Shape != nil {
		if len(c.Shape) > 2 {
			return fmt.Errorf("bias C shape %v has rank %d, want at most 2", c.Shape, len(c.Shape))
		}
		off := 2 - len(c.Shape)
		for i, d := range c.Shape {
			if o := out[off+i]; d.Known() && d.Size != 1 && o.Known() && o.Size != d.Size {
				return fmt.Errorf("bias C shape %v cannot broadcast to the output [%v,%v]", c.Shape, m, nn)
			}
		}
	}
	nnSetOut(n, 0, a.DType, out)
	return nil
}

// MatMulShape returns the shape of MatMul(a, b) under numpy's rules: 1-D
// operands are promoted (a to a row, b to a column) and the promoted
// dimension removed again; the batch dimensions broadcast.
func MatMulShape(a, b Shape) (Shape, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	if len(a) == 0 || len(b) == 0 {
		return nil, fmt.Errorf("MatMul operands %v and %v: scalars are not allowed", a, b)
	}
	pa, pb := a.Clone(), b.Clone()
	if len(a) == 1 {
		pa = Shape{D(1), a[0]}
	}
	if len(b) == 1 {
		pb = Shape{b[0], D(1)}
	}
	ka, kb := pa[len(pa)-1], pb[len(pb)-2]
	if ka.Known() && kb.Known() && ka.Size != kb.Size {
		return nil, fmt.Errorf("MatMul operands %v and %v: inner dimensions %d and %d differ", a, b, ka.Size, kb.Size)
	}
	batch, err := BroadcastShapes(pa[:len(pa)-2], pb[:len(pb)-2])
	if err != nil {
		return nil, fmt.Errorf("MatMul batch dimensions: %w", err)
	}
	out := batch.Clone()
	if out == nil {
		out = Shape{}
	}
	if len(a) > 1 {
		out = append(out, pa[len(pa)-2])
	}
	if len(b) > 1 {
		out = append(out, pb[len(pb)-1])
	}
	return out, nil
}

func inferMatMul(n *Node) error {
	a, b := n.Inputs[0], n.Inputs[1]
	if a.DType != Undefined && b.DType != Undefined && a.DType != b.DType {
		return fmt.Errorf("inputs have element types %s and %s", a.DType, b.DType)
	}
	switch a.DType {
	case Undefined, Float32, Float64, Int32, Int64:
	default:
		return fmt.Errorf("input A has element type %s, want a number type", a.DType)
	}
	s, err := MatMulShape(a.Shape, b.Shape)
	if err != nil {
		return err
	}
	nnSetOut(n, 0, a.DType, s)
	return nil
}

func inferBatchNorm(n *Node) error {
	x := n.Inputs[0]
	if err := nnCheckFloat("input X", x); err != nil {
		return err
	}
	c := Unknown
	if x.Shape != nil {
		if len(x.Shape) < 2 {
			return fmt.Errorf("input X shape %v has rank %d, want at least 2 (N, C, ...)", x.Shape, len(x.Shape))
		}
		c = x.Shape[1]
	}
	for i, name := range []string{"scale", "B", "input_mean", "input_var"} {
		v := n.Inputs[i+1]
		if err := nnCheckFloat(name, v); err != nil {
			return err
		}
		if v.Shape == nil {
			continue
		}
		if len(v.Shape) != 1 {
			return fmt.Errorf("%s shape %v is not 1-D", name, v.Shape)
		}
		if d := v.Shape[0]; d.Known() && c.Known() && d.Size != c.Size {
			return fmt.Errorf("%s has %d elements, input X has %d channels", name, d.Size, c.Size)
		}
		if !c.Known() && v.Shape[0].Known() {
			c = v.Shape[0]
		}
	}
	nnSetOut(n, 0, x.DType, x.Shape.Clone())
	nnSetOut(n, 1, n.Inputs[3].DType, Shape{c})
	nnSetOut(n, 2, n.Inputs[4].DType, Shape{c})
	return nil
}

func inferDropout(n *Node) error {
	x := n.Inputs[0]
	if err := nnCheckFloat("input data", x); err != nil {
		return err
	}
	if r := n.Input(1); r != nil {
		if err := nnCheckFloat("ratio", r); err != nil {
			return err
		}
		if r.Shape != nil && len(r.Shape) != 0 {
			return fmt.Errorf("ratio shape %v is not a scalar", r.Shape)
		}
	}
	if t := n.Input(2); t != nil {
		if t.DType != Undefined && t.DType != Bool {
			return fmt.Errorf("training_mode has element type %s, want bool", t.DType)
		}
		if t.Shape != nil && len(t.Shape) != 0 {
			return fmt.Errorf("training_mode shape %v is not a scalar", t.Shape)
		}
	}
	nnSetOut(n, 0, x.DType, x.Shape.Clone())
	nnSetOut(n, 1, Bool, x.Shape.Clone())
	return nil
}

func inferSoftmax(n *Node) error {
	x := n.Inputs[0]
	if err := nnCheckFloat("input", x); err != nil {
		return err
	}
	if x.Shape != nil {
		axis, r := n.Attrs.Int("axis", -1), int64(len(x.Shape))
		if axis < -r || axis >= r || r == 0 {
			return fmt.Errorf("axis %d is out of range for input shape %v", axis, x.Shape)
		}
	}
	nnSetOut(n, 0, x.DType, x.Shape.Clone())
	return nil
}

func inferPad(n *Node) error {
	x, pads := n.Inputs[0], n.Inputs[1]
	switch mode := n.Attrs.String("mode", "constant"); mode {
	case "constant", "reflect", "edge":
	default:
		return fmt.Errorf("mode %q is not constant, reflect or edge", mode)
	}
	if pads.DType != Undefined && pads.DType != Int64 {
		return fmt.Errorf("pads have element type %s, want int64", pads.DType)
	}
	if cv := n.Input(2); cv != nil && cv.DType != Undefined && x.DType != Undefined && cv.DType != x.DType {
		return fmt.Errorf("constant_value has element type %s, data has %s", cv.DType, x.DType)
	}
	if x.Shape == nil {
		nnSetOut(n, 0, x.DType, nil)
		return nil
	}
	out := x.Shape.Clone()
	if !pads.IsConst() {
		for i := range out {
			out[i] = Unknown
		}
		nnSetOut(n, 0, x.DType, out)
		return nil
	}
	p := pads.Const.Int64s()
	if len(p) != 2*len(out) {
		return fmt.Errorf("pads has %d values, input shape %v needs %d", len(p), x.Shape, 2*len(out))
	}
	for i, d := range out {
		total := p[i] + p[len(out)+i]
		switch {
		case total == 0:
		case d.Known():
			s := int64(d.Size) + total
			if s < 0 || s > math.MaxInt32 {
				return fmt.Errorf("pads %v make dimension %d of %v size %d", nnList(p), i, x.Shape, s)
			}
			out[i] = D(int(s))
		default:
			out[i] = Unknown
		}
	}
	nnSetOut(n, 0, x.DType, out)
	return nil
}

// ResizeParams are the per-axis output sizes and scales of a Resize node
// once its scales or sizes input is known.
type ResizeParams struct {
	Out    []int
	Scales []float64 // scale used by the coordinate transformation
}

// ResizeOutput resolves the output size and scales of a Resize node for an
// input of shape in, given the roi, scales and sizes tensors (nil when the
// input is omitted; an empty tensor counts as omitted). Exactly one of
// scales and sizes must be given. Scales given as float32 are widened to
// float64, and an output size is floor(in * scale) (times the roi extent
// for tf_crop_and_resize); with sizes, the scale is size / in.
func ResizeOutput(n *Node, in []int, roi, scales, sizes *Tensor) (*ResizeParams, error) {
	r := len(in)
	if scales != nil && scales.Len() == 0 {
		scales = nil
	}
	if sizes != nil && sizes.Len() == 0 {
		sizes = nil
	}
	switch {
	case scales == nil && sizes == nil:
		return nil, fmt.Errorf("neither scales nor sizes is given")
	case scales != nil && sizes != nil:
		return nil, fmt.Errorf("both scales and sizes are given; exactly one is allowed")
	}
	p := &ResizeParams{Out: make([]int, r), Scales: make([]float64, r)}
	if sizes != nil {
		if sizes.DType != Int64 {
			return nil, fmt.Errorf("sizes have element type %s, want int64", sizes.DType)
		}
		if sizes.Len() != r {
			return nil, fmt.Errorf("sizes %v have %d values, input has rank %d", nnList(sizes.I64), sizes.Len(), r)
		}
		for i, s := range sizes.I64 {
			if s < 0 || s > math.MaxInt32 {
				return nil, fmt.Errorf("sizes %v: size %d is out of range", nnList(sizes.I64), s)
			}
			p.Out[i] = int(s)
			if in[i] > 0 {
				p.Scales[i] = float64(s) / float64(in[i])
			}
		}
		return p, nil
	}
	if scales.DType != Float32 && scales.DType != Float64 {
		return nil, fmt.Errorf("scales have element type %s, want float32", scales.DType)
	}
	if scales.Len() != r {
		return nil, fmt.Errorf("scales have %d values, input has rank %d", scales.Len(), r)
	}
	crop := n.Attrs.String("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize"
	for i := range r {
		s := scales.Float64At(i)
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("scale %v at axis %d is not positive and finite", s, i)
		}
		p.Scales[i] = s
		if in[i] < 0 {
			p.Out[i] = -1
			continue
		}
		extent := 1.0
		if crop && roi != nil && roi.Len() == 2*r {
			extent = roi.Float64At(r+i) - roi.Float64At(i)
		}
		o := math.Floor(float64(in[i]) * extent * s)
		if !(o >= 0) || o > math.MaxInt32 {
			return nil, fmt.Errorf("scale %v makes axis %d of size %d size %v", s, i, in[i], o)
		}
		p.Out[i] = int(o)
	}
	return p, nil
}

func inferResize(n *Node) error {
	x := n.Inputs[0]
	if err := nnCheckFloat("input X", x); err != nil {
		return err
	}
	if err := nnResizeAttrs(n); err != nil {
		return err
	}
	constOf := func(i int) (*Tensor, bool) {
		v := n.Input(i)
		if v == nil {
			return nil, true
		}
		if v.IsConst() {
			return v.Const, true
		}
		if v.Shape != nil && len(v.Shape) == 1 && v.Shape[0].Known() && v.Shape[0].Size == 0 {
			return nil, true // statically empty: omitted
		}
		return nil, false
	}
	roi, rok := constOf(1)
	scales, sok := constOf(2)
	sizes, zok := constOf(3)
	if x.Shape == nil {
		nnSetOut(n, 0, x.DType, nil)
		return nil
	}
	out := make(Shape, len(x.Shape))
	for i := range out {
		out[i] = Unknown
	}
	if sok && zok && rok {
		p, err := ResizeOutput(n, nnDims(x.Shape), roi, scales, sizes)
		if err != nil {
			return err
		}
		for i, o := range p.Out {
			switch {
			case o >= 0:
				out[i] = D(o)
			case sizes == nil && p.Scales[i] == 1 && n.Attrs.String("coordinate_transformation_mode", "half_pixel") != "tf_crop_and_resize":
				out[i] = x.Shape[i] // a unit scale keeps a symbolic dim
			}
		}
	}
	nnSetOut(n, 0, x.DType, out)
	return nil
}

func nnResizeAttrs(n *Node) error {
	switch m := n.Attrs.String("mode", "nearest"); m {
	case "nearest", "linear", "cubic":
	default:
		return fmt.Errorf("mode %q is not nearest, linear or cubic", m)
	}
	switch m := n.Attrs.String("coordinate_transformation_mode", "half_pixel"); m {
	case "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn":
	default:
		return fmt.Errorf("coordinate_transformation_mode %q is not supported", m)
	}
	switch m := n.Attrs.String("nearest_mode", "round_prefer_floor"); m {
	case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil":
	default:
		return fmt.Errorf("nearest_mode %q is not round_prefer_floor, round_prefer_ceil, floor or ceil", m)
	}
	return nil
}

func init() {
	one := func(op string, minIn, maxIn, maxOut int, attrs map[string]AttrSpec, infer func(*Node) error) *Schema {
		return &Schema{Op: op, MinInputs: minIn, MaxInputs: maxIn, MinOutputs: 1, MaxOutputs: maxOut, Attrs: attrs, Infer: infer}
	}
	Register(one("Gemm", 2, 3, 1, map[string]AttrSpec{
		"alpha": {Kind: AttrFloat}, "beta": {Kind: AttrFloat}, "transA": {Kind: AttrInt}, "transB": {Kind: AttrInt},
	}, inferGemm))
	Register(one("MatMul", 2, 2, 1, nil, inferMatMul))
	Register(one("Conv", 2, 3, 1, nnConvAttrs(), inferConv))
	ct := nnConvAttrs()
	ct["output_padding"] = AttrSpec{Kind: AttrInts}
	ct["output_shape"] = AttrSpec{Kind: AttrInts}
	Register(one("ConvTranspose", 2, 3, 1, ct, inferConvTranspose))
	Register(one("MaxPool", 1, 1, 2, map[string]AttrSpec{
		"auto_pad": {Kind: AttrString}, "ceil_mode": {Kind: AttrInt}, "dilations": {Kind: AttrInts},
		"kernel_shape": {Kind: AttrInts, Required: true}, "pads": {Kind: AttrInts},
		"storage_order": {Kind: AttrInt}, "strides": {Kind: AttrInts},
	}, inferPool))
	Register(one("AveragePool", 1, 1, 1, map[string]AttrSpec{
		"auto_pad": {Kind: AttrString}, "ceil_mode": {Kind: AttrInt}, "count_include_pad": {Kind: AttrInt},
		"kernel_shape": {Kind: AttrInts, Required: true}, "pads": {Kind: AttrInts}, "strides": {Kind: AttrInts},
	}, inferPool))
	Register(one("GlobalAveragePool", 1, 1, 1, nil, inferGlobalPool))
	Register(one("GlobalMaxPool", 1, 1, 1, nil, inferGlobalPool))
	Register(one("MaxUnpool", 2, 3, 1, map[string]AttrSpec{
		"kernel_shape": {Kind: AttrInts, Required: true}, "pads": {Kind: AttrInts}, "strides": {Kind: AttrInts},
	}, inferMaxUnpool))
	Register(one("Resize", 1, 4, 1, map[string]AttrSpec{
		"coordinate_transformation_mode": {Kind: AttrString}, "cubic_coeff_a": {Kind: AttrFloat},
		"exclude_outside": {Kind: AttrInt}, "extrapolation_value": {Kind: AttrFloat},
		"mode": {Kind: AttrString}, "nearest_mode": {Kind: AttrString},
	}, inferResize))
	Register(one("BatchNormalization", 5, 5, 3, map[string]AttrSpec{
		"epsilon": {Kind: AttrFloat}, "momentum": {Kind: AttrFloat}, "training_mode": {Kind: AttrInt},
	}, inferBatchNorm))
	dropout := one("Dropout", 1, 3, 2, map[string]AttrSpec{"seed": {Kind: AttrInt}}, inferDropout)
	dropout.Elementwise = true
	Register(dropout)
	Register(one("Softmax", 1, 1, 1, map[string]AttrSpec{"axis": {Kind: AttrInt}}, inferSoftmax))
	Register(one("LogSoftmax", 1, 1, 1, map[string]AttrSpec{"axis": {Kind: AttrInt}}, inferSoftmax))
	Register(one("Pad", 2, 3, 1, map[string]AttrSpec{"mode": {Kind: AttrString}}, inferPad))
}
