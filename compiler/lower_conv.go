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
// For a batch of several images, a run of such convolutions, each the
// only reader of the previous one's output (through a folded Resize or
// MaxUnpool or not), becomes one step, a runtime.ConvChain: every image
// goes through all of them before the next image starts, so the tensors
// between them exist only one image at a time in per-worker workspace (in
// the producing kernels' raw layout when the consumer can read it), and
// stay in cache. (A single image gains nothing from that, and separate
// steps let the arena reuse one workspace for every layer: every
// convolution is then a chain of one link.) Tensors that leave
// the chain (its outputs, MaxPool indices) are NCHW buffers. While a
// chain is open its last output has no buffer; a reader that cannot join
// the chain closes it first (flushChain), which gives that output an
// NCHW buffer. Other convolutions (3 or more spatial dims, weights
// computed at run time, 1×1 kernels, which are plain matrix products)
// keep the im2col + GEMM path.

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
	// open maps the last output of each open chain to the chain.
	open map[*ir.Value]*chainBuilder
}

// deferredSource is an element-moving operator folded into the
// convolution that reads its output.
type deferredSource struct {
	kind    runtime.ConvSource
	x       *ir.Value // its input
	idx     int       // buffer of its indices (SourceUnpool), or -1
	factors []int     // SourceUpsample
	xdims   []int     // SourceUnpool: spatial dims of the pooled input
	// emit adds the operator's own step after all, for a convolution
	// that cannot take it.
	emit func() error
}

// chainBuilder is an open chain: its links so far and the output of the
// last one, which the next link reads from workspace.
type chainBuilder struct {
	slots   []runtime.ConvChainSlot
	links   []runtime.ConvChainLink
	names   []string
	byBuf   map[int]int // frame buffer -> slot
	workers int
	// last is the last link's output that continues the chain: its
	// value, whether it is the pooled output, and its raw layout.
	last     *ir.Value
	pooled   bool
	raw      bool
	plane    int // raw: elements per channel
	row      int // raw: row pitch
	lastNode int // node index of the last link
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
		c.open = map[*ir.Value]*chainBuilder{}
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
	return directCandidate(n) && prod(dims(n.Inputs[1])[2:]) > 1
}

// directTransposeCandidate is directConvCandidate for ConvTranspose (any
// kernel size).
func directTransposeCandidate(n *ir.Node) bool {
	if n.Op != "ConvTranspose" && !(n.Domain == Domain && n.Op == "FusedConvTranspose") {
		return false
	}
	return directCandidate(n)
}

func directCandidate(n *ir.Node) bool {
	x, w := n.Inputs[0], n.Inputs[1]
	if !isF32(x, w) || !w.IsConst() || x.Shape.Rank() < 3 || x.Shape.Rank() > 4 {
		return false
	}
	if b := n.Input(2); b != nil && (!b.IsConst() || b.DType != ir.Float32) {
		return false
	}
	return true
}

// convWorkers is the number of images a direct convolution step may
// process at once: one per processor (GOMAXPROCS when the plan is
// built), at most one per image. Each needs its own workspace.
func convWorkers(batch int) int { return max(1, min(batch, goruntime.GOMAXPROCS(0))) }

// chainReader reports whether the only reader of v can continue a chain
// with it: a direct convolution or transposed convolution reading it as
// its input, or a Resize or MaxUnpool that will fold into a direct
// convolution.
func (l *lowerer) chainReader(v *ir.Value) bool {
	c := l.soleConsumer(v)
	if c == nil || c.Inputs[0] != v {
		return false
	}
	if directConvCandidate(c) || directTransposeCandidate(c) {
		return true
	}
	var ok bool
	switch {
	case c.Op == "Resize" && c.Domain == "":
		f, fok := resizeFactors(c)
		ok = fok && len(f) <= 2
	case c.Op == "MaxUnpool" && c.Domain == "":
		_, ok = l.unpoolFoldable(c)
	}
	if !ok {
		return false
	}
	next := l.soleConsumer(c.Outputs[0])
	return next != nil && directConvCandidate(next) && next.Inputs[0] == c.Outputs[0]
}

