package reference_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
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
	out, err := reference.Run(context.Background(), g, feeds)
	if err != nil {
		return nil, err
	}
	for i, o := range out {
		v := g.Outputs[i]
		if o.DType != v.DType {
			t.Errorf("%s output %d: kernel gives %s, inference says %s", op, i, o.DType, v.DType)
		}
		if err := reference.CheckShape(v.Shape, o.Shape, map[string]int{}); err != nil {
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

// convCase is a Conv geometry for the property tests.
type convCase struct {
	name               string
	in, kernel         []int // spatial
	strides, dilations []int
	padsBegin, padsEnd []int
	c, m, group, batch int
}

var convCases = []convCase{
	{"1d", []int{7}, []int{3}, []int{1}, []int{1}, []int{0}, []int{0}, 2, 3, 1, 1},
	{"1d stride pad dil", []int{11}, []int{3}, []int{2}, []int{2}, []int{1}, []int{2}, 2, 2, 1, 2},
	{"2d", []int{5, 6}, []int{3, 2}, []int{1, 1}, []int{1, 1}, []int{0, 0}, []int{0, 0}, 3, 4, 1, 1},
	{"2d asym pads strides", []int{7, 5}, []int{3, 3}, []int{2, 3}, []int{1, 1}, []int{1, 0}, []int{2, 1}, 2, 2, 1, 2},
	{"2d groups", []int{6, 6}, []int{3, 3}, []int{1, 2}, []int{2, 1}, []int{1, 1}, []int{1, 1}, 4, 6, 2, 1},
	{"2d depthwise", []int{5, 5}, []int{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1}, []int{1, 1}, 3, 3, 3, 1},
	{"3d", []int{4, 5, 3}, []int{2, 3, 2}, []int{1, 2, 1}, []int{1, 1, 2}, []int{0, 1, 1}, []int{1, 0, 1}, 2, 3, 1, 1},
}

func (c convCase) attrs() ir.Attrs {
	ints := func(v []int) ir.Attr {
		out := make([]int64, len(v))
		for i, x := range v {
			out[i] = int64(x)
		}
		return ir.IntsAttr(out...)
	}
	return ir.Attrs{
		"strides": ints(c.strides), "dilations": ints(c.dilations),
		"pads": ints(append(slices.Clone(c.padsBegin), c.padsEnd...)), "group": ir.IntAttr(int64(c.group)),
	}
}

func dot(a, b *ir.Tensor) float64 {
	s := 0.0
	for i := range a.F32 {
		s += float64(a.F32[i]) * float64(b.F32[i])
	}
	return s
}

// ConvTranspose with the same weight is the adjoint of Conv:
// <Conv(x, w), u> = <x, ConvTranspose(u, w)> for every x and u, when
// output_padding makes the transpose's output the shape of x.
func TestConvTransposeIsAdjointOfConv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			x := randT(r, append([]int{c.batch, c.c}, c.in...)...)
			w := randT(r, append([]int{c.m, c.c / c.group}, c.kernel...)...)
			y, err := nnRun(t, "Conv", c.attrs(), 1, nil, x, w)
			if err != nil {
				t.Fatal(err)
			}
			u := randT(r, y[0].Shape...)
			at := c.attrs()
			op := make([]int64, len(c.in))
			for i := range c.in {
				eff := (c.kernel[i]-1)*c.dilations[i] + 1
				op[i] = int64((c.in[i] + c.padsBegin[i] + c.padsEnd[i] - eff) % c.strides[i])
			}
			at["output_padding"] = ir.IntsAttr(op...)
			z, err := nnRun(t, "ConvTranspose", at, 1, nil, u, w)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(z[0].Shape, x.Shape) {
				t.Fatalf("ConvTranspose shape %v, want %v", z[0].Shape, x.Shape)
			}
			lhs, rhs := dot(y[0], u), dot(x, z[0])
			if math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
				t.Errorf("<Conv(x,w),u> = %v but <x,ConvT(u,w)> = %v", lhs, rhs)
			}
		})
	}
}

// A grouped Conv equals separate Convs over the channel groups, and a
// bias adds per output channel.
func TestConvGroupsAndBias(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := randT(r, 2, 4, 5, 5)
	w := randT(r, 6, 2, 3, 3)
	b := randT(r, 6)
	at := ir.Attrs{"group": ir.IntAttr(2), "pads": ir.IntsAttr(1, 0, 1, 2)}
	got, err := nnRun(t, "Conv", at, 1, nil, x, w, b)
	if err != nil {
		t.Fatal(err)
	}
	slice := func(t4 *ir.Tensor, lo, hi int) *ir.Tensor { // channels [lo,hi) of a 4-D tensor
		n, c, inner := t4.Shape[0], t4.Shape[1], ir.NumElements(t4.Shape[2:])
		var d []float32
		for i := 0; i < n; i++ {
			d = append(d, t4.F32[(i*c+lo)*inner:(i*c+hi)*inner]...)
		}
		return f32([]int{n, hi - lo, t4.Shape[2], t4.Shape[3]}, d...)
	}
	wslice := func(lo, hi int) *ir.Tensor {
		inner := ir.NumElements(w.Shape[1:])
		return f32([]int{hi - lo, 2, 3, 3}, w.F32[lo*inner:hi*inner]...)
	}
	delete(at, "group")
	for g := 0; g < 2; g++ {
		part, err := nnRun(t, "Conv", at, 1, nil, slice(x, 2*g, 2*g+2), wslice(3*g, 3*g+3))
		if err != nil {
			t.Fatal(err)
		}
		want := slice(got[0], 3*g, 3*g+3)
		for i := range part[0].F32 {
			oc := 3*g + (i/ir.NumElements(part[0].Shape[2:]))%3
			if d := want.F32[i] - part[0].F32[i] - b.F32[oc]; math.Abs(float64(d)) > 1e-4 {
				t.Fatalf("group %d element %d: grouped conv %v, separate conv + bias %v", g, i, want.F32[i], part[0].F32[i]+b.F32[oc])
			}
		}
	}
}

