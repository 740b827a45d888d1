package compiler

import (
	"math"
	"slices"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

func init() {
	for _, op := range []string{"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"} {
		lowering("", op, lowerView)
	}
	lowering("", "Dropout", lowerDropout)
	lowering("", "Gemm", lowerGemm)
	lowering(Domain, "FusedGemm", lowerGemm)
	lowering("", "MatMul", lowerMatMul)
	lowering("", "Conv", lowerConv)
	lowering(Domain, "FusedConv", lowerConv)
	lowering("", "ConvTranspose", lowerConvTranspose)
	lowering(Domain, "FusedConvTranspose", lowerConvTranspose)
	lowering("", "MaxPool", lowerMaxPool)
	lowering("", "AveragePool", lowerAvgPool)
	lowering("", "GlobalAveragePool", lowerGlobalPool)
	lowering("", "GlobalMaxPool", lowerGlobalPool)
	lowering("", "MaxUnpool", lowerMaxUnpool)
	lowering("", "Resize", lowerResize)
	lowering("", "BatchNormalization", lowerBatchNorm)
	for _, op := range []string{"Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid"} {
		lowering("", op, lowerActivation)
	}
	for _, op := range []string{"Add", "Sub", "Mul", "Div"} {
		lowering("", op, lowerBinary)
	}
	lowering("", "Softmax", lowerSoftmax)
	lowering("", "LogSoftmax", lowerSoftmax)
}

func dims(v *ir.Value) []int {
	d, _ := v.Shape.Ints()
	return d
}

func isF32(vs ...*ir.Value) bool {
	for _, v := range vs {
		if v != nil && v.DType != ir.Float32 {
			return false
		}
	}
	return true
}

// lowerView makes the output a view of the input: same data, new shape.
func lowerView(l *lowerer, n *ir.Node) (bool, error) {
	x := n.Inputs[0]
	if ir.NumElements(dims(x)) != ir.NumElements(dims(n.Outputs[0])) {
		return false, nil
	}
	b, err := l.in(x)
	if err != nil {
		return false, err
	}
	l.view(n.Outputs[0], b)
	return true, nil
}

func lowerDropout(l *lowerer, n *ir.Node) (bool, error) {
	if n.Output(1) != nil {
		return false, nil
	}
	if tm := n.Input(2); tm != nil && (!tm.IsConst() || tm.Const.Float64At(0) != 0) {
		return false, nil
	}
	return lowerView(l, n)
}

// activationOf reads a fused operator's activation attributes.
func activationOf(n *ir.Node) runtime.Activation {
	if n.Domain != Domain {
		return runtime.Activation{}
	}
	return runtime.Activation{
		Op:    n.Attrs.String("activation", ""),
		Alpha: n.Attrs.Float("activation_alpha", 0),
		Beta:  n.Attrs.Float("activation_beta", 0),
	}
}

func lowerGemm(l *lowerer, n *ir.Node) (bool, error) {
	a, b, c := n.Inputs[0], n.Inputs[1], n.Input(2)
	if !isF32(a, b, c) {
		return false, nil
	}
	transA, transB := n.Attrs.Int("transA", 0) != 0, n.Attrs.Int("transB", 0) != 0
	alpha, beta := n.Attrs.Float("alpha", 1), n.Attrs.Float("beta", 1)
	out := dims(n.Outputs[0])
	M, N := out[0], out[1]
	K := dims(a)[1]
	if transA {
		K = dims(a)[0]
	}
	p := runtime.GemmParams{M: M, N: N, K: K, TransA: transA, Alpha: alpha, CBuf: -1, Beta: beta, Act: activationOf(n)}
	var err error
	if p.A, err = l.in(a); err != nil {
		return false, err
	}
	if b.IsConst() {
		if p.Packed, err = l.m.packB(b.Const, transB); err != nil {
			return false, err
		}
	} else {
		p.TransB = transB
		if p.B, err = l.in(b); err != nil {
			return false, err
		}
	}
	if c != nil {
		cs := dims(c)
		switch {
		case c.IsConst() && (ir.NumElements(cs) == 1 || (ir.NumElements(cs) == N && cs[len(cs)-1] == N)):
			p.ColBias = make([]float32, N)
			for j := range p.ColBias {
				v := c.Const.F32[0]
				if len(c.Const.F32) == N {
					v = c.Const.F32[j]
				}
				p.ColBias[j] = beta * v
			}
		default:
			if p.CBuf, err = l.in(c); err != nil {
				return false, err
			}
			p.CShape = cs
		}
	}
	p.Out = l.out(n.Outputs[0])
	s, err := runtime.GemmStep(n.Name, p)
	if err != nil {
		return false, err
	}
	l.addStep(s)
	return true, nil
}

// lowerMatMul handles 2-D products of non-constant operands (constant
// right operands became Gemm in the optimiser).
func lowerMatMul(l *lowerer, n *ir.Node) (bool, error) {
	a, b := n.Inputs[0], n.Inputs[1]
	if !isF32(a, b) || a.Shape.Rank() != 2 || b.Shape.Rank() != 2 {
		return false, nil
	}
	out := dims(n.Outputs[0])
	p := runtime.GemmParams{M: out[0], N: out[1], K: dims(a)[1], Alpha: 1, CBuf: -1}
	var err error
	if p.A, err = l.in(a); err != nil {
		return false, err
	}
	if b.IsConst() {
		if p.Packed, err = l.m.packB(b.Const, false); err != nil {
			return false, err
		}
	} else if p.B, err = l.in(b); err != nil {
		return false, err
	}
	p.Out = l.out(n.Outputs[0])
	s, err := runtime.GemmStep(n.Name, p)
	if err != nil {
		return false, err
	}
	l.addStep(s)
	return true, nil
}

// poolPadsOK reports whether every pooling window overlaps the input: a
// pad as large as the dilated kernel makes windows of padding only, which
// ONNX leaves undefined and the pooling kernels reject.
func poolPadsOK(w *ir.Window) bool {
	for i := range w.Kernel {
		ext := (w.Kernel[i]-1)*w.Dilations[i] + 1
		if w.PadsBegin[i] >= ext || w.PadsEnd[i] >= ext {
			return false
		}
	}
	return true
}

// asmWindow converts the node's resolved window to asm's.
func asmWindow(w *ir.Window, in []int, ceil bool) (*asm.Window, bool) {
	for i := range w.PadsBegin {
		if w.PadsBegin[i] < 0 || w.PadsEnd[i] < 0 {
			return nil, false
		}
	}
	pads := append(slices.Clone(w.PadsBegin), w.PadsEnd...)
	aw, err := asm.NewWindow(in, w.Kernel, &asm.WindowOptions{Strides: w.Strides, Pads: pads, Dilations: w.Dilations, CeilMode: ceil})
	if err != nil {
		return nil, false
	}
	return aw, true
}

func constF32(v *ir.Value) ([]float32, bool) {
	if v == nil {
		return nil, true
	}
	if !v.IsConst() || v.DType != ir.Float32 {
		return nil, false
	}
	return v.Const.F32, true
}

func prod(d []int) int {
	p := 1
	for _, v := range d {
		p *= v
	}
	return p
}

func lowerAvgPool(l *lowerer, n *ir.Node) (bool, error) {
	aw, planes, ok, err := poolWindow(n)
	if !ok || err != nil {
		return false, err
	}
	xb, err := l.in(n.Inputs[0])
	if err != nil {
		return false, err
	}
	out := l.out(n.Outputs[0])
	l.addStep(runtime.AvgPoolStep(n.Name, aw, planes, xb, out, n.Attrs.Int("count_include_pad", 0) != 0))
	return true, nil
}

func lowerGlobalPool(l *lowerer, n *ir.Node) (bool, error) {
	x := n.Inputs[0]
	xd := dims(x)
	if !isF32(x) || len(xd) < 3 {
		return false, nil
	}
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	out := l.out(n.Outputs[0])
	l.addStep(runtime.GlobalPoolStep(n.Name, xd[0]*xd[1], prod(xd[2:]), xb, out, n.Op == "GlobalMaxPool"))
	return true, nil
}

func lowerBatchNorm(l *lowerer, n *ir.Node) (bool, error) {
	x := n.Inputs[0]
	if len(n.Outputs) != 1 || !isF32(x) || n.Attrs.Int("training_mode", 0) != 0 {
		return false, nil
	}
	var ps [4][]float32
	for i := range ps {
		v, ok := constF32(n.Inputs[i+1])
		if !ok || v == nil {
			return false, nil
		}
		ps[i] = v
	}
	xd := dims(x)
	if len(xd) < 2 {
		return false, nil
	}
	c := xd[1]
	eps := float64(n.Attrs.Float("epsilon", 1e-5))
	scale, shift := make([]float32, c), make([]float32, c)
	for i := 0; i < c; i++ {
		s := float64(ps[0][i]) / math.Sqrt(float64(ps[3][i])+eps)
		scale[i] = float32(s)
		shift[i] = float32(float64(ps[1][i]) - float64(ps[2][i])*s)
	}
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	out := l.inPlace(n.Outputs[0], xb)
	l.addStep(runtime.ScaleShiftStep(n.Name, xb, out, scale, shift, prod(xd[2:])))
	return true, nil
}

func lowerActivation(l *lowerer, n *ir.Node) (bool, error) {
	x := n.Inputs[0]
	if !isF32(x) {
		return false, nil
	}
	act := runtime.Activation{Op: n.Op}
	switch n.Op {
	case "LeakyRelu":
		act.Alpha = n.Attrs.Float("alpha", 0.01)
	case "HardSigmoid":
		act.Alpha, act.Beta = n.Attrs.Float("alpha", 0.2), n.Attrs.Float("beta", 0.5)
	case "Clip":
		act.Alpha, act.Beta = float32(math.Inf(-1)), float32(math.Inf(1))
		if v := n.Input(1); v != nil {
			if !v.IsConst() || v.Const.Len() != 1 {
				return false, nil
			}
			act.Alpha = float32(v.Const.Float64At(0))
		}
		if v := n.Input(2); v != nil {
			if !v.IsConst() || v.Const.Len() != 1 {
				return false, nil
			}
			act.Beta = float32(v.Const.Float64At(0))
		}
	}
	if ir.NumElements(dims(x)) == 0 {
		return false, nil
	}
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	out := l.inPlace(n.Outputs[0], xb)
	l.addStep(runtime.ActivationStep(n.Name, act, xb, out))
	return true, nil
}

func lowerBinary(l *lowerer, n *ir.Node) (bool, error) {
	x, y := n.Inputs[0], n.Inputs[1]
	if !isF32(x, y) {
		return false, nil
	}
	xd, yd, od := dims(x), dims(y), dims(n.Outputs[0])
	if !slices.Equal(xd, od) || ir.NumElements(od) == 0 {
		return false, nil // only y may broadcast
	}
	var kind runtime.BinaryKind
	channels, spatial := 0, 0
	switch ny := ir.NumElements(yd); {
	case slices.Equal(xd, yd):
		kind = runtime.SameShape
	case ny == 1:
		kind = runtime.Scalar
	case len(yd) >= 1 && yd[len(yd)-1] == od[len(od)-1] && ny == od[len(od)-1]:
		kind = runtime.RowVector
	case len(od) >= 3 && isChannelVector(yd, od):
		kind, channels, spatial = runtime.ChannelVec, od[1], prod(od[2:])
	default:
		return false, nil
	}
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	yb, err := l.in(y)
	if err != nil {
		return false, err
	}
	out := l.inPlace(n.Outputs[0], xb)
	l.addStep(runtime.BinaryStep(n.Name, n.Op, kind, xb, yb, out, channels, spatial))
	return true, nil
}

// isChannelVector reports whether y (aligned right) varies only along
// axis 1 of the NCHW output shape od.
func isChannelVector(yd, od []int) bool {
	off := len(od) - len(yd)
	if off < 0 {
		return false
	}
	for i, d := range yd {
		axis := off + i
		if axis == 1 {
			if d != od[1] {
				return false
			}
		} else if d != 1 {
			return false
		}
	}
	return off <= 1
}

func lowerSoftmax(l *lowerer, n *ir.Node) (bool, error) {
	x := n.Inputs[0]
	xd := dims(x)
	if !isF32(x) || len(xd) == 0 || ir.NumElements(xd) == 0 {
		return false, nil
	}
	axis := int(n.Attrs.Int("axis", -1))
	if axis < 0 {
		axis += len(xd)
	}
	if prod(xd[axis+1:]) != 1 {
		return false, nil
	}
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	out := l.out(n.Outputs[0])
	l.addStep(runtime.SoftmaxStep(n.Name, xb, out, xd[axis], n.Op == "LogSoftmax"))
	return true, nil
}

func toInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
