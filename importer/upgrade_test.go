package importer

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
)

var printGot = flag.Bool("print", false, "print the IR text of every upgrade case")

type upgradeCase struct {
	name    string
	op      string // upgrade table entry covered
	version int64  // resolved version covered
	opset   int64
	graph   *onnxpb.GraphProto
	want    string // expected IR text (nodes and constants only), or
	unsup   string // expected unsupported reason (substring), or
	fails   string // expected error (substring) for a malformed node
}

// noSchema as a case's unsup expects the node to be reported unsupported
// when latent has no schema for the operator, and to import otherwise.
const noSchema = "\x00no schema"

// x4 is a float32[2,3,4,5] input declaration.
func x4(name string) *onnxpb.ValueInfoProto { return vi(name, ir.Float32, 2, 3, 4, 5) }

func one(n *onnxpb.NodeProto, in []*onnxpb.ValueInfoProto, inits ...*onnxpb.TensorProto) *onnxpb.GraphProto {
	return mkGraph([]*onnxpb.NodeProto{n}, in, []*onnxpb.ValueInfoProto{vi(n.Output[0], ir.Undefined)}, inits...)
}

var upgradeCases = []upgradeCase{
	{name: "Add-6 broadcast axis", op: "Add", version: 6, opset: 6,
		graph: one(mkNode("Add", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1), aInt("axis", 1)),
			[]*onnxpb.ValueInfoProto{x4("a"), vi("b", ir.Float32, 3)}),
		want: `
  input a: float32[2,3,4,5]
  input b: float32[3]
  const "Add_0/axes": int64[2] = {1, 2}
  node "Add_0/Unsqueeze": "Add_0/aligned" = Unsqueeze(b, "Add_0/axes")
  node "Add_0": y = Add(a, "Add_0/aligned")`},
	{name: "Mul-1 broadcast axis const", op: "Mul", version: 1, opset: 1,
		graph: one(mkNode("Mul", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1), aInt("axis", 0), aInts("consumed_inputs", 0, 0)),
			[]*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3)}, f32Tensor("b", []int64{2}, 10, 20)),
		want: `
  input a: float32[2,3]
  const "Mul_0/aligned": float32[2,1] = {10, 20}
  node "Mul_0": y = Mul(a, "Mul_0/aligned")`},
	{name: "Sub-6 broadcast trailing", op: "Sub", version: 6, opset: 6,
		graph: one(mkNode("Sub", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1)),
			[]*onnxpb.ValueInfoProto{x4("a"), vi("b", ir.Float32, 5)}),
		want: `
  input a: float32[2,3,4,5]
  input b: float32[5]
  node "Sub_0": y = Sub(a, b)`},
	{name: "Div-6 broadcast unknown rank", op: "Div", version: 6, opset: 6,
		graph: one(mkNode("Div", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1), aInt("axis", 1)),
			[]*onnxpb.ValueInfoProto{vi("a", ir.Float32), vi("b", ir.Float32, 3)}),
		unsup: "needs the ranks of both inputs"},
	{name: "Pow-1", op: "Pow", version: 1, opset: 6,
		graph: one(mkNode("Pow", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1), aInt("axis", 0)),
			[]*onnxpb.ValueInfoProto{vi("a", ir.Float32, 3, 2), vi("b", ir.Float32, 3)}),
		want: `
  input a: float32[3,2]
  input b: float32[3]
  const "Pow_0/axes": int64[1] = {1}
  node "Pow_0/Unsqueeze": "Pow_0/aligned" = Unsqueeze(b, "Pow_0/axes")
  node "Pow_0": y = Pow(a, "Pow_0/aligned")`},
	{name: "Equal-1", op: "Equal", version: 1, opset: 1,
		graph: one(mkNode("Equal", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1)),
			[]*onnxpb.ValueInfoProto{vi("a", ir.Int64, 3, 2), vi("b", ir.Int64, 2)}),
		want: `
  input a: int64[3,2]
  input b: int64[2]
  node "Equal_0": y = Equal(a, b)`},
	{name: "Greater-1", op: "Greater", version: 1, opset: 1,
		graph: one(mkNode("Greater", []string{"a", "b"}, []string{"y"}),
			[]*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2), vi("b", ir.Float32, 2)}),
		want: `
  input a: float32[2]
  input b: float32[2]
  node "Greater_0": y = Greater(a, b)`},
	{name: "Less-1", op: "Less", version: 1, opset: 1,
		graph: one(mkNode("Less", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1), aInt("axis", -2)),
			[]*onnxpb.ValueInfoProto{vi("a", ir.Float32, 4, 3, 2), vi("b", ir.Float32, 3)}),
		want: `
  input a: float32[4,3,2]
  input b: float32[3]
  const "Less_0/axes": int64[1] = {1}
  node "Less_0/Unsqueeze": "Less_0/aligned" = Unsqueeze(b, "Less_0/axes")
  node "Less_0": y = Less(a, "Less_0/aligned")`},
	{name: "Gemm-6 broadcast", op: "Gemm", version: 6, opset: 6,
		graph: one(mkNode("Gemm", []string{"a", "b", "c"}, []string{"y"}, aInt("broadcast", 1), aInt("transB", 1)),
			[]*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3), vi("b", ir.Float32, 4, 3), vi("c", ir.Float32, 4)}),
		want: `
  input a: float32[2,3]
  input b: float32[4,3]
  input c: float32[4]
  node "Gemm_0": y = Gemm(a, b, c) {transB=1}`},
	{name: "PRelu-6 per channel", op: "PRelu", version: 6, opset: 6,
		graph: one(mkNode("PRelu", []string{"x", "s"}, []string{"y"}),
			[]*onnxpb.ValueInfoProto{x4("x")}, f32Tensor("s", []int64{3}, 1, 2, 3)),
		want: `
  input x: float32[2,3,4,5]
  const "PRelu_0/aligned": float32[3,1,1] = {1, 2, 3}
  node "PRelu_0": y = PRelu(x, "PRelu_0/aligned")`},
	{name: "PRelu-6 shared slope", op: "PRelu", version: 6, opset: 6,
		graph: one(mkNode("PRelu", []string{"x", "s"}, []string{"y"}),
			[]*onnxpb.ValueInfoProto{x4("x")}, f32Tensor("s", []int64{1}, 0.5)),
		want: `
  input x: float32[2,3,4,5]
  const s: float32[1] = {0.5}
  node "PRelu_0": y = PRelu(x, s)`},
	{name: "Softmax-11 last axis", op: "Softmax", version: 11, opset: 11,
		graph: one(mkNode("Softmax", []string{"x"}, []string{"y"}, aInt("axis", 3)), []*onnxpb.ValueInfoProto{x4("x")}),
		want: `
  input x: float32[2,3,4,5]
  node "Softmax_0": y = Softmax(x) {axis=-1}`},
	{name: "Softmax-1 default axis", op: "Softmax", version: 1, opset: 6,
		graph: one(mkNode("Softmax", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{x4("x")}),
		want: `
  input x: float32[2,3,4,5]
  node "Softmax_0/Flatten": "Softmax_0/flat" = Flatten(x) {axis=1}
  node "Softmax_0": "Softmax_0/softmax" = Softmax("Softmax_0/flat") {axis=1}
  node "Softmax_0/Shape": "Softmax_0/shape" = Shape(x)
  node "Softmax_0/Reshape": y = Reshape("Softmax_0/softmax", "Softmax_0/shape")`},
	{name: "LogSoftmax-11 negative axis unknown rank", op: "LogSoftmax", version: 11, opset: 12,
		graph: one(mkNode("LogSoftmax", []string{"x"}, []string{"y"}, aInt("axis", -2)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32)}),
		want: `
  input x: float32
  node "LogSoftmax_0/Flatten": "LogSoftmax_0/flat" = Flatten(x) {axis=-2}
  node "LogSoftmax_0": "LogSoftmax_0/logsoftmax" = LogSoftmax("LogSoftmax_0/flat") {axis=1}
  node "LogSoftmax_0/Shape": "LogSoftmax_0/shape" = Shape(x)
  node "LogSoftmax_0/Reshape": y = Reshape("LogSoftmax_0/logsoftmax", "LogSoftmax_0/shape")`},
	{name: "Clip-6 attrs", op: "Clip", version: 6, opset: 6,
		graph: one(mkNode("Clip", []string{"x"}, []string{"y"}, aFloat("min", -0.5), aFloat("max", 0.5)), []*onnxpb.ValueInfoProto{vi("x", ir.Float64, 3)}),
		want: `
  input x: float64[3]
  const "Clip_0/min": float64[] = {-0.5}
  const "Clip_0/max": float64[] = {0.5}
  node "Clip_0": y = Clip(x, "Clip_0/min", "Clip_0/max")`},
	{name: "Clip-1 max only", op: "Clip", version: 1, opset: 1,
		graph: one(mkNode("Clip", []string{"x"}, []string{"y"}, aFloat("max", 6), aInts("consumed_inputs", 0)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		want: `
  input x: float32[3]
  const "Clip_0/max": float32[] = {6}
  node "Clip_0": y = Clip(x, _, "Clip_0/max")`},
	{name: "Squeeze-11", op: "Squeeze", version: 11, opset: 11,
		graph: one(mkNode("Squeeze", []string{"x"}, []string{"y"}, aInts("axes", 0, -1)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 1, 3, 1)}),
		want: `
  input x: float32[1,3,1]
  const "Squeeze_0/axes": int64[2] = {0, -1}
  node "Squeeze_0": y = Squeeze(x, "Squeeze_0/axes")`},
	{name: "Squeeze-1 no axes", op: "Squeeze", version: 1, opset: 6,
		graph: one(mkNode("Squeeze", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 1, 3, 1)}),
		want: `
  input x: float32[1,3,1]
  node "Squeeze_0": y = Squeeze(x)`},
	{name: "Unsqueeze-1", op: "Unsqueeze", version: 1, opset: 9,
		graph: one(mkNode("Unsqueeze", []string{"x"}, []string{"y"}, aInts("axes", 1)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		want: `
  input x: float32[3]
  const "Unsqueeze_0/axes": int64[1] = {1}
  node "Unsqueeze_0": y = Unsqueeze(x, "Unsqueeze_0/axes")`},
	{name: "ReduceSum-11", op: "ReduceSum", version: 11, opset: 12,
		graph: one(mkNode("ReduceSum", []string{"x"}, []string{"y"}, aInts("axes", 1), aInt("keepdims", 0)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		want: `
  input x: float32[2,3]
  const "ReduceSum_0/axes": int64[1] = {1}
  node "ReduceSum_0": y = ReduceSum(x, "ReduceSum_0/axes") {keepdims=0}`},
	{name: "Split-2", op: "Split", version: 2, opset: 6,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("Split", []string{"x"}, []string{"a", "b"}, aInt("axis", 0), aInts("split", 2, 1))},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}, []*onnxpb.ValueInfoProto{vi("a", ir.Float32), vi("b", ir.Float32)}),
		want: `
  input x: float32[3]
  const "Split_0/split": int64[2] = {2, 1}
  node "Split_0": a: float32, b: float32 = Split(x, "Split_0/split") {axis=0}`},
	{name: "Split-11 equal", op: "Split", version: 11, opset: 11,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("Split", []string{"x"}, []string{"a", "b"}, aInt("axis", -1))},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("a", ir.Float32), vi("b", ir.Float32)}),
		want: `
  input x: float32[4]
  node "Split_0": a: float32, b: float32 = Split(x) {axis=-1}`},
	{name: "Slice-1", op: "Slice", version: 1, opset: 9,
		graph: one(mkNode("Slice", []string{"x"}, []string{"y"}, aInts("starts", 0), aInts("ends", 1), aInts("axes", 0)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 2)}),
		want: `
  input x: float32[2,2]
  const "Slice_0/starts": int64[1] = {0}
  const "Slice_0/ends": int64[1] = {1}
  const "Slice_0/axes": int64[1] = {0}
  node "Slice_0": y = Slice(x, "Slice_0/starts", "Slice_0/ends", "Slice_0/axes")`},
	{name: "Pad-2 constant value", op: "Pad", version: 2, opset: 10,
		graph: one(mkNode("Pad", []string{"x"}, []string{"y"}, aInts("pads", 0, 1, 0, 2), aFloat("value", 1.5)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 2)}),
		want: `
  input x: float32[2,2]
  const "Pad_0/pads": int64[4] = {0, 1, 0, 2}
  const "Pad_0/value": float32[] = {1.5}
  node "Pad_0": y = Pad(x, "Pad_0/pads", "Pad_0/value")`},
	{name: "Pad-1 reflect", op: "Pad", version: 1, opset: 1,
		graph: one(mkNode("Pad", []string{"x"}, []string{"y"}, aInts("paddings", 0, 1, 0, 2), aString("mode", "reflect"), aFloat("value", 3)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 4)}),
		want: `
  input x: float32[2,4]
  const "Pad_0/pads": int64[4] = {0, 1, 0, 2}
  node "Pad_0": y = Pad(x, "Pad_0/pads") {mode="reflect"}`},
	{name: "Reshape-1", op: "Reshape", version: 1, opset: 4,
		graph: one(mkNode("Reshape", []string{"x"}, []string{"y"}, aInts("shape", 3, -1), aInts("consumed_inputs", 0)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		want: `
  input x: float32[2,3]
  const "Reshape_0/shape": int64[2] = {3, -1}
  node "Reshape_0": y = Reshape(x, "Reshape_0/shape")`},
	{name: "Upsample-1 bilinear", op: "Upsample", version: 1, opset: 6,
		graph: one(mkNode("Upsample", []string{"x"}, []string{"y"}, aFloat("height_scale", 2), aFloat("width_scale", 3), aString("mode", "bilinear")), []*onnxpb.ValueInfoProto{x4("x")}),
		want: `
  input x: float32[2,3,4,5]
  const "Upsample_0/scales": float32[4] = {1, 1, 2, 3}
  node "Upsample_0": y = Resize(x, _, "Upsample_0/scales") {coordinate_transformation_mode="asymmetric", mode="linear"}`},
	{name: "Upsample-7 nearest", op: "Upsample", version: 7, opset: 8,
		graph: one(mkNode("Upsample", []string{"x"}, []string{"y"}, aFloats("scales", 1, 1, 2, 2)), []*onnxpb.ValueInfoProto{x4("x")}),
		want: `
  input x: float32[2,3,4,5]
  const "Upsample_0/scales": float32[4] = {1, 1, 2, 2}
  node "Upsample_0": y = Resize(x, _, "Upsample_0/scales") {coordinate_transformation_mode="asymmetric", mode="nearest", nearest_mode="floor"}`},
	{name: "Upsample-9 input", op: "Upsample", version: 9, opset: 9,
		graph: one(mkNode("Upsample", []string{"x", "s"}, []string{"y"}, aString("mode", "nearest")), []*onnxpb.ValueInfoProto{x4("x"), vi("s", ir.Float32, 4)}),
		want: `
  input x: float32[2,3,4,5]
  input s: float32[4]
  node "Upsample_0": y = Resize(x, _, s) {coordinate_transformation_mode="asymmetric", mode="nearest", nearest_mode="floor"}`},
	{name: "Resize-10 downsample nearest", op: "Resize", version: 10, opset: 10,
		graph: one(mkNode("Resize", []string{"x", "s"}, []string{"y"}, aString("mode", "nearest")), []*onnxpb.ValueInfoProto{x4("x")}, f32Tensor("s", []int64{4}, 1, 1, 0.6, 0.6)),
		want: `
  input x: float32[2,3,4,5]
  const s: float32[4] = {1, 1, 0.6, 0.6}
  node "Resize_0": y = Resize(x, _, s) {coordinate_transformation_mode="asymmetric", mode="nearest", nearest_mode="ceil"}`},
	{name: "Resize-10 linear", op: "Resize", version: 10, opset: 10,
		graph: one(mkNode("Resize", []string{"x", "s"}, []string{"y"}, aString("mode", "linear")), []*onnxpb.ValueInfoProto{x4("x"), vi("s", ir.Float32, 4)}),
		want: `
  input x: float32[2,3,4,5]
  input s: float32[4]
  node "Resize_0": y = Resize(x, _, s) {coordinate_transformation_mode="asymmetric", mode="linear"}`},
	{name: "Resize-10 nearest dynamic scales", op: "Resize", version: 10, opset: 10,
		graph: one(mkNode("Resize", []string{"x", "s"}, []string{"y"}), []*onnxpb.ValueInfoProto{x4("x"), vi("s", ir.Float32, 4)}),
		unsup: "non-constant scales"},
	{name: "Resize-11 empty roi and scales", op: "Resize", version: 11, opset: 11,
		graph: one(mkNode("Resize", []string{"x", "roi", "scales", "sizes"}, []string{"y"}), []*onnxpb.ValueInfoProto{x4("x")},
			f32Tensor("roi", []int64{0}), f32Tensor("scales", []int64{0}), i64Tensor("sizes", []int64{4}, 2, 3, 8, 10)),
		want: `
  input x: float32[2,3,4,5]
  const sizes: int64[4] = {2, 3, 8, 10}
  node "Resize_0": y = Resize(x, _, _, sizes)`},
	{name: "Resize-11 tf_half_pixel_for_nn", op: "Resize", version: 11, opset: 11,
		graph: one(mkNode("Resize", []string{"x", "roi", "scales"}, []string{"y"}, aString("coordinate_transformation_mode", "tf_half_pixel_for_nn")), []*onnxpb.ValueInfoProto{x4("x"), vi("roi", ir.Float32, 0), vi("scales", ir.Float32, 4)}),
		want: `
  input x: float32[2,3,4,5]
  input roi: float32[0]
  input scales: float32[4]
  node "Resize_0": y = Resize(x, roi, scales) {coordinate_transformation_mode="tf_half_pixel_for_nn"}`},
	{name: "BatchNormalization-6 test mode", op: "BatchNormalization", version: 6, opset: 6,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("BatchNormalization", []string{"x", "s", "b", "m", "v"}, []string{"y", "rm", "rv", "sm", "sv"}, aInt("is_test", 1), aFloat("epsilon", 1e-3), aFloat("momentum", 0.9))},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3), vi("s", ir.Float32, 3), vi("b", ir.Float32, 3), vi("m", ir.Float32, 3), vi("v", ir.Float32, 3)},
			[]*onnxpb.ValueInfoProto{vi("y", ir.Float32)}),
		want: `
  input x: float32[2,3]
  input s: float32[3]
  input b: float32[3]
  input m: float32[3]
  input v: float32[3]
  node "BatchNormalization_0": y: float32 = BatchNormalization(x, s, b, m, v) {epsilon=0.001, momentum=0.9}`},
	{name: "BatchNormalization-9 training output used", op: "BatchNormalization", version: 9, opset: 9,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("BatchNormalization", []string{"x", "s", "b", "m", "v"}, []string{"y", "rm"})},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3), vi("s", ir.Float32, 3), vi("b", ir.Float32, 3), vi("m", ir.Float32, 3), vi("v", ir.Float32, 3)},
			[]*onnxpb.ValueInfoProto{vi("y", ir.Float32), vi("rm", ir.Float32)}),
		unsup: "training output 1"},
	{name: "BatchNormalization-7 spatial=0", op: "BatchNormalization", version: 7, opset: 7,
		graph: one(mkNode("BatchNormalization", []string{"x", "s", "b", "m", "v"}, []string{"y"}, aInt("spatial", 0), aFloat("epsilon", 0.25)),
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3, 2), vi("s", ir.Float32, 3, 2), vi("b", ir.Float32, 3, 2), vi("m", ir.Float32, 3, 2), vi("v", ir.Float32, 3, 2)}),
		want: `
  input x: float32[2,3,2]
  input s: float32[3,2]
  input b: float32[3,2]
  input m: float32[3,2]
  input v: float32[3,2]
  const "BatchNormalization_0/epsilon": float32[] = {0.25}
  node "BatchNormalization_0/Add": "BatchNormalization_0/var_eps" = Add(v, "BatchNormalization_0/epsilon")
  node "BatchNormalization_0/Sqrt": "BatchNormalization_0/std" = Sqrt("BatchNormalization_0/var_eps")
  node "BatchNormalization_0/Div": "BatchNormalization_0/scale_std" = Div(s, "BatchNormalization_0/std")
  node "BatchNormalization_0/Sub": "BatchNormalization_0/centered" = Sub(x, m)
  node "BatchNormalization_0/Mul": "BatchNormalization_0/scaled" = Mul("BatchNormalization_0/centered", "BatchNormalization_0/scale_std")
  node "BatchNormalization_0/Add_1": y = Add("BatchNormalization_0/scaled", b)`},
	{name: "BatchNormalization-1 training by default", op: "BatchNormalization", version: 1, opset: 1,
		graph: one(mkNode("BatchNormalization", []string{"x", "s", "b", "m", "v"}, []string{"y"}, aInts("consumed_inputs", 0, 0, 0, 1, 1)),
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3), vi("s", ir.Float32, 3), vi("b", ir.Float32, 3), vi("m", ir.Float32, 3), vi("v", ir.Float32, 3)}),
		want: `
  input x: float32[2,3]
  input s: float32[3]
  input b: float32[3]
  input m: float32[3]
  input v: float32[3]
  node "BatchNormalization_0": y = BatchNormalization(x, s, b, m, v) {training_mode=1}`},
	{name: "Dropout-7 ratio", op: "Dropout", version: 7, opset: 7,
		graph: one(mkNode("Dropout", []string{"x"}, []string{"y"}, aFloat("ratio", 0.25)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		want: `
  input x: float32[3]
  const "Dropout_0/ratio": float32[] = {0.25}
  node "Dropout_0": y = Dropout(x, "Dropout_0/ratio")`},
	{name: "Dropout-6 training default, unused mask", op: "Dropout", version: 6, opset: 6,
		graph: one(mkNode("Dropout", []string{"x"}, []string{"y", "mask"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		want: `
  input x: float32[3]
  const "Dropout_0/training_mode": bool[] = {true}
  node "Dropout_0": y = Dropout(x, _, "Dropout_0/training_mode")`},
	{name: "Dropout-6 used float mask", op: "Dropout", version: 6, opset: 6,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("Dropout", []string{"x"}, []string{"y", "mask"}, aInt("is_test", 1))},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}, []*onnxpb.ValueInfoProto{vi("y", ir.Float32), vi("mask", ir.Float32)}),
		unsup: "mask output"},
	{name: "Dropout-10 mask", op: "Dropout", version: 10, opset: 11,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("Dropout", []string{"x"}, []string{"y", "mask"})},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}, []*onnxpb.ValueInfoProto{vi("y", ir.Float32), vi("mask", ir.Bool)}),
		want: `
  input x: float32[3]
  node "Dropout_0": y: float32, mask: bool = Dropout(x)`},
	{name: "Cast-1 string to", op: "Cast", version: 1, opset: 5,
		graph: one(mkNode("Cast", []string{"x"}, []string{"y"}, aString("to", "INT64")), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		want: `
  input x: float32[3]
  node "Cast_0": y = Cast(x) {to=7}`},
	{name: "Cast-1 to float16", op: "Cast", version: 1, opset: 5,
		graph: one(mkNode("Cast", []string{"x"}, []string{"y"}, aString("to", "FLOAT16")), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		unsup: "cast to float16"},
	{name: "Concat-1 default axis", op: "Concat", version: 1, opset: 3,
		graph: one(mkNode("Concat", []string{"a", "b"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 1), vi("b", ir.Float32, 2, 2)}),
		want: `
  input a: float32[2,1]
  input b: float32[2,2]
  node "Concat_0": y = Concat(a, b) {axis=1}`},
	{name: "ReduceMean-18 axes input", op: "ReduceMean", version: 18, opset: 18,
		graph: one(mkNode("ReduceMean", []string{"x", "axes"}, []string{"y"}, aInt("keepdims", 0)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}, i64Tensor("axes", []int64{1}, 1)),
		want: `
  input x: float32[2,3]
  node "ReduceMean_0": y = ReduceMean(x) {axes=[1], keepdims=0}`},
	{name: "ReduceMax-18 noop", op: "ReduceMax", version: 18, opset: 18,
		graph: one(mkNode("ReduceMax", []string{"x"}, []string{"y"}, aInt("noop_with_empty_axes", 1)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		want: `
  input x: float32[2,3]
  node "ReduceMax_0": y = Identity(x)`},
	{name: "ReduceMin-18 dynamic axes", op: "ReduceMin", version: 18, opset: 19,
		graph: one(mkNode("ReduceMin", []string{"x", "axes"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3), vi("axes", ir.Int64, 1)}),
		unsup: "non-constant axes"},
	{name: "ReduceL1-18", op: "ReduceL1", version: 18, opset: 18,
		graph: one(mkNode("ReduceL1", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		unsup: noSchema},
	{name: "Split-18 num_outputs", op: "Split", version: 18, opset: 18,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("Split", []string{"x"}, []string{"a", "b", "c"}, aInt("num_outputs", 3), aInt("axis", -1))},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 7)}, []*onnxpb.ValueInfoProto{vi("a", ir.Float32), vi("b", ir.Float32), vi("c", ir.Float32)}),
		want: `
  input x: float32[2,7]
  const "Split_0/split": int64[3] = {3, 3, 1}
  node "Split_0": a: float32, b: float32, c: float32 = Split(x, "Split_0/split") {axis=-1}`},
	{name: "Pad-18 axes", op: "Pad", version: 18, opset: 18,
		graph: one(mkNode("Pad", []string{"x", "pads", "", "axes"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)},
			i64Tensor("pads", []int64{2}, 1, 2), i64Tensor("axes", []int64{1}, -1)),
		want: `
  input x: float32[2,3]
  const "Pad_0/pads": int64[4] = {0, 1, 0, 2}
  node "Pad_0": y = Pad(x, "Pad_0/pads")`},
	{name: "Pad-19 wrap", op: "Pad", version: 19, opset: 19,
		graph: one(mkNode("Pad", []string{"x", "pads"}, []string{"y"}, aString("mode", "wrap")), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)},
			i64Tensor("pads", []int64{4}, 0, 1, 0, 1)),
		unsup: "wrap"},
	{name: "Resize-19 defaults", op: "Resize", version: 19, opset: 21,
		graph: one(mkNode("Resize", []string{"x", "", "scales"}, []string{"y"}, aInt("antialias", 0), aString("keep_aspect_ratio_policy", "stretch")), []*onnxpb.ValueInfoProto{x4("x")},
			f32Tensor("scales", []int64{4}, 1, 1, 2, 2)),
		want: `
  input x: float32[2,3,4,5]
  const scales: float32[4] = {1, 1, 2, 2}
  node "Resize_0": y = Resize(x, _, scales)`},
	{name: "Resize-18 antialias", op: "Resize", version: 18, opset: 18,
		graph: one(mkNode("Resize", []string{"x", "", "scales"}, []string{"y"}, aInt("antialias", 1)), []*onnxpb.ValueInfoProto{x4("x")},
			f32Tensor("scales", []int64{4}, 1, 1, 0.5, 0.5)),
		unsup: "antialias"},
	{name: "AveragePool-19 dilations 1", op: "AveragePool", version: 19, opset: 19,
		graph: one(mkNode("AveragePool", []string{"x"}, []string{"y"}, aInts("kernel_shape", 2, 2), aInts("dilations", 1, 1)), []*onnxpb.ValueInfoProto{x4("x")}),
		want: `
  input x: float32[2,3,4,5]
  node "AveragePool_0": y = AveragePool(x) {kernel_shape=[2, 2]}`},
	{name: "AveragePool-19 dilations 2", op: "AveragePool", version: 19, opset: 19,
		graph: one(mkNode("AveragePool", []string{"x"}, []string{"y"}, aInts("kernel_shape", 2, 2), aInts("dilations", 2, 2)), []*onnxpb.ValueInfoProto{x4("x")}),
		unsup: "dilations"},
	{name: "Cast-19 saturate", op: "Cast", version: 19, opset: 21,
		graph: one(mkNode("Cast", []string{"x"}, []string{"y"}, aInt("to", 1), aInt("saturate", 1)), []*onnxpb.ValueInfoProto{vi("x", ir.Int64, 3)}),
		want: `
  input x: int64[3]
  node "Cast_0": y = Cast(x) {to=1}`},
	{name: "Add-1 no broadcast", op: "Add", version: 1, opset: 1,
		graph: one(mkNode("Add", []string{"a", "b"}, []string{"y"}, aInts("consumed_inputs", 0, 0)), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2), vi("b", ir.Float32, 2)}),
		want: `
  input a: float32[2]
  input b: float32[2]
  node "Add_0": y = Add(a, b)`},
	{name: "Sub-1 broadcast axis", op: "Sub", version: 1, opset: 1,
		graph: one(mkNode("Sub", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1), aInt("axis", 0)), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3), vi("b", ir.Float32, 2)}),
		want: `
  input a: float32[2,3]
  input b: float32[2]
  const "Sub_0/axes": int64[1] = {1}
  node "Sub_0/Unsqueeze": "Sub_0/aligned" = Unsqueeze(b, "Sub_0/axes")
  node "Sub_0": y = Sub(a, "Sub_0/aligned")`},
	{name: "Mul-6 broadcast", op: "Mul", version: 6, opset: 6,
		graph: one(mkNode("Mul", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1)), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3), vi("b", ir.Float32, 3)}),
		want: `
  input a: float32[2,3]
  input b: float32[3]
  node "Mul_0": y = Mul(a, b)`},
	{name: "Div-1 broadcast axis bad", op: "Div", version: 1, opset: 1,
		graph: one(mkNode("Div", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1), aInt("axis", 1)), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3), vi("b", ir.Float32, 3, 2)}),
		fails: "does not fit"},
	{name: "And-1", op: "And", version: 1, opset: 1,
		graph: one(mkNode("And", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1)), []*onnxpb.ValueInfoProto{vi("a", ir.Bool, 2), vi("b", ir.Bool, 2)}),
		unsup: noSchema},
	{name: "Or-1", op: "Or", version: 1, opset: 1,
		graph: one(mkNode("Or", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1)), []*onnxpb.ValueInfoProto{vi("a", ir.Bool, 2), vi("b", ir.Bool, 2)}),
		unsup: noSchema},
	{name: "Xor-1", op: "Xor", version: 1, opset: 1,
		graph: one(mkNode("Xor", []string{"a", "b"}, []string{"y"}, aInt("broadcast", 1)), []*onnxpb.ValueInfoProto{vi("a", ir.Bool, 2), vi("b", ir.Bool, 2)}),
		unsup: noSchema},
	{name: "Gemm-1 broadcast", op: "Gemm", version: 1, opset: 1,
		graph: one(mkNode("Gemm", []string{"a", "b", "c"}, []string{"y"}, aInt("broadcast", 0)), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3), vi("b", ir.Float32, 3, 4), vi("c", ir.Float32, 2, 4)}),
		want: `
  input a: float32[2,3]
  input b: float32[3,4]
  input c: float32[2,4]
  node "Gemm_0": y = Gemm(a, b, c)`},
	{name: "Gemm-9", op: "Gemm", version: 9, opset: 10,
		graph: one(mkNode("Gemm", []string{"a", "b", "c"}, []string{"y"}, aFloat("alpha", 2)), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3), vi("b", ir.Float32, 3, 4), vi("c", ir.Float32, 4)}),
		want: `
  input a: float32[2,3]
  input b: float32[3,4]
  input c: float32[4]
  node "Gemm_0": y = Gemm(a, b, c) {alpha=2.0}`},
	{name: "Gemm-7", op: "Gemm", version: 7, opset: 8,
		graph: one(mkNode("Gemm", []string{"a", "b", "c"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("a", ir.Float32, 2, 3), vi("b", ir.Float32, 3, 4), vi("c", ir.Float32, 1)}),
		want: `
  input a: float32[2,3]
  input b: float32[3,4]
  input c: float32[1]
  node "Gemm_0": y = Gemm(a, b, c)`},
	{name: "PRelu-1 dynamic slope", op: "PRelu", version: 1, opset: 1,
		graph: one(mkNode("PRelu", []string{"x", "s"}, []string{"y"}, aInts("consumed_inputs", 0, 0)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3, 4), vi("s", ir.Float32, 3)}),
		want: `
  input x: float32[2,3,4]
  input s: float32[3]
  const "PRelu_0/axes": int64[1] = {1}
  node "PRelu_0/Unsqueeze": "PRelu_0/aligned" = Unsqueeze(s, "PRelu_0/axes")
  node "PRelu_0": y = PRelu(x, "PRelu_0/aligned")`},
	{name: "LogSoftmax-1 2-D", op: "LogSoftmax", version: 1, opset: 6,
		graph: one(mkNode("LogSoftmax", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, "N", 10)}),
		want: `
  input x: float32[N,10]
  node "LogSoftmax_0": y = LogSoftmax(x) {axis=-1}`},
	{name: "Unsqueeze-11", op: "Unsqueeze", version: 11, opset: 12,
		graph: one(mkNode("Unsqueeze", []string{"x"}, []string{"y"}, aInts("axes", -1)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		want: `
  input x: float32[3]
  const "Unsqueeze_0/axes": int64[1] = {-1}
  node "Unsqueeze_0": y = Unsqueeze(x, "Unsqueeze_0/axes")`},
	{name: "ReduceSum-1 all axes", op: "ReduceSum", version: 1, opset: 1,
		graph: one(mkNode("ReduceSum", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		want: `
  input x: float32[2,3]
  node "ReduceSum_0": y = ReduceSum(x)`},
	{name: "Split-1 split input", op: "Split", version: 1, opset: 1,
		graph: mkGraph([]*onnxpb.NodeProto{mkNode("Split", []string{"x", "s"}, []string{"a", "b"})},
			[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}, []*onnxpb.ValueInfoProto{vi("a", ir.Float32), vi("b", ir.Float32)}, i64Tensor("s", []int64{2}, 1, 2)),
		want: `
  input x: float32[3]
  const s: int64[2] = {1, 2}
  node "Split_0": a: float32, b: float32 = Split(x, s)`},
	{name: "Upsample-10", op: "Upsample", version: 10, opset: 10,
		graph: one(mkNode("Upsample", []string{"x", "s"}, []string{"y"}, aString("mode", "linear")), []*onnxpb.ValueInfoProto{x4("x")}, f32Tensor("s", []int64{4}, 1, 1, 2, 2)),
		want: `
  input x: float32[2,3,4,5]
  const s: float32[4] = {1, 1, 2, 2}
  node "Upsample_0": y = Resize(x, _, s) {coordinate_transformation_mode="asymmetric", mode="linear"}`},
	{name: "Resize-13 empty roi", op: "Resize", version: 13, opset: 17,
		graph: one(mkNode("Resize", []string{"x", "roi", "scales"}, []string{"y"}, aString("mode", "linear")), []*onnxpb.ValueInfoProto{x4("x")},
			f32Tensor("roi", []int64{0}), f32Tensor("scales", []int64{4}, 1, 1, 2, 2)),
		want: `
  input x: float32[2,3,4,5]
  const scales: float32[4] = {1, 1, 2, 2}
  node "Resize_0": y = Resize(x, _, scales) {mode="linear"}`},
	{name: "Dropout-1 test mode", op: "Dropout", version: 1, opset: 1,
		graph: one(mkNode("Dropout", []string{"x"}, []string{"y"}, aInt("is_test", 1), aInts("consumed_inputs", 0)), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 3)}),
		want: `
  input x: float32[3]
  node "Dropout_0": y = Dropout(x)`},
	{name: "ReduceL2-18", op: "ReduceL2", version: 18, opset: 18,
		graph: one(mkNode("ReduceL2", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		unsup: noSchema},
	{name: "ReduceLogSum-18", op: "ReduceLogSum", version: 18, opset: 18,
		graph: one(mkNode("ReduceLogSum", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		unsup: noSchema},
	{name: "ReduceLogSumExp-18", op: "ReduceLogSumExp", version: 18, opset: 18,
		graph: one(mkNode("ReduceLogSumExp", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		unsup: noSchema},
	{name: "ReduceProd-18", op: "ReduceProd", version: 18, opset: 18,
		graph: one(mkNode("ReduceProd", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		unsup: noSchema},
	{name: "ReduceSumSquare-18", op: "ReduceSumSquare", version: 18, opset: 18,
		graph: one(mkNode("ReduceSumSquare", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3)}),
		unsup: noSchema},
}

// body returns the lines of the IR text between the header lines and the
// outputs: inputs, constants and nodes.
func body(g *ir.Graph) string {
	var lines []string
	for _, l := range strings.Split(ir.Format(g, 0), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "graph ") || strings.HasPrefix(t, "source_opset") || strings.HasPrefix(t, "output ") || t == "}" || t == "" {
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

func TestUpgrades(t *testing.T) {
	for _, tc := range upgradeCases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := Decode(marshal(t, mkModel(tc.opset, tc.graph)))
			if tc.unsup == noSchema {
				if hasSchema(tc.op) {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				tc.unsup = "operator not supported by latent"
			}
			if tc.fails != "" {
				if err == nil || errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.fails) {
					t.Fatalf("got error %v, want one mentioning %q", err, tc.fails)
				}
				return
			}
			if tc.unsup != "" {
				var ue *UnsupportedError
				if !errors.As(err, &ue) {
					t.Fatalf("got error %v, want an UnsupportedError mentioning %q", err, tc.unsup)
				}
				if !strings.Contains(err.Error(), tc.unsup) || ue.Nodes[0].Op != tc.op || ue.Nodes[0].Version != tc.version {
					t.Fatalf("got %v, want %s-%d unsupported: %q", err, tc.op, tc.version, tc.unsup)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := body(g)
			if *printGot {
				fmt.Printf("--- %s\n%s\n", tc.name, got)
			}
			if want := strings.TrimPrefix(tc.want, "\n"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestUpgradeTableCovered checks that every entry of the upgrade table has
// a test case at each operator version it handles.
func TestUpgradeTableCovered(t *testing.T) {
	for _, u := range upgrades {
		for _, v := range append(slices.Clone(onnxVersions[u.Op]), post17[u.Op]...) {
			if v < u.From || v > u.To {
				continue
			}
			found := false
			for _, tc := range upgradeCases {
				found = found || (tc.op == u.Op && tc.version == v)
			}
			if !found {
				t.Errorf("no upgrade test case for %s-%d", u.Op, v)
			}
		}
	}
}
