package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/train/internal/linalg"
)

// SparsityKind selects the sparsity penalty on a code layer.
type SparsityKind uint8

const (
	// NoSparsity adds no penalty.
	NoSparsity SparsityKind = iota
	// KLSparsity adds Weight * sum_j KL(rho || rhô_j) to the mean
	// mini-batch loss, where rhô_j is unit j's mean activation over the
	// mini-batch and KL(p||q) = p log(p/q) + (1-p) log((1-p)/(1-q)). It
	// needs activations in (0, 1): a Sigmoid layer.
	KLSparsity
	// L1Sparsity adds Weight * sum_j |h_j| per example.
	L1Sparsity
)

// Sparsity configures a sparsity penalty on the output of one layer.
type Sparsity struct {
	Kind SparsityKind `json:"kind"`
	// Layer is the index in Network.Layers of the penalised layer.
	Layer int `json:"layer"`
	// Target is rho, the target mean activation (KLSparsity only).
	Target float32 `json:"target"`
	// Weight is the penalty's weight (beta for KL, lambda for L1).
	Weight float32 `json:"weight"`
}

// Network is a feed-forward stack of dense layers with a loss on the last
// layer's output: h(0) = x, h(k) = g(b(k) + W(k) h(k-1)). Mini-batches are
// matrices with one example per row. A Network is not safe for concurrent
// use: it owns workspace buffers that every call reuses.
type Network struct {
	Layers []*Dense
	Loss   Loss
	// Sparsity is an optional penalty on one layer's output.
	Sparsity Sparsity
	// Threads is the number of goroutines matrix products and elementwise
	// passes may use (0 or 1: one). Results do not depend on it.
	Threads int

	ws workspace
}

// workspace holds per-layer buffers for up to rows examples.
type workspace struct {
	layers   []*Dense // the layers the buffers were made for
	sparsity Sparsity // and the sparsity settings
	rows     int
	h        [][]float32 // layer outputs
	d        [][]float32 // gradients w.r.t. layer pre-activations
	logits   []float32
	rowLoss  []float64
	rhoHat   []float32

	// The current elementwise pass's arguments and the pass bodies,
	// built once so that a mini-batch step allocates nothing.
	pa                          passArgs
	actRows, lossRows, gradCols func(lo, hi int)
	colsumCols                  func(lo, hi int)
	params                      []*Param
	tmp                         []float32 // one row of scratch for the widest layer
	fuse                        sgdFuse
	shared                      []bool
}

// passArgs are the operands of one elementwise pass.
type passArgs struct {
	rows, cols   int
	act          Activation
	slope, scale float32
	last         *Dense
	src, dst, h  []float32
	target, sum  []float32
}

// Validate reports whether the network is well formed: consecutive layer
// sizes match, tied layers are consistent, the loss suits the output
// activation and the sparsity settings are valid.
func (n *Network) Validate() error {
	if len(n.Layers) == 0 {
		return fmt.Errorf("train: network has no layers")
	}
	for l, d := range n.Layers {
		name := fmt.Sprintf("layer %d", l)
		if err := d.validate(name); err != nil {
			return err
		}
		if d.Act == Softmax && l != len(n.Layers)-1 {
			return fmt.Errorf("train: %s: softmax is only allowed on the output layer", name)
		}
		if l > 0 && d.In != n.Layers[l-1].Out {
			return fmt.Errorf("train: %s: input size %d does not match previous output %d", name, d.In, n.Layers[l-1].Out)
		}
	}
	if err := n.Loss.checkOutput(n.Layers[len(n.Layers)-1].Act); err != nil {
		return err
	}
	s := n.Sparsity
	switch s.Kind {
	case NoSparsity:
	case KLSparsity:
		if s.Layer < 0 || s.Layer >= len(n.Layers)-1 {
			return fmt.Errorf("train: sparsity layer %d is not a hidden layer", s.Layer)
		}
		if n.Layers[s.Layer].Act != Sigmoid {
			return fmt.Errorf("train: KL sparsity needs a sigmoid layer, layer %d is %v", s.Layer, n.Layers[s.Layer].Act)
		}
		if !(s.Target > 0 && s.Target < 1) || !(s.Weight >= 0) {
			return fmt.Errorf("train: KL sparsity target %v must be in (0,1) and weight %v >= 0", s.Target, s.Weight)
		}
	case L1Sparsity:
		if s.Layer < 0 || s.Layer >= len(n.Layers)-1 {
			return fmt.Errorf("train: sparsity layer %d is not a hidden layer", s.Layer)
		}
		if !(s.Weight >= 0) {
			return fmt.Errorf("train: L1 sparsity weight %v must be >= 0", s.Weight)
		}
	default:
		return fmt.Errorf("train: invalid sparsity kind %d", s.Kind)
	}
	return nil
}