// auto_pad SAME_UPPER and SAME_LOWER equal the explicit pads they stand
// for, and VALID equals no padding.
func TestConvAutoPad(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := randT(r, 1, 2, 6, 7)
	w := randT(r, 3, 2, 4, 3)
	for _, tc := range []struct {
		auto string
		pads []int64
	}{
		// in 6, stride 2, k 4: out 3, total pad (3-1)*2+4-6 = 2; in 7, stride 2, k 3: out 4, total (4-1)*2+3-7 = 2
		{"SAME_UPPER", []int64{1, 1, 1, 1}},
		{"SAME_LOWER", []int64{1, 1, 1, 1}},
		{"VALID", []int64{0, 0, 0, 0}},
	} {
		auto, err := nnRun(t, "Conv", ir.Attrs{"auto_pad": ir.StringAttr(tc.auto), "strides": ir.IntsAttr(2, 2)}, 1, nil, x, w)
		if err != nil {
			t.Fatal(err)
		}
		explicit, err := nnRun(t, "Conv", ir.Attrs{"pads": ir.IntsAttr(tc.pads...), "strides": ir.IntsAttr(2, 2)}, 1, nil, x, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := closeTo(auto[0], explicit[0].Shape, explicit[0].F32); err != nil {
			t.Errorf("%s: %v", tc.auto, err)
		}
	}
	// Odd total padding: SAME_UPPER puts the extra at the end, SAME_LOWER at the start.
	x = randT(r, 1, 1, 5)
	w = randT(r, 1, 1, 2)
	for auto, pads := range map[string][]int64{"SAME_UPPER": {0, 1}, "SAME_LOWER": {1, 0}} {
		a, err := nnRun(t, "Conv", ir.Attrs{"auto_pad": ir.StringAttr(auto)}, 1, nil, x, w)
		if err != nil {
			t.Fatal(err)
		}
		e, err := nnRun(t, "Conv", ir.Attrs{"pads": ir.IntsAttr(pads...)}, 1, nil, x, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := closeTo(a[0], []int{1, 1, 5}, e[0].F32); err != nil {
			t.Errorf("%s odd padding: %v", auto, err)
		}
	}
}

func TestConvTransposeShapes(t *testing.T) {
	x := seq(1, 1, 3, 3)
	w := f32([]int{1, 2, 3, 3}, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	for _, tc := range []struct {
		name  string
		attrs ir.Attrs
		want  []int
	}{
		{"plain", nil, []int{1, 2, 5, 5}},
		{"strides", ir.Attrs{"strides": ir.IntsAttr(3, 2)}, []int{1, 2, 9, 7}},
		{"output_padding", ir.Attrs{"strides": ir.IntsAttr(3, 2), "output_padding": ir.IntsAttr(1, 1)}, []int{1, 2, 10, 8}},
		{"output_shape", ir.Attrs{"strides": ir.IntsAttr(3, 2), "output_shape": ir.IntsAttr(10, 8)}, []int{1, 2, 10, 8}},
		{"output_shape full", ir.Attrs{"strides": ir.IntsAttr(3, 2), "output_shape": ir.IntsAttr(1, 2, 10, 8)}, []int{1, 2, 10, 8}},
		{"same_upper", ir.Attrs{"strides": ir.IntsAttr(2, 2), "auto_pad": ir.StringAttr("SAME_UPPER")}, []int{1, 2, 6, 6}},
		{"same_lower", ir.Attrs{"strides": ir.IntsAttr(2, 2), "auto_pad": ir.StringAttr("SAME_LOWER")}, []int{1, 2, 6, 6}},
		{"pads", ir.Attrs{"strides": ir.IntsAttr(3, 2), "pads": ir.IntsAttr(1, 2, 1, 2)}, []int{1, 2, 7, 3}},
		{"dilations", ir.Attrs{"dilations": ir.IntsAttr(2, 2)}, []int{1, 2, 7, 7}},
	} {
		out, err := nnRun(t, "ConvTranspose", tc.attrs, 1, nil, x, w)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(out[0].Shape, tc.want) {
			t.Errorf("%s: shape %v, want %v", tc.name, out[0].Shape, tc.want)
		}
	}
	// SAME_UPPER crops the odd extra element at the end, SAME_LOWER at the start.
	full, _ := nnRun(t, "ConvTranspose", ir.Attrs{"strides": ir.IntsAttr(2, 2)}, 1, nil, x, w) // 7x7
	for auto, off := range map[string]int{"SAME_UPPER": 0, "SAME_LOWER": 1} {
		got, err := nnRun(t, "ConvTranspose", ir.Attrs{"strides": ir.IntsAttr(2, 2), "auto_pad": ir.StringAttr(auto)}, 1, nil, x, w)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			for j := 0; j < 6; j++ {
				if g, w := got[0].F32[i*6+j], full[0].F32[(i+off)*7+j+off]; g != w {
					t.Fatalf("%s [%d,%d] = %v, want the full result's [%d,%d] = %v", auto, i, j, g, i+off, j+off, w)
				}
			}
		}
	}
}

func TestMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		a, b, want []int
	}{
		{[]int{3}, []int{3, 4}, []int{4}},
		{[]int{2, 3}, []int{3}, []int{2}},
		{[]int{3}, []int{3}, []int{}},
		{[]int{2, 3}, []int{3, 4}, []int{2, 4}},
		{[]int{2, 1, 3, 4}, []int{5, 4, 2}, []int{2, 5, 3, 2}},
		{[]int{4}, []int{2, 4, 3}, []int{2, 3}},
		{[]int{2, 2, 3}, []int{3}, []int{2, 2}},
	} {
		a, b := randT(r, tc.a...), randT(r, tc.b...)
		out, err := nnRun(t, "MatMul", nil, 1, nil, a, b)
		if err != nil {
			t.Errorf("%v x %v: %v", tc.a, tc.b, err)
			continue
		}
		y := out[0]
		if !slices.Equal(y.Shape, tc.want) {
			t.Errorf("%v x %v: shape %v, want %v", tc.a, tc.b, y.Shape, tc.want)
			continue
		}
		// Check every element against a direct sum over promoted,
		// broadcast coordinates.
		as, bs := slices.Clone(tc.a), slices.Clone(tc.b)
		if len(as) == 1 {
			as = []int{1, as[0]}
		}
		if len(bs) == 1 {
			bs = []int{bs[0], 1}
		}
		batch, _ := ir.BroadcastInts(as[:len(as)-2], bs[:len(bs)-2])
		full := append(slices.Clone(batch), as[len(as)-2], bs[len(bs)-1])
		at := func(t *ir.Tensor, shape []int, c []int) float32 { // c: batch coords + (i, j)
			idx, stride := 0, 1
			for d := len(shape) - 1; d >= 0; d-- {
				cd := c[len(c)-len(shape)+d]
				if shape[d] == 1 {
					cd = 0
				}
				idx += cd * stride
				stride *= shape[d]
			}
			return t.F32[idx]
		}
		i := 0
		K := as[len(as)-1]
		var bad error
		forEachIndex(full, func(c []int) {
			var s float64
			for k := 0; k < K; k++ {
				ca := append(slices.Clone(c[:len(c)-1]), k)
				cb := append(slices.Clone(c[:len(c)-2]), k, c[len(c)-1])
				s += float64(at(a, as, ca)) * float64(at(b, bs, cb))
			}
			if math.Abs(s-float64(y.F32[i])) > 1e-4 && bad == nil {
				bad = fmt.Errorf("element %d (%v) = %v, want %v", i, c, y.F32[i], s)
			}
			i++
		})
		if bad != nil {
			t.Errorf("%v x %v: %v", tc.a, tc.b, bad)
		}
	}
}

