package compiler_test

// A generator of random, valid graphs over the operator set the compiler
// lowers to dedicated kernels (and some it does not), for the differential
// tests in random_diff_test.go. Every graph has a symbolic batch dimension
// "N" first on every input and keeps the batch first on every value it
// builds, so one graph runs at any batch size.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/latent-go/latent/ir"
)

// gval is a float32 value the generator can build on: dims[0] is the batch
// (-1); the other dims are known.
type gval struct {
	v    *ir.Value
	dims []int
}

func (x gval) rank() int { return len(x.dims) }

// perSample returns the number of elements per batch entry.
func (x gval) perSample() int { return prodInts(x.dims[1:]) }

func prodInts(d []int) int {
	p := 1
	for _, v := range d {
		p *= v
	}
	return p
}

// padsAsKernelChance is the chance that a pooling window's end padding
// equals its dilated kernel, so that a window may see only padding: ONNX
// does not forbid it, ONNX Runtime rejects it ("Pad should be smaller than
// kernel"). Zero while the compiled path fails such plans at run time (see
// TestPoolPadsAsLargeAsKernel).
var padsAsKernelChance = 0.0

// maxPerSample bounds the elements per batch entry of every value the
// generator builds, to keep the reference evaluator fast.
const maxPerSample = 3000

// graphGen builds one random graph.
type graphGen struct {
	rng  *rand.Rand
	g    *ir.Graph
	vals []gval
	seq  int
	// rejected counts ops whose node failed shape inference (the
	// generator then tries another op); reported by the tests so that a
	// generator drifting into invalid graphs is noticed.
	rejected map[string]int
	// mismatch records the first disagreement between the generator's
	// own output dims and ir's shape inference (a generator or ir bug).
	mismatch error
	// rawInputs are the graph inputs: MaxPool indices are exposed as graph
	// outputs only for pools reading them directly (random normal data,
	// so no ties that two correct implementations could break
	// differently).
	rawInputs map[*ir.Value]bool
	// tieProne marks values that may hold mathematically equal elements
	// next to each other that the compiled path and the reference round
	// differently (Resize duplicates and clamps elements; anything computed
	// from such a value inherits the mark). MaxPool Indices feeding
	// MaxUnpool are generated only on values without the mark: a near tie
	// broken the other way moves an element, which no tolerance covers.
	tieProne map[*ir.Value]bool
}

func newGraphGen(rng *rand.Rand) *graphGen {
	return &graphGen{rng: rng, g: &ir.Graph{Name: "random"}, rejected: map[string]int{}, rawInputs: map[*ir.Value]bool{}, tieProne: map[*ir.Value]bool{}}
}

func (gg *graphGen) name(prefix string) string {
	gg.seq++
	return fmt.Sprintf("%s%d", prefix, gg.seq)
}

func symShape(dims []int) ir.Shape {
	s := make(ir.Shape, len(dims))
	for i, d := range dims {
		if d < 0 {
			s[i] = ir.Sym("N")
		} else {
			s[i] = ir.D(d)
		}
	}
	return s
}

func (gg *graphGen) chance(p float64) bool { return gg.rng.Float64() < p }

func (gg *graphGen) oneOf(xs ...int) int { return xs[gg.rng.IntN(len(xs))] }

func (gg *graphGen) uniform(lo, hi float64) float32 {
	return float32(lo + (hi-lo)*gg.rng.Float64())
}

// constF returns a float32 constant of the given shape filled by f.
func (gg *graphGen) constF(dims []int, f func() float32) *ir.Value {
	data := make([]float32, prodInts(dims))
	for i := range data {
		data[i] = f()
	}
	t := ir.Float32Tensor(dims, data)
	return &ir.Value{Name: gg.name("c"), DType: ir.Float32, Shape: ir.StaticShape(dims...), Const: t}
}

// randn returns a constant of normal values with standard deviation sd.
func (gg *graphGen) randn(dims []int, sd float64) *ir.Value {
	return gg.constF(dims, func() float32 { return float32(gg.rng.NormFloat64() * sd) })
}

// constI returns an int64 constant; shape nil gives a 1-D tensor.
func (gg *graphGen) constI(shape []int, data ...int64) *ir.Value {
	if shape == nil {
		shape = []int{len(data)}
	}
	t := ir.Int64Tensor(shape, data)
	return &ir.Value{Name: gg.name("k"), DType: ir.Int64, Shape: ir.StaticShape(shape...), Const: t}
}

// node adds a node with nout outputs and runs its shape inference. On an
// inference error the node is not added, the op is counted as rejected,
// and node returns nil.
func (gg *graphGen) node(op string, attrs ir.Attrs, ins []*ir.Value, nout int) []*ir.Value {
	n := &ir.Node{Name: gg.name("n"), Op: op, Inputs: ins, Attrs: attrs}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, &ir.Value{Name: gg.name("v")})
	}
	if err := ir.InferNode(n); err != nil {
		gg.rejected[op]++
		return nil
	}
	gg.g.Nodes = append(gg.g.Nodes, n)
	ties := op == "Resize"
	for _, v := range ins {
		ties = ties || gg.tieProne[v]
	}
	if ties {
		for _, v := range n.Outputs {
			gg.tieProne[v] = true
		}
	}
	return n.Outputs
}

// result registers float value v with the generator's dims for it,
// checking them against ir's inference where that knows them.
func (gg *graphGen) result(v *ir.Value, dims []int) gval {
	if gg.mismatch == nil && v.Shape != nil {
		if len(v.Shape) != len(dims) {
			gg.mismatch = fmt.Errorf("value %s: generator dims %v, inferred %v", v.Name, dims, v.Shape)
		} else {
			for i, d := range v.Shape {
				if i > 0 && d.Known() && d.Size != dims[i] {
					gg.mismatch = fmt.Errorf("value %s: generator dims %v, inferred %v", v.Name, dims, v.Shape)
				}
			}
		}
	}
	x := gval{v: v, dims: slices.Clone(dims)}
	x.dims[0] = -1
	gg.vals = append(gg.vals, x)
	return x
}

