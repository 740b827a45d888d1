package compiler

import (
	"math"

	"github.com/latent-go/latent/ir"
)

// FuseMatMulAdd turns MatMul(A, W) with A of rank 2 and W a constant
// matrix into Gemm(A, W), and folds a following Add of a constant bias
// that broadcasts to the product's shape into Gemm's C. It also folds such
// an Add into a Gemm that has no C, and an Add of a per-channel constant
// into a Conv or ConvTranspose without bias.
func FuseMatMulAdd(g *ir.Graph) error {
	for _, n := range g.Nodes {
		if n.Domain == "" && n.Op == "MatMul" {
			a, w := n.Inputs[0], n.Inputs[1]
			if a.Shape.Rank() == 2 && w.IsConst() && len(w.Const.Shape) == 2 && a.DType == ir.Float32 {
				n.Op, n.Attrs = "Gemm", nil
			}
		}
	}
	cons := g.Consumers()
	dead := map[*ir.Node]bool{}
	for _, n := range g.Nodes {
		if n.Domain != "" || dead[n] {
			continue
		}
		switch {
		case n.Op == "Gemm" && n.Input(2) == nil && len(n.Outputs) == 1:
			add := soleConsumer(g, cons, n.Outputs[0])
			if add == nil || add.Op != "Add" || add.Domain != "" {
				continue
			}
			bias := otherInput(add, n.Outputs[0])
			out := add.Outputs[0]
			if bias == nil || !bias.IsConst() || bias.DType != ir.Float32 || len(bias.Const.Shape) > 2 ||
				!out.Shape.Equal(n.Outputs[0].Shape) {
				continue
			}
			n.Inputs = append(n.Inputs[:2], bias)
			if n.Attrs.Has("beta") {
				delete(n.Attrs, "beta")
			}
			n.Outputs[0] = out
			dead[add] = true
		case (n.Op == "Conv" || n.Op == "ConvTranspose") && n.Input(2) == nil:
			add := soleConsumer(g, cons, n.Outputs[0])
			if add == nil || add.Op != "Add" || add.Domain != "" {
				continue
			}
			bias := otherInput(add, n.Outputs[0])
			out := add.Outputs[0]
			if bias == nil || !bias.IsConst() || bias.DType != ir.Float32 || !out.Shape.Equal(n.Outputs[0].Shape) {
				continue
			}
			channels, ok := perChannel(bias.Const, out.Shape.Rank())
			if !ok || len(channels) != out.Shape[1].Size { // a [1,1,1]-shaped bias is not per channel
				continue
			}
			b := constValue(g, bias.Name+"_channel", ir.Float32Tensor([]int{len(channels)}, channels))
			if len(n.Inputs) < 3 {
				n.Inputs = append(n.Inputs, nil)
			}
			n.Inputs[2] = b
			n.Outputs[0] = out
			dead[add] = true
		}
	}
	removeNodes(g, dead)
	return nil
}

// otherInput returns the input of binary node n that is not v, or nil if
// both are v.
func otherInput(n *ir.Node, v *ir.Value) *ir.Value {
	if len(n.Inputs) != 2 {
		return nil
	}
	switch {
	case n.Inputs[0] == v && n.Inputs[1] != v:
		return n.Inputs[1]
	case n.Inputs[1] == v && n.Inputs[0] != v:
		return n.Inputs[0]
	}
	return nil
}

// perChannel returns the per-channel values of a bias tensor shaped to
// broadcast along axis 1 of a rank-r NCHW tensor ([C,1,1], [1,C,1,1]).
func perChannel(t *ir.Tensor, r int) ([]float32, bool) {
	s := t.Shape
	if len(s) < 1 || len(s) > r || len(s) < r-1 {
		return nil, false
	}
	// the channel axis of the bias, aligned from the right
	ch := 1 - (r - len(s))
	if ch < 0 {
		return nil, false
	}
	for i, d := range s {
		if i != ch && d != 1 {
			return nil, false
		}
	}
	return t.F32, true
}

// FoldTransposeIntoGemm makes a Gemm read the input of a 2-D Transpose
// feeding its A or B operand directly, flipping transA or transB.
func FoldTransposeIntoGemm(g *ir.Graph) error {
	prod := g.Producers()
	for _, n := range g.Nodes {
		if n.Domain != "" || n.Op != "Gemm" {
			continue
		}
		for i, flag := range []string{"transA", "transB"} {
			t, ok := prod[n.Inputs[i]]
			if !ok || t.Op != "Transpose" || t.Domain != "" || t.Inputs[0].Shape.Rank() != 2 {
				continue
			}
			if perm := t.Attrs.Ints("perm", nil); perm != nil && !(len(perm) == 2 && perm[0] == 1 && perm[1] == 0) {
				continue
			}
			if n.Attrs == nil {
				n.Attrs = ir.Attrs{}
			}
			n.Attrs[flag] = ir.IntAttr(1 - n.Attrs.Int(flag, 0))
			n.Inputs[i] = t.Inputs[0]
		}
	}
	return nil
}

