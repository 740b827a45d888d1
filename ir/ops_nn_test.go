package ir_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/latent-go/latent/ir"
)

// nnInfer parses a graph whose last node defines y, verifies it, runs shape
// inference and returns the type text of every node output.
func nnInfer(t *testing.T, body string) (map[string]string, error) {
	t.Helper()
	g, err := ir.Parse("graph \"g\" {\n" + body + "\n}")
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	if err := ir.Verify(g); err != nil {
		return nil, err
	}
	if err := ir.InferShapes(g); err != nil {
		return nil, err
	}
	types := map[string]string{}
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				types[v.Name] = ir.TypeString(v.DType, v.Shape)
			}
		}
	}
	return types, nil
}

func TestNNInferShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       map[string]string
	}{
		{"conv same pads", `input x: float32[N,1,28,28]
  input w: float32[16,1,3,3]
  y = Conv(x, w) {pads=[1, 1, 1, 1]}
  output y`, map[string]string{"y": "float32[N,16,28,28]"}},
		{"conv strides bias", `input x: float32[N,3,32,32]
  input w: float32[8,3,5,5]
  input b: float32[8]
  y = Conv(x, w, b) {strides=[2, 2]}
  output y`, map[string]string{"y": "float32[N,8,14,14]"}},
		{"conv auto_pad dilations 1-D", `input x: float32[2,4,10]
  input w: float32[6,2,3]
  y = Conv(x, w) {auto_pad="SAME_LOWER", dilations=[2], group=2, strides=[3]}
  output y`, map[string]string{"y": "float32[2,6,4]"}},
		{"conv 3-D valid", `input x: float32[1,2,5,6,7]
  input w: float32[4,2,2,3,3]
  y = Conv(x, w) {auto_pad="VALID", strides=[1, 2, 2]}
  output y`, map[string]string{"y": "float32[1,4,4,2,3]"}},
		{"conv symbolic spatial", `input x: float32[N,3,H,W]
  input w: float32[8,3,3,3]
  y = Conv(x, w)
  output y`, map[string]string{"y": "float32[N,8,?,?]"}},
		{"conv unknown weight", `input x: float32[N,3,8,8]
  input w: float32
  y = Conv(x, w) {kernel_shape=[3, 3]}
  output y`, map[string]string{"y": "float32[N,?,6,6]"}},
		{"convtranspose", `input x: float32[N,16,7,7]
  input w: float32[16,8,3,3]
  y = ConvTranspose(x, w) {output_padding=[1, 1], pads=[1, 1, 1, 1], strides=[2, 2]}
  output y`, map[string]string{"y": "float32[N,8,14,14]"}},
		{"convtranspose groups output_shape", `input x: float32[1,4,3,3]
  input w: float32[4,3,3,3]
  y = ConvTranspose(x, w) {group=2, output_shape=[10, 8], strides=[3, 2]}
  output y`, map[string]string{"y": "float32[1,6,10,8]"}},
		{"convtranspose same_upper", `input x: float32[1,1,3,5]
  input w: float32[1,2,3,3]
  y = ConvTranspose(x, w) {auto_pad="SAME_UPPER", strides=[2, 2]}
  output y`, map[string]string{"y": "float32[1,2,6,10]"}},
		{"maxpool indices", `input x: float32[N,16,28,28]
  y, i = MaxPool(x) {kernel_shape=[2, 2], strides=[2, 2]}
  output y
  output i`, map[string]string{"y": "float32[N,16,14,14]", "i": "int64[N,16,14,14]"}},
		{"maxpool ceil dilations", `input x: float32[1,1,9]
  y = MaxPool(x) {ceil_mode=1, dilations=[2], kernel_shape=[2], strides=[2]}
  output y`, map[string]string{"y": "float32[1,1,4]"}},
		{"averagepool same_upper", `input x: float32[N,C,5,5]
  y = AveragePool(x) {auto_pad="SAME_UPPER", kernel_shape=[3, 3], strides=[2, 2]}
  output y`, map[string]string{"y": "float32[N,C,3,3]"}},
		{"global pools", `input x: float32[N,C,H,W]
  a = GlobalAveragePool(x)
  m = GlobalMaxPool(x)
  output a
  output m`, map[string]string{"a": "float32[N,C,1,1]", "m": "float32[N,C,1,1]"}},
		{"maxunpool", `input x: float32[N,3,2,2]
  input i: int64[N,3,2,2]
  y = MaxUnpool(x, i) {kernel_shape=[2, 2], strides=[2, 2]}
  output y`, map[string]string{"y": "float32[N,3,4,4]"}},
		{"maxunpool output_shape", `input x: float32[1,1,2,2]
  input i: int64[1,1,2,2]
  const s: int64[4] = {1, 1, 5, 5}
  y = MaxUnpool(x, i, s) {kernel_shape=[2, 2], strides=[2, 2]}
  output y`, map[string]string{"y": "float32[1,1,5,5]"}},
		{"gemm transB", `input x: float32[N,784]
  const w: float32[2,784] = {` + strings.Repeat("0, ", 1567) + `0}
  const b: float32[2] = {1, 2}
  y = Gemm(x, w, b) {transB=1}
  output y`, map[string]string{"y": "float32[N,2]"}},
		{"matmul batched", `input a: float32[N,3,4]
  input b: float32[4,5]
  y = MatMul(a, b)
  output y`, map[string]string{"y": "float32[N,3,5]"}},
		{"matmul vector", `input a: float32[4]
  input b: float32[N,4,5]
  y = MatMul(a, b)
  output y`, map[string]string{"y": "float32[N,5]"}},
		{"matmul broadcast", `input a: float32[2,1,3,4]
  input b: float32[5,4,6]
  y = MatMul(a, b)
  output y`, map[string]string{"y": "float32[2,5,3,6]"}},
		{"resize scales", `input x: float32[1,3,4,5]
  const s: float32[4] = {1, 1, 2, 0.5}
  y = Resize(x, _, s) {mode="linear"}
  output y`, map[string]string{"y": "float32[1,3,8,2]"}},
		{"resize scales symbolic", `input x: float32[N,3,H,W]
  const s: float32[4] = {1, 1, 2, 2}
  y = Resize(x, _, s)
  output y`, map[string]string{"y": "float32[N,3,?,?]"}},
		{"resize sizes", `input x: float32[N,3,H,W]
  const s: int64[4] = {1, 3, 64, 64}
  y = Resize(x, _, _, s)
  output y`, map[string]string{"y": "float32[1,3,64,64]"}},
		{"resize runtime scales", `input x: float32[N,3,H,W]
  input s: float32[4]
  y = Resize(x, _, s)
  output y`, map[string]string{"y": "float32[?,?,?,?]"}},
		{"batchnorm", `input x: float32[N,4,H,W]
  input s: float32[4]
  input b: float32[4]
  input m: float32[4]
  input v: float32[4]
  y = BatchNormalization(x, s, b, m, v) {epsilon=0.001}
  output y`, map[string]string{"y": "float32[N,4,H,W]"}},
		{"batchnorm training", `input x: float32[N,4,H,W]
  input s: float32[4]
  input b: float32[4]
  input m: float32[4]
  input v: float32[4]
  y, rm, rv = BatchNormalization(x, s, b, m, v) {training_mode=1}
  output y
  output rm
  output rv`, map[string]string{"y": "float32[N,4,H,W]", "rm": "float32[4]", "rv": "float32[4]"}},
		{"dropout", `input x: float32[N,10]
  y, m = Dropout(x)
  output y
  output m`, map[string]string{"y": "float32[N,10]", "m": "bool[N,10]"}},
		{"softmax", `input x: float32[N,10]
  y = Softmax(x) {axis=1}
  z = LogSoftmax(x)
  output y
  output z`, map[string]string{"y": "float32[N,10]", "z": "float32[N,10]"}},
		{"pad", `input x: float32[N,3,H,5]
  const p: int64[8] = {0, 0, 1, 2, 0, 0, 1, -1}
  y = Pad(x, p) {mode="reflect"}
  output y`, map[string]string{"y": "float32[N,3,?,6]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nnInfer(t, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if got[name] != want {
					t.Errorf("%s: %s, want %s", name, got[name], want)
				}
			}
		})
	}
}

func TestNNInferErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"conv kernel rank", `input x: float32[N,1,28]
  input w: float32[16,1,3,3]
  y = Conv(x, w) {kernel_shape=[3, 3]}
  output y`, `node Conv: kernel_shape [3,3] needs 2 spatial dims, input has rank 3`},
		{"conv channels", `input x: float32[N,3,8,8]
  input w: float32[16,2,3,3]
  y = Conv(x, w)
  output y`, "input X has 3 channels, weight W expects 2"},
		{"conv groups", `input x: float32[N,4,8,8]
  input w: float32[3,2,3,3]
  y = Conv(x, w) {group=2}
  output y`, "not divisible by group 2"},
		{"conv too small", `input x: float32[N,1,2,2]
  input w: float32[1,1,3,3]
  y = Conv(x, w)
  output y`, "smaller than the dilated kernel"},
		{"conv bias", `input x: float32[N,1,5,5]
  input w: float32[4,1,3,3]
  input b: float32[3]
  y = Conv(x, w, b)
  output y`, "bias B has 3 elements, output has 4 channels"},
		{"conv strides", `input x: float32[N,1,5,5]
  input w: float32[4,1,3,3]
  y = Conv(x, w) {strides=[1]}
  output y`, "strides [1] has 1 values, want one per spatial axis (2)"},
		{"conv int input", `input x: int64[1,1,5,5]
  input w: float32[4,1,3,3]
  y = Conv(x, w)
  output y`, "input X has element type int64"},
		{"conv auto_pad", `input x: float32[1,1,5,5]
  input w: float32[4,1,3,3]
  y = Conv(x, w) {auto_pad="SAME"}
  output y`, `auto_pad "SAME"`},
		{"convtranspose output_padding", `input x: float32[1,1,3,3]
  input w: float32[1,1,3,3]
  y = ConvTranspose(x, w) {output_padding=[1, 1]}
  output y`, "output_padding 1 at spatial axis 0 must be smaller than the stride (1)"},
		{"maxpool kernel required", `input x: float32[1,1,4,4]
  y = MaxPool(x)
  output y`, `required attribute "kernel_shape"`},
		{"maxpool kernel rank", `input x: float32[1,1,4,4]
  y = MaxPool(x) {kernel_shape=[2]}
  output y`, "kernel_shape [2] needs 1 spatial dims, input [1,1,4,4] has rank 4"},
		{"gemm inner", `input a: float32[2,3]
  input b: float32[4,5]
  y = Gemm(a, b)
  output y`, "inner dimensions differ"},
		{"gemm bias", `input a: float32[2,3]
  input b: float32[3,5]
  input c: float32[4]
  y = Gemm(a, b, c)
  output y`, "bias C shape [4] cannot broadcast"},
		{"matmul inner", `input a: float32[2,3]
  input b: float32[4,5]
  y = MatMul(a, b)
  output y`, "inner dimensions 3 and 4 differ"},
		{"matmul batch", `input a: float32[2,2,3]
  input b: float32[3,3,4]
  y = MatMul(a, b)
  output y`, "batch dimensions"},
		{"resize both", `input x: float32[1,1,2,2]
  const s: float32[4] = {1, 1, 2, 2}
  const z: int64[4] = {1, 1, 4, 4}
  y = Resize(x, _, s, z)
  output y`, "both scales and sizes"},
		{"resize rank", `input x: float32[1,1,2,2]
  const s: float32[2] = {2, 2}
  y = Resize(x, _, s)
  output y`, "scales have 2 values, input has rank 4"},
		{"resize mode", `input x: float32[1,1,2,2]
  const s: float32[4] = {1, 1, 2, 2}
  y = Resize(x, _, s) {mode="area"}
  output y`, `mode "area"`},
		{"batchnorm channels", `input x: float32[N,4,H,W]
  input s: float32[3]
  input b: float32[4]
  input m: float32[4]
  input v: float32[4]
  y = BatchNormalization(x, s, b, m, v)
  output y`, "scale has 3 elements, input X has 4 channels"},
		{"softmax axis", `input x: float32[N,10]
  y = Softmax(x) {axis=2}
  output y`, "axis 2 is out of range"},
		{"pad count", `input x: float32[2,3]
  const p: int64[2] = {1, 1}
  y = Pad(x, p)
  output y`, "pads has 2 values, input shape [2,3] needs 4"},
		{"pad negative size", `input x: float32[2,3]
  const p: int64[4] = {0, -2, 0, -2}
  y = Pad(x, p)
  output y`, "size -1"},
		{"pad mode", `input x: float32[2,3]
  const p: int64[4] = {0, 1, 0, 1}
  y = Pad(x, p) {mode="wrap"}
  output y`, `mode "wrap"`},
		{"maxunpool indices", `input x: float32[1,1,2,2]
  input i: int64[1,1,2,3]
  y = MaxUnpool(x, i) {kernel_shape=[2, 2]}
  output y`, "indices I shape [1,1,2,3] differs"},
		{"dropout training type", `input x: float32[4]
  input r: float32[]
  input t: float32[]
  y = Dropout(x, r, t)
  output y`, "training_mode has element type float32, want bool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nnInfer(t, tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// ConvWindow and ConvTransposeWindow resolve pads the way ONNX's
// reference does for the odd cases.
func TestNNWindows(t *testing.T) {
	node := func(op string, attrs ir.Attrs) *ir.Node { return &ir.Node{Op: op, Attrs: attrs} }
	w, err := ir.ConvWindow(node("Conv", ir.Attrs{"auto_pad": ir.StringAttr("SAME_LOWER"), "strides": ir.IntsAttr(2)}), []int{6}, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	// out ceil(6/2)=3, total (3-1)*2+4-6 = 2 -> 1,1
	if w.Out[0] != 3 || w.PadsBegin[0] != 1 || w.PadsEnd[0] != 1 {
		t.Errorf("SAME_LOWER: %+v", w)
	}
	w, err = ir.ConvWindow(node("Conv", ir.Attrs{"auto_pad": ir.StringAttr("SAME_LOWER")}), []int{5}, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if w.Out[0] != 5 || w.PadsBegin[0] != 1 || w.PadsEnd[0] != 0 {
		t.Errorf("SAME_LOWER odd: %+v", w)
	}
	// ConvTranspose with output_shape larger than the full result: the
	// negative total padding goes to the end (floor division).
	w, err = ir.ConvTransposeWindow(node("ConvTranspose", ir.Attrs{"strides": ir.IntsAttr(3, 2), "output_shape": ir.IntsAttr(10, 8)}), []int{3, 3}, []int{3, 3})
	if err != nil {
		t.Fatal(err)
	}
	if w.Out[0] != 10 || w.Out[1] != 8 || w.PadsBegin[0] != 0 || w.PadsEnd[0] != -1 || w.PadsBegin[1] != 0 || w.PadsEnd[1] != -1 {
		t.Errorf("output_shape: %+v", w)
	}
	w, err = ir.ConvTransposeWindow(node("ConvTranspose", ir.Attrs{"strides": ir.IntsAttr(2), "auto_pad": ir.StringAttr("SAME_UPPER")}), []int{3}, []int{3})
	if err != nil {
		t.Fatal(err)
	}
	// full 2*2+3 = 7, want 6: total 1 -> begin 0, end 1 for SAME_UPPER
	if w.Out[0] != 6 || w.PadsBegin[0] != 0 || w.PadsEnd[0] != 1 {
		t.Errorf("SAME_UPPER: %+v", w)
	}
}

func ExampleConvWindow() {
	n := &ir.Node{Op: "MaxPool", Attrs: ir.Attrs{
		"kernel_shape": ir.IntsAttr(3, 3), "strides": ir.IntsAttr(2, 2), "pads": ir.IntsAttr(1, 1, 1, 1),
	}}
	w, err := ir.ConvWindow(n, []int{28, 28}, []int{3, 3})
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Out, w.PadsBegin, w.PadsEnd)
	// Output: [14 14] [1 1] [1 1]
}