// pick returns an operand: usually the latest value, sometimes an older one.
func (gg *graphGen) pick() gval {
	if gg.chance(0.65) {
		return gg.vals[len(gg.vals)-1]
	}
	return gg.vals[gg.rng.IntN(len(gg.vals))]
}

// sameDims returns a random pooled value with dims d (possibly x itself).
func (gg *graphGen) sameDims(d []int) (gval, bool) {
	var c []gval
	for _, v := range gg.vals {
		if slices.Equal(v.dims, d) {
			c = append(c, v)
		}
	}
	if len(c) == 0 {
		return gval{}, false
	}
	return c[gg.rng.IntN(len(c))], true
}

// divisors returns the divisors of n.
func divisors(n int) []int {
	var d []int
	for i := 1; i <= n; i++ {
		if n%i == 0 {
			d = append(d, i)
		}
	}
	return d
}

func ints64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// --- building blocks -------------------------------------------------------

// activation applies a random activation to x.
func (gg *graphGen) activation(x gval) (gval, bool) {
	var out []*ir.Value
	switch gg.rng.IntN(7) {
	case 0, 1:
		out = gg.node("Relu", nil, []*ir.Value{x.v}, 1)
	case 2:
		a := ir.Attrs{}
		if gg.chance(0.7) {
			a["alpha"] = ir.FloatAttr(gg.uniform(0.01, 0.3))
		}
		out = gg.node("LeakyRelu", a, []*ir.Value{x.v}, 1)
	case 3:
		out = gg.node("Sigmoid", nil, []*ir.Value{x.v}, 1)
	case 4:
		out = gg.node("Tanh", nil, []*ir.Value{x.v}, 1)
	case 5:
		lo := gg.constF([]int{}, func() float32 { return gg.uniform(-1, 0) })
		hi := gg.constF([]int{}, func() float32 { return gg.uniform(0, 1.5) })
		var ins []*ir.Value
		switch gg.rng.IntN(4) {
		case 0:
			ins = []*ir.Value{x.v, lo, hi}
		case 1:
			ins = []*ir.Value{x.v, lo}
		case 2:
			ins = []*ir.Value{x.v, nil, hi}
		default:
			ins = []*ir.Value{x.v}
		}
		out = gg.node("Clip", nil, ins, 1)
	case 6:
		a := ir.Attrs{}
		if gg.chance(0.5) {
			a["alpha"] = ir.FloatAttr(gg.uniform(0.1, 0.5))
			a["beta"] = ir.FloatAttr(gg.uniform(0.3, 0.7))
		}
		out = gg.node("HardSigmoid", a, []*ir.Value{x.v}, 1)
	}
	if out == nil {
		return x, false
	}
	return gg.result(out[0], x.dims), true
}

// batchNorm applies inference BatchNormalization with random statistics
// (axis 1 is the channel axis).
func (gg *graphGen) batchNorm(x gval) (gval, bool) {
	c := x.dims[1]
	scale := gg.constF([]int{c}, func() float32 { return gg.uniform(0.5, 1.5) })
	bias := gg.randn([]int{c}, 0.3)
	mean := gg.randn([]int{c}, 0.3)
	vr := gg.constF([]int{c}, func() float32 { return gg.uniform(0.3, 2) })
	a := ir.Attrs{}
	if gg.chance(0.3) {
		a["epsilon"] = ir.FloatAttr(1e-3)
	}
	out := gg.node("BatchNormalization", a, []*ir.Value{x.v, scale, bias, mean, vr}, 1)
	if out == nil {
		return x, false
	}
	return gg.result(out[0], x.dims), true
}

// convLike draws the attributes shared by Conv and the pools.
func (gg *graphGen) windowAttrs(a ir.Attrs, kernel []int, allowAutoPad, allowDilation bool) {
	r := len(kernel)
	strides := make([]int64, r)
	dil := make([]int64, r)
	pads := make([]int64, 2*r)
	useDil := allowDilation && gg.chance(0.2)
	for i := range kernel {
		strides[i] = int64(gg.oneOf(1, 1, 2, 2, 3))
		dil[i] = 1
		if useDil {
			dil[i] = int64(gg.oneOf(1, 2))
		}
		eff := (kernel[i]-1)*int(dil[i]) + 1
		if gg.chance(0.6) {
			pads[i] = int64(gg.rng.IntN(eff))
			pads[i+r] = int64(gg.rng.IntN(eff))
			if gg.chance(padsAsKernelChance) {
				pads[i+r] = int64(eff) // a last window may see only padding
			}
		}
	}
	if gg.chance(0.8) {
		a["strides"] = ir.IntsAttr(strides...)
	}
	if useDil {
		a["dilations"] = ir.IntsAttr(dil...)
	}
	if allowAutoPad && gg.chance(0.15) {
		a["auto_pad"] = ir.StringAttr([]string{"SAME_UPPER", "SAME_LOWER", "VALID"}[gg.rng.IntN(3)])
	} else if slices.ContainsFunc(pads, func(p int64) bool { return p != 0 }) || gg.chance(0.3) {
		a["pads"] = ir.IntsAttr(pads...)
	}
}