func forEachIndex(shape []int, f func(c []int)) {
	c := make([]int, len(shape))
	for n := ir.NumElements(shape); n > 0; n-- {
		f(c)
		for d := len(shape) - 1; d >= 0; d-- {
			if c[d]++; c[d] < shape[d] {
				break
			}
			c[d] = 0
		}
	}
}

func TestGemm(t *testing.T) {
	a := f32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := f32([]int{3, 2}, 1, 0, 0, 1, 1, 1)
	// A*B = [[4, 5], [10, 11]]
	for _, tc := range []struct {
		name  string
		attrs ir.Attrs
		a, b  *ir.Tensor
		c     *ir.Tensor
		want  []float32
	}{
		{"plain", nil, a, b, nil, []float32{4, 5, 10, 11}},
		{"scalar bias", nil, a, b, f32(nil, 1), []float32{5, 6, 11, 12}},
		{"row bias", nil, a, b, f32([]int{2}, 1, 2), []float32{5, 7, 11, 13}},
		{"column bias", nil, a, b, f32([]int{2, 1}, 1, 2), []float32{5, 6, 12, 13}},
		{"full bias alpha beta", ir.Attrs{"alpha": ir.FloatAttr(2), "beta": ir.FloatAttr(0.5)}, a, b, f32([]int{2, 2}, 2, 4, 6, 8), []float32{9, 12, 23, 26}},
		{"transA transB", ir.Attrs{"transA": ir.IntAttr(1), "transB": ir.IntAttr(1)},
			f32([]int{3, 2}, 1, 4, 2, 5, 3, 6), f32([]int{2, 3}, 1, 0, 1, 0, 1, 1), nil, []float32{4, 5, 10, 11}},
	} {
		ins := []*ir.Tensor{tc.a, tc.b}
		if tc.c != nil {
			ins = append(ins, tc.c)
		}
		out, err := nnRun(t, "Gemm", tc.attrs, 1, nil, ins...)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if err := closeTo(out[0], []int{2, 2}, tc.want); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestMaxPool(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := randT(r, 2, 3, 7, 6)
	for _, tc := range []struct {
		name  string
		attrs ir.Attrs
		shape []int
	}{
		{"plain", ir.Attrs{"kernel_shape": ir.IntsAttr(3, 2)}, []int{2, 3, 5, 5}},
		{"strides pads", ir.Attrs{"kernel_shape": ir.IntsAttr(3, 3), "strides": ir.IntsAttr(2, 2), "pads": ir.IntsAttr(1, 1, 1, 1)}, []int{2, 3, 4, 3}},
		{"dilations", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 2), "dilations": ir.IntsAttr(3, 2)}, []int{2, 3, 4, 4}},
		{"ceil", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 2), "strides": ir.IntsAttr(2, 2), "ceil_mode": ir.IntAttr(1)}, []int{2, 3, 4, 3}},
		// in 7+2 pad, k 2, s 2: ceil((9-2)/2)+1 = 5, but the 5th window
		// would start at 8 >= 7+1 (in the end padding) and is dropped.
		{"ceil drops window in padding", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 1), "strides": ir.IntsAttr(2, 1), "pads": ir.IntsAttr(1, 0, 1, 0), "ceil_mode": ir.IntAttr(1)}, []int{2, 3, 4, 6}},
		{"same_lower col-major", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 3), "auto_pad": ir.StringAttr("SAME_LOWER"), "storage_order": ir.IntAttr(1)}, []int{2, 3, 7, 6}},
	} {
		out, err := nnRun(t, "MaxPool", tc.attrs, 2, nil, x)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		y, idx := out[0], out[1]
		if !slices.Equal(y.Shape, tc.shape) {
			t.Errorf("%s: shape %v, want %v", tc.name, y.Shape, tc.shape)
			continue
		}
		colMajor := tc.attrs.Int("storage_order", 0) == 1
		for i, j := range idx.I64 {
			if colMajor { // [n,c,h,w] stored as (n*C+c)*H*W + w*H + h
				plane, rem := int(j)/(7*6), int(j)%(7*6)
				j = int64(plane*7*6 + (rem%7)*6 + rem/7)
			}
			if x.F32[j] != y.F32[i] {
				t.Errorf("%s: Y[%d] = %v but X[Indices[%d]=%d] = %v", tc.name, i, y.F32[i], i, j, x.F32[j])
				break
			}
		}
	}
	// The maximum is over the window only.
	out, err := nnRun(t, "MaxPool", ir.Attrs{"kernel_shape": ir.IntsAttr(2), "strides": ir.IntsAttr(2)}, 1, nil, f32([]int{1, 1, 5}, 1, 3, 2, -1, 7))
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(out[0], []int{1, 1, 2}, []float32{3, 2}); err != nil {
		t.Error(err)
	}
}

