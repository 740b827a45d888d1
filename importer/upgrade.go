package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
)

// An upgrade rewrites a node of operator Op, resolved to a version in
// [From, To], into its opset-17 form. It emits the resulting nodes through
// the context (the node itself, modified, or replacements), may add
// constants, and returns notSupported when the node has no opset-17
// equivalent latent can express.
type upgrade struct {
	Op       string
	From, To int64
	Fn       func(c *upctx, n *rawNode) error
	Doc      string
}

// upgrades is the table of conversions. Nodes whose operator and version
// appear nowhere here are already in their opset-17 form (apart from the
// consumed_inputs attribute of opset-1 operators, which is dropped
// everywhere). MaxPool-1/8/10/11 and AveragePool-1/7/10/11 need no entry:
// the later versions only add attributes whose defaults keep the old
// behaviour.
var upgrades = []upgrade{
	{"Add", 1, 6, legacyBroadcast, "broadcast=1 with axis: align B at axis by unsqueezing trailing dims"},
	{"Sub", 1, 6, legacyBroadcast, "same as Add"},
	{"Mul", 1, 6, legacyBroadcast, "same as Add"},
	{"Div", 1, 6, legacyBroadcast, "same as Add"},
	{"Pow", 1, 6, legacyBroadcast, "same as Add"},
	{"And", 1, 6, legacyBroadcast, "same as Add"},
	{"Or", 1, 6, legacyBroadcast, "same as Add"},
	{"Xor", 1, 6, legacyBroadcast, "same as Add"},
	{"Equal", 1, 6, legacyBroadcast, "same as Add"},
	{"Greater", 1, 6, legacyBroadcast, "same as Add"},
	{"Less", 1, 6, legacyBroadcast, "same as Add"},
	{"Gemm", 1, 10, gemmLegacy, "drop broadcast (numpy broadcasting of C since 7)"},
	{"PRelu", 1, 6, preluLegacy, "per-channel slope [C] reshaped to [C,1,...,1]"},
	{"Softmax", 1, 12, softmaxLegacy, "2-D coercion: Flatten + Softmax(axis=1) + Reshape(Shape(x))"},
	{"LogSoftmax", 1, 12, softmaxLegacy, "same as Softmax"},
	{"Clip", 1, 10, clipLegacy, "min/max attributes become inputs"},
	{"Squeeze", 1, 12, axesToInput, "axes attribute becomes an input"},
	{"Unsqueeze", 1, 12, axesToInput, "axes attribute becomes an input"},
	{"ReduceSum", 1, 12, axesToInput, "axes attribute becomes an input"},
	{"Split", 1, 12, splitLegacy, "split attribute becomes an input"},
	{"Slice", 1, 9, sliceLegacy, "starts/ends/axes attributes become inputs"},
	{"Pad", 1, 10, padLegacy, "paddings/pads and value attributes become inputs"},
	{"Reshape", 1, 4, reshapeLegacy, "shape attribute becomes an input"},
	{"Upsample", 1, 10, upsampleToResize, "Resize with asymmetric coordinates, nearest_mode floor"},
	{"Resize", 10, 10, resize10, "asymmetric coordinates; nearest rounds down when upsampling, up when downsampling"},
	{"Resize", 11, 13, resize11, "empty roi/scales become omitted inputs; tf_half_pixel_for_nn kept (IR extension)"},
	{"BatchNormalization", 1, 9, batchNormLegacy, "drop is_test/spatial; extra outputs must be unused; spatial=0 lowered to arithmetic"},
	{"Dropout", 1, 10, dropoutLegacy, "ratio attribute becomes an input; is_test=0 becomes training_mode=true"},
	{"Cast", 1, 5, castLegacy, "string 'to' becomes the TensorProto.DataType number"},
	{"Concat", 1, 3, concatLegacy, "axis defaults to 1"},
	// Newer operator sets, converted back to opset 17.
	{"ReduceL1", 18, 18, reduceAxesToAttr, "constant axes input becomes the attribute"},
	{"ReduceL2", 18, 18, reduceAxesToAttr, ""},
	{"ReduceLogSum", 18, 18, reduceAxesToAttr, ""},
	{"ReduceLogSumExp", 18, 18, reduceAxesToAttr, ""},
	{"ReduceMax", 18, 20, reduceAxesToAttr, ""},
	{"ReduceMean", 18, 18, reduceAxesToAttr, ""},
	{"ReduceMin", 18, 20, reduceAxesToAttr, ""},
	{"ReduceProd", 18, 18, reduceAxesToAttr, ""},
	{"ReduceSumSquare", 18, 18, reduceAxesToAttr, ""},
	{"Split", 18, 18, split18, "num_outputs becomes a constant split input (needs a known dimension)"},
	{"Pad", 18, 19, pad18, "axes input expanded into pads; wrap mode unsupported"},
	{"Resize", 18, 19, resize18, "antialias, axes, keep_aspect_ratio_policy, half_pixel_symmetric unsupported unless default"},
	{"AveragePool", 19, 19, avgPool19, "dilations must be 1"},
	{"Cast", 19, 19, cast19, "saturate only affects float8"},
}