// conv applies a random Conv, possibly followed by BatchNormalization, a
// per-channel Add and an activation (the patterns fusion looks for).
func (gg *graphGen) conv(x gval) (gval, bool) {
	c, sp := x.dims[1], x.dims[2:]
	r := len(sp)
	divs := divisors(c)
	group := 1
	switch {
	case gg.chance(0.2):
		group = c
	case gg.chance(0.25):
		group = divs[gg.rng.IntN(len(divs))]
	}
	coutPerGroup := 1 + gg.rng.IntN(max(1, 8/group))
	if group == 1 && gg.chance(0.08) {
		// wide: the next convolution's GEMM has K = C·kernel > 256, more
		// than one packed panel of the blocked driver
		coutPerGroup = 16 + gg.rng.IntN(33)
	}
	cout := group * coutPerGroup
	kernel := make([]int, r)
	for i := range kernel {
		kernel[i] = gg.oneOf(1, 2, 3, 3)
	}
	if gg.chance(0.15) { // pointwise
		for i := range kernel {
			kernel[i] = 1
		}
	}
	a := ir.Attrs{}
	if gg.chance(0.5) {
		a["kernel_shape"] = ir.IntsAttr(ints64(kernel)...)
	}
	if group > 1 || gg.chance(0.1) {
		a["group"] = ir.IntAttr(int64(group))
	}
	gg.windowAttrs(a, kernel, true, true)
	if gg.chance(0.15) {
		delete(a, "strides")
		delete(a, "pads")
		delete(a, "auto_pad")
	}
	cinG := c / group
	w := gg.randn(append([]int{cout, cinG}, kernel...), 1/math.Sqrt(float64(cinG*prodInts(kernel))))
	ins := []*ir.Value{x.v, w}
	hasBias := gg.chance(0.6)
	if hasBias {
		ins = append(ins, gg.randn([]int{cout}, 0.5))
	}
	probe := &ir.Node{Op: "Conv", Attrs: a}
	win, err := ir.ConvWindow(probe, sp, kernel)
	if err != nil || slices.Min(win.Out) < 1 {
		gg.rejected["Conv(geometry)"]++
		return x, false
	}
	dims := append([]int{-1, cout}, win.Out...)
	if prodInts(dims[1:]) > maxPerSample {
		return x, false
	}
	out := gg.node("Conv", a, ins, 1)
	if out == nil {
		return x, false
	}
	y := gg.result(out[0], dims)
	if !hasBias && gg.chance(0.3) {
		bshape := append([]int{cout}, make([]int, r)...)
		for i := 1; i < len(bshape); i++ {
			bshape[i] = 1
		}
		if gg.chance(0.5) {
			bshape = append([]int{1}, bshape...)
		}
		b := gg.randn(bshape, 0.5)
		ops := []*ir.Value{y.v, b}
		if gg.chance(0.3) {
			ops[0], ops[1] = b, y.v
		}
		if o := gg.node("Add", nil, ops, 1); o != nil {
			y = gg.result(o[0], dims)
		}
	}
	if gg.chance(0.3) {
		y, _ = gg.batchNorm(y)
	}
	if gg.chance(0.6) {
		y, _ = gg.activation(y)
	}
	return y, true
}

// convTranspose applies a random ConvTranspose, possibly followed by
// BatchNormalization and an activation.
func (gg *graphGen) convTranspose(x gval) (gval, bool) {
	c, sp := x.dims[1], x.dims[2:]
	r := len(sp)
	divs := divisors(c)
	group := 1
	switch {
	case gg.chance(0.15):
		group = c
	case gg.chance(0.25):
		group = divs[gg.rng.IntN(len(divs))]
	}
	coutPerGroup := 1 + gg.rng.IntN(max(1, 6/group))
	kernel := make([]int, r)
	strides := make([]int64, r)
	dil := make([]int64, r)
	opad := make([]int64, r)
	pads := make([]int64, 2*r)
	useDil := gg.chance(0.15)
	useOpad := gg.chance(0.3)
	for i := range kernel {
		kernel[i] = gg.oneOf(1, 2, 2, 3, 3, 4)
		strides[i] = int64(gg.oneOf(1, 2, 2, 3))
		dil[i] = 1
		if useDil {
			dil[i] = int64(gg.oneOf(1, 2))
		}
		if useOpad {
			opad[i] = int64(gg.rng.IntN(int(max(strides[i], dil[i]))))
		}
		if gg.chance(0.5) {
			pads[i] = int64(gg.rng.IntN(3))
			pads[i+r] = int64(gg.rng.IntN(3))
		}
	}
	a := ir.Attrs{"strides": ir.IntsAttr(strides...)}
	if gg.chance(0.5) {
		a["kernel_shape"] = ir.IntsAttr(ints64(kernel)...)
	}
	if group > 1 || gg.chance(0.1) {
		a["group"] = ir.IntAttr(int64(group))
	}
	if useDil {
		a["dilations"] = ir.IntsAttr(dil...)
	}
	if useOpad {
		a["output_padding"] = ir.IntsAttr(opad...)
	}
	switch {
	case gg.chance(0.1):
		a["auto_pad"] = ir.StringAttr([]string{"SAME_UPPER", "SAME_LOWER"}[gg.rng.IntN(2)])
	case gg.chance(0.1):
		// output_shape: the full size minus a small total padding.
		os := make([]int64, r)
		for i := range os {
			full := int(strides[i])*(sp[i]-1) + int(opad[i]) + (kernel[i]-1)*int(dil[i]) + 1
			os[i] = int64(max(1, full-gg.rng.IntN(4)+1)) // full+1: negative total padding
		}
		a["output_shape"] = ir.IntsAttr(os...)
	default:
		a["pads"] = ir.IntsAttr(pads...)
	}
	cinG := c / group
	w := gg.randn(append([]int{c, coutPerGroup}, kernel...), 1/math.Sqrt(float64(cinG*prodInts(kernel))))
	ins := []*ir.Value{x.v, w}
	if gg.chance(0.5) {
		ins = append(ins, gg.randn([]int{group * coutPerGroup}, 0.5))
	}
	probe := &ir.Node{Op: "ConvTranspose", Attrs: a}
	win, err := ir.ConvTransposeWindow(probe, sp, kernel)
	if err != nil || slices.Min(win.Out) < 1 {
		gg.rejected["ConvTranspose(geometry)"]++
		return x, false
	}
	dims := append([]int{-1, group * coutPerGroup}, win.Out...)
	if prodInts(dims[1:]) > maxPerSample {
		return x, false
	}
	out := gg.node("ConvTranspose", a, ins, 1)
	if out == nil {
		return x, false
	}
	y := gg.result(out[0], dims)
	if gg.chance(0.3) {
		y, _ = gg.batchNorm(y)
	}
	if gg.chance(0.5) {
		y, _ = gg.activation(y)
	}
	return y, true
}