func TestAveragePool(t *testing.T) {
	x := f32([]int{1, 1, 4}, 1, 2, 3, 4)
	for _, tc := range []struct {
		name  string
		attrs ir.Attrs
		want  []float32
	}{
		{"exclude pad", ir.Attrs{"kernel_shape": ir.IntsAttr(3), "pads": ir.IntsAttr(1, 1)}, []float32{1.5, 2, 3, 3.5}},
		{"include pad", ir.Attrs{"kernel_shape": ir.IntsAttr(3), "pads": ir.IntsAttr(1, 1), "count_include_pad": ir.IntAttr(1)}, []float32{1, 2, 3, 7.0 / 3}},
		// ceil_mode: the last window [3, 5) overhangs the input; only
		// the element inside counts, with or without count_include_pad.
		{"ceil", ir.Attrs{"kernel_shape": ir.IntsAttr(2), "strides": ir.IntsAttr(3), "ceil_mode": ir.IntAttr(1)}, []float32{1.5, 4}},
		{"ceil include pad", ir.Attrs{"kernel_shape": ir.IntsAttr(2), "strides": ir.IntsAttr(3), "ceil_mode": ir.IntAttr(1), "count_include_pad": ir.IntAttr(1)}, []float32{1.5, 4}},
		{"same_upper", ir.Attrs{"kernel_shape": ir.IntsAttr(2), "auto_pad": ir.StringAttr("SAME_UPPER")}, []float32{1.5, 2.5, 3.5, 4}},
	} {
		out, err := nnRun(t, "AveragePool", tc.attrs, 1, nil, x)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if err := closeTo(out[0], []int{1, 1, len(tc.want)}, tc.want); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestGlobalPools(t *testing.T) {
	x := seq(2, 3, 2, 2)
	avg, err := nnRun(t, "GlobalAveragePool", nil, 1, nil, x)
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(avg[0], []int{2, 3, 1, 1}, []float32{1.5, 5.5, 9.5, 13.5, 17.5, 21.5}); err != nil {
		t.Error(err)
	}
	mx, err := nnRun(t, "GlobalMaxPool", nil, 1, nil, x)
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(mx[0], []int{2, 3, 1, 1}, []float32{3, 7, 11, 15, 19, 23}); err != nil {
		t.Error(err)
	}
}

// MaxUnpool undoes MaxPool partially: pooling the unpooled tensor gives the
// pooled values back, and everything but the maxima is zero.
func TestMaxUnpoolInvertsMaxPool(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x := randT(r, 2, 2, 6, 4)
	for i, v := range x.F32 { // positive, so that the zeros MaxUnpool adds never win
		x.F32[i] = float32(math.Abs(float64(v))) + 0.1
	}
	attrs := ir.Attrs{"kernel_shape": ir.IntsAttr(2, 2), "strides": ir.IntsAttr(2, 2)}
	pooled, err := nnRun(t, "MaxPool", attrs, 2, nil, x)
	if err != nil {
		t.Fatal(err)
	}
	un, err := nnRun(t, "MaxUnpool", attrs, 1, nil, pooled[0], pooled[1])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(un[0].Shape, x.Shape) {
		t.Fatalf("unpooled shape %v, want %v", un[0].Shape, x.Shape)
	}
	nonzero := 0
	for _, v := range un[0].F32 {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero != pooled[0].Len() {
		t.Errorf("%d non-zero elements, want %d", nonzero, pooled[0].Len())
	}
	again, err := nnRun(t, "MaxPool", attrs, 1, nil, un[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(again[0], pooled[0].Shape, pooled[0].F32); err != nil {
		t.Error(err)
	}
	// With a larger output_shape, the unpooled result sits at the start.
	big, err := nnRun(t, "MaxUnpool", attrs, 1, []int{2}, pooled[0], pooled[1], i64(2, 2, 7, 5))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range un[0].F32 {
		c := []int{i / 48, i / 24 % 2, i / 4 % 6, i % 4}
		if g := big[0].F32[((c[0]*2+c[1])*7+c[2])*5+c[3]]; g != v {
			t.Fatalf("output_shape [2,2,7,5] at %v: %v, want %v", c, g, v)
		}
	}
	if _, err := nnRun(t, "MaxUnpool", attrs, 1, []int{2}, pooled[0], pooled[1], i64(2, 2, 5, 4)); err == nil {
		t.Error("MaxUnpool accepted an output_shape smaller than the unpooled shape")
	}
}

func TestResize(t *testing.T) {
	x22 := f32([]int{1, 1, 2, 2}, 1, 2, 3, 4)
	x24 := f32([]int{1, 1, 2, 4}, 1, 2, 3, 4, 5, 6, 7, 8)
	scales := func(v ...float32) *ir.Tensor { return f32([]int{len(v)}, v...) }
	mode := func(kv ...string) ir.Attrs {
		a := ir.Attrs{}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i]] = ir.StringAttr(kv[i+1])
		}
		return a
	}
	const third, twoThirds = float32(1.0 / 3), float32(2.0 / 3)
	// Expected values are the ones ONNX's operator documentation gives
	// for these examples.
	for _, tc := range []struct {
		name   string
		attrs  ir.Attrs
		x      *ir.Tensor
		scales *ir.Tensor
		sizes  *ir.Tensor
		shape  []int
		want   []float32
	}{
		{"upsample nearest", mode("mode", "nearest"), x22, scales(1, 1, 2, 3), nil, []int{1, 1, 4, 6},
			[]float32{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}},
		{"downsample nearest", mode("mode", "nearest"), x24, scales(1, 1, 0.6, 0.6), nil, []int{1, 1, 1, 2}, []float32{1, 3}},
		{"downsample sizes nearest", mode("mode", "nearest"), x24, nil, i64(1, 1, 1, 3), []int{1, 1, 1, 3}, []float32{1, 2, 4}},
		{"upsample linear", mode("mode", "linear"), x22, scales(1, 1, 2, 2), nil, []int{1, 1, 4, 4},
			[]float32{1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4}},
		{"upsample linear align_corners", mode("mode", "linear", "coordinate_transformation_mode", "align_corners"), x22, scales(1, 1, 2, 2), nil, []int{1, 1, 4, 4},
			[]float32{1, 1 + third, 1 + twoThirds, 2, 1 + twoThirds, 2, 2 + third, 2 + twoThirds, 2 + third, 2 + twoThirds, 3, 3 + third, 3, 3 + third, 3 + twoThirds, 4}},
		{"downsample linear", mode("mode", "linear"), x24, scales(1, 1, 0.6, 0.6), nil, []int{1, 1, 1, 2}, []float32{2.6666665, 4.3333331}},
		{"downsample linear align_corners", mode("mode", "linear", "coordinate_transformation_mode", "align_corners"), x24, scales(1, 1, 0.6, 0.6), nil, []int{1, 1, 1, 2}, []float32{1, 3.142857}},
	} {
		ins := []*ir.Tensor{tc.x, nil, tc.scales}
		consts := []int{2}
		if tc.sizes != nil {
			ins = []*ir.Tensor{tc.x, nil, nil, tc.sizes}
			consts = []int{3}
		}
		out, err := nnRun(t, "Resize", tc.attrs, 1, consts, ins...)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if err := closeTo(out[0], tc.shape, tc.want); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Resizing by 1 is the identity in every mode.
	r := rand.New(rand.NewPCG(13, 14))
	x := randT(r, 2, 3, 4, 5)
	for _, m := range []string{"nearest", "linear", "cubic"} {
		for _, ctm := range []string{"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"} {
			out, err := nnRun(t, "Resize", mode("mode", m, "coordinate_transformation_mode", ctm), 1, []int{2}, x, nil, scales(1, 1, 1, 1))
			if err != nil {
				t.Fatal(err)
			}
			if err := closeTo(out[0], x.Shape, x.F32); err != nil {
				t.Errorf("%s %s identity: %v", m, ctm, err)
			}
		}
	}
	// Non-constant scales are read at run time.
	out, err := nnRun(t, "Resize", mode("mode", "nearest"), 1, nil, x22, nil, scales(1, 1, 2, 3))
	if err != nil || !slices.Equal(out[0].Shape, []int{1, 1, 4, 6}) {
		t.Errorf("runtime scales: %v %v", err, out)
	}
	if _, err := nnRun(t, "Resize", nil, 1, nil, x22, nil, scales(1, 1, 2, 3), i64(1, 1, 4, 6)); err == nil {
		t.Error("Resize accepted both scales and sizes")
	}
}

func TestPad(t *testing.T) {
	x := f32([]int{3, 2}, 1.0, 1.2, 2.3, 3.4, 4.5, 5.7)
	pads := i64(0, 2, 0, 0)
	for _, tc := range []struct {
		mode string
		cv   *ir.Tensor
		want []float32
	}{
		{"constant", nil, []float32{0, 0, 1.0, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7}},
		{"constant", f32(nil, 9), []float32{9, 9, 1.0, 1.2, 9, 9, 2.3, 3.4, 9, 9, 4.5, 5.7}},
		{"reflect", nil, []float32{1.0, 1.2, 1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7, 4.5, 5.7}},
		{"edge", nil, []float32{1.0, 1.0, 1.0, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7}},
	} {
		ins := []*ir.Tensor{x, pads}
		if tc.cv != nil {
			ins = append(ins, tc.cv)
		}
		out, err := nnRun(t, "Pad", ir.Attrs{"mode": ir.StringAttr(tc.mode)}, 1, []int{1}, ins...)
		if err != nil {
			t.Errorf("%s: %v", tc.mode, err)
			continue
		}
		if err := closeTo(out[0], []int{3, 4}, tc.want); err != nil {
			t.Errorf("%s: %v", tc.mode, err)
		}
	}
	// Reflect beyond one period, on a 1-D sequence (numpy: [2,1,0,1,2,3,2,1,0,1]).
	out, err := nnRun(t, "Pad", ir.Attrs{"mode": ir.StringAttr("reflect")}, 1, []int{1}, seq(4), i64(2, 4))
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(out[0], []int{10}, []float32{2, 1, 0, 1, 2, 3, 2, 1, 0, 1}); err != nil {
		t.Errorf("reflect 1-D: %v", err)
	}
	// Negative pads crop; int64 data keeps its type.
	xi := ir.Int64Tensor([]int{2, 3}, []int64{1, 2, 3, 4, 5, 6})
	out, err = nnRun(t, "Pad", nil, 1, []int{1}, xi, i64(0, -1, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out[0].Shape, []int{3, 2}) || !slices.Equal(out[0].I64, []int64{2, 3, 5, 6, 0, 0}) {
		t.Errorf("int64 crop+pad: %v %v", out[0].Shape, out[0].I64)
	}
}

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	x := randT(r, 2, 3, 4)
	x.F32[0] = 80 // large values must not overflow
	for axis := -3; axis < 3; axis++ {
		sm, err := nnRun(t, "Softmax", ir.Attrs{"axis": ir.IntAttr(int64(axis))}, 1, nil, x)
		if err != nil {
			t.Fatal(err)
		}
		lsm, err := nnRun(t, "LogSoftmax", ir.Attrs{"axis": ir.IntAttr(int64(axis))}, 1, nil, x)
		if err != nil {
			t.Fatal(err)
		}
		a := (axis + 3) % 3
		stride := []int{12, 4, 1}[a]
		d := x.Shape[a]
		forEachIndex(x.Shape, func(c []int) {
			if c[a] != 0 {
				return
			}
			off := c[0]*12 + c[1]*4 + c[2]
			var sum float64
			for k := 0; k < d; k++ {
				i := off + k*stride
				sum += float64(sm[0].F32[i])
				if g, w := lsm[0].F32[i], float32(math.Log(float64(sm[0].F32[i]))); math.Abs(float64(g-w)) > 1e-5 {
					t.Errorf("axis %d: LogSoftmax[%d] = %v, log(Softmax) = %v", axis, i, g, w)
				}
				if k > 0 && (x.F32[i] > x.F32[i-stride]) != (sm[0].F32[i] > sm[0].F32[i-stride]) {
					t.Errorf("axis %d: Softmax does not preserve order at %d", axis, i)
				}
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("axis %d: slice at %v sums to %v", axis, c, sum)
			}
		})
	}
	if _, err := nnRun(t, "Softmax", ir.Attrs{"axis": ir.IntAttr(3)}, 1, nil, x); err == nil {
		t.Error("Softmax accepted axis 3 for rank 3")
	}
}

func TestBatchNormalization(t *testing.T) {
	x := f32([]int{2, 2, 2}, 1, 3, 10, 20, 5, 7, 30, 40)
	scale, bias := f32([]int{2}, 2, 1), f32([]int{2}, 0.5, -1)
	mean, variance := f32([]int{2}, 4, 25), f32([]int{2}, 4, 100)
	out, err := nnRun(t, "BatchNormalization", ir.Attrs{"epsilon": ir.FloatAttr(0)}, 1, nil, x, scale, bias, mean, variance)
	if err != nil {
		t.Fatal(err)
	}
	// channel 0: 2*(x-4)/2+0.5 ; channel 1: (x-25)/10-1
	want := []float32{-2.5, -0.5, -2.5, -1.5, 1.5, 3.5, -0.5, 0.5}
	if err := closeTo(out[0], x.Shape, want); err != nil {
		t.Errorf("inference: %v", err)
	}
	// Training mode: batch mean 4 / 25, population variance 5 / 125.
	out, err = nnRun(t, "BatchNormalization", ir.Attrs{"epsilon": ir.FloatAttr(0), "training_mode": ir.IntAttr(1), "momentum": ir.FloatAttr(0.5)}, 3, nil, x, scale, bias, mean, variance)
	if err != nil {
		t.Fatal(err)
	}
	s5, s125 := float32(math.Sqrt(5)), float32(math.Sqrt(125))
	want = []float32{2*-3/s5 + 0.5, 2*-1/s5 + 0.5, -15/s125 - 1, -5/s125 - 1, 2*1/s5 + 0.5, 2*3/s5 + 0.5, 5/s125 - 1, 15/s125 - 1}
	if err := closeTo(out[0], x.Shape, want); err != nil {
		t.Errorf("training Y: %v", err)
	}
	if err := closeTo(out[1], []int{2}, []float32{4, 25}); err != nil {
		t.Errorf("running_mean: %v", err)
	}
	if err := closeTo(out[2], []int{2}, []float32{4.5, 112.5}); err != nil {
		t.Errorf("running_var: %v", err)
	}
}

func TestDropout(t *testing.T) {
	x := seq(2, 3)
	out, err := nnRun(t, "Dropout", nil, 2, []int{1}, x, f32(nil, 0.3))
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(out[0], x.Shape, x.F32); err != nil {
		t.Errorf("output: %v", err)
	}
	if !slices.Equal(out[1].Bool, []bool{true, true, true, true, true, true}) {
		t.Errorf("mask %v, want all true", out[1].Bool)
	}
	training := ir.BoolTensor(nil, []bool{true})
	if _, err := nnRun(t, "Dropout", nil, 1, nil, x, f32(nil, 0.3), training); err == nil || !strings.Contains(err.Error(), "training_mode") {
		t.Errorf("training-mode dropout: %v, want an error naming training_mode", err)
	}
	if _, err := nnRun(t, "Dropout", nil, 1, nil, x, f32(nil, 0), training); err != nil {
		t.Errorf("training-mode dropout with ratio 0: %v", err)
	}
}

// Bad input gives an error naming the problem, never a panic.
func TestNNErrors(t *testing.T) {
	x4 := seq(1, 2, 4, 4)
	w := seq(3, 2, 3, 3)
	for _, tc := range []struct {
		op    string
		attrs ir.Attrs
		in    []*ir.Tensor
		want  string
	}{
		{"Conv", nil, []*ir.Tensor{seq(2, 4), w}, "rank"},
		{"Conv", nil, []*ir.Tensor{seq(1, 3, 4, 4), w}, "channels"},
		{"Conv", ir.Attrs{"kernel_shape": ir.IntsAttr(3)}, []*ir.Tensor{x4, w}, "kernel_shape"},
		{"Conv", ir.Attrs{"strides": ir.IntsAttr(0, 1)}, []*ir.Tensor{x4, w}, "strides"},
		{"Conv", ir.Attrs{"pads": ir.IntsAttr(1, 1)}, []*ir.Tensor{x4, w}, "pads"},
		{"Conv", ir.Attrs{"auto_pad": ir.StringAttr("SAME")}, []*ir.Tensor{x4, w}, "auto_pad"},
		{"Conv", nil, []*ir.Tensor{seq(1, 2, 2, 2), w}, "smaller than the dilated kernel"},
		{"Conv", nil, []*ir.Tensor{x4, w, seq(2)}, "bias"},
		{"Conv", ir.Attrs{"group": ir.IntAttr(0)}, []*ir.Tensor{x4, w}, "group"},
		{"Conv", nil, []*ir.Tensor{ir.Int64Tensor([]int{1, 2, 4, 4}, make([]int64, 32)), w}, "float32"},
		{"ConvTranspose", ir.Attrs{"strides": ir.IntsAttr(1<<30, 1<<30)}, []*ir.Tensor{seq(1, 3, 4, 4), w}, "too large"},
		{"ConvTranspose", ir.Attrs{"output_padding": ir.IntsAttr(1, 1)}, []*ir.Tensor{seq(1, 3, 4, 4), w}, "output_padding"},
		{"ConvTranspose", ir.Attrs{"pads": ir.IntsAttr(9, 9, 9, 9)}, []*ir.Tensor{seq(1, 3, 4, 4), w}, "not positive"},
		{"ConvTranspose", nil, []*ir.Tensor{x4, w}, "channels"},
		{"MaxPool", nil, []*ir.Tensor{x4}, "kernel_shape"},
		{"MaxPool", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 2, 2)}, []*ir.Tensor{x4}, "kernel_shape"},
		{"MaxPool", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 2), "storage_order": ir.IntAttr(2)}, []*ir.Tensor{x4}, "storage_order"},
		{"AveragePool", ir.Attrs{"kernel_shape": ir.IntsAttr(5, 5)}, []*ir.Tensor{x4}, "smaller"},
		{"GlobalAveragePool", nil, []*ir.Tensor{seq(3)}, "rank"},
		{"MaxUnpool", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 2)}, []*ir.Tensor{seq(1, 1, 2, 2), i64(0, 1, 2, 99)}, "shape"},
		{"MaxUnpool", ir.Attrs{"kernel_shape": ir.IntsAttr(2, 2)}, []*ir.Tensor{seq(1, 1, 2, 2), ir.Int64Tensor([]int{1, 1, 2, 2}, []int64{0, 1, 2, 99})}, "outside"},
		{"Gemm", nil, []*ir.Tensor{seq(2, 3), seq(2, 3)}, "inner"},
		{"Gemm", nil, []*ir.Tensor{seq(2, 3), seq(3, 2), seq(3)}, "bias"},
		{"Gemm", nil, []*ir.Tensor{seq(3), seq(3, 2)}, "2-D"},
		{"MatMul", nil, []*ir.Tensor{seq(2, 3), seq(2, 3)}, "inner"},
		{"MatMul", nil, []*ir.Tensor{seq(2, 2, 3), seq(3, 3, 2)}, "broadcast"},
		{"MatMul", nil, []*ir.Tensor{f32(nil, 1), seq(3)}, "scalar"},
		{"Resize", nil, []*ir.Tensor{x4}, "neither"},
		{"Resize", nil, []*ir.Tensor{x4, nil, f32([]int{2}, 1, 1)}, "rank"},
		{"Resize", nil, []*ir.Tensor{x4, nil, f32([]int{4}, 1, 1, 0, 1)}, "positive"},
		{"Resize", ir.Attrs{"mode": ir.StringAttr("bicubic")}, []*ir.Tensor{x4, nil, f32([]int{4}, 1, 1, 2, 2)}, "mode"},
		{"Resize", ir.Attrs{"coordinate_transformation_mode": ir.StringAttr("tf_crop_and_resize")}, []*ir.Tensor{x4, nil, f32([]int{4}, 1, 1, 2, 2)}, "roi"},
		{"Resize", nil, []*ir.Tensor{x4, nil, nil, i64(1, 1, -2, 2)}, "out of range"},
		{"BatchNormalization", nil, []*ir.Tensor{x4, seq(3), seq(2), seq(2), seq(2)}, "scale"},
		{"Dropout", nil, []*ir.Tensor{x4, f32(nil, 1.5)}, "ratio"},
		{"Softmax", ir.Attrs{"axis": ir.IntAttr(-5)}, []*ir.Tensor{x4}, "axis"},
		{"Pad", nil, []*ir.Tensor{x4, i64(1, 1)}, "pads"},
		{"Pad", nil, []*ir.Tensor{seq(2), i64(-3, 0)}, "size -1"},
		{"Pad", ir.Attrs{"mode": ir.StringAttr("wrap")}, []*ir.Tensor{seq(2), i64(1, 1)}, "mode"},
		{"Pad", ir.Attrs{"mode": ir.StringAttr("edge")}, []*ir.Tensor{seq(0), i64(1, 1)}, "empty"},
		{"Pad", nil, []*ir.Tensor{seq(2), i64(1, 1), i64(3)}, "constant_value"},
	} {
		k, ok := reference.KernelFor("", tc.op)
		if !ok {
			t.Fatalf("no kernel for %s", tc.op)
		}
		n := &ir.Node{Op: tc.op, Attrs: tc.attrs, Outputs: []*ir.Value{{Name: "y"}}}
		_, err := k(n, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: got error %v, want one containing %q", tc.op, tc.attrs, err, tc.want)
		}
	}
}

