package reference

import (
	"fmt"
	"math"
	"slices"

	"github.com/latent-go/latent/ir"
)

// nnGemm computes Y = alpha * A' * B' + beta * C, where A' and B' are A and
// B transposed if transA and transB are set, and C broadcasts
// unidirectionally to [M, N].
func nnGemm(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	a, err := nnF32(in, 0, "A")
	if err != nil {
		return nil, err
	}
	b, err := nnF32(in, 1, "B")
	if err != nil {
		return nil, err
	}
	c, err := nnOptF32(in, 2, "C")
	if err != nil {
		return nil, err
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return nil, fmt.Errorf("inputs A %v and B %v must both be 2-D", a.Shape, b.Shape)
	}
	transA, transB := n.Attrs.Int("transA", 0) != 0, n.Attrs.Int("transB", 0) != 0
	alpha, beta := n.Attrs.Float("alpha", 1), n.Attrs.Float("beta", 1)
	M, K := a.Shape[0], a.Shape[1]
	// A'[i,k] = A[i*ars + k*acs]
	ars, acs := K, 1
	if transA {
		M, K = K, M
		ars, acs = 1, M
	}
	K2, N := b.Shape[0], b.Shape[1]
	brs, bcs := N, 1
	if transB {
		K2, N = N, K2
		brs, bcs = 1, K2
	}
	if K != K2 {
		return nil, fmt.Errorf("inner dimensions differ: A %v (transA=%v) and B %v (transB=%v)", a.Shape, transA, b.Shape, transB)
	}
	// C'[i,j] = C[i*crs + j*ccs]
	crs, ccs := 0, 0
	if c != nil {
		switch len(c.Shape) {
		case 0:
		case 1:
			if c.Shape[0] != 1 && c.Shape[0] != N {
				return nil, fmt.Errorf("bias C shape %v cannot broadcast to [%d,%d]", c.Shape, M, N)
			}
			if c.Shape[0] == N {
				ccs = 1
			}
		case 2:
			if (c.Shape[0] != 1 && c.Shape[0] != M) || (c.Shape[1] != 1 && c.Shape[1] != N) {
				return nil, fmt.Errorf("bias C shape %v cannot broadcast to [%d,%d]", c.Shape, M, N)
			}
			if c.Shape[0] == M {
				crs = c.Shape[1]
			}
			if c.Shape[1] == N {
				ccs = 1
			}
		default:
			return nil, fmt.Errorf("bias C shape %v has rank %d, want at most 2", c.Shape, len(c.Shape))
		}
	}
	y, err := nnNewF32([]int{M, N})
	if err != nil {
		return nil, err
	}
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			var s float32
			for k := 0; k < K; k++ {
				s += a.F32[i*ars+k*acs] * b.F32[k*brs+j*bcs]
			}
			v := alpha * s
			if c != nil {
				v += beta * c.F32[i*crs+j*ccs]
			}
			y.F32[i*N+j] = v
		}
	}
	return []*ir.Tensor{y}, nil
}

// nnMatMul computes numpy's matmul: 1-D operands are promoted (A to a row,
// B to a column, the promoted axis removed from the result) and the batch
// axes broadcast.
func nnMatMul(_ *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	a, err := nnF32(in, 0, "A")
	if err != nil {
		return nil, err
	}
	b, err := nnF32(in, 1, "B")
	if err != nil {
		return nil, err
	}
	if len(a.Shape) == 0 || len(b.Shape) == 0 {
		return nil, fmt.Errorf("operands %v and %v: scalars are not allowed", a.Shape, b.Shape)
	}
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	M, K := as[len(as)-2], as[len(as)-1]
	K2, N := bs[len(bs)-2], bs[len(bs)-1]
	if K != K2 {
		return nil, fmt.Errorf("operands %v and %v: inner dimensions %d and %d differ", a.Shape, b.Shape, K, K2)
	}
	batchA, batchB := as[:len(as)-2], bs[:len(bs)-2]
	batch, err := ir.BroadcastInts(batchA, batchB)
	if err != nil {
		return nil, fmt.Errorf("batch dimensions: %w", err)
	}
	var outShape []int
	outShape = append(outShape, batch...)
	if len(a.Shape) > 1 {
		outShape = append(outShape, M)
	}
	if len(b.Shape) > 1 {
		outShape = append(outShape, N)
	}
	y, err := nnNewF32(outShape)
	if err != nil {
		return nil, err
	}
	offA, offB := nnBroadcastIndex(batch, batchA), nnBroadcastIndex(batch, batchB)
	for bi := range offA {
		A := a.F32[offA[bi]*M*K:]
		B := b.F32[offB[bi]*K*N:]
		Y := y.F32[bi*M*N:]
		for i := 0; i < M; i++ {
			for j := 0; j < N; j++ {
				var s float32
				for k := 0; k < K; k++ {
					s += A[i*K+k] * B[k*N+j]
				}
				Y[i*N+j] = s
			}
		}
	}
	return []*ir.Tensor{y}, nil
}