// pool applies MaxPool (with or without Indices, possibly followed by
// MaxUnpool) or AveragePool.
func (gg *graphGen) pool(x gval) (gval, bool) {
	sp := x.dims[2:]
	r := len(sp)
	kernel := make([]int, r)
	for i := range kernel {
		kernel[i] = gg.oneOf(1, 2, 2, 2, 3)
	}
	isMax := gg.chance(0.6)
	op := "AveragePool"
	if isMax {
		op = "MaxPool"
	}
	a := ir.Attrs{"kernel_shape": ir.IntsAttr(ints64(kernel)...)}
	gg.windowAttrs(a, kernel, true, isMax)
	if gg.chance(0.25) {
		a["ceil_mode"] = ir.IntAttr(1)
	}
	if !isMax && gg.chance(0.5) {
		a["count_include_pad"] = ir.IntAttr(1)
	}
	withIdx := isMax && !gg.tieProne[x.v] && gg.chance(0.4)
	if withIdx && r == 2 && gg.chance(0.1) {
		a["storage_order"] = ir.IntAttr(1)
	}
	probe := &ir.Node{Op: op, Attrs: a}
	win, err := ir.ConvWindow(probe, sp, kernel)
	if err != nil || slices.Min(win.Out) < 1 {
		gg.rejected[op+"(geometry)"]++
		return x, false
	}
	dims := append([]int{-1, x.dims[1]}, win.Out...)
	nout := 1
	if withIdx {
		nout = 2
	}
	out := gg.node(op, a, []*ir.Value{x.v}, nout)
	if out == nil {
		return x, false
	}
	y := gg.result(out[0], dims)
	if !withIdx {
		return y, true
	}
	if gg.rawInputs[x.v] && gg.chance(0.5) {
		gg.g.Outputs = append(gg.g.Outputs, out[1])
	}
	// MaxUnpool reads indices of a pooling without dilation, storage order
	// or ceil mode, whose windows it inverts.
	if a.Has("dilations") || a.Has("storage_order") || a.Has("ceil_mode") || a.Has("auto_pad") || !gg.chance(0.7) {
		return y, true
	}
	ua := ir.Attrs{"kernel_shape": a["kernel_shape"]}
	if s, ok := a["strides"]; ok {
		ua["strides"] = s
	}
	if p, ok := a["pads"]; ok {
		ua["pads"] = p
	}
	ins := []*ir.Value{y.v, out[1]}
	udims, err := ir.MaxUnpoolShape(&ir.Node{Op: "MaxUnpool", Attrs: ua}, append([]int{1, x.dims[1]}, win.Out...))
	if err != nil {
		return y, true
	}
	udims[0] = -1
	if !slices.Equal(udims, x.dims) {
		// The pooling skipped trailing elements: indices address the
		// pooled tensor's layout, which the unpooled shape does not have
		// (ONNX semantics; the reference rejects out-of-range indices).
		return y, true
	}
	if gg.chance(0.5) {
		// output_shape from the pooled tensor's shape, as PyTorch exports
		// MaxUnpool2d(output_size=x.size()): not constant until the batch
		// is known.
		if sh := gg.node("Shape", nil, []*ir.Value{x.v}, 1); sh != nil {
			ins = append(ins, sh[0])
			udims = x.dims
		}
	}
	if prodInts(udims[1:]) > maxPerSample {
		return y, true
	}
	u := gg.node("MaxUnpool", ua, ins, 1)
	if u == nil {
		return y, true
	}
	return gg.result(u[0], udims), true
}

// poolUnpool is the SegNet-style pair conv_ae_unpool exports: MaxPool
// with Indices, a shape-preserving op on the pooled values, and MaxUnpool
// by the same window back to the input's size.
func (gg *graphGen) poolUnpool(x gval) (gval, bool) {
	if gg.tieProne[x.v] {
		return x, false
	}
	sp := x.dims[2:]
	r := len(sp)
	kernel := make([]int, r)
	strides := make([]int64, r)
	for i := range kernel {
		kernel[i] = gg.oneOf(2, 2, 3)
		strides[i] = int64(kernel[i])
		if gg.chance(0.2) {
			strides[i] = 1
		}
		if sp[i] < kernel[i] || (sp[i]-kernel[i])%int(strides[i]) != 0 {
			return x, false
		}
	}
	a := ir.Attrs{"kernel_shape": ir.IntsAttr(ints64(kernel)...), "strides": ir.IntsAttr(strides...)}
	out := gg.node("MaxPool", a, []*ir.Value{x.v}, 2)
	if out == nil {
		return x, false
	}
	pooled := make([]int, r)
	for i := range pooled {
		pooled[i] = (sp[i]-kernel[i])/int(strides[i]) + 1
	}
	y := gg.result(out[0], append([]int{-1, x.dims[1]}, pooled...))
	switch gg.rng.IntN(3) {
	case 0:
		y, _ = gg.activation(y)
	case 1:
		y, _ = gg.batchNorm(y)
	}
	ins := []*ir.Value{y.v, out[1]}
	if gg.chance(0.3) {
		if sh := gg.node("Shape", nil, []*ir.Value{x.v}, 1); sh != nil {
			ins = append(ins, sh[0])
		}
	}
	u := gg.node("MaxUnpool", a.Clone(), ins, 1)
	if u == nil {
		return y, true
	}
	return gg.result(u[0], x.dims), true
}

// globalPool applies GlobalAveragePool or GlobalMaxPool.
func (gg *graphGen) globalPool(x gval) (gval, bool) {
	op := "GlobalAveragePool"
	if gg.chance(0.4) {
		op = "GlobalMaxPool"
	}
	out := gg.node(op, nil, []*ir.Value{x.v}, 1)
	if out == nil {
		return x, false
	}
	dims := slices.Clone(x.dims)
	for i := 2; i < len(dims); i++ {
		dims[i] = 1
	}
	return gg.result(out[0], dims), true
}