// Random shapes and attributes, mostly consistent and sometimes not, never
// make a kernel or its shape inference panic, and whenever both succeed
// they agree on the output shape.
func TestNNRandomInputsNoPanic(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	okCount := map[string]int{}
	ops := []string{"Gemm", "MatMul", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
		"GlobalMaxPool", "MaxUnpool", "Resize", "BatchNormalization", "Dropout", "Softmax", "LogSoftmax", "Pad"}
	for iter := 0; iter < iters; iter++ {
		op := ops[r.IntN(len(ops))]
		g := nnGen{r: r}
		n, in := g.node(op)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("%s attrs %v inputs %v: panic: %v", op, n.Attrs, shapesOf(in), p)
				}
			}()
			k, _ := reference.KernelFor("", op)
			out, kerr := k(n, in)
			if kerr == nil {
				okCount[op]++
			}
			if ir.CheckNode(n) != nil {
				return
			}
			s, _ := ir.LookupSchema("", op)
			ierr := s.Infer(n)
			if kerr == nil && ierr == nil && len(out) > 0 {
				if err := reference.CheckShape(n.Outputs[0].Shape, out[0].Shape, map[string]int{}); err != nil {
					t.Errorf("%s attrs %v inputs %v: kernel and inference disagree: %v", op, n.Attrs, shapesOf(in), err)
				}
			}
		}()
	}
	for _, op := range ops {
		if okCount[op] < iters/len(ops)/10 {
			t.Errorf("%s succeeded only %d times: the generator does not exercise it", op, okCount[op])
		}
	}
	t.Logf("kernel successes per op: %v", okCount)
}

