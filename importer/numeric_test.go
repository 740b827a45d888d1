package importer

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

// These tests run upgraded graphs on the reference evaluator and compare
// with outputs no one here computed: ONNX's own test data, or a direct
// implementation of the old operator's definition in the test.

// runnable reports whether the reference evaluator has every operator of g.
func runnable(g *ir.Graph) (string, bool) {
	for _, n := range g.Nodes {
		if !reference.Supports(n.Domain, n.Op) {
			return n.Op, false
		}
	}
	return "", true
}

// closeEnough compares with ONNX's backend-test tolerance (relative 1e-3,
// absolute 1e-5) and names the first bad element.
func closeEnough(got, want *ir.Tensor) error {
	if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
		return fmt.Errorf("got %s%v, want %s%v", got.DType, got.Shape, want.DType, want.Shape)
	}
	for i := 0; i < got.Len(); i++ {
		a, b := got.Float64At(i), want.Float64At(i)
		if math.IsNaN(a) && math.IsNaN(b) {
			continue
		}
		if math.Abs(a-b) > 1e-5+1e-3*math.Abs(b) {
			return fmt.Errorf("element %d is %v, want %v", i, a, b)
		}
	}
	return nil
}

// TestLegacyModelsMatchONNXOutputs runs every model of the suite whose
// operator set is below 13 (so that the importer's upgrades were at work)
// and compares with ONNX's expected outputs.
func TestLegacyModelsMatchONNXOutputs(t *testing.T) {
	ran := 0
	for _, path := range conformanceModels(t) {
		g, err := Load(path)
		if err != nil || g.SourceOpset >= 13 {
			continue
		}
		test := filepath.Base(filepath.Dir(path))
		if op, ok := runnable(g); !ok {
			t.Logf("%s: skipped, reference evaluator lacks %s", test, op)
			continue
		}
		sets, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "test_data_set_*"))
		for _, set := range sets {
			in := make([]*ir.Tensor, len(g.Inputs))
			for i := range in {
				if in[i], err = ReadTensor(filepath.Join(set, fmt.Sprintf("input_%d.pb", i))); err != nil {
					t.Fatalf("%s: %v", test, err)
				}
			}
			out, err := reference.Run(context.Background(), g, in)
			if err != nil {
				t.Errorf("%s (opset %d): %v", test, g.SourceOpset, err)
				continue
			}
			for i, o := range out {
				want, err := ReadTensor(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
				if err != nil {
					t.Fatalf("%s: %v", test, err)
				}
				if err := closeEnough(o, want); err != nil {
					t.Errorf("%s (opset %d) output %d: %v", test, g.SourceOpset, i, err)
				}
			}
			ran++
		}
	}
	t.Logf("%d legacy test data sets match", ran)
}

func randTensor(r *rand.Rand, shape ...int) *ir.Tensor {
	t, _ := ir.NewTensor(ir.Float32, shape...)
	for i := range t.F32 {
		t.F32[i] = float32(r.NormFloat64())
	}
	return t
}

// runModel imports a one-node model and runs it.
func runModel(t *testing.T, opset int64, g *onnxpb.GraphProto, in ...*ir.Tensor) *ir.Tensor {
	t.Helper()
	ig, err := Decode(marshal(t, mkModel(opset, g)))
	if err != nil {
		t.Fatal(err)
	}
	if op, ok := runnable(ig); !ok {
		t.Skipf("reference evaluator lacks %s", op)
	}
	out, err := reference.Run(context.Background(), ig, in)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func TestUpsample7NearestNumeric(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randTensor(r, 1, 2, 3, 2)
	got := runModel(t, 7, one(mkNode("Upsample", []string{"x"}, []string{"y"}, aFloats("scales", 1, 1, 2, 3)),
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 1, 2, 3, 2)}), x)
	// Upsample-7 nearest: y[n,c,i,j] = x[n,c,floor(i/2),floor(j/3)].
	want, _ := ir.NewTensor(ir.Float32, 1, 2, 6, 6)
	for c := 0; c < 2; c++ {
		for i := 0; i < 6; i++ {
			for j := 0; j < 6; j++ {
				want.F32[(c*6+i)*6+j] = x.F32[(c*3+i/2)*2+j/3]
			}
		}
	}
	if err := closeEnough(got, want); err != nil {
		t.Error(err)
	}
}