// resize applies Resize, nearest or linear, by scales or (through a
// Shape/Slice/Concat chain, as PyTorch exports Upsample(size=...)) sizes.
func (gg *graphGen) resize(x gval) (gval, bool) {
	sp := x.dims[2:]
	r := len(sp)
	a := ir.Attrs{}
	nearest := gg.chance(0.6)
	scales := make([]float32, r)
	for i := range scales {
		if nearest {
			scales[i] = float32(gg.oneOf(1, 2, 2, 3))
			if gg.chance(0.1) {
				scales[i] = []float32{0.5, 1.5}[gg.rng.IntN(2)]
			}
		} else {
			scales[i] = []float32{2, 2, 3, 1.5, 0.5}[gg.rng.IntN(5)]
		}
	}
	if nearest {
		switch gg.rng.IntN(10) {
		case 0, 1, 2, 3: // PyTorch's nn.Upsample(mode="nearest")
			a["coordinate_transformation_mode"] = ir.StringAttr("asymmetric")
			a["nearest_mode"] = ir.StringAttr("floor")
			a["mode"] = ir.StringAttr("nearest")
		case 4, 5, 6: // ONNX defaults
		default:
			a["coordinate_transformation_mode"] = ir.StringAttr([]string{"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"}[gg.rng.IntN(4)])
			a["nearest_mode"] = ir.StringAttr([]string{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}[gg.rng.IntN(4)])
		}
	} else {
		a["mode"] = ir.StringAttr("linear")
		a["coordinate_transformation_mode"] = ir.StringAttr([]string{"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"}[gg.rng.IntN(4)])
	}
	dims := slices.Clone(x.dims)
	for i := range sp {
		dims[i+2] = int(math.Floor(float64(sp[i]) * float64(scales[i])))
		if dims[i+2] < 1 {
			return x, false
		}
	}
	if prodInts(dims[1:]) > maxPerSample {
		return x, false
	}
	var ins []*ir.Value
	emptyRoi := &ir.Value{Name: gg.name("roi"), DType: ir.Float32, Shape: ir.StaticShape(0), Const: ir.Float32Tensor([]int{0}, []float32{})}
	if gg.chance(0.6) {
		sc := append([]float32{1, 1}, scales...)
		scv := &ir.Value{Name: gg.name("scales"), DType: ir.Float32, Shape: ir.StaticShape(len(sc)), Const: ir.Float32Tensor([]int{len(sc)}, sc)}
		if gg.chance(0.5) {
			ins = []*ir.Value{x.v, emptyRoi, scv}
		} else {
			ins = []*ir.Value{x.v, nil, scv}
		}
	} else {
		sh := gg.node("Shape", nil, []*ir.Value{x.v}, 1)
		if sh == nil {
			return x, false
		}
		nc := gg.node("Slice", nil, []*ir.Value{sh[0], gg.constI(nil, 0), gg.constI(nil, 2)}, 1)
		if nc == nil {
			return x, false
		}
		sizes := gg.node("Concat", ir.Attrs{"axis": ir.IntAttr(0)}, []*ir.Value{nc[0], gg.constI(nil, ints64(dims[2:])...)}, 1)
		if sizes == nil {
			return x, false
		}
		emptyScales := &ir.Value{Name: gg.name("scales"), DType: ir.Float32, Shape: ir.StaticShape(0), Const: ir.Float32Tensor([]int{0}, []float32{})}
		if gg.chance(0.5) {
			ins = []*ir.Value{x.v, emptyRoi, emptyScales, sizes[0]}
		} else {
			ins = []*ir.Value{x.v, nil, nil, sizes[0]}
		}
	}
	out := gg.node("Resize", a, ins, 1)
	if out == nil {
		return x, false
	}
	return gg.result(out[0], dims), true
}

// binary applies Add, Sub, Mul or Div with one of the broadcasting
// patterns: same shape (another computed value), scalar, row vector,
// per-channel, spatial, or a batch-dependent [N,C,1,1] value.
func (gg *graphGen) binary(x gval) (gval, bool) {
	op := []string{"Add", "Sub", "Mul", "Div"}[gg.rng.IntN(4)]
	r := x.rank()
	ones := func(n int) []int {
		d := make([]int, n)
		for i := range d {
			d[i] = 1
		}
		return d
	}
	// constant operands; divisors stay away from zero
	cval := func() float32 {
		if op == "Div" {
			v := gg.uniform(0.5, 2)
			if gg.chance(0.5) {
				v = -v
			}
			return v
		}
		return float32(gg.rng.NormFloat64())
	}
	var y *ir.Value
	swap := gg.chance(0.2)
	switch k := gg.rng.IntN(6); {
	case k == 0: // same shape, computed
		o, ok := gg.sameDims(x.dims)
		if !ok {
			return x, false
		}
		y = o.v
		if op == "Div" {
			// keep the divisor in [0.5, 1.5]
			s := gg.node("Sigmoid", nil, []*ir.Value{y}, 1)
			if s == nil {
				return x, false
			}
			h := gg.node("Add", nil, []*ir.Value{s[0], gg.constF([]int{}, func() float32 { return 0.5 })}, 1)
			if h == nil {
				return x, false
			}
			y = h[0]
		}
	case k == 1: // scalar
		shape := [][]int{{}, {1}, ones(r)}[gg.rng.IntN(3)]
		y = gg.constF(shape, cval)
	case k == 2: // row vector along the last axis
		last := x.dims[r-1]
		shape := []int{last}
		if gg.chance(0.4) {
			shape = append(ones(r-1), last)
		}
		y = gg.constF(shape, cval)
	case k == 3 && r >= 3: // per channel
		shape := append([]int{x.dims[1]}, ones(r-2)...)
		if gg.chance(0.4) {
			shape = append([]int{1}, shape...)
		}
		y = gg.constF(shape, cval)
	case k == 4 && r >= 3: // spatial constant, broadcast over N and C
		shape := slices.Clone(x.dims[2:])
		if gg.chance(0.5) {
			shape = append([]int{1, 1}, shape...)
		}
		y = gg.constF(shape, cval)
	case k == 5 && r >= 3 && op != "Div": // [N,C,1,1] computed: x - mean(x)
		m := gg.node("GlobalAveragePool", nil, []*ir.Value{x.v}, 1)
		if m == nil {
			return x, false
		}
		y = m[0]
	default:
		y = gg.constF([]int{}, cval)
	}
	ins := []*ir.Value{x.v, y}
	if swap && op != "Div" {
		ins[0], ins[1] = y, x.v
	}
	out := gg.node(op, nil, ins, 1)
	if out == nil {
		return x, false
	}
	return gg.result(out[0], x.dims), true
}