// nnBroadcastIndex returns, for every row-major position of shape out, the
// row-major position in shape from (right-aligned, size-1 axes repeated)
// that broadcasts to it.
func nnBroadcastIndex(out, from []int) []int {
	fs := nnRowMajor(from)
	off := len(out) - len(from)
	idx := make([]int, max(ir.NumElements(out), 0))
	nnForEach(out, func(flat int, c []int) {
		p := 0
		for a, d := range from {
			if d != 1 {
				p += c[off+a] * fs[a]
			}
		}
		idx[flat] = p
	})
	return idx
}

// nnBatchNorm computes BatchNormalization: Y = scale * (X - mean) /
// sqrt(var + epsilon) + B per channel (axis 1). In inference mode mean and
// var are the inputs; with training_mode=1 they are the batch statistics
// (population variance over every axis but 1), and the optional outputs
// running_mean and running_var are input*momentum + batch*(1-momentum).
func nnBatchNorm(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, err := nnF32(in, 0, "X")
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input X shape %v has rank %d, want at least 2 (N, C, ...)", x.Shape, len(x.Shape))
	}
	C := x.Shape[1]
	var p [4]*ir.Tensor
	for i, name := range []string{"scale", "B", "input_mean", "input_var"} {
		if p[i], err = nnF32(in, i+1, name); err != nil {
			return nil, err
		}
		if len(p[i].Shape) != 1 || p[i].Shape[0] != C {
			return nil, fmt.Errorf("%s shape %v, want [%d] (the channels of X %v)", name, p[i].Shape, C, x.Shape)
		}
	}
	scale, bias, mean, variance := p[0].F32, p[1].F32, p[2].F32, p[3].F32
	eps := n.Attrs.Float("epsilon", 1e-5)
	training := n.Attrs.Int("training_mode", 0) != 0
	y, err := nnNewF32(x.Shape)
	if err != nil {
		return nil, err
	}
	N, inner := x.Shape[0], ir.NumElements(x.Shape[2:])
	runMean, runVar := slices.Clone(mean), slices.Clone(variance)
	if training {
		if N*inner == 0 {
			return nil, fmt.Errorf("training-mode statistics of an empty input %v", x.Shape)
		}
		momentum := n.Attrs.Float("momentum", 0.9)
		bm, bv := make([]float32, C), make([]float32, C)
		cnt := float32(N * inner)
		for c := 0; c < C; c++ {
			var s float32
			for bn := 0; bn < N; bn++ {
				for _, v := range x.F32[(bn*C+c)*inner : (bn*C+c+1)*inner] {
					s += v
				}
			}
			bm[c] = s / cnt
			var q float32
			for bn := 0; bn < N; bn++ {
				for _, v := range x.F32[(bn*C+c)*inner : (bn*C+c+1)*inner] {
					q += (v - bm[c]) * (v - bm[c])
				}
			}
			bv[c] = q / cnt
			runMean[c] = mean[c]*momentum + bm[c]*(1-momentum)
			runVar[c] = variance[c]*momentum + bv[c]*(1-momentum)
		}
		mean, variance = bm, bv
	}
	for bn := 0; bn < N; bn++ {
		for c := 0; c < C; c++ {
			k := scale[c] / float32(math.Sqrt(float64(variance[c]+eps)))
			off := (bn*C + c) * inner
			for i, v := range x.F32[off : off+inner] {
				y.F32[off+i] = k*(v-mean[c]) + bias[c]
			}
		}
	}
	return nnTrim(n, y, ir.Float32Tensor([]int{C}, runMean), ir.Float32Tensor([]int{C}, runVar)), nil
}