// upgradeMinInputs is the number of inputs the upgrades may rely on being
// present (by position; an input may still be omitted, ""); 1 if absent.
var upgradeMinInputs = map[string]int{
	"Add": 2, "Sub": 2, "Mul": 2, "Div": 2, "Pow": 2, "And": 2, "Or": 2, "Xor": 2,
	"Equal": 2, "Greater": 2, "Less": 2, "Gemm": 2, "PRelu": 2, "BatchNormalization": 5,
	"Pad": 1, "Resize": 1,
}

// upgradeAttrKinds are the kinds of the attributes that upgrades read.
var upgradeAttrKinds = map[string]ir.AttrKind{
	"axes": ir.AttrInts, "split": ir.AttrInts, "starts": ir.AttrInts, "ends": ir.AttrInts,
	"pads": ir.AttrInts, "paddings": ir.AttrInts, "shape": ir.AttrInts, "dilations": ir.AttrInts,
	"scales": ir.AttrFloats, "height_scale": ir.AttrFloat, "width_scale": ir.AttrFloat,
	"min": ir.AttrFloat, "max": ir.AttrFloat, "value": ir.AttrFloat, "ratio": ir.AttrFloat, "epsilon": ir.AttrFloat,
	"is_test": ir.AttrInt, "spatial": ir.AttrInt, "broadcast": ir.AttrInt, "axis": ir.AttrInt,
	"num_outputs": ir.AttrInt, "noop_with_empty_axes": ir.AttrInt, "antialias": ir.AttrInt,
	"mode": ir.AttrString, "keep_aspect_ratio_policy": ir.AttrString, "coordinate_transformation_mode": ir.AttrString,
}

// notSupported is returned by an upgrade for a node latent cannot express.
type notSupported string

func (e notSupported) Error() string { return string(e) }

func unsupported(format string, args ...any) error {
	return notSupported(fmt.Sprintf(format, args...))
}

// upgradeNode runs the node's upgrade, or emits it unchanged.
func upgradeNode(c *upctx, n *rawNode) error {
	delete(n.attrs, "consumed_inputs")
	for _, u := range upgrades {
		if u.Op == n.op && n.version >= u.From && n.version <= u.To {
			want := 1
			if k, ok := upgradeMinInputs[n.op]; ok {
				want = k
			}
			if len(n.inputs) < want {
				return fmt.Errorf("takes at least %d inputs, has %d", want, len(n.inputs))
			}
			for _, name := range n.attrs.Names() {
				if k, ok := upgradeAttrKinds[name]; ok && n.attrs[name].Kind != k {
					return fmt.Errorf("attribute %q is %s, want %s", name, n.attrs[name].Kind, k)
				}
			}
			if err := u.Fn(c, n); err != nil {
				return err
			}
			return checkCastTarget(c)
		}
	}
	if n.version > 17 && slices.Contains(post17[n.op], n.version) {
		return unsupported("%s-%d is newer than opset 17 and has no conversion", n.op, n.version)
	}
	c.emit(n)
	return checkCastTarget(c)
}