// InputSize returns the number of input columns.
func (n *Network) InputSize() int { return n.Layers[0].In }

// OutputSize returns the number of output columns.
func (n *Network) OutputSize() int { return n.Layers[len(n.Layers)-1].Out }

// Params returns every trainable parameter once, in layer order (weights
// before biases). Tied layers contribute only their bias.
func (n *Network) Params() []*Param {
	var ps []*Param
	for _, d := range n.Layers {
		if d.W != nil {
			ps = append(ps, d.W)
		}
		ps = append(ps, d.B)
	}
	return ps
}

func (n *Network) threads() int { return max(n.Threads, 1) }

// reserve makes the workspace hold at least rows examples.
func (n *Network) reserve(rows int) {
	ws := &n.ws
	if ws.rows >= rows && slices.Equal(ws.layers, n.Layers) && ws.sparsity == n.Sparsity {
		return
	}
	ws.layers = slices.Clone(n.Layers)
	ws.sparsity = n.Sparsity
	rows = max(rows, ws.rows)
	ws.rows = rows
	ws.h = make([][]float32, len(n.Layers))
	ws.d = make([][]float32, len(n.Layers))
	for l, d := range n.Layers {
		ws.h[l] = make([]float32, rows*d.Out)
		ws.d[l] = make([]float32, rows*d.Out)
	}
	ws.logits = make([]float32, rows*n.OutputSize())
	ws.rowLoss = make([]float64, rows)
	ws.rhoHat = nil
	if n.Sparsity.Kind != NoSparsity {
		ws.rhoHat = make([]float32, n.Layers[n.Sparsity.Layer].Out)
	}
	ws.params = n.Params()
	width := 0
	for _, d := range n.Layers {
		width = max(width, d.Out)
	}
	ws.tmp = make([]float32, width)
	ws.shared = make([]bool, len(n.Layers))
	for l, d := range n.Layers {
		for _, o := range n.Layers {
			if o.Tied == d {
				ws.shared[l] = true
			}
		}
	}
	pa := &ws.pa
	ws.actRows = func(lo, hi int) {
		c := pa.cols
		for i := lo; i < hi; i++ {
			o := pa.dst[i*c : (i+1)*c]
			copy(o, pa.src[i*c:(i+1)*c])
			applyAct(pa.act, pa.slope, o)
		}
	}
	ws.lossRows = func(lo, hi int) {
		c := pa.cols
		for i := lo; i < hi; i++ {
			var lg []float32
			if n.Loss.needsLogits() {
				lg = ws.logits[i*c : (i+1)*c]
			}
			ws.rowLoss[i] = lossRow(n.Loss, pa.last.Act, pa.last.LeakySlope, lg, pa.h[i*c:(i+1)*c],
				pa.target[i*c:(i+1)*c], pa.dst[i*c:(i+1)*c], pa.scale)
		}
	}
	ws.colsumCols = func(lo, hi int) {
		c := pa.cols
		s := pa.sum[lo:hi]
		clear(s)
		for i := 0; i < pa.rows; i++ {
			asm.Add(s, s, pa.src[i*c+lo:i*c+hi])
		}
	}
	ws.gradCols = func(lo, hi int) {
		c := pa.cols
		s := pa.sum[lo:hi]
		clear(s)
		for i := 0; i < pa.rows; i++ {
			actGrad(pa.act, pa.slope, pa.dst[i*c+lo:i*c+hi], pa.h[i*c+lo:i*c+hi], s, ws.tmp[lo:hi])
		}
	}
}