// nnDropout computes Dropout at inference: the output is the input and the
// mask is all true. Training mode with a non-zero ratio is random and
// refused.
func nnDropout(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, err := nnInput(in, 0, "data")
	if err != nil {
		return nil, err
	}
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("input data has element type %s, want a floating-point type", x.DType)
	}
	ratio := 0.5
	if r, err := nnOptional(in, 1, "ratio"); err != nil {
		return nil, err
	} else if r != nil {
		if r.Len() != 1 || !r.DType.IsFloat() {
			return nil, fmt.Errorf("ratio must be a floating-point scalar, got %s%v", r.DType, r.Shape)
		}
		ratio = r.Float64At(0)
	}
	training := false
	if t, err := nnOptional(in, 2, "training_mode"); err != nil {
		return nil, err
	} else if t != nil {
		if t.Len() != 1 || t.DType != ir.Bool {
			return nil, fmt.Errorf("training_mode must be a bool scalar, got %s%v", t.DType, t.Shape)
		}
		training = t.Bool[0]
	}
	if training && ratio != 0 {
		return nil, fmt.Errorf("training_mode is true with ratio %v: random dropout is not supported by the reference evaluator (it runs inference only)", ratio)
	}
	if !(ratio >= 0 && ratio < 1) {
		return nil, fmt.Errorf("ratio %v is outside [0, 1)", ratio)
	}
	mask, err := ir.NewTensor(ir.Bool, x.Shape...)
	if err != nil {
		return nil, err
	}
	for i := range mask.Bool {
		mask.Bool[i] = true
	}
	return nnTrim(n, x.Clone(), mask), nil
}

// nnSoftmaxAxis runs f on every 1-D slice of x along axis (normalised from
// attribute axis, default -1), writing into the same positions of y.
func nnSoftmaxAxis(n *ir.Node, in []*ir.Tensor, f func(x, y []float32, stride int)) ([]*ir.Tensor, error) {
	x, err := nnF32(in, 0, "input")
	if err != nil {
		return nil, err
	}
	r := len(x.Shape)
	axis := n.Attrs.Int("axis", -1)
	if r == 0 || axis < -int64(r) || axis >= int64(r) {
		return nil, fmt.Errorf("axis %d is out of range for input shape %v", axis, x.Shape)
	}
	if axis < 0 {
		axis += int64(r)
	}
	y, err := nnNewF32(x.Shape)
	if err != nil {
		return nil, err
	}
	outer := ir.NumElements(x.Shape[:axis])
	d := x.Shape[axis]
	inner := ir.NumElements(x.Shape[axis+1:])
	if d == 0 {
		return []*ir.Tensor{y}, nil
	}
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			off := o*d*inner + i
			end := off + (d-1)*inner + 1
			f(x.F32[off:end], y.F32[off:end], inner)
		}
	}
	return []*ir.Tensor{y}, nil
}

// nnSliceMax returns the maximum of x[0], x[stride], ... (NaN if any is).
func nnSliceMax(x []float32, stride int) float32 {
	m := x[0]
	for i := stride; i < len(x); i += stride {
		if v := x[i]; v > m || v != v {
			m = v
		}
	}
	return m
}

// nnSoftmax computes exp(x - max) / sum(exp(x - max)) along axis.
func nnSoftmax(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	return nnSoftmaxAxis(n, in, func(x, y []float32, stride int) {
		m := nnSliceMax(x, stride)
		var s float32
		for i := 0; i < len(x); i += stride {
			e := float32(math.Exp(float64(x[i] - m)))
			y[i] = e
			s += e
		}
		for i := 0; i < len(x); i += stride {
			y[i] /= s
		}
	})
}