// nnGen makes random, mostly consistent operator inputs and attributes.
type nnGen struct{ r *rand.Rand }

// bad reports true rarely: the moment to break a consistency rule.
func (g nnGen) bad() bool { return g.r.IntN(12) == 0 }

func (g nnGen) dims(rank, lo, hi int) []int {
	d := make([]int, rank)
	for i := range d {
		d[i] = lo + g.r.IntN(hi-lo+1)
		if g.bad() {
			d[i] = g.r.IntN(3) - 1 + lo
		}
	}
	return d
}

func (g nnGen) ints(rank, lo, hi int) ir.Attr {
	if g.bad() {
		rank = g.r.IntN(rank + 2)
	}
	v := make([]int64, rank)
	for i := range v {
		v[i] = int64(lo + g.r.IntN(hi-lo+1))
		if g.bad() {
			v[i] = int64(g.r.IntN(5) - 2)
		}
	}
	return ir.IntsAttr(v...)
}

func (g nnGen) maybe(a ir.Attrs, name string, v func() ir.Attr) {
	if g.r.IntN(2) == 0 {
		a[name] = v()
	}
}

func (g nnGen) pick(v ...string) ir.Attr { return ir.StringAttr(v[g.r.IntN(len(v))]) }

func (g nnGen) flag() ir.Attr { return ir.IntAttr(int64(g.r.IntN(2))) }