// FoldBatchNorm folds an inference BatchNormalization into the Conv,
// ConvTranspose or Gemm whose output it alone reads, when the weights and
// all normalisation parameters are constants: with s = scale/sqrt(var+eps)
// per output channel, the weights of channel c are multiplied by s[c] and
// the bias becomes (bias - mean)*s + B.
func FoldBatchNorm(g *ir.Graph) error {
	prod := g.Producers()
	cons := g.Consumers()
	dead := map[*ir.Node]bool{}
	for _, bn := range g.Nodes {
		if bn.Domain != "" || bn.Op != "BatchNormalization" || len(bn.Outputs) != 1 || bn.Attrs.Int("training_mode", 0) != 0 {
			continue
		}
		x := bn.Inputs[0]
		p, ok := prod[x]
		if !ok || p.Domain != "" || len(p.Inputs) < 2 || dead[p] || soleConsumer(g, cons, x) != bn {
			continue
		}
		params := bn.Inputs[1:5]
		okc := true
		for _, v := range params {
			okc = okc && v.IsConst() && v.DType == ir.Float32
		}
		w := p.Inputs[1]
		if !okc || !w.IsConst() || w.DType != ir.Float32 {
			continue
		}
		if b := p.Input(2); b != nil && !b.IsConst() {
			continue
		}
		scale, shift, mean, variance := params[0].Const.F32, params[1].Const.F32, params[2].Const.F32, params[3].Const.F32
		eps := float64(bn.Attrs.Float("epsilon", 1e-5))
		nc := len(scale)
		if len(shift) != nc || len(mean) != nc || len(variance) != nc {
			continue
		}
		s := make([]float64, nc)
		for c := range s {
			s[c] = float64(scale[c]) / math.Sqrt(float64(variance[c])+eps)
		}
		var newW, newB []float32
		switch p.Op {
		case "Conv":
			newW, newB = foldConvWeights(w.Const, p.Input(2), s, 0, 1)
		case "ConvTranspose":
			newW, newB = foldConvWeights(w.Const, p.Input(2), s, 1, int(p.Attrs.Int("group", 1)))
		case "Gemm":
			if x.Shape.Rank() != 2 {
				continue
			}
			newW, newB = foldGemmWeights(p, s)
		default:
			continue
		}
		if newW == nil {
			continue
		}
		for c := range newB {
			newB[c] = float32((float64(newB[c])-float64(mean[c]))*s[c] + float64(shift[c]))
		}
		p.Inputs[1] = constValue(g, w.Name+"_bnfold", ir.Float32Tensor(w.Const.Shape, newW))
		if len(p.Inputs) < 3 {
			p.Inputs = append(p.Inputs, nil)
		}
		p.Inputs[2] = constValue(g, p.Name+"_bnfold_bias", ir.Float32Tensor([]int{nc}, newB))
		if p.Op == "Gemm" {
			delete(p.Attrs, "beta")
		}
		p.Outputs[0] = bn.Outputs[0]
		dead[bn] = true
	}
	removeNodes(g, dead)
	return nil
}

// foldConvWeights scales the weights of a Conv (channel axis 0) or
// ConvTranspose (weights [Cin, Cout/group, ...], channel axis 1 within each
// group) by s per output channel, and returns the weights and the bias
// (before the mean/shift adjustment), or nil if shapes do not match.
func foldConvWeights(w *ir.Tensor, bias *ir.Value, s []float64, axis, group int) ([]float32, []float32) {
	nc := len(s)
	if len(w.Shape) < 2 {
		return nil, nil
	}
	inner := 1
	for _, d := range w.Shape[2:] {
		inner *= d
	}
	out := make([]float32, len(w.F32))
	switch axis {
	case 0:
		if w.Shape[0] != nc {
			return nil, nil
		}
		per := len(w.F32) / nc
		for c := 0; c < nc; c++ {
			for i := 0; i < per; i++ {
				out[c*per+i] = float32(float64(w.F32[c*per+i]) * s[c])
			}
		}
	case 1:
		cin, coutg := w.Shape[0], w.Shape[1]
		if group < 1 || cin%group != 0 || coutg*group != nc {
			return nil, nil
		}
		cinPerGroup := cin / group
		for ci := 0; ci < cin; ci++ {
			gi := ci / cinPerGroup
			for j := 0; j < coutg; j++ {
				c := gi*coutg + j
				base := (ci*coutg + j) * inner
				for i := 0; i < inner; i++ {
					out[base+i] = float32(float64(w.F32[base+i]) * s[c])
				}
			}
		}
	}
	b := make([]float32, nc)
	if bias != nil {
		if len(bias.Const.F32) != nc {
			return nil, nil
		}
		copy(b, bias.Const.F32)
	}
	return out, b
}