func TestUpsample1BilinearNumeric(t *testing.T) {
	x := ir.Float32Tensor([]int{1, 1, 2, 2}, []float32{1, 2, 3, 4})
	got := runModel(t, 6, one(mkNode("Upsample", []string{"x"}, []string{"y"}, aFloat("height_scale", 2), aFloat("width_scale", 2), aString("mode", "bilinear")),
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 1, 1, 2, 2)}), x)
	// Bilinear with source coordinate x_out/scale, clamped at the edge.
	want, _ := ir.NewTensor(ir.Float32, 1, 1, 4, 4)
	at := func(i, j int) float64 { return float64(x.F32[min(i, 1)*2+min(j, 1)]) }
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			yi, xj := float64(i)/2, float64(j)/2
			i0, j0 := int(yi), int(xj)
			fy, fx := yi-float64(i0), xj-float64(j0)
			v := (1-fy)*((1-fx)*at(i0, j0)+fx*at(i0, j0+1)) + fy*((1-fx)*at(i0+1, j0)+fx*at(i0+1, j0+1))
			want.F32[i*4+j] = float32(v)
		}
	}
	if err := closeEnough(got, want); err != nil {
		t.Error(err)
	}
}

// TestResize10DownsampleNumeric uses the case of ONNX 1.5's
// test_resize_downsample_nearest (operator set 10), whose expected output
// ONNX Runtime reproduces.
func TestResize10DownsampleNumeric(t *testing.T) {
	x := ir.Float32Tensor([]int{1, 1, 2, 4}, []float32{1, 2, 3, 4, 5, 6, 7, 8})
	got := runModel(t, 10, one(mkNode("Resize", []string{"x", "s"}, []string{"y"}, aString("mode", "nearest")),
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 1, 1, 2, 4)}, f32Tensor("s", []int64{4}, 1, 1, 0.6, 0.6)), x)
	want := ir.Float32Tensor([]int{1, 1, 1, 2}, []float32{1, 3})
	if err := closeEnough(got, want); err != nil {
		t.Error(err)
	}
}

func TestBatchNormSpatial0Numeric(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x, s, b, m := randTensor(r, 2, 3, 2), randTensor(r, 3, 2), randTensor(r, 3, 2), randTensor(r, 3, 2)
	v := randTensor(r, 3, 2)
	for i := range v.F32 {
		v.F32[i] = v.F32[i] * v.F32[i]
	}
	decl := []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, 3, 2), vi("s", ir.Float32, 3, 2), vi("b", ir.Float32, 3, 2), vi("m", ir.Float32, 3, 2), vi("v", ir.Float32, 3, 2)}
	got := runModel(t, 7, one(mkNode("BatchNormalization", []string{"x", "s", "b", "m", "v"}, []string{"y"}, aInt("spatial", 0), aFloat("epsilon", 0.01)), decl), x, s, b, m, v)
	want, _ := ir.NewTensor(ir.Float32, 2, 3, 2)
	for i := range want.F32 {
		k := i % 6
		want.F32[i] = float32(float64(s.F32[k])*(float64(x.F32[i])-float64(m.F32[k]))/math.Sqrt(float64(v.F32[k])+0.01) + float64(b.F32[k]))
	}
	if err := closeEnough(got, want); err != nil {
		t.Error(err)
	}
}

func TestSoftmax1CoercionNumeric(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := randTensor(r, 2, 3, 4)
	// The declared input has unknown rank, so the importer cannot use a
	// plain Softmax and must build Flatten + Softmax + Reshape.
	got := runModel(t, 6, one(mkNode("Softmax", []string{"x"}, []string{"y"}, aInt("axis", 1)),
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32)}), x)
	// Opset-1 semantics: coerce to [2, 12] and normalise each row.
	want, _ := ir.NewTensor(ir.Float32, 2, 3, 4)
	for row := 0; row < 2; row++ {
		sum, mx := 0.0, math.Inf(-1)
		for k := 0; k < 12; k++ {
			mx = math.Max(mx, float64(x.F32[row*12+k]))
		}
		for k := 0; k < 12; k++ {
			sum += math.Exp(float64(x.F32[row*12+k]) - mx)
		}
		for k := 0; k < 12; k++ {
			want.F32[row*12+k] = float32(math.Exp(float64(x.F32[row*12+k])-mx) / sum)
		}
	}
	if err := closeEnough(got, want); err != nil {
		t.Error(err)
	}
}