func (g nnGen) tensor(shape []int) *ir.Tensor {
	if ir.NumElements(shape) < 0 {
		shape = []int{1}
	}
	return randT(g.r, shape...)
}

func (g nnGen) node(op string) (*ir.Node, []*ir.Tensor) {
	r := g.r
	a := ir.Attrs{}
	sp := 1 + r.IntN(3)
	N, C := 1+r.IntN(2), 1+r.IntN(4)
	x := append([]int{N, C}, g.dims(sp, 1, 6)...)
	var in []*ir.Tensor
	nOut := 1
	switch op {
	case "Gemm":
		m, k, n := 1+r.IntN(4), 1+r.IntN(4), 1+r.IntN(4)
		g.maybe(a, "transA", g.flag)
		g.maybe(a, "transB", g.flag)
		g.maybe(a, "alpha", func() ir.Attr { return ir.FloatAttr(float32(r.NormFloat64())) })
		as, bs := []int{m, k}, []int{k, n}
		if a.Int("transA", 0) == 1 {
			as = []int{k, m}
		}
		if a.Int("transB", 0) == 1 {
			bs = []int{n, k}
		}
		in = []*ir.Tensor{g.tensor(g.dims2(as)), g.tensor(g.dims2(bs))}
		if r.IntN(2) == 0 {
			in = append(in, g.tensor([][]int{{}, {n}, {1}, {m, n}, {m, 1}, {1, n}}[r.IntN(6)]))
		}
	case "MatMul":
		k := 1 + r.IntN(4)
		as := append(g.dims(r.IntN(3), 1, 3), k)
		bs := append([]int{k}, g.dims(r.IntN(3), 1, 3)...)
		if len(bs) > 1 && len(as) > 2 && r.IntN(2) == 0 {
			bs = append(slices.Clone(as[:len(as)-2]), bs...)
		}
		in = []*ir.Tensor{g.tensor(g.dims2(as)), g.tensor(g.dims2(bs))}
	case "Conv", "ConvTranspose":
		group := 1 + r.IntN(2)
		M := group * (1 + r.IntN(3))
		x[1] = group * (1 + r.IntN(2))
		k := g.dims(sp, 1, 3)
		w := append([]int{M, x[1] / group}, k...)
		if op == "ConvTranspose" {
			w = append([]int{x[1], M / group}, k...)
		}
		if group > 1 || g.bad() {
			a["group"] = ir.IntAttr(int64(group))
		}
		g.maybe(a, "strides", func() ir.Attr { return g.ints(sp, 1, 3) })
		g.maybe(a, "dilations", func() ir.Attr { return g.ints(sp, 1, 2) })
		g.maybe(a, "pads", func() ir.Attr { return g.ints(2*sp, 0, 2) })
		g.maybe(a, "auto_pad", func() ir.Attr { return g.pick("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID") })
		if r.IntN(4) == 0 {
			a["kernel_shape"] = g.ints(sp, 1, 3)
		}
		if op == "ConvTranspose" {
			g.maybe(a, "output_padding", func() ir.Attr { return g.ints(sp, 0, 1) })
			if r.IntN(4) == 0 {
				a["output_shape"] = g.ints(sp, 1, 9)
			}
		}
		in = []*ir.Tensor{g.tensor(g.dims2(x)), g.tensor(g.dims2(w))}
		if r.IntN(2) == 0 {
			in = append(in, g.tensor([]int{M}))
		}
	case "MaxPool", "AveragePool":
		a["kernel_shape"] = g.ints(sp, 1, 3)
		g.maybe(a, "strides", func() ir.Attr { return g.ints(sp, 1, 3) })
		g.maybe(a, "pads", func() ir.Attr { return g.ints(2*sp, 0, 1) })
		g.maybe(a, "auto_pad", func() ir.Attr { return g.pick("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID") })
		g.maybe(a, "ceil_mode", g.flag)
		if op == "MaxPool" {
			g.maybe(a, "dilations", func() ir.Attr { return g.ints(sp, 1, 2) })
			g.maybe(a, "storage_order", g.flag)
			nOut = 1 + r.IntN(2)
		} else {
			g.maybe(a, "count_include_pad", g.flag)
		}
		in = []*ir.Tensor{g.tensor(g.dims2(x))}
	case "GlobalAveragePool", "GlobalMaxPool", "Softmax", "LogSoftmax":
		if op == "Softmax" || op == "LogSoftmax" {
			g.maybe(a, "axis", func() ir.Attr { return ir.IntAttr(int64(r.IntN(2*len(x)+1) - len(x))) })
		}
		in = []*ir.Tensor{g.tensor(g.dims2(x))}
	case "MaxUnpool":
		a["kernel_shape"] = g.ints(sp, 1, 3)
		g.maybe(a, "strides", func() ir.Attr { return g.ints(sp, 1, 3) })
		g.maybe(a, "pads", func() ir.Attr { return g.ints(2*sp, 0, 1) })
		xs := g.dims2(x)
		idx := make([]int64, max(ir.NumElements(xs), 0))
		for i := range idx {
			idx[i] = int64(r.IntN(2 * len(idx)))
		}
		in = []*ir.Tensor{g.tensor(xs), ir.Int64Tensor(xs, idx)}
		if r.IntN(3) == 0 {
			os := make([]int64, len(xs))
			for i, d := range xs {
				os[i] = int64(d * (1 + r.IntN(3)))
			}
			in = append(in, ir.Int64Tensor([]int{len(os)}, os))
		}
	case "Resize":
		g.maybe(a, "mode", func() ir.Attr { return g.pick("nearest", "linear", "cubic") })
		g.maybe(a, "coordinate_transformation_mode", func() ir.Attr {
			return g.pick("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn")
		})
		g.maybe(a, "nearest_mode", func() ir.Attr { return g.pick("round_prefer_floor", "round_prefer_ceil", "floor", "ceil") })
		g.maybe(a, "exclude_outside", g.flag)
		xs := g.dims2(x)
		roi := make([]float32, 2*len(xs))
		for i := range xs {
			roi[i], roi[len(xs)+i] = float32(r.Float64()), float32(r.Float64()*1.5)
		}
		in = []*ir.Tensor{g.tensor(xs), f32([]int{len(roi)}, roi...)}
		if r.IntN(2) == 0 {
			sc := make([]float32, len(xs))
			for i := range sc {
				sc[i] = float32(1+r.IntN(8)) / 4
			}
			in = append(in, f32([]int{len(sc)}, sc...))
		} else {
			sz := make([]int64, len(xs))
			for i := range sz {
				sz[i] = int64(r.IntN(7))
			}
			in = append(in, nil, ir.Int64Tensor([]int{len(sz)}, sz))
		}
	case "BatchNormalization":
		g.maybe(a, "training_mode", g.flag)
		g.maybe(a, "epsilon", func() ir.Attr { return ir.FloatAttr(1e-3) })
		in = []*ir.Tensor{g.tensor(g.dims2(x))}
		for range 4 {
			p := g.tensor(g.dims2([]int{C}))
			for i := range p.F32 {
				p.F32[i] = float32(math.Abs(float64(p.F32[i])))
			}
			in = append(in, p)
		}
		if a.Int("training_mode", 0) == 1 {
			nOut = 1 + r.IntN(3)
		}
	case "Dropout":
		in = []*ir.Tensor{g.tensor(g.dims2(x))}
		if r.IntN(2) == 0 {
			in = append(in, f32(nil, float32(r.IntN(3))/2))
			if r.IntN(2) == 0 {
				in = append(in, ir.BoolTensor(nil, []bool{r.IntN(2) == 0}))
			}
		}
		nOut = 1 + r.IntN(2)
	case "Pad":
		g.maybe(a, "mode", func() ir.Attr { return g.pick("constant", "reflect", "edge") })
		xs := g.dims2(x)
		p := make([]int64, 2*len(xs))
		for i := range p {
			p[i] = int64(r.IntN(5) - 1)
		}
		in = []*ir.Tensor{g.tensor(xs), ir.Int64Tensor([]int{len(p)}, p)}
		if r.IntN(2) == 0 {
			in = append(in, f32(nil, 3))
		}
	}
	n := &ir.Node{Op: op, Attrs: a}
	for i, t := range in {
		var v *ir.Value
		if t != nil {
			v = &ir.Value{Name: fmt.Sprint("x", i), DType: t.DType, Shape: ir.StaticShape(t.Shape...)}
			if i > 0 && r.IntN(2) == 0 {
				v.Const = t
			}
		}
		n.Inputs = append(n.Inputs, v)
	}
	for i := 0; i < nOut; i++ {
		n.Outputs = append(n.Outputs, &ir.Value{Name: fmt.Sprint("y", i)})
	}
	return n, in
}

// dims2 returns shape, occasionally broken (a dimension changed, or the
// rank changed).
func (g nnGen) dims2(shape []int) []int {
	s := slices.Clone(shape)
	if g.bad() && len(s) > 0 {
		s[g.r.IntN(len(s))] += g.r.IntN(3) - 1
	}
	if g.bad() {
		if len(s) > 0 && g.r.IntN(2) == 0 {
			s = s[1:]
		} else {
			s = append(s, 1+g.r.IntN(2))
		}
	}
	for i := range s {
		s[i] = max(s[i], 0)
	}
	return s
}

func shapesOf(ts []*ir.Tensor) []string {
	var s []string
	for _, t := range ts {
		if t == nil {
			s = append(s, "_")
		} else {
			s = append(s, fmt.Sprint(t.DType, t.Shape))
		}
	}
	return s
}