// checkCastTarget rejects a Cast to an element type latent cannot hold.
func checkCastTarget(c *upctx) error {
	for _, u := range c.out {
		if u.op != "Cast" {
			continue
		}
		to := ir.DType(u.attrs.Int("to", 0))
		if !to.Supported() {
			return unsupported("cast to %s", dtypeName(int32(to)))
		}
	}
	return nil
}

// upctx is what an upgrade works with.
type upctx struct {
	b   *builder
	src *rawNode
	out []*rawNode
}

// emit appends a node in its opset-17 form.
func (c *upctx) emit(n *rawNode) { c.out = append(c.out, n) }

// node emits a new helper node named after the source node.
func (c *upctx) node(op string, attrs ir.Attrs, inputs []string, outputs []string) {
	c.emit(&rawNode{
		name: c.b.fresh(c.src.name + "/" + op), srcName: c.src.srcName, op: op,
		version: ir.Opset, attrs: attrs, inputs: inputs, outputs: outputs,
	})
}

// tmp returns a fresh value name for an intermediate result.
func (c *upctx) tmp(what string) string { return c.b.fresh(c.src.name + "/" + what) }

// constant adds a constant value and returns its name.
func (c *upctx) constant(what string, t *ir.Tensor) string {
	name := c.b.fresh(c.src.name + "/" + what)
	c.b.addConst(name, t)
	return name
}

func (c *upctx) ints(what string, v []int64) string {
	return c.constant(what, ir.Int64Tensor([]int{len(v)}, slices.Clone(v)))
}

// scalar adds a scalar constant of element type dt holding v.
func (c *upctx) scalar(what string, dt ir.DType, v float64) string {
	t, err := ir.NewTensor(dt)
	if err != nil { // unsupported type: fall back to float32
		t, _ = ir.NewTensor(ir.Float32)
	}
	t.SetFloat64(0, v)
	return c.constant(what, t)
}

// dtype returns the element type of a value, float32 when unknown (the
// only type of the legacy models that need it).
func (c *upctx) dtype(name string) ir.DType {
	if dt := c.b.typeOf(name).dt; dt != ir.Undefined {
		return dt
	}
	return ir.Float32
}

// shape returns the best-known shape of a value (nil: unknown rank).
func (c *upctx) shape(name string) ir.Shape { return c.b.typeOf(name).shape }

// constOf returns the data of a constant value, or nil.
func (c *upctx) constOf(name string) *ir.Tensor {
	if v, ok := c.b.values[name]; ok {
		return v.Const
	}
	return nil
}

// used reports whether any node or graph output reads the value.
func (c *upctx) used(name string) bool { return name != "" && c.b.uses[name] > 0 }

// input returns input i of n, or "".
func input(n *rawNode, i int) string {
	if i < len(n.inputs) {
		return n.inputs[i]
	}
	return ""
}

// setInput sets input i of n, padding with omitted inputs.
func setInput(n *rawNode, i int, name string) {
	for len(n.inputs) <= i {
		n.inputs = append(n.inputs, "")
	}
	n.inputs[i] = name
}

// reshapeConst returns the name of a constant holding t's data with a new
// shape, or adds an Unsqueeze when the value is not constant.
func (c *upctx) unsqueezeTrailing(name string, rank, k int) string {
	if t := c.constOf(name); t != nil {
		r := t.Clone()
		for i := 0; i < k; i++ {
			r.Shape = append(r.Shape, 1)
		}
		return c.constant("aligned", r)
	}
	axes := make([]int64, k)
	for i := range axes {
		axes[i] = int64(rank + i)
	}
	out := c.tmp("aligned")
	c.node("Unsqueeze", nil, []string{name, c.ints("axes", axes)}, []string{out})
	return out
}