// epilogue returns the fused bias+activation for layer d (ok false for
// Softmax, which is not fused).
func epilogue(d *Dense) (linalg.Epilogue, bool) {
	ep := linalg.Epilogue{ColBias: d.B.Data}
	switch d.Act {
	case Linear:
	case Sigmoid:
		ep.Act = linalg.ActSigmoid
	case Tanh:
		ep.Act = linalg.ActTanh
	case ReLU:
		ep.Act = linalg.ActReLU
	case LeakyReLU:
		ep.Act, ep.Alpha = linalg.ActLeakyReLU, d.LeakySlope
	default:
		return linalg.Epilogue{ColBias: d.B.Data}, false
	}
	return ep, true
}

// matmulForward computes dst = ep(x * W^T) (rows×Out) for layer d.
func (n *Network) matmulForward(d *Dense, x []float32, rows int, dst []float32, ep linalg.Epilogue) {
	if d.Tied == nil {
		linalg.GemmEp(n.threads(), false, true, rows, d.Out, d.In, 1, x, d.In, d.W.Data, d.In, 0, dst, d.Out, ep)
	} else {
		linalg.GemmEp(n.threads(), false, false, rows, d.Out, d.In, 1, x, d.In, d.Tied.W.Data, d.Out, 0, dst, d.Out, ep)
	}
}

// forward runs the network on rows examples of x (rows×In), filling the
// workspace's layer outputs (and logits when the loss needs them). Bias
// and activation are fused into each layer's matrix product.
func (n *Network) forward(x []float32, rows int) {
	n.reserve(rows)
	ws := &n.ws
	in := x
	last := len(n.Layers) - 1
	for l, d := range n.Layers {
		out := ws.h[l][:rows*d.Out]
		cols := d.Out
		ep, fused := epilogue(d)
		if l == last && n.Loss.needsLogits() || !fused {
			// Keep the pre-activations: the loss needs them, or the
			// activation (softmax) is not fused.
			lg := ws.logits[:rows*cols]
			n.matmulForward(d, in, rows, lg, linalg.Epilogue{ColBias: d.B.Data})
			ws.pa = passArgs{rows: rows, cols: cols, act: d.Act, slope: d.LeakySlope, src: lg, dst: out}
			linalg.ParallelFor(n.threads(), rows, 16, ws.actRows)
		} else {
			n.matmulForward(d, in, rows, out, ep)
		}
		in = out
	}
}

// lossGrad computes the summed loss of rows examples against target and
// writes the gradient of the mean loss with respect to the output
// pre-activations into the last layer's d buffer. It includes the
// sparsity penalty (once per mini-batch, scaled by rows so the returned
// sum divided by rows is the mean loss plus the penalty).
func (n *Network) lossGrad(target []float32, rows int) float64 {
	ws := &n.ws
	L := len(n.Layers)
	last := n.Layers[L-1]
	ws.pa = passArgs{rows: rows, cols: last.Out, last: last, h: ws.h[L-1], target: target, dst: ws.d[L-1], scale: 1 / float32(rows)}
	linalg.ParallelFor(n.threads(), rows, 16, ws.lossRows)
	var sum float64
	for _, v := range ws.rowLoss[:rows] {
		sum += v
	}
	if n.Sparsity.Kind != NoSparsity && n.Sparsity.Weight != 0 {
		sum += float64(rows) * n.sparsityPenalty(rows)
	}
	return sum
}

// sparsityPenalty returns the penalty for the current mini-batch (per
// example for L1, per mini-batch for KL) and, for KL, leaves rhô in the
// workspace.
func (n *Network) sparsityPenalty(rows int) float64 {
	s := n.Sparsity
	d := n.Layers[s.Layer]
	h := n.ws.h[s.Layer][:rows*d.Out]
	switch s.Kind {
	case KLSparsity:
		rho := float64(s.Target)
		var pen float64
		for j := 0; j < d.Out; j++ {
			var m float64
			for i := 0; i < rows; i++ {
				m += float64(h[i*d.Out+j])
			}
			q := clampProb(m / float64(rows))
			n.ws.rhoHat[j] = float32(q)
			pen += rho*math.Log(rho/q) + (1-rho)*math.Log((1-rho)/(1-q))
		}
		return float64(s.Weight) * pen
	case L1Sparsity:
		var a float64
		for _, v := range h {
			a += math.Abs(float64(v))
		}
		return float64(s.Weight) * a / float64(rows)
	}
	return 0
}