// nnLogSoftmax computes x - max - log(sum(exp(x - max))) along axis.
func nnLogSoftmax(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	return nnSoftmaxAxis(n, in, func(x, y []float32, stride int) {
		m := nnSliceMax(x, stride)
		var s float32
		for i := 0; i < len(x); i += stride {
			s += float32(math.Exp(float64(x[i] - m)))
		}
		ls := float32(math.Log(float64(s)))
		for i := 0; i < len(x); i += stride {
			y[i] = x[i] - m - ls
		}
	})
}

// nnPad computes Pad for every element type: negative pads crop; constant
// mode fills with constant_value (default 0), edge repeats the border
// element, reflect mirrors about it without repeating it.
func nnPad(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, err := nnInput(in, 0, "data")
	if err != nil {
		return nil, err
	}
	pt, err := nnInput(in, 1, "pads")
	if err != nil {
		return nil, err
	}
	if pt.DType != ir.Int64 {
		return nil, fmt.Errorf("pads have element type %s, want int64", pt.DType)
	}
	r := len(x.Shape)
	pads := pt.I64
	if len(pads) != 2*r {
		return nil, fmt.Errorf("pads %v have %d values, data of shape %v needs %d", pads, len(pads), x.Shape, 2*r)
	}
	mode := n.Attrs.String("mode", "constant")
	cv, err := nnOptional(in, 2, "constant_value")
	if err != nil {
		return nil, err
	}
	if cv != nil && (cv.DType != x.DType || cv.Len() != 1) {
		return nil, fmt.Errorf("constant_value must be a scalar of the data's type %s, got %s%v", x.DType, cv.DType, cv.Shape)
	}
	out := make([]int, r)
	begin := make([]int, r)
	for a := range r {
		o := int64(x.Shape[a]) + pads[a] + pads[r+a]
		if o < 0 || pads[a] < -nnMaxElements || pads[a] > nnMaxElements || o > nnMaxElements {
			return nil, fmt.Errorf("pads %v make axis %d of shape %v size %d", pads, a, x.Shape, o)
		}
		out[a], begin[a] = int(o), int(pads[a])
		if mode != "constant" && x.Shape[a] == 0 && o > 0 {
			return nil, fmt.Errorf("%s padding of an empty axis %d of shape %v", mode, a, x.Shape)
		}
	}
	switch mode {
	case "constant", "edge", "reflect":
	default:
		return nil, fmt.Errorf("mode %q is not constant, reflect or edge", mode)
	}
	if err := nnCheckSize(out); err != nil {
		return nil, err
	}
	// src[flat] is the input position each output element copies, or -1
	// for the constant.
	xs := nnRowMajor(x.Shape)
	src := make([]int, ir.NumElements(out))
	nnForEach(out, func(flat int, c []int) {
		p := 0
		for a := range c {
			i, size := c[a]-begin[a], x.Shape[a]
			if i < 0 || i >= size {
				switch mode {
				case "constant":
					src[flat] = -1
					return
				case "edge":
					i = min(max(i, 0), size-1)
				case "reflect":
					i = nnReflect(i, size)
				}
			}
			p += i * xs[a]
		}
		src[flat] = p
	})
	y, err := ir.NewTensor(x.DType, out...)
	if err != nil {
		return nil, err
	}
	for i, s := range src {
		switch {
		case s >= 0:
			nnCopyElem(y, i, x, s)
		case cv != nil:
			nnCopyElem(y, i, cv, 0)
		}
	}
	return []*ir.Tensor{y}, nil
}

// nnReflect maps i into [0, size) by mirroring about the end elements
// (numpy's "reflect": the edge is not repeated).
func nnReflect(i, size int) int {
	if size == 1 {
		return 0
	}
	period := 2 * (size - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= size {
		i = period - i
	}
	return i
}

// nnCopyElem sets dst[i] = src[j] for tensors of the same element type.
func nnCopyElem(dst *ir.Tensor, i int, src *ir.Tensor, j int) {
	switch dst.DType {
	case ir.Float32:
		dst.F32[i] = src.F32[j]
	case ir.Float64:
		dst.F64[i] = src.F64[j]
	case ir.Int32:
		dst.I32[i] = src.I32[j]
	case ir.Int64:
		dst.I64[i] = src.I64[j]
	case ir.Bool:
		dst.Bool[i] = src.Bool[j]
	}
}