// legacyBroadcast converts the broadcast/axis attributes of binary
// operators before opset 7. With broadcast=1, B's shape had to match a
// contiguous run of A's dimensions starting at axis (by default the
// trailing ones); numpy broadcasting needs B padded with trailing 1s.
func legacyBroadcast(c *upctx, n *rawNode) error {
	bc := n.attrs.Int("broadcast", 0)
	axisAttr, hasAxis := n.attrs["axis"]
	delete(n.attrs, "broadcast")
	delete(n.attrs, "axis")
	if bc != 0 && hasAxis && len(n.inputs) == 2 {
		sa, sb := c.shape(n.inputs[0]), c.shape(n.inputs[1])
		if sa == nil || sb == nil {
			return unsupported("legacy broadcast with axis=%d needs the ranks of both inputs, which are unknown", axisAttr.Int)
		}
		ra, rb := len(sa), len(sb)
		axis := int(axisAttr.Int)
		if axis < 0 {
			axis += ra
		}
		if axis < 0 || axis+rb > ra {
			return fmt.Errorf("broadcast axis %d does not fit input shapes %v and %v", axisAttr.Int, sa, sb)
		}
		if k := ra - axis - rb; k > 0 {
			n.inputs[1] = c.unsqueezeTrailing(n.inputs[1], rb, k)
		}
	}
	c.emit(n)
	return nil
}

func gemmLegacy(c *upctx, n *rawNode) error {
	delete(n.attrs, "broadcast")
	c.emit(n)
	return nil
}

// preluLegacy: before opset 7 a one-dimensional slope of size C applied per
// channel (dimension 1); unidirectional broadcasting needs [C,1,...,1].
func preluLegacy(c *upctx, n *rawNode) error {
	if len(n.inputs) != 2 {
		c.emit(n)
		return nil
	}
	ss := c.shape(n.inputs[1])
	if ss == nil {
		return unsupported("PRelu-%d with a slope of unknown shape", n.version)
	}
	if len(ss) != 1 || (ss[0].Known() && ss[0].Size == 1) {
		c.emit(n)
		return nil
	}
	sx := c.shape(n.inputs[0])
	if sx == nil {
		return unsupported("PRelu-%d with a per-channel slope needs the rank of its input", n.version)
	}
	if len(sx) > 2 {
		n.inputs[1] = c.unsqueezeTrailing(n.inputs[1], 1, len(sx)-2)
	}
	c.emit(n)
	return nil
}

// softmaxLegacy: before opset 13, Softmax and LogSoftmax coerced the input
// to 2-D at axis and normalised each row.
func softmaxLegacy(c *upctx, n *rawNode) error {
	if len(n.inputs) != 1 || len(n.outputs) != 1 {
		return fmt.Errorf("takes one input and one output")
	}
	axis := n.attrs.Int("axis", 1)
	x, y := n.inputs[0], n.outputs[0]
	if s := c.shape(x); s != nil {
		r := int64(len(s))
		a := axis
		if a < 0 {
			a += r
		}
		if a < 0 || (a >= r && r > 0) {
			return fmt.Errorf("axis %d out of range for input of rank %d", axis, r)
		}
		if a == r-1 {
			n.attrs = ir.Attrs{"axis": ir.IntAttr(-1)}
			c.emit(n)
			return nil
		}
	}
	flat, soft, shape := c.tmp("flat"), c.tmp(strings.ToLower(n.op)), c.tmp("shape")
	c.node("Flatten", ir.Attrs{"axis": ir.IntAttr(axis)}, []string{x}, []string{flat})
	c.emit(&rawNode{name: n.name, srcName: n.srcName, op: n.op, version: ir.Opset,
		attrs: ir.Attrs{"axis": ir.IntAttr(1)}, inputs: []string{flat}, outputs: []string{soft}})
	c.node("Shape", nil, []string{x}, []string{shape})
	c.node("Reshape", nil, []string{soft, shape}, []string{y})
	return nil
}

// clipLegacy moves Clip's min and max attributes to inputs.
func clipLegacy(c *upctx, n *rawNode) error {
	dt := c.dtype(n.inputs[0])
	if a, ok := n.attrs["min"]; ok {
		setInput(n, 1, c.scalar("min", dt, float64(a.Float)))
	}
	if a, ok := n.attrs["max"]; ok {
		setInput(n, 2, c.scalar("max", dt, float64(a.Float)))
	}
	delete(n.attrs, "min")
	delete(n.attrs, "max")
	c.emit(n)
	return nil
}