func clampProb(q float64) float64 { return min(max(q, 1e-6), 1-1e-6) }

// addSparsityGrad adds the penalty's gradient with respect to the
// penalised layer's outputs to dh (rows×Out).
func (n *Network) addSparsityGrad(dh []float32, rows int) {
	s := n.Sparsity
	d := n.Layers[s.Layer]
	scale := s.Weight / float32(rows)
	switch s.Kind {
	case KLSparsity:
		rho := s.Target
		for j := 0; j < d.Out; j++ {
			q := n.ws.rhoHat[j]
			g := scale * (-rho/q + (1-rho)/(1-q))
			for i := 0; i < rows; i++ {
				dh[i*d.Out+j] += g
			}
		}
	case L1Sparsity:
		h := n.ws.h[s.Layer]
		for i, v := range h[:rows*d.Out] {
			if v > 0 {
				dh[i] += scale
			} else if v < 0 {
				dh[i] -= scale
			}
		}
	}
}

// sgdFuse asks backward to apply a plain SGD step (no momentum) as soon
// as each gradient is formed, folding the update into the weight-gradient
// matrix product: W = (1 - lr*decay) W - lr * dA^T X.
type sgdFuse struct {
	lr, decay float32
}

// backward back-propagates the gradient in the last layer's d buffer
// through the network (x is the input the forward pass saw). Without fuse
// it writes every Param.Grad; with fuse it updates the parameters in
// place instead.
//
// Column sums (bias gradients) and activation derivatives split columns
// across threads, each column summed by one goroutine in row order, so
// results do not depend on the thread count.
func (n *Network) backward(x []float32, rows int, fuse *sgdFuse) {
	ws := &n.ws
	th := n.threads()
	for _, p := range ws.params {
		p.written = false
	}
	L := len(n.Layers)
	last := n.Layers[L-1]
	ws.pa = passArgs{rows: rows, cols: last.Out, src: ws.d[L-1], sum: last.B.Grad}
	linalg.ParallelFor(th, last.Out, 64, ws.colsumCols)
	for l := L - 1; l >= 0; l-- {
		d := n.Layers[l]
		dA := ws.d[l][:rows*d.Out]
		in := x
		if l > 0 {
			in = ws.h[l-1][:rows*d.In]
		}
		// Gradient w.r.t. the layer input, before any in-place update of W.
		if l > 0 {
			dX := ws.d[l-1][:rows*d.In]
			if d.Tied == nil {
				linalg.Gemm(th, false, false, rows, d.In, d.Out, 1, dA, d.Out, d.W.Data, d.In, 0, dX, d.In)
			} else {
				linalg.Gemm(th, false, true, rows, d.In, d.Out, 1, dA, d.Out, d.Tied.W.Data, d.Out, 0, dX, d.In)
			}
		}
		// Weight gradient (or fused update).
		if d.Tied == nil {
			p := d.W
			switch {
			case fuse != nil && !ws.shared[l]:
				beta := float32(1)
				if p.Decay {
					beta = 1 - fuse.lr*fuse.decay
				}
				linalg.Gemm(th, true, false, d.Out, d.In, rows, -fuse.lr, dA, d.Out, in, d.In, beta, p.Data, d.In)
			default:
				beta := float32(0)
				if p.written {
					beta = 1
				}
				linalg.Gemm(th, true, false, d.Out, d.In, rows, 1, dA, d.Out, in, d.In, beta, p.Grad, d.In)
				p.written = true
			}
		} else {
			p := d.Tied.W
			beta := float32(0)
			if p.written {
				beta = 1
			}
			linalg.Gemm(th, true, false, d.In, d.Out, rows, 1, in, d.In, dA, d.Out, beta, p.Grad, d.Out)
			p.written = true
		}
		if fuse != nil {
			b := d.B
			for j, g := range b.Grad {
				b.Data[j] -= fuse.lr * g
			}
		}
		if l > 0 {
			prev := n.Layers[l-1]
			dX := ws.d[l-1][:rows*d.In]
			if n.Sparsity.Kind != NoSparsity && n.Sparsity.Layer == l-1 && n.Sparsity.Weight != 0 {
				n.addSparsityGrad(dX, rows)
			}
			ws.pa = passArgs{rows: rows, cols: d.In, act: prev.Act, slope: prev.LeakySlope, dst: dX, h: ws.h[l-1], sum: prev.B.Grad}
			linalg.ParallelFor(th, d.In, 64, ws.gradCols)
		}
	}
}

