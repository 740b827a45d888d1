package compiler

import (
	goruntime "runtime"
	"slices"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// Convolution regions.
//
// A Conv or ConvTranspose with constant weights over 1 or 2 spatial dims
// runs on the direct-convolution kernels (runtime.DirectConv): per image,
// its input planes are copied once into a zero-padded layout and every
// output channel is computed from that copy in place, without an im2col
// matrix. Because that copy is made anyway, the operators around a
// convolution that only move elements are folded into it:
//
//   - Resize/Upsample (nearest, integer factors) and MaxUnpool (whose
//     indices come from a MaxPool) that feed only a convolution write
//     straight into its padded copy: they get no tensor and no step;
//   - a 2×2, stride-2 MaxPool that is the only reader of a convolution's
//     output is computed from the convolution's output block while it is
//     in cache: the full-size output gets no tensor.
//
// A convolution whose only reader is another direct convolution (or a
// Resize folded into one) writes its output in its kernels' own layout
// (runtime.DirectConv.RawOut: rows in the padded pitch, channels a whole
// number of column tiles apart) and the reader's padded copy reads that
// layout: the output is never copied into NCHW. Should the reader fall
// back to another kernel after all, a copy step into NCHW is added
// first (densify). Every other tensor stays NCHW. Other
// convolutions (3 or more spatial dims, weights computed at run time,
// 1×1 kernels, which are plain matrix products) keep the im2col + GEMM
// path.

// convState is the lowerer's bookkeeping for convolution regions.
type convState struct {
	ready     bool
	consumers map[*ir.Value][]*ir.Node
	producers map[*ir.Value]*ir.Node
	index     map[*ir.Node]int
	// deferred maps the output of a Resize or MaxUnpool that a direct
	// convolution will compute itself to how.
	deferred map[*ir.Value]*deferredSource
	// fused holds the MaxPool nodes a convolution computes.
	fused map[*ir.Node]bool
	// raw maps the values held in a direct convolution's raw output
	// layout to that layout.
	raw map[*ir.Value]*rawLayout
}

// rawLayout is a direct convolution's raw output layout: row r of channel
// c of image n at (n·C + c)·plane + r·row.
type rawLayout struct {
	plane, row int
	n, c, h, w int // the value's NCHW dims
}

// deferredSource is an element-moving operator folded into the
// convolution that reads its output.
type deferredSource struct {
	kind    runtime.ConvSource
	x, idx  int        // buffers of its input (and indices)
	factors []int      // SourceUpsample
	xdims   []int      // SourceUnpool: spatial dims of the pooled input
	raw     *rawLayout // SourceUpsample: x's layout, when raw
	// emit adds the operator's own step after all, for a convolution
	// that cannot take it.
	emit func() error
}

func (l *lowerer) convs() *convState {
	c := &l.conv
	if !c.ready {
		c.ready = true
		c.consumers = l.g.Consumers()
		c.producers = l.g.Producers()
		c.index = map[*ir.Node]int{}
		for i, n := range l.g.Nodes {
			c.index[n] = i
		}
		c.deferred = map[*ir.Value]*deferredSource{}
		c.fused = map[*ir.Node]bool{}
		c.raw = map[*ir.Value]*rawLayout{}
	}
	return c
}

// soleConsumer returns the only node reading v, if v is not a graph
// output and exactly one node reads it once.
func (l *lowerer) soleConsumer(v *ir.Value) *ir.Node {
	cs := l.convs().consumers[v]
	if len(cs) != 1 || l.g.IsOutput(v) {
		return nil
	}
	return cs[0]
}

// directConvCandidate reports whether n is a Conv the direct kernels
// take: float32, constant weights and bias, 1 or 2 spatial dims, a kernel
// larger than 1×1.
func directConvCandidate(n *ir.Node) bool {
	if n.Op != "Conv" && !(n.Domain == Domain && n.Op == "FusedConv") {
		return false
	}
	return directCandidate(n)
}

// directTransposeCandidate is directConvCandidate for ConvTranspose (any
// kernel size).
func directTransposeCandidate(n *ir.Node) bool {
	if n.Op != "ConvTranspose" && !(n.Domain == Domain && n.Op == "FusedConvTranspose") {
		return false
	}
	return directCandidate(n) || (isF32(n.Inputs[0], n.Inputs[1]) && n.Inputs[1].IsConst())
}

func directCandidate(n *ir.Node) bool {
	x, w := n.Inputs[0], n.Inputs[1]
	if !isF32(x, w) || !w.IsConst() || x.Shape.Rank() < 3 || x.Shape.Rank() > 4 {
		return false
	}
	if b := n.Input(2); b != nil && (!b.IsConst() || b.DType != ir.Float32) {
		return false
	}
	wd := dims(w)
	return prod(wd[2:]) > 1
}

// convWorkers is the number of images a direct convolution step may
// process at once: one per processor (GOMAXPROCS when the plan is
// built), at most one per image. Each needs its own workspace.
func convWorkers(batch int) int { return max(1, min(batch, goruntime.GOMAXPROCS(0))) }

// directConv lowers a convolution (transpose: a ConvTranspose) to the
// direct kernels when it can, reading its input through src when not
// nil. It reports false to fall back to im2col + GEMM.
func (l *lowerer) directConv(n *ir.Node, aw *asm.Window, transpose bool, src *deferredSource) (bool, error) {
	x, w, y := n.Inputs[0], n.Inputs[1], n.Outputs[0]
	if !w.IsConst() || len(aw.In) > 2 {
		return false, nil
	}
	bias, _ := constF32(n.Input(2))
	xd, od := dims(x), dims(y)
	p := runtime.DirectConvParams{
		Transpose: transpose, Batch: xd[0], Group: int(n.Attrs.Int("group", 1)),
		CIn: xd[1], COut: od[1], Window: aw, W: w.Const.F32, Bias: bias, Act: activationOf(n),
	}
	b := runtime.DirectConvBuffers{Indices: -1, Out: -1, PoolOut: -1, PoolIndices: -1}
	var in *rawLayout
	if src != nil {
		p.Source, p.Factors, p.XDims = src.kind, src.factors, src.xdims
		in = src.raw
	} else {
		in = l.convs().raw[x]
	}
	if in != nil {
		p.XRowStride, p.XPlaneStride = in.row, in.plane
	}
	pool := l.fusablePool(n, od)
	p.Pool = pool != nil
	d, err := runtime.NewDirectConv(p)
	if err != nil && pool != nil {
		pool, p.Pool = nil, false
		d, err = runtime.NewDirectConv(p)
	}
	if err != nil {
		return false, nil
	}
	if src != nil {
		b.X, b.Indices = src.x, src.idx
	} else if b.X, err = l.in(x); err != nil {
		return false, err
	}
	if in != nil && src == nil {
		delete(l.convs().raw, x) // read once, by this step
	}
	workers := convWorkers(p.Batch)
	b.Workspace = l.workspace(n.Name+"/direct", workers*d.WorkspaceFloats())
	if pool != nil {
		l.countNaive(y) // a naive executor would store the full output
		l.convs().fused[pool] = true
		b.PoolOut = l.out(pool.Outputs[0])
		if v := pool.Output(1); v != nil {
			b.PoolIndices = l.out(v)
		}
	} else if plane, row, ok := d.RawOut(); ok && l.rawReader(y) {
		b.Out, b.RawOut = l.rawBuffer(y, plane), true
		l.convs().raw[y] = &rawLayout{plane: plane, row: row, n: od[0], c: od[1], h: prod(od[2 : len(od)-1]), w: od[len(od)-1]}
	} else {
		b.Out = l.out(y)
	}
	s, err := d.Step(n.Name, b, workers)
	if err != nil {
		return false, err
	}
	l.addStep(s)
	return true, nil
}

// fusablePool returns the MaxPool that may be computed by convolution n
// (output dims od): a 2×2, stride-2, unpadded, undilated, floor-mode pool
// (or one whose ceil mode changes nothing), with row-major indices if
// any, and the only reader of the convolution's output.
func (l *lowerer) fusablePool(n *ir.Node, od []int) *ir.Node {
	mp := l.soleConsumer(n.Outputs[0])
	if mp == nil || mp.Op != "MaxPool" || mp.Domain != "" || mp.Inputs[0] != n.Outputs[0] || !isF32(mp.Outputs[0]) {
		return nil
	}
	if mp.Output(1) != nil && mp.Attrs.Int("storage_order", 0) != 0 {
		return nil
	}
	sp := od[2:]
	win, err := ir.ConvWindow(mp, sp, toInts(mp.Attrs.Ints("kernel_shape", nil)))
	if err != nil {
		return nil
	}
	aw, ok := asmWindow(win, sp, mp.Attrs.Int("ceil_mode", 0) != 0)
	if !ok {
		return nil
	}
	for i := range sp {
		if aw.Kernel[i] != 2 || aw.Strides[i] != 2 || aw.PadBegin[i] != 0 || aw.PadEnd[i] != 0 || aw.Dilations[i] != 1 || aw.Out[i] != sp[i]/2 {
			return nil
		}
	}
	if !slices.Equal(dims(mp.Outputs[0])[2:], aw.Out) {
		return nil
	}
	return mp
}

// rawReader reports whether the only reader of v can take it in a raw
// output layout: a direct convolution or transposed convolution reading
// it as its input, or a Resize that will fold into such a convolution.
func (l *lowerer) rawReader(v *ir.Value) bool {
	c := l.soleConsumer(v)
	if c == nil || c.Inputs[0] != v {
		return false
	}
	if directConvCandidate(c) || directTransposeCandidate(c) {
		return true
	}
	if c.Op == "Resize" && c.Domain == "" {
		if _, ok := resizeFactors(c); ok {
			next := l.soleConsumer(c.Outputs[0])
			return next != nil && directConvCandidate(next) && next.Inputs[0] == c.Outputs[0]
		}
	}
	return false
}

// rawBuffer returns a new buffer for v in a raw layout of plane elements
// per channel.
func (l *lowerer) rawBuffer(v *ir.Value, plane int) int {
	d := dims(v)
	tmp := &ir.Value{Name: v.Name, DType: ir.Float32, Shape: ir.StaticShape(d[0], d[1], plane)}
	l.countNaive(v)
	b := l.newBuffer(tmp)
	delete(l.buf, tmp)
	l.buf[v] = b
	st := l.sts[l.store[b]]
	st.lastNode = l.lastUse[v]
	return b
}

// densify makes v, if it is in a raw layout, an NCHW tensor again with a
// copy step, for readers that need NCHW.
func (l *lowerer) densify(v *ir.Value) {
	c := l.convs()
	lay := c.raw[v]
	if lay == nil {
		return
	}
	delete(c.raw, v)
	from := l.buf[v]
	to := l.newBuffer(v)
	l.addStep(runtime.RawToNCHWStep(v.Name+"/nchw", from, to, lay.n*lay.c, lay.h, lay.w, lay.row, lay.plane))
}

// takeSource returns (and forgets) the deferred operator producing v, if
// any.
func (l *lowerer) takeSource(v *ir.Value) *deferredSource {
	c := l.convs()
	src := c.deferred[v]
	if src == nil {
		return nil
	}
	delete(c.deferred, v)
	return src
}

// deferSource records that v, the output of node op, is computed by the
// direct convolution that reads it, if that convolution is a candidate.
// It keeps the source buffers alive until the convolution.
func (l *lowerer) deferSource(op *ir.Node, src *deferredSource) bool {
	v := op.Outputs[0]
	conv := l.soleConsumer(v)
	if conv == nil || !directConvCandidate(conv) || conv.Inputs[0] != v {
		return false
	}
	c := l.convs()
	at := c.index[conv]
	for _, b := range []int{src.x, src.idx} {
		if b >= 0 {
			if s := l.store[b]; s >= 0 {
				l.sts[s].lastNode = max(l.sts[s].lastNode, at)
			}
		}
	}
	c.deferred[v] = src
	l.countNaive(v) // a naive executor would store it
	return true
}

func lowerConv(l *lowerer, n *ir.Node) (bool, error) {
	done, err := lowerConvAny(l, n)
	if !done && err == nil {
		l.densify(n.Inputs[0]) // for the reference kernel
	}
	return done, err
}

func lowerConvAny(l *lowerer, n *ir.Node) (bool, error) {
	bias, ok := constF32(n.Input(2))
	src := l.takeSource(n.Inputs[0])
	if src != nil {
		// Whatever happens below, the source is consumed here: as the
		// direct convolution's input, or emitted first.
		done, err := lowerConvWith(l, n, bias, ok, src)
		if done || err != nil {
			return done, err
		}
		if err := src.emit(); err != nil {
			return false, err
		}
	}
	return lowerConvWith(l, n, bias, ok, nil)
}

// lowerConvWith lowers Conv n, reading its input through src when not
// nil (then only the direct path applies).
func lowerConvWith(l *lowerer, n *ir.Node, bias []float32, biasOK bool, src *deferredSource) (bool, error) {
	x, w := n.Inputs[0], n.Inputs[1]
	if !biasOK || !isF32(x, w) {
		return false, nil
	}
	xd, wd, od := dims(x), dims(w), dims(n.Outputs[0])
	if len(xd) < 3 {
		return false, nil
	}
	win, err := ir.ConvWindow(n, xd[2:], wd[2:])
	if err != nil {
		return false, err
	}
	aw, ok := asmWindow(win, xd[2:], false)
	if !ok || !slices.Equal(aw.Out, od[2:]) {
		return false, nil
	}
	if directConvCandidate(n) {
		if done, err := l.directConv(n, aw, false, src); done || err != nil {
			return done, err
		}
	}
	if src != nil {
		return false, nil
	}
	l.densify(x)
	group := int(n.Attrs.Int("group", 1))
	p := runtime.ConvParams{Batch: xd[0], Group: group, CIn: xd[1], COut: od[1], Window: aw, Bias: bias, Act: activationOf(n), Col: -1}
	p.Pointwise = isPointwise(aw)
	if p.X, err = l.in(x); err != nil {
		return false, err
	}
	if p.W, err = l.in(w); err != nil {
		return false, err
	}
	if !p.Pointwise {
		ks := 1
		for _, k := range aw.Kernel {
			ks *= k
		}
		p.Col = l.workspace(n.Name+"/im2col", xd[1]/group*ks*prod(od[2:]))
	}
	p.Out = l.out(n.Outputs[0])
	s, err := runtime.ConvStep(n.Name, p)
	if err != nil {
		return false, err
	}
	l.addStep(s)
	return true, nil
}

func isPointwise(w *asm.Window) bool {
	for i := range w.Kernel {
		if w.Kernel[i] != 1 || w.Strides[i] != 1 || w.PadBegin[i] != 0 || w.PadEnd[i] != 0 {
			return false
		}
	}
	return true
}

func lowerConvTranspose(l *lowerer, n *ir.Node) (bool, error) {
	done, err := lowerConvTransposeAny(l, n)
	if !done && err == nil {
		l.densify(n.Inputs[0]) // for the reference kernel
	}
	return done, err
}

func lowerConvTransposeAny(l *lowerer, n *ir.Node) (bool, error) {
	x, w := n.Inputs[0], n.Inputs[1]
	bias, ok := constF32(n.Input(2))
	if !ok || !isF32(x, w) {
		return false, nil
	}
	xd, wd, od := dims(x), dims(w), dims(n.Outputs[0])
	if len(xd) < 3 {
		return false, nil
	}
	win, err := ir.ConvTransposeWindow(n, xd[2:], wd[2:])
	if err != nil {
		return false, err
	}
	// The forward convolution from the output plane must land exactly on
	// the input plane.
	aw, ok := asmWindow(win, od[2:], false)
	if !ok || !slices.Equal(aw.Out, xd[2:]) {
		return false, nil
	}
	if done, err := l.directConv(n, aw, true, nil); done || err != nil {
		return done, err
	}
	l.densify(x)
	group := int(n.Attrs.Int("group", 1))
	p := runtime.ConvTransposeParams{Batch: xd[0], Group: group, CIn: xd[1], COut: od[1], Window: aw, Bias: bias, Act: activationOf(n)}
	if p.X, err = l.in(x); err != nil {
		return false, err
	}
	if p.W, err = l.in(w); err != nil {
		return false, err
	}
	p.Col = l.workspace(n.Name+"/col", od[1]/group*prod(wd[2:])*prod(xd[2:]))
	p.Out = l.out(n.Outputs[0])
	s, err := runtime.ConvTransposeStep(n.Name, p)
	if err != nil {
		return false, err
	}
	l.addStep(s)
	return true, nil
}

func lowerMaxPool(l *lowerer, n *ir.Node) (bool, error) {
	if l.convs().fused[n] {
		return true, nil // computed by the convolution before it
	}
	x := n.Inputs[0]
	if !isF32(x) {
		return false, nil
	}
	xd, od := dims(x), dims(n.Outputs[0])
	if len(xd) < 3 {
		return false, nil
	}
	ceil := n.Attrs.Int("ceil_mode", 0) != 0
	win, err := ir.ConvWindow(n, xd[2:], toInts(n.Attrs.Ints("kernel_shape", nil)))
	if err != nil {
		return false, err
	}
	if !poolPadsOK(win) {
		return false, nil
	}
	aw, ok := asmWindow(win, xd[2:], ceil)
	if !ok || !slices.Equal(aw.Out, od[2:]) {
		return false, nil
	}
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	out := l.out(n.Outputs[0])
	idx := -1
	if v := n.Output(1); v != nil {
		idx = l.out(v)
	}
	l.addStep(runtime.MaxPoolStep(n.Name, aw, xd[0]*xd[1], xb, out, idx, n.Attrs.Int("storage_order", 0) == 1))
	return true, nil
}

func lowerMaxUnpool(l *lowerer, n *ir.Node) (bool, error) {
	x, idx := n.Inputs[0], n.Inputs[1]
	if !isF32(x) || idx.DType != ir.Int64 {
		return false, nil
	}
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	ib, err := l.in(idx)
	if err != nil {
		return false, err
	}
	// Indices address the tensor the pooling read: spatial size
	// (in-1)*stride + kernel - pads, which output_shape may enlarge.
	xd, od := dims(x), dims(n.Outputs[0])
	if len(xd) < 3 {
		return false, nil
	}
	kernel := n.Attrs.Ints("kernel_shape", nil)
	strides := n.Attrs.Ints("strides", nil)
	pads := n.Attrs.Ints("pads", nil)
	r := len(xd) - 2
	if len(kernel) != r {
		return false, nil
	}
	from := make([]int, r)
	for i := range from {
		s, pb, pe := int64(1), int64(0), int64(0)
		if len(strides) == r {
			s = strides[i]
		}
		if len(pads) == 2*r {
			pb, pe = pads[i], pads[i+r]
		}
		from[i] = int(int64(xd[i+2]-1)*s + kernel[i] - pb - pe)
		if from[i] > od[i+2] || from[i] < 1 {
			return false, nil
		}
	}
	emit := func() error {
		out := l.out(n.Outputs[0])
		l.addStep(runtime.MaxUnpoolStep(n.Name, xb, ib, out, from, od[2:]))
		return nil
	}
	// Indices a MaxPool made address its own planes; a convolution that
	// reads the unpooled tensor can scatter into its padded copy.
	if pool := l.convs().producers[idx]; pool != nil && pool.Op == "MaxPool" && pool.Domain == "" && pool.Output(1) == idx &&
		pool.Attrs.Int("storage_order", 0) == 0 && slices.Equal(from, od[2:]) && slices.Equal(dims(pool.Inputs[0]), od) {
		if l.deferSource(n, &deferredSource{kind: runtime.SourceUnpool, x: xb, idx: ib, xdims: xd[2:], emit: emit}) {
			return true, nil
		}
	}
	return true, emit()
}

// resizeFactors returns the integer upsampling factors of the spatial
// axes of Resize node n when it is a nearest-neighbour upsampling whose
// coordinate modes agree with repetition.
func resizeFactors(n *ir.Node) ([]int, bool) {
	x := n.Inputs[0]
	xd, od := dims(x), dims(n.Outputs[0])
	if !isF32(x) || len(xd) < 3 || n.Attrs.String("mode", "nearest") != "nearest" || xd[0] != od[0] || xd[1] != od[1] {
		return nil, false
	}
	coord := n.Attrs.String("coordinate_transformation_mode", "half_pixel")
	nearest := n.Attrs.String("nearest_mode", "round_prefer_floor")
	if !(coord == "asymmetric" && nearest == "floor") && !(coord == "half_pixel" && nearest == "round_prefer_floor") {
		return nil, false
	}
	factors := make([]int, len(xd)-2)
	for i := range factors {
		if xd[i+2] == 0 || od[i+2]%xd[i+2] != 0 {
			return nil, false
		}
		factors[i] = od[i+2] / xd[i+2]
	}
	// The scales must be exactly the integer factors (an output size from
	// "sizes" with a non-integer scale maps coordinates differently).
	if s := n.Input(2); s != nil && s.IsConst() && s.Const.Len() == len(xd) {
		for i, f := range factors {
			if s.Const.Float64At(i+2) != float64(f) {
				return nil, false
			}
		}
	}
	return factors, true
}

// lowerResize handles nearest-neighbour upsampling of the spatial axes by
// integer factors, where the coordinate modes agree with repetition.
func lowerResize(l *lowerer, n *ir.Node) (bool, error) {
	x := n.Inputs[0]
	factors, ok := resizeFactors(n)
	if !ok {
		l.densify(x) // for the reference kernel
		return false, nil
	}
	xd := dims(x)
	raw := l.convs().raw[x]
	xb, err := l.in(x)
	if err != nil {
		return false, err
	}
	emit := func() error {
		l.densify(x) // the upsampling kernel reads NCHW
		xb, err := l.in(x)
		if err != nil {
			return err
		}
		out := l.out(n.Outputs[0])
		l.addStep(runtime.UpsampleNearestStep(n.Name, xd[0]*xd[1], xd[2:], factors, xb, out))
		return nil
	}
	if len(factors) <= 2 && l.deferSource(n, &deferredSource{kind: runtime.SourceUpsample, x: xb, idx: -1, factors: factors, raw: raw, emit: emit}) {
		return true, nil
	}
	return true, emit()
}