// softmax applies Softmax or LogSoftmax over some axis.
func (gg *graphGen) softmax(x gval) (gval, bool) {
	op := "Softmax"
	if gg.chance(0.4) {
		op = "LogSoftmax"
	}
	r := x.rank()
	a := ir.Attrs{}
	switch gg.rng.IntN(9) {
	case 0, 1, 2, 3:
	case 4:
		a["axis"] = ir.IntAttr(0) // across the batch
	case 5, 6:
		a["axis"] = ir.IntAttr(int64(r - 1))
	default:
		a["axis"] = ir.IntAttr(int64(1 + gg.rng.IntN(r-1)))
	}
	out := gg.node(op, a, []*ir.Value{x.v}, 1)
	if out == nil {
		return x, false
	}
	return gg.result(out[0], x.dims), true
}

// transpose permutes the non-batch axes.
func (gg *graphGen) transpose(x gval) (gval, bool) {
	r := x.rank()
	if r < 3 {
		return x, false
	}
	rest := gg.rng.Perm(r - 1)
	perm := []int64{0}
	dims := []int{-1}
	for _, p := range rest {
		perm = append(perm, int64(p+1))
		dims = append(dims, x.dims[p+1])
	}
	out := gg.node("Transpose", ir.Attrs{"perm": ir.IntsAttr(perm...)}, []*ir.Value{x.v}, 1)
	if out == nil {
		return x, false
	}
	return gg.result(out[0], dims), true
}

// factor splits n into k positive factors at random.
func (gg *graphGen) factor(n, k int) []int {
	out := make([]int, k)
	for i := 0; i < k-1; i++ {
		d := divisors(n)
		out[i] = d[gg.rng.IntN(len(d))]
		n /= out[i]
	}
	out[k-1] = n
	return out
}

// batchShapeChain builds Shape(x)[0] unsqueezed and concatenated with
// rest: the int64 shape [N, rest...] as PyTorch exports x.view(x.size(0),
// ...).
func (gg *graphGen) batchShapeChain(x gval, rest []int64) *ir.Value {
	sh := gg.node("Shape", nil, []*ir.Value{x.v}, 1)
	if sh == nil {
		return nil
	}
	idx := gg.constI([]int{}, 0)
	n := gg.node("Gather", ir.Attrs{"axis": ir.IntAttr(0)}, []*ir.Value{sh[0], idx}, 1)
	if n == nil {
		return nil
	}
	u := gg.node("Unsqueeze", nil, []*ir.Value{n[0], gg.constI(nil, 0)}, 1)
	if u == nil {
		return nil
	}
	c := gg.node("Concat", ir.Attrs{"axis": ir.IntAttr(0)}, []*ir.Value{u[0], gg.constI(nil, rest...)}, 1)
	if c == nil {
		return nil
	}
	return c[0]
}

// reshape changes the shape keeping the batch: Flatten, Reshape by a
// constant shape (with 0 or -1), Reshape by a Shape/Gather/Unsqueeze/
// Concat chain, Squeeze or Unsqueeze.
func (gg *graphGen) reshape(x gval) (gval, bool) {
	per := x.perSample()
	var dims []int
	var out []*ir.Value
	switch k := gg.rng.IntN(6); k {
	case 0: // Flatten
		dims = []int{-1, per}
		a := ir.Attrs{}
		if gg.chance(0.5) {
			a["axis"] = ir.IntAttr(1)
		}
		out = gg.node("Flatten", a, []*ir.Value{x.v}, 1)
	case 1, 2: // constant shape
		rank := gg.oneOf(2, 3, 4, 4)
		rest := gg.factor(per, rank-1)
		if gg.chance(0.2) {
			rest = slices.Clone(x.dims[1:]) // a no-op Reshape
			rank = len(rest) + 1
		}
		dims = append([]int{-1}, rest...)
		first := int64(0)
		if gg.chance(0.4) {
			first = -1
		}
		shape := append([]int64{first}, ints64(rest)...)
		if first == 0 && gg.chance(0.3) && rank > 2 {
			shape[1+gg.rng.IntN(rank-1)] = -1
		}
		out = gg.node("Reshape", nil, []*ir.Value{x.v, gg.constI(nil, shape...)}, 1)
	case 3: // PyTorch view(x.size(0), ...)
		var rest []int64
		if gg.chance(0.5) {
			rest = []int64{-1}
			dims = []int{-1, per}
		} else {
			f := gg.factor(per, gg.oneOf(2, 3))
			rest = ints64(f)
			dims = append([]int{-1}, f...)
		}
		s := gg.batchShapeChain(x, rest)
		if s == nil {
			return x, false
		}
		out = gg.node("Reshape", nil, []*ir.Value{x.v, s}, 1)
	case 4: // Unsqueeze to a 1x1 (or 1) spatial map
		if x.rank() != 2 {
			return x, false
		}
		axes := []int64{2, 3}
		dims = []int{-1, x.dims[1], 1, 1}
		if gg.chance(0.3) {
			axes = []int64{2}
			dims = dims[:3]
		}
		out = gg.node("Unsqueeze", nil, []*ir.Value{x.v, gg.constI(nil, axes...)}, 1)
	case 5: // Squeeze unit spatial axes
		var axes []int64
		dims = []int{-1, x.dims[1]}
		for i := 2; i < x.rank(); i++ {
			if x.dims[i] == 1 {
				axes = append(axes, int64(i))
			} else {
				dims = append(dims, x.dims[i])
			}
		}
		if len(axes) == 0 {
			return x, false
		}
		out = gg.node("Squeeze", nil, []*ir.Value{x.v, gg.constI(nil, axes...)}, 1)
	}
	if out == nil {
		return x, false
	}
	return gg.result(out[0], dims), true
}