// axesToInput moves an axes attribute to input 1 (Squeeze, Unsqueeze,
// ReduceSum before opset 13).
func axesToInput(c *upctx, n *rawNode) error {
	if a, ok := n.attrs["axes"]; ok {
		if len(n.inputs) != 1 {
			return fmt.Errorf("has both an axes attribute and %d inputs", len(n.inputs))
		}
		setInput(n, 1, c.ints("axes", a.Ints))
		delete(n.attrs, "axes")
	} else if n.op == "Unsqueeze" {
		return fmt.Errorf("Unsqueeze-%d needs the axes attribute", n.version)
	}
	c.emit(n)
	return nil
}

func splitLegacy(c *upctx, n *rawNode) error {
	if a, ok := n.attrs["split"]; ok {
		if len(n.inputs) > 1 {
			return fmt.Errorf("has both a split attribute and a split input")
		}
		setInput(n, 1, c.ints("split", a.Ints))
		delete(n.attrs, "split")
	}
	c.emit(n)
	return nil
}

func sliceLegacy(c *upctx, n *rawNode) error {
	starts, ok1 := n.attrs["starts"]
	ends, ok2 := n.attrs["ends"]
	if !ok1 || !ok2 {
		return fmt.Errorf("Slice-1 needs the starts and ends attributes")
	}
	setInput(n, 1, c.ints("starts", starts.Ints))
	setInput(n, 2, c.ints("ends", ends.Ints))
	if a, ok := n.attrs["axes"]; ok {
		setInput(n, 3, c.ints("axes", a.Ints))
	}
	n.attrs = nil
	c.emit(n)
	return nil
}

func padLegacy(c *upctx, n *rawNode) error {
	name := "pads"
	if n.version == 1 {
		name = "paddings"
	}
	pads, ok := n.attrs[name]
	if !ok {
		return fmt.Errorf("Pad-%d needs the %s attribute", n.version, name)
	}
	mode := n.attrs.String("mode", "constant")
	setInput(n, 1, c.ints("pads", pads.Ints))
	if v, ok := n.attrs["value"]; ok && mode == "constant" && v.Float != 0 {
		setInput(n, 2, c.scalar("value", c.dtype(n.inputs[0]), float64(v.Float)))
	}
	delete(n.attrs, name)
	delete(n.attrs, "value")
	c.emit(n)
	return nil
}

func reshapeLegacy(c *upctx, n *rawNode) error {
	a, ok := n.attrs["shape"]
	if !ok {
		return fmt.Errorf("Reshape-1 needs the shape attribute")
	}
	n.inputs = []string{n.inputs[0], c.ints("shape", a.Ints)}
	delete(n.attrs, "shape")
	c.emit(n)
	return nil
}

// resizeAttrs returns Resize-13 attributes equivalent to the behaviour of
// Upsample and Resize-10: asymmetric coordinates (x_original =
// x_resized / scale); for nearest, the given rounding.
func resizeAttrs(mode, nearest string) ir.Attrs {
	a := ir.Attrs{
		"mode":                           ir.StringAttr(mode),
		"coordinate_transformation_mode": ir.StringAttr("asymmetric"),
	}
	if mode == "nearest" {
		a["nearest_mode"] = ir.StringAttr(nearest)
	}
	return a
}