// Forward returns the network's outputs for the rows of x.
func (n *Network) Forward(x *Matrix) (*Matrix, error) {
	return n.ForwardTo(x, len(n.Layers)-1)
}

// ForwardTo returns the outputs of layer upto (0-based) for the rows of
// x; for an autoencoder whose code is layer k this is the encoder.
func (n *Network) ForwardTo(x *Matrix, upto int) (*Matrix, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := x.check("input"); err != nil {
		return nil, err
	}
	if x.Cols != n.InputSize() {
		return nil, fmt.Errorf("train: input has %d columns, network wants %d", x.Cols, n.InputSize())
	}
	if upto < 0 || upto >= len(n.Layers) {
		return nil, fmt.Errorf("train: layer %d out of range [0, %d)", upto, len(n.Layers))
	}
	cols := n.Layers[upto].Out
	out := NewMatrix(x.Rows, cols)
	const chunk = 256
	for r0 := 0; r0 < x.Rows; r0 += chunk {
		rows := min(chunk, x.Rows-r0)
		n.forward(x.Data[r0*x.Cols:(r0+rows)*x.Cols], rows)
		copy(out.Data[r0*cols:(r0+rows)*cols], n.ws.h[upto][:rows*cols])
	}
	return out, nil
}

// Evaluate returns the mean loss (plus sparsity penalty, averaged per
// mini-batch of up to 256 rows) of the network on inputs x against
// targets.
func (n *Network) Evaluate(x, target *Matrix) (float64, error) {
	if err := n.checkPair(x, target); err != nil {
		return 0, err
	}
	if x.Rows == 0 {
		return 0, nil
	}
	var sum float64
	const chunk = 256
	for r0 := 0; r0 < x.Rows; r0 += chunk {
		rows := min(chunk, x.Rows-r0)
		n.forward(x.Data[r0*x.Cols:(r0+rows)*x.Cols], rows)
		sum += n.lossGrad(target.Data[r0*target.Cols:(r0+rows)*target.Cols], rows)
	}
	return sum / float64(x.Rows), nil
}

// Gradients runs one forward and backward pass on the mini-batch x
// against targets, leaving the gradient of the mean loss in every
// Param.Grad, and returns that mean loss.
func (n *Network) Gradients(x, target *Matrix) (float64, error) {
	if err := n.checkPair(x, target); err != nil {
		return 0, err
	}
	if x.Rows == 0 {
		return 0, fmt.Errorf("train: empty mini-batch")
	}
	n.forward(x.Data, x.Rows)
	loss := n.lossGrad(target.Data, x.Rows)
	n.backward(x.Data, x.Rows, nil)
	return loss / float64(x.Rows), nil
}

func (n *Network) checkPair(x, target *Matrix) error {
	if err := n.Validate(); err != nil {
		return err
	}
	if err := x.check("input"); err != nil {
		return err
	}
	if err := target.check("target"); err != nil {
		return err
	}
	if x.Cols != n.InputSize() || target.Cols != n.OutputSize() || x.Rows != target.Rows {
		return fmt.Errorf("train: input %dx%d and target %dx%d do not fit a %d->%d network",
			x.Rows, x.Cols, target.Rows, target.Cols, n.InputSize(), n.OutputSize())
	}
	return nil
}
