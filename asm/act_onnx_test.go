package asm

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// onnxActTests are ONNX backend node tests of elementwise ops that map
// directly onto Vec kernels; all must run and pass on every tier.
var onnxActTests = []string{
	"test_relu", "test_sigmoid", "test_sigmoid_example", "test_tanh", "test_tanh_example",
	"test_exp", "test_exp_example", "test_leakyrelu", "test_leakyrelu_default", "test_leakyrelu_example",
	"test_clip", "test_clip_default_inbounds", "test_clip_default_max", "test_clip_default_min",
	"test_clip_example", "test_clip_inbounds", "test_clip_outbounds", "test_clip_splitbounds",
	"test_batchnorm_epsilon", "test_batchnorm_example",
	"test_softmax_axis_0", "test_softmax_axis_1", "test_softmax_axis_2", "test_softmax_default_axis",
	"test_softmax_example", "test_softmax_large_number", "test_softmax_negative_axis",
	"test_add", "test_add_bcast", "test_sub", "test_sub_bcast", "test_sub_example",
	"test_mul", "test_mul_bcast", "test_mul_example", "test_div", "test_div_bcast", "test_div_example",
}

// runOnnxAct evaluates one elementwise node with tier v. ins maps the
// node's input names to tensors (omitted optional inputs are absent).
func runOnnxAct(v *Vec, n *onnxNode, ins map[string]*onnxTensor) ([]float32, error) {
	x := ins[n.inputs[0]]
	y := make([]float32, len(x.f))
	input := func(i int) *onnxTensor {
		if i < len(n.inputs) && n.inputs[i] != "" {
			return ins[n.inputs[i]]
		}
		return nil
	}
	switch n.op {
	case "Relu":
		v.ReLU(y, x.f)
	case "Sigmoid":
		v.Sigmoid(y, x.f)
	case "Tanh":
		v.Tanh(y, x.f)
	case "Exp":
		v.Exp(y, x.f)
	case "LeakyRelu":
		alpha, ok := n.flts["alpha"]
		if !ok {
			alpha = 0.01
		}
		v.LeakyReLU(y, x.f, alpha)
	case "Clip":
		lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
		if t := input(1); t != nil {
			lo = t.f[0]
		}
		if t := input(2); t != nil {
			hi = t.f[0]
		}
		v.Clip(y, x.f, lo, hi)
	case "BatchNormalization":
		eps, ok := n.flts["epsilon"]
		if !ok {
			eps = 1e-5
		}
		scale, bias, mean, vr := input(1).f, input(2).f, input(3).f, input(4).f
		c := x.dims[1]
		a, b := make([]float32, c), make([]float32, c)
		for i := 0; i < c; i++ {
			s := float64(scale[i]) / math.Sqrt(float64(vr[i])+float64(eps))
			a[i], b[i] = float32(s), float32(float64(bias[i])-float64(mean[i])*s)
		}
		v.ScaleShiftChannels(y, x.f, a, b, prod(x.dims[2:]))
	case "Softmax":
		axis := n.int1("axis", -1)
		if axis < 0 {
			axis += len(x.dims)
		}
		// Gather each softmax row (along axis) into a contiguous buffer.
		inner := prod(x.dims[axis+1:])
		length := x.dims[axis]
		outer := len(x.f) / (inner * length)
		row, out := make([]float32, length), make([]float32, length)
		for o := 0; o < outer; o++ {
			for in := 0; in < inner; in++ {
				for k := 0; k < length; k++ {
					row[k] = x.f[(o*length+k)*inner+in]
				}
				v.Softmax(out, row)
				for k := 0; k < length; k++ {
					y[(o*length+k)*inner+in] = out[k]
				}
			}
		}
	case "Add", "Sub", "Mul", "Div":
		b := input(1)
		switch {
		case len(b.f) == len(x.f):
			map[string]func(d, x, y []float32){"Add": v.Add, "Sub": v.Sub, "Mul": v.Mul, "Div": v.Div}[n.op](y, x.f, b.f)
		case n.op == "Add" && len(x.f)%len(b.f) == 0:
			v.AddRowVector(y, x.f, b.f)
		case len(x.f)%len(b.f) == 0:
			// Trailing-dims broadcast, one row at a time.
			f := map[string]func(d, x, y []float32){"Sub": v.Sub, "Mul": v.Mul, "Div": v.Div}[n.op]
			for r := 0; r < len(x.f); r += len(b.f) {
				f(y[r:r+len(b.f)], x.f[r:r+len(b.f)], b.f)
			}
		default:
			return nil, fmt.Errorf("broadcast %v with %v", x.dims, b.dims)
		}
	default:
		return nil, fmt.Errorf("op %s not handled", n.op)
	}
	return y, nil
}

// TestOnnxActivationNodes runs the listed ONNX node tests through every
// tier's kernels. The expected outputs are numpy's float32 (or float64
// rounded) results, so a few ulps of difference are allowed.
func TestOnnxActivationNodes(t *testing.T) {
	if _, err := os.Stat(onnxNodeDir); err != nil {
		t.Skipf("ONNX backend test data not installed (apt-get install libonnx-testdata): %v", err)
	}
	for _, name := range onnxActTests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(onnxNodeDir, name)
			node, err := readNode(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			set := filepath.Join(dir, "test_data_set_0")
			ins := map[string]*onnxTensor{}
			k := 0
			for _, in := range node.inputs {
				if in == "" {
					continue
				}
				tn, err := readTensor(filepath.Join(set, fmt.Sprintf("input_%d.pb", k)))
				if err != nil {
					t.Fatal(err)
				}
				ins[in] = tn
				k++
			}
			want, err := readTensor(filepath.Join(set, "output_0.pb"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(set, fmt.Sprintf("input_%d.pb", k))); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("more input files than node inputs %q", node.inputs)
			}
			for _, v := range vecTiers(t) {
				got, err := runOnnxAct(v, node, ins)
				if err != nil {
					t.Fatalf("%s: %v", node.op, err)
				}
				if len(got) != len(want.f) {
					t.Fatalf("%d outputs, want %d", len(got), len(want.f))
				}
				for i := range got {
					// 4 ulps: our stated 2.4-ulp bound plus the rounding of
					// the reference itself; BatchNorm and Softmax round a
					// few more intermediate steps.
					if !same(got[i], want.f[i]) && ulpErr(got[i], float64(want.f[i])) > 4 && math.Abs(float64(got[i]-want.f[i])) > 1e-6 {
						t.Fatalf("%s: [%d] = %v, want %v (%.1f ulp)", v.Tier(), i, got[i], want.f[i], ulpErr(got[i], float64(want.f[i])))
					}
				}
			}
		})
	}
}
