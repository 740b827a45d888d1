package reference

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/latent-go/latent/ir"
)

// nnRun builds a one-node graph of op over the given input tensors (nil for
// an omitted optional input; inputs listed in consts become constants),
// runs shape inference and the reference evaluator, and checks that every
// computed output matches the inferred type and shape.
func nnRun(t *testing.T, op string, attrs ir.Attrs, nOut int, consts []int, inputs ...*ir.Tensor) ([]*ir.Tensor, error) {
	t.Helper()
	g := &ir.Graph{Name: "t"}
	node := &ir.Node{Op: op, Attrs: attrs}
	var feeds []*ir.Tensor
	for i, x := range inputs {
		if x == nil {
			node.Inputs = append(node.Inputs, nil)
			continue
		}
		v := &ir.Value{Name: fmt.Sprintf("in%d", i), DType: x.DType, Shape: ir.StaticShape(x.Shape...)}
		if slices.Contains(consts, i) {
			v.Const = x
		} else {
			g.Inputs = append(g.Inputs, v)
			feeds = append(feeds, x)
		}
		node.Inputs = append(node.Inputs, v)
	}
	for i := 0; i < nOut; i++ {
		v := &ir.Value{Name: fmt.Sprintf("out%d", i)}
		node.Outputs = append(node.Outputs, v)
		g.Outputs = append(g.Outputs, v)
	}
	g.Nodes = []*ir.Node{node}
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if err := ir.InferShapes(g); err != nil {
		return nil, fmt.Errorf("infer: %w", err)
	}
	out, err := Run(context.Background(), g, feeds)
	if err != nil {
		return nil, err
	}
	for i, o := range out {
		v := g.Outputs[i]
		if o.DType != v.DType {
			t.Errorf("%s output %d: kernel gives %s, inference says %s", op, i, o.DType, v.DType)
		}
		if err := CheckShape(v.Shape, o.Shape, map[string]int{}); err != nil {
			t.Errorf("%s output %d: kernel shape disagrees with inference: %v", op, i, err)
		}
	}
	return out, nil
}

func f32(shape []int, data ...float32) *ir.Tensor { return ir.Float32Tensor(shape, data) }

func i64(data ...int64) *ir.Tensor { return ir.Int64Tensor([]int{len(data)}, data) }

// seq returns a float32 tensor of shape holding 0, 1, 2, ...
func seq(shape ...int) *ir.Tensor {
	d := make([]float32, ir.NumElements(shape))
	for i := range d {
		d[i] = float32(i)
	}
	return f32(shape, d...)
}

func randT(r *rand.Rand, shape ...int) *ir.Tensor {
	d := make([]float32, ir.NumElements(shape))
	for i := range d {
		d[i] = float32(r.NormFloat64())
	}
	return f32(shape, d...)
}

// closeTo reports the first element of got that differs from want beyond
// rel 1e-5 / abs 1e-5 (these are hand-made cases in float32 with few
// terms).
func closeTo(got *ir.Tensor, wantShape []int, want []float32) error {
	if !slices.Equal(got.Shape, wantShape) {
		return fmt.Errorf("shape %v, want %v", got.Shape, wantShape)
	}
	for i := range want {
		g, w := float64(got.F32[i]), float64(want[i])
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		if math.Abs(g-w) > 1e-5+1e-5*math.Abs(w) {
			return fmt.Errorf("element %d is %v, want %v\n got  %v\n want %v", i, g, w, got.F32, want)
		}
	}
	return nil
}

// The lecture's worked example (../shared/DESIGN.md).
func TestLectureExample(t *testing.T) {
	x := f32([]int{1, 1, 4, 4}, 2, 1, 0, 3, 0, 0, 1, 2, 3, 1, 2, 0, 0, 2, 2, 1)
	k := f32([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	out, err := nnRun(t, "Conv", nil, 1, nil, x, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(out[0], []int{1, 1, 2, 2}, []float32{57, 50, 66, 61}); err != nil {
		t.Errorf("Conv: %v", err)
	}
	y := f32([]int{1, 1, 2, 2}, 1, 0, 2, 1)
	out, err = nnRun(t, "ConvTranspose", nil, 1, nil, y, k)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 2, 3, 0, 6, 10, 14, 3, 15, 22, 26, 6, 14, 23, 26, 9}
	if err := closeTo(out[0], []int{1, 1, 4, 4}, want); err != nil {
		t.Errorf("ConvTranspose: %v", err)
	}
}