// concat joins x with a pooled value along axis 1 (or a spatial axis).
func (gg *graphGen) concat(x gval) (gval, bool) {
	r := x.rank()
	axis := 1
	if r >= 3 && gg.chance(0.3) {
		axis = 2 + gg.rng.IntN(r-2)
	}
	var c []gval
	for _, v := range gg.vals {
		if v.rank() != r {
			continue
		}
		ok := true
		for i := 1; i < r; i++ {
			ok = ok && (i == axis || v.dims[i] == x.dims[i])
		}
		if ok {
			c = append(c, v)
		}
	}
	o := c[gg.rng.IntN(len(c))] // x itself qualifies
	dims := slices.Clone(x.dims)
	dims[axis] += o.dims[axis]
	if prodInts(dims[1:]) > maxPerSample {
		return x, false
	}
	ins := []*ir.Value{x.v, o.v}
	if gg.chance(0.5) {
		ins[0], ins[1] = o.v, x.v
	}
	a := ir.Attrs{"axis": ir.IntAttr(int64(axis))}
	if gg.chance(0.3) {
		a["axis"] = ir.IntAttr(int64(axis - r))
	}
	out := gg.node("Concat", a, ins, 1)
	if out == nil {
		return x, false
	}
	return gg.result(out[0], dims), true
}

// passThrough applies Identity or inference-mode Dropout.
func (gg *graphGen) passThrough(x gval) (gval, bool) {
	var out []*ir.Value
	switch gg.rng.IntN(3) {
	case 0:
		out = gg.node("Identity", nil, []*ir.Value{x.v}, 1)
	case 1:
		out = gg.node("Dropout", nil, []*ir.Value{x.v}, 1)
	default:
		ratio := gg.constF([]int{}, func() float32 { return 0.3 })
		train := &ir.Value{Name: gg.name("train"), DType: ir.Bool, Shape: ir.Shape{}, Const: ir.BoolTensor([]int{}, []bool{false})}
		out = gg.node("Dropout", nil, []*ir.Value{x.v, ratio, train}, 1)
	}
	if out == nil {
		return x, false
	}
	return gg.result(out[0], x.dims), true
}

// gemm applies Gemm (or MatMul, possibly + Add) with constant weights to a
// [N, F] value, with the bias forms exporters produce, possibly through a
// Transpose folded into transA, followed by BatchNormalization and an
// activation.
func (gg *graphGen) gemm(x gval) (gval, bool) {
	f := x.dims[1]
	m := gg.oneOf(1, 2, 3, 5, 8, 16, 17, 31, 32, 33, 48, 64, 65)
	switch {
	case gg.chance(0.3):
		m = 1 + gg.rng.IntN(24)
	case gg.chance(0.08):
		m = gg.oneOf(129, 257, 300, 513) // K > 256 for the next layer
	}
	sd := 1 / math.Sqrt(float64(f))
	dims := []int{-1, m}
	var y gval
	if gg.chance(0.3) {
		// MatMul by a constant, then perhaps Add of a bias
		w := gg.randn([]int{f, m}, sd)
		out := gg.node("MatMul", nil, []*ir.Value{x.v, w}, 1)
		if out == nil {
			return x, false
		}
		y = gg.result(out[0], dims)
		if gg.chance(0.6) {
			shape := [][]int{{m}, {1, m}, {}}[gg.rng.IntN(3)]
			b := gg.randn(shape, 0.5)
			ins := []*ir.Value{y.v, b}
			if gg.chance(0.3) {
				ins[0], ins[1] = b, y.v
			}
			if o := gg.node("Add", nil, ins, 1); o != nil {
				y = gg.result(o[0], dims)
			}
		}
	} else {
		a := ir.Attrs{}
		a0 := x.v
		if gg.chance(0.15) {
			t := gg.node("Transpose", ir.Attrs{"perm": ir.IntsAttr(1, 0)}, []*ir.Value{x.v}, 1)
			if t == nil {
				return x, false
			}
			a0 = t[0]
			a["transA"] = ir.IntAttr(1)
		}
		var w *ir.Value
		if gg.chance(0.5) {
			w = gg.randn([]int{m, f}, sd)
			a["transB"] = ir.IntAttr(1)
		} else {
			w = gg.randn([]int{f, m}, sd)
			if gg.chance(0.1) {
				a["transB"] = ir.IntAttr(0)
			}
		}
		if gg.chance(0.2) {
			a["alpha"] = ir.FloatAttr(gg.uniform(0.5, 1.5))
		}
		if gg.chance(0.2) {
			a["beta"] = ir.FloatAttr(gg.uniform(0.5, 1.5))
		}
		ins := []*ir.Value{a0, w}
		switch k := gg.rng.IntN(10); {
		case k < 4:
			ins = append(ins, gg.randn([]int{m}, 0.5))
		case k < 5:
			ins = append(ins, gg.randn([]int{1, m}, 0.5))
		case k < 6:
			ins = append(ins, gg.randn([][]int{{}, {1}, {1, 1}}[gg.rng.IntN(3)], 0.5))
		case k < 8:
			if o, ok := gg.sameDims(dims); ok {
				ins = append(ins, o.v) // a computed [N, M] C
			} else if gg.chance(0.5) {
				ins = append(ins, gg.randn([]int{m}, 0.5))
			}
		}
		out := gg.node("Gemm", a, ins, 1)
		if out == nil {
			return x, false
		}
		y = gg.result(out[0], dims)
	}
	if gg.chance(0.2) {
		y, _ = gg.batchNorm(y)
	}
	if gg.chance(0.6) {
		y, _ = gg.activation(y)
	}
	return y, true
}