// upsampleToResize converts Upsample (opsets 1 to 9; deprecated in 10) to
// Resize. Upsample's scales are at least 1 and it truncates source
// coordinates, which is Resize's asymmetric mode with nearest_mode floor
// (ONNX Runtime implements Upsample exactly so).
func upsampleToResize(c *upctx, n *rawNode) error {
	mode := n.attrs.String("mode", "nearest")
	switch mode {
	case "nearest":
	case "linear", "bilinear":
		mode = "linear"
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	var scales string
	switch {
	case n.version == 1:
		hs, ok1 := n.attrs["height_scale"]
		ws, ok2 := n.attrs["width_scale"]
		if !ok1 || !ok2 {
			return fmt.Errorf("Upsample-1 needs height_scale and width_scale")
		}
		scales = c.constant("scales", ir.Float32Tensor([]int{4}, []float32{1, 1, hs.Float, ws.Float}))
	case n.version < 9:
		a, ok := n.attrs["scales"]
		if !ok {
			return fmt.Errorf("Upsample-%d needs the scales attribute", n.version)
		}
		scales = c.constant("scales", ir.Float32Tensor([]int{len(a.Floats)}, slices.Clone(a.Floats)))
	default:
		if len(n.inputs) != 2 {
			return fmt.Errorf("Upsample-%d takes 2 inputs, has %d", n.version, len(n.inputs))
		}
		scales = n.inputs[1]
	}
	c.emit(&rawNode{name: n.name, srcName: n.srcName, op: "Resize", version: ir.Opset,
		attrs: resizeAttrs(mode, "floor"), inputs: []string{n.inputs[0], "", scales}, outputs: n.outputs})
	return nil
}

// resize10 converts Resize-10 (inputs X, scales). ONNX Runtime, whose
// behaviour ONNX's own Resize-10 tests encode, uses asymmetric coordinates
// and for nearest truncates when upsampling and rounds up when
// downsampling; Resize-13 has one nearest_mode for all axes, so the scales
// must be constant and all on one side of 1.
func resize10(c *upctx, n *rawNode) error {
	if len(n.inputs) != 2 {
		return fmt.Errorf("Resize-10 takes 2 inputs, has %d", len(n.inputs))
	}
	mode := n.attrs.String("mode", "nearest")
	nearest := "floor"
	if mode == "nearest" {
		t := c.constOf(n.inputs[1])
		if t == nil || !t.DType.IsFloat() {
			return unsupported("Resize-10 nearest with non-constant scales (its rounding depends on whether each scale is above or below 1)")
		}
		up, down := false, false
		for i := 0; i < t.Len(); i++ {
			s := t.Float64At(i)
			up = up || s > 1
			down = down || s < 1
		}
		if up && down {
			return unsupported("Resize-10 nearest with scales both above and below 1")
		}
		if down {
			nearest = "ceil"
		}
	}
	c.emit(&rawNode{name: n.name, srcName: n.srcName, op: "Resize", version: ir.Opset,
		attrs: resizeAttrs(mode, nearest), inputs: []string{n.inputs[0], "", n.inputs[1]}, outputs: n.outputs})
	return nil
}

// resize11 handles Resize-11 and -13: it drops empty constant roi and
// scales inputs (Resize-11 required them as placeholders). Resize-11's
// coordinate_transformation_mode "tf_half_pixel_for_nn", removed in opset
// 13, is kept: latent's IR accepts it as an extension of Resize-13 (its
// schema and reference kernel implement it, as ONNX Runtime still does).
func resize11(c *upctx, n *rawNode) error {
	for _, i := range []int{1, 2} {
		if in := input(n, i); in != "" {
			if t := c.constOf(in); t != nil && t.Len() == 0 && (i == 1 || input(n, 3) != "") {
				n.inputs[i] = ""
			}
		}
	}
	n.inputs = trimEmpty(n.inputs)
	c.emit(n)
	return nil
}

// batchNormLegacy converts BatchNormalization before opset 14 (well, 9:
// BN-9 and BN-14 differ only in training outputs) into the BN-15 form.
func batchNormLegacy(c *upctx, n *rawNode) error {
	if len(n.inputs) != 5 {
		return fmt.Errorf("takes 5 inputs, has %d", len(n.inputs))
	}
	training := false
	if n.version < 7 {
		training = n.attrs.Int("is_test", 0) == 0
	} else {
		for _, o := range n.outputs[1:] {
			training = training || o != ""
		}
	}
	for i, o := range n.outputs[1:] {
		if c.used(o) {
			return unsupported("BatchNormalization-%d training output %d (%q) is used", n.version, i+1, o)
		}
	}
	spatial := n.attrs.Int("spatial", 1)
	eps := n.attrs.Float("epsilon", 1e-5)
	n.outputs = n.outputs[:1]
	delete(n.attrs, "is_test")
	delete(n.attrs, "spatial")
	if spatial == 0 {
		if training {
			return unsupported("BatchNormalization-%d with spatial=0 in training mode", n.version)
		}
		// Per-activation statistics: scale, B, mean and var have the shape
		// of X without its batch dimension, so numpy broadcasting applies
		// them directly: Y = (X - mean) * (scale / sqrt(var + eps)) + B.
		x, scale, bias, mean, vr := n.inputs[0], n.inputs[1], n.inputs[2], n.inputs[3], n.inputs[4]
		dt := c.dtype(x)
		ve, sd, k, xc, xs := c.tmp("var_eps"), c.tmp("std"), c.tmp("scale_std"), c.tmp("centered"), c.tmp("scaled")
		c.node("Add", nil, []string{vr, c.scalar("epsilon", dt, float64(eps))}, []string{ve})
		c.node("Sqrt", nil, []string{ve}, []string{sd})
		c.node("Div", nil, []string{scale, sd}, []string{k})
		c.node("Sub", nil, []string{x, mean}, []string{xc})
		c.node("Mul", nil, []string{xc, k}, []string{xs})
		c.node("Add", nil, []string{xs, bias}, []string{n.outputs[0]})
		return nil
	}
	if training {
		n.attrs["training_mode"] = ir.IntAttr(1)
	}
	c.emit(n)
	return nil
}

// dropoutLegacy converts Dropout before opset 12 into the Dropout-13 form.
func dropoutLegacy(c *upctx, n *rawNode) error {
	if len(n.inputs) != 1 {
		return fmt.Errorf("takes 1 input, has %d", len(n.inputs))
	}
	if n.version < 10 && len(n.outputs) > 1 && c.used(n.outputs[1]) {
		return unsupported("Dropout-%d mask output (of the input's type; bool since opset 10) is used", n.version)
	}
	if n.version < 10 && len(n.outputs) > 1 {
		n.outputs = n.outputs[:1]
	}
	training := n.version < 7 && n.attrs.Int("is_test", 0) == 0
	if a, ok := n.attrs["ratio"]; ok {
		setInput(n, 1, c.scalar("ratio", ir.Float32, float64(a.Float)))
	}
	if training {
		setInput(n, 2, c.constant("training_mode", ir.BoolTensor(nil, []bool{true})))
	}
	delete(n.attrs, "ratio")
	delete(n.attrs, "is_test")
	c.emit(n)
	return nil
}

// castLegacy converts Cast-1's string 'to' ("FLOAT", "INT64", ...).
func castLegacy(c *upctx, n *rawNode) error {
	if a, ok := n.attrs["to"]; ok && a.Kind == ir.AttrString {
		v, ok := onnxpb.TensorProto_DataType_value[strings.ToUpper(a.String)]
		if !ok {
			return fmt.Errorf("unknown element type %q in attribute to", a.String)
		}
		n.attrs["to"] = ir.IntAttr(int64(v))
	}
	c.emit(n)
	return nil
}

func concatLegacy(c *upctx, n *rawNode) error {
	if !n.attrs.Has("axis") {
		n.attrs["axis"] = ir.IntAttr(1)
	}
	c.emit(n)
	return nil
}

// reduceAxesToAttr converts Reduce*-18 (axes as an optional input,
// noop_with_empty_axes) to the opset-17 form (axes attribute).
func reduceAxesToAttr(c *upctx, n *rawNode) error {
	noop := n.attrs.Int("noop_with_empty_axes", 0)
	delete(n.attrs, "noop_with_empty_axes")
	var axes []int64
	if in := input(n, 1); in != "" {
		t := c.constOf(in)
		if t == nil || !t.DType.IsInt() {
			return unsupported("%s-%d with non-constant axes", n.op, n.version)
		}
		axes = t.Int64s()
	}
	n.inputs = n.inputs[:1]
	if len(axes) == 0 && noop != 0 {
		c.emit(&rawNode{name: n.name, srcName: n.srcName, op: "Identity", version: ir.Opset,
			inputs: n.inputs, outputs: n.outputs})
		return nil
	}
	if len(axes) > 0 {
		n.attrs["axes"] = ir.IntsAttr(slices.Clone(axes)...)
	}
	c.emit(n)
	return nil
}

// split18 converts Split-18's num_outputs into an explicit split input.
func split18(c *upctx, n *rawNode) error {
	a, ok := n.attrs["num_outputs"]
	delete(n.attrs, "num_outputs")
	if !ok || input(n, 1) != "" {
		c.emit(n)
		return nil
	}
	k := a.Int
	if k < 1 || k != int64(len(n.outputs)) {
		return fmt.Errorf("num_outputs is %d but the node has %d outputs", k, len(n.outputs))
	}
	s := c.shape(n.inputs[0])
	axis := n.attrs.Int("axis", 0)
	if s != nil && axis < 0 {
		axis += int64(len(s))
	}
	if s == nil || axis < 0 || axis >= int64(len(s)) || !s[axis].Known() {
		return unsupported("Split-18 num_outputs needs the size of the split dimension, which is unknown")
	}
	dim := int64(s[axis].Size)
	chunk := (dim + k - 1) / k // ceil; the last chunk is smaller
	split := make([]int64, k)
	left := dim
	for i := range split {
		split[i] = min(chunk, max(left, 0))
		left -= split[i]
	}
	setInput(n, 1, c.ints("split", split))
	c.emit(n)
	return nil
}

// pad18 handles Pad-18/19: the optional axes input and the wrap mode.
func pad18(c *upctx, n *rawNode) error {
	if m := n.attrs.String("mode", "constant"); m == "wrap" {
		return unsupported("Pad mode %q (opset 19)", m)
	}
	axesIn := input(n, 3)
	if axesIn == "" {
		c.emit(n)
		return nil
	}
	at, pt := c.constOf(axesIn), c.constOf(input(n, 1))
	s := c.shape(n.inputs[0])
	if at == nil || pt == nil || s == nil {
		return unsupported("Pad-%d with an axes input needs constant axes and pads and a known input rank", n.version)
	}
	axes, pads := at.Int64s(), pt.Int64s()
	r := int64(len(s))
	if len(pads) != 2*len(axes) {
		return fmt.Errorf("pads has %d values for %d axes", len(pads), len(axes))
	}
	full := make([]int64, 2*r)
	for i, ax := range axes {
		if ax < 0 {
			ax += r
		}
		if ax < 0 || ax >= r {
			return fmt.Errorf("axis %d out of range for rank %d", axes[i], r)
		}
		full[ax] = pads[i]
		full[r+ax] = pads[len(axes)+i]
	}
	n.inputs[1] = c.ints("pads", full)
	n.inputs = trimEmpty(n.inputs[:3])
	c.emit(n)
	return nil
}

// resize18 converts Resize-18/19 when their new attributes are at their
// defaults.
func resize18(c *upctx, n *rawNode) error {
	if n.attrs.Int("antialias", 0) != 0 {
		return unsupported("Resize antialias=1 (opset 18)")
	}
	if n.attrs.Has("axes") {
		return unsupported("Resize with axes (opset 18)")
	}
	if p := n.attrs.String("keep_aspect_ratio_policy", "stretch"); p != "stretch" {
		return unsupported("Resize keep_aspect_ratio_policy %q (opset 18)", p)
	}
	if m := n.attrs.String("coordinate_transformation_mode", "half_pixel"); m == "half_pixel_symmetric" {
		return unsupported("Resize coordinate_transformation_mode %q (opset 19)", m)
	}
	delete(n.attrs, "antialias")
	delete(n.attrs, "keep_aspect_ratio_policy")
	return resize11(c, n)
}

func avgPool19(c *upctx, n *rawNode) error {
	for _, d := range n.attrs.Ints("dilations", nil) {
		if d != 1 {
			return unsupported("AveragePool dilations %v (opset 19)", n.attrs.Ints("dilations", nil))
		}
	}
	delete(n.attrs, "dilations")
	c.emit(n)
	return nil
}

func cast19(c *upctx, n *rawNode) error {
	delete(n.attrs, "saturate") // only affects casts to float8 types
	c.emit(n)
	return nil
}