// slot returns the chain's slot for frame buffer b, adding it.
func (cb *chainBuilder) slot(l *lowerer, b int) int {
	if s, ok := cb.byBuf[b]; ok {
		return s
	}
	buf := &l.plan.Buffers[b]
	elems := 1 // per image: the batch is the first dim
	if len(buf.Shape) > 0 {
		elems = prod(buf.Shape[1:])
	}
	cb.slots = append(cb.slots, runtime.ConvChainSlot{Buffer: b, Elems: elems, Int64: buf.DType == ir.Int64})
	cb.byBuf[b] = len(cb.slots) - 1
	// The chain's step runs after later nodes are lowered: keep the
	// storage from being reused in place by them.
	if st := l.store[b]; st >= 0 {
		l.sts[st].lastNode = len(l.g.Nodes)
	}
	return len(cb.slots) - 1
}

// workSlot adds a workspace slot of elems elements per image.
func (cb *chainBuilder) workSlot(elems int, int64s bool) int {
	cb.slots = append(cb.slots, runtime.ConvChainSlot{Buffer: -1, Elems: elems, Int64: int64s})
	return len(cb.slots) - 1
}

// directConv lowers a convolution (transpose: a ConvTranspose) to the
// direct kernels when it can, reading its input through src when not
// nil, joining the open chain that produces its input if there is one.
// It reports false to fall back to im2col + GEMM (the open chain feeding
// it is then closed).
func (l *lowerer) directConv(n *ir.Node, aw *asm.Window, transpose bool, src *deferredSource) (bool, error) {
	x, w, y := n.Inputs[0], n.Inputs[1], n.Outputs[0]
	if !w.IsConst() || len(aw.In) > 2 {
		return false, nil
	}
	c := l.convs()
	bias, _ := constF32(n.Input(2))
	xd, od := dims(x), dims(y)
	p := runtime.DirectConvParams{
		Transpose: transpose, Batch: xd[0], Group: int(n.Attrs.Int("group", 1)),
		CIn: xd[1], COut: od[1], Window: aw, W: w.Const.F32, Bias: bias, Act: activationOf(n),
	}
	in := x // the value the convolution's input buffer (or slot) holds
	if src != nil {
		p.Source, p.Factors, p.XDims = src.kind, src.factors, src.xdims
		in = src.x
	}
	cb := c.open[in]
	if cb != nil && cb.raw {
		p.XRowStride, p.XPlaneStride = cb.row, cb.plane
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
	link := runtime.ConvChainLink{Conv: d, Indices: -1, Out: -1, PoolOut: -1, PoolIndices: -1}
	if cb != nil {
		delete(c.open, in)
		link.X = cb.lastSlot()
	} else {
		cb = &chainBuilder{byBuf: map[int]int{}}
		xb, err := l.in(in)
		if err != nil {
			return false, err
		}
		link.X = cb.slot(l, xb)
	}
	if src != nil && src.idx >= 0 {
		link.Indices = cb.slot(l, src.idx)
	}
	cb.names = append(cb.names, n.Name)
	cb.workers = max(cb.workers, convWorkers(p.Batch))
	cb.lastNode = c.index[n]
	// The output: kept in workspace when the chain can go on with it.
	flow := y
	if pool != nil {
		l.countNaive(y) // a naive executor would store the full output
		c.fused[pool] = true
		flow = pool.Outputs[0]
		if v := pool.Output(1); v != nil {
			link.PoolIndices = cb.slot(l, l.out(v))
		}
	}
	if p.Batch > 1 && l.chainReader(flow) { // see "For a batch" above
		l.countNaive(flow) // a naive executor would store it
		cb.last, cb.pooled, cb.raw = flow, pool != nil, false
		if pool != nil {
			link.PoolOut = cb.workSlot(d.PoolElems(), false)
		} else if plane, row, ok := d.RawOut(); ok && l.soleConsumer(flow).Op != "MaxUnpool" {
			// (A folded MaxUnpool reads its values dense.)
			link.Out, link.RawOut = cb.workSlot(d.OutElems(true), false), true
			cb.raw, cb.plane, cb.row = true, plane, row
		} else {
			link.Out = cb.workSlot(d.OutElems(false), false)
		}
		cb.links = append(cb.links, link)
		c.open[flow] = cb
		return true, nil
	}
	if pool != nil {
		link.PoolOut = cb.slot(l, l.out(flow))
	} else {
		link.Out = cb.slot(l, l.out(flow))
	}
	cb.links = append(cb.links, link)
	return true, l.emitChain(cb)
}

// lastSlot returns the slot of the chain's last output.
func (cb *chainBuilder) lastSlot() int {
	k := &cb.links[len(cb.links)-1]
	if cb.pooled {
		return k.PoolOut
	}
	return k.Out
}

// emitChain adds the chain's step.
func (l *lowerer) emitChain(cb *chainBuilder) error {
	ch, err := runtime.NewConvChain(cb.slots, cb.links)
	if err != nil {
		return err
	}
	name := cb.names[0]
	if len(cb.names) > 1 {
		name += " .. " + cb.names[len(cb.names)-1]
	}
	ws := l.workspace(name+"/direct", cb.workers*ch.WorkspaceFloats())
	l.addStep(ch.Step(name, ws, cb.workers))
	return nil
}

// flushChain closes the open chain whose last output is v, if any: v gets
// an NCHW buffer, written by the chain's step, added now.
func (l *lowerer) flushChain(v *ir.Value) error {
	c := l.convs()
	cb := c.open[v]
	if cb == nil {
		return nil
	}
	delete(c.open, v)
	k := &cb.links[len(cb.links)-1]
	b := cb.slot(l, l.out(v))
	if cb.pooled {
		k.PoolOut = b
	} else {
		k.Out, k.RawOut = b, false
	}
	return l.emitChain(cb)
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
// It keeps the source's buffers alive until the convolution.
func (l *lowerer) deferSource(op *ir.Node, src *deferredSource) bool {
	v := op.Outputs[0]
	conv := l.soleConsumer(v)
	if conv == nil || !directConvCandidate(conv) || conv.Inputs[0] != v {
		return false
	}
	c := l.convs()
	at := c.index[conv]
	keep := func(b int) {
		if b >= 0 {
			if s := l.store[b]; s >= 0 {
				l.sts[s].lastNode = max(l.sts[s].lastNode, at)
			}
		}
	}
	if b, ok := l.buf[src.x]; ok {
		keep(b)
	}
	keep(src.idx)
	c.deferred[v] = src
	l.countNaive(v) // a naive executor would store it
	return true
}

func lowerConv(l *lowerer, n *ir.Node) (bool, error) {
	done, err := lowerConvAny(l, n)
	if !done && err == nil {
		err = l.flushChain(n.Inputs[0]) // for the reference kernel
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
	if err := l.flushChain(x); err != nil {
		return false, err
	}
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
		err = l.flushChain(n.Inputs[0]) // for the reference kernel
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
	if err := l.flushChain(x); err != nil {
		return false, err
	}
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
	aw, planes, ok, err := poolWindow(n)
	if !ok || err != nil {
		return false, err
	}
	xb, err := l.in(n.Inputs[0])
	if err != nil {
		return false, err
	}
	out := l.out(n.Outputs[0])
	idx := -1
	if v := n.Output(1); v != nil {
		idx = l.out(v)
	}
	l.addStep(runtime.MaxPoolStep(n.Name, aw, planes, xb, out, idx, n.Attrs.Int("storage_order", 0) == 1))
	return true, nil
}

// poolWindow returns the kernel window of MaxPool or AveragePool n over
// its float32 input's spatial dims and the number of planes (N·C), with
// ok false when the asm pooling kernels cannot compute n.
func poolWindow(n *ir.Node) (aw *asm.Window, planes int, ok bool, err error) {
	x := n.Inputs[0]
	if !isF32(x) {
		return nil, 0, false, nil
	}
	xd, od := dims(x), dims(n.Outputs[0])
	if len(xd) < 3 {
		return nil, 0, false, nil
	}
	ceil := n.Attrs.Int("ceil_mode", 0) != 0
	win, err := ir.ConvWindow(n, xd[2:], toInts(n.Attrs.Ints("kernel_shape", nil)))
	if err != nil {
		return nil, 0, false, err
	}
	if !poolPadsOK(win) {
		return nil, 0, false, nil
	}
	aw, ok = asmWindow(win, xd[2:], ceil)
	if !ok || !slices.Equal(aw.Out, od[2:]) {
		return nil, 0, false, nil
	}
	return aw, xd[0] * xd[1], true, nil
}

// unpoolFoldable reports whether MaxUnpool n can be folded into the
// convolution reading it: its indices come from a MaxPool (row-major) of
// a tensor of its output's shape, so that they address their own planes.
// It returns the spatial dims the indices address.
func (l *lowerer) unpoolFoldable(n *ir.Node) ([]int, bool) {
	from, ok := unpoolFrom(n)
	if !ok {
		return nil, false
	}
	idx := n.Inputs[1]
	od := dims(n.Outputs[0])
	pool := l.convs().producers[idx]
	return from, pool != nil && pool.Op == "MaxPool" && pool.Domain == "" && pool.Output(1) == idx &&
		pool.Attrs.Int("storage_order", 0) == 0 && slices.Equal(from, od[2:]) && slices.Equal(dims(pool.Inputs[0]), od) &&
		isF32(n.Inputs[0]) && idx.DType == ir.Int64 && len(od) <= 4
}

// unpoolFrom returns the spatial dims MaxUnpool n's indices address: the
// tensor the pooling read, of size (in-1)*stride + kernel - pads, which
// output_shape may enlarge.
func unpoolFrom(n *ir.Node) ([]int, bool) {
	xd, od := dims(n.Inputs[0]), dims(n.Outputs[0])
	if len(xd) < 3 {
		return nil, false
	}
	kernel := n.Attrs.Ints("kernel_shape", nil)
	strides := n.Attrs.Ints("strides", nil)
	pads := n.Attrs.Ints("pads", nil)
	r := len(xd) - 2
	if len(kernel) != r {
		return nil, false
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
			return nil, false
		}
	}
	return from, true
}

func lowerMaxUnpool(l *lowerer, n *ir.Node) (bool, error) {
	x, idx := n.Inputs[0], n.Inputs[1]
	if !isF32(x) || idx.DType != ir.Int64 {
		return false, l.flushChain(x)
	}
	from, ok := unpoolFrom(n)
	if !ok {
		return false, l.flushChain(x)
	}
	ib, err := l.in(idx)
	if err != nil {
		return false, err
	}
	xd, od := dims(x), dims(n.Outputs[0])
	emit := func() error {
		if err := l.flushChain(x); err != nil {
			return err
		}
		xb, err := l.in(x)
		if err != nil {
			return err
		}
		out := l.out(n.Outputs[0])
		l.addStep(runtime.MaxUnpoolStep(n.Name, xb, ib, out, from, od[2:]))
		return nil
	}
	// Indices a MaxPool made address its own planes; a convolution that
	// reads the unpooled tensor can scatter into its padded copy.
	if _, ok := l.unpoolFoldable(n); ok {
		if l.deferSource(n, &deferredSource{kind: runtime.SourceUnpool, x: x, idx: ib, xdims: xd[2:], emit: emit}) {
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
		return false, l.flushChain(x) // for the reference kernel
	}
	xd := dims(x)
	emit := func() error {
		if err := l.flushChain(x); err != nil {
			return err
		}
		xb, err := l.in(x)
		if err != nil {
			return err
		}
		out := l.out(n.Outputs[0])
		l.addStep(runtime.UpsampleNearestStep(n.Name, xd[0]*xd[1], xd[2:], factors, xb, out))
		return nil
	}
	if len(factors) <= 2 && l.deferSource(n, &deferredSource{kind: runtime.SourceUpsample, x: x, idx: -1, factors: factors, emit: emit}) {
		return true, nil
	}
	return true, emit()
}