// matmulND multiplies a rank-3/4 value by a constant matrix along its last
// axis, or (batched) by the transpose of a same-shaped value.
func (gg *graphGen) matmulND(x gval) (gval, bool) {
	r := x.rank()
	last := x.dims[r-1]
	if gg.chance(0.6) {
		m := 1 + gg.rng.IntN(12)
		w := gg.randn([]int{last, m}, 1/math.Sqrt(float64(last)))
		out := gg.node("MatMul", nil, []*ir.Value{x.v, w}, 1)
		if out == nil {
			return x, false
		}
		dims := slices.Clone(x.dims)
		dims[r-1] = m
		return gg.result(out[0], dims), true
	}
	o, ok := gg.sameDims(x.dims)
	if !ok {
		return x, false
	}
	perm := make([]int64, r)
	for i := range perm {
		perm[i] = int64(i)
	}
	perm[r-1], perm[r-2] = perm[r-2], perm[r-1]
	tr := gg.node("Transpose", ir.Attrs{"perm": ir.IntsAttr(perm...)}, []*ir.Value{o.v}, 1)
	if tr == nil {
		return x, false
	}
	dims := slices.Clone(x.dims)
	dims[r-1] = x.dims[r-2]
	if prodInts(dims[1:]) > maxPerSample {
		return x, false
	}
	out := gg.node("MatMul", nil, []*ir.Value{x.v, tr[0]}, 1)
	if out == nil {
		return x, false
	}
	return gg.result(out[0], dims), true
}

// --- whole graphs ----------------------------------------------------------

// genOp is one kind of step, with the input ranks it applies to.
type genOp struct {
	name   string
	weight int
	ranks  []int // applicable ranks
	apply  func(gg *graphGen, x gval) (gval, bool)
}

var genOps = []genOp{
	{"conv", 6, []int{3, 4}, (*graphGen).conv},
	{"convtranspose", 4, []int{3, 4}, (*graphGen).convTranspose},
	{"pool", 4, []int{3, 4}, (*graphGen).pool},
	{"poolunpool", 2, []int{3, 4}, (*graphGen).poolUnpool},
	{"globalpool", 1, []int{3, 4}, (*graphGen).globalPool},
	{"resize", 3, []int{3, 4}, (*graphGen).resize},
	{"batchnorm", 2, []int{2, 3, 4}, (*graphGen).batchNorm},
	{"activation", 4, []int{2, 3, 4}, (*graphGen).activation},
	{"binary", 5, []int{2, 3, 4}, (*graphGen).binary},
	{"softmax", 2, []int{2, 3, 4}, (*graphGen).softmax},
	{"transpose", 1, []int{3, 4}, (*graphGen).transpose},
	{"reshape", 3, []int{2, 3, 4}, (*graphGen).reshape},
	{"concat", 2, []int{2, 3, 4}, (*graphGen).concat},
	{"identity", 1, []int{2, 3, 4}, (*graphGen).passThrough},
	{"gemm", 7, []int{2}, (*graphGen).gemm},
	{"matmulnd", 1, []int{3, 4}, (*graphGen).matmulND},
}

// randomGraph builds a random graph with up to steps operations.
func randomGraph(rng *rand.Rand, steps int) (*ir.Graph, *graphGen) {
	gg := newGraphGen(rng)
	var dims []int
	switch k := rng.IntN(20); {
	case k < 9:
		dims = []int{-1, 1 + rng.IntN(6), 2 + rng.IntN(11), 2 + rng.IntN(11)}
	case k < 12:
		dims = []int{-1, 1 + rng.IntN(6), 2 + rng.IntN(20)}
	default:
		dims = []int{-1, gg.oneOf(1, 2, 3, 7, 8, 16, 17, 32, 33, 64, 100, 300, 513)}
	}
	x := &ir.Value{Name: "x", DType: ir.Float32, Shape: symShape(dims)}
	gg.g.Inputs = append(gg.g.Inputs, x)
	gg.rawInputs[x] = true
	gg.result(x, dims)
	if gg.chance(0.15) {
		// a second input of the same shape (a skip connection, a noise
		// tensor)
		x2 := &ir.Value{Name: "x2", DType: ir.Float32, Shape: symShape(dims)}
		gg.g.Inputs = append(gg.g.Inputs, x2)
		gg.rawInputs[x2] = true
		gg.result(x2, dims)
	}
	total := 0
	for _, op := range genOps {
		total += op.weight
	}
	for s := 0; s < steps; s++ {
		for try := 0; try < 8; try++ {
			x := gg.pick()
			k := rng.IntN(total)
			var op genOp
			for _, o := range genOps {
				if k < o.weight {
					op = o
					break
				}
				k -= o.weight
			}
			if !slices.Contains(op.ranks, x.rank()) {
				continue
			}
			if _, ok := op.apply(gg, x); ok {
				break
			}
		}
	}
	last := gg.vals[len(gg.vals)-1]
	// Outputs: the last value, and sometimes more: an intermediate value
	// also read later, the same value twice, an input passed through.
	gg.g.Outputs = append(gg.g.Outputs, last.v)
	if len(gg.vals) > 2 && gg.chance(0.25) {
		o := gg.vals[1+rng.IntN(len(gg.vals)-1)].v
		if !slices.Contains(gg.g.Outputs, o) {
			gg.g.Outputs = append(gg.g.Outputs, o)
		}
	}
	if gg.chance(0.05) && !slices.Contains(gg.g.Outputs, x) {
		gg.g.Outputs = append(gg.g.Outputs, x)
	}
	if gg.chance(0.05) {
		if id := gg.node("Identity", nil, []*ir.Value{x}, 1); id != nil {
			gg.g.Outputs = append(gg.g.Outputs, id[0])
		}
	}
	if gg.chance(0.05) {
		gg.g.Outputs = append(gg.g.Outputs, last.v) // the same value twice
	}
	return gg.g, gg
}