// foldGemmWeights scales Gemm's B by s per output column (and alpha), and
// returns the weights and beta*C broadcast to one value per column.
func foldGemmWeights(p *ir.Node, s []float64) ([]float32, []float32) {
	w := p.Inputs[1].Const
	nc := len(s)
	if len(w.Shape) != 2 {
		return nil, nil
	}
	transB := p.Attrs.Int("transB", 0) != 0
	alpha := float64(p.Attrs.Float("alpha", 1))
	beta := float64(p.Attrs.Float("beta", 1))
	k, n := w.Shape[0], w.Shape[1]
	if transB {
		k, n = n, k
	}
	if n != nc {
		return nil, nil
	}
	out := make([]float32, len(w.F32))
	for i := 0; i < k; i++ {
		for j := 0; j < n; j++ {
			idx := i*n + j
			if transB {
				idx = j*k + i
			}
			out[idx] = float32(float64(w.F32[idx]) * s[j] * alpha)
		}
	}
	b := make([]float32, nc)
	if c := p.Input(2); c != nil {
		ct := c.Const
		switch {
		case ct.Len() == 1:
			for j := range b {
				b[j] = float32(beta * float64(ct.F32[0]))
			}
		case ct.Len() == nc && (len(ct.Shape) == 1 || ct.Shape[0] == 1):
			for j := range b {
				b[j] = float32(beta * float64(ct.F32[j]))
			}
		default:
			return nil, nil // a C that varies by row cannot fold per column
		}
	}
	if p.Attrs != nil {
		delete(p.Attrs, "alpha")
	}
	return out, b
}

// FuseActivation replaces Gemm, Conv or ConvTranspose followed by an
// activation that alone reads its output (Relu, LeakyRelu, Sigmoid, Tanh,
// HardSigmoid, Clip with constant bounds) by one fused operator in the
// latent domain.
func FuseActivation(g *ir.Graph) error {
	cons := g.Consumers()
	dead := map[*ir.Node]bool{}
	for _, p := range g.Nodes {
		if p.Domain != "" || dead[p] || len(p.Outputs) != 1 {
			continue
		}
		var fused string
		for f, base := range fusedBase {
			if base == p.Op {
				fused = f
			}
		}
		if fused == "" || p.Outputs[0].DType != ir.Float32 {
			continue
		}
		a := soleConsumer(g, cons, p.Outputs[0])
		if a == nil || a.Domain != "" || !fusableActivations[a.Op] || a.Inputs[0] != p.Outputs[0] {
			continue
		}
		attrs := p.Attrs.Clone()
		if attrs == nil {
			attrs = ir.Attrs{}
		}
		attrs["activation"] = ir.StringAttr(a.Op)
		switch a.Op {
		case "LeakyRelu":
			attrs["activation_alpha"] = ir.FloatAttr(a.Attrs.Float("alpha", 0.01))
		case "HardSigmoid":
			attrs["activation_alpha"] = ir.FloatAttr(a.Attrs.Float("alpha", 0.2))
			attrs["activation_beta"] = ir.FloatAttr(a.Attrs.Float("beta", 0.5))
		case "Clip":
			lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
			if v := a.Input(1); v != nil {
				if !v.IsConst() || v.Const.Len() != 1 {
					continue
				}
				lo = float32(v.Const.Float64At(0))
			}
			if v := a.Input(2); v != nil {
				if !v.IsConst() || v.Const.Len() != 1 {
					continue
				}
				hi = float32(v.Const.Float64At(0))
			}
			attrs["activation_alpha"] = ir.FloatAttr(lo)
			attrs["activation_beta"] = ir.FloatAttr(hi)
		}
		p.Op, p.Domain, p.Attrs = fused, Domain, attrs
		p.Outputs[0] = a.Outputs[0]
		dead[a] = true
	}
	removeNodes(g, dead)
	return nil
}
