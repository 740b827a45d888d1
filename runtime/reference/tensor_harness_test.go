package reference

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/latent-go/latent/ir"
)

// A kernelCase runs operator op with attrs on inputs (nil: omitted) and
// expects outputs want, or an error containing err.
type kernelCase struct {
	name  string
	op    string
	attrs ir.Attrs
	in    []*ir.Tensor
	want  []*ir.Tensor
	err   string
	// inferErr, when set, is the error shape inference must report on the
	// graph whose inputs are all constants (kernel errors that inference
	// can already see).
	inferErr string
}

// Literal constructors for tests.
func f32(shape []int, v ...float32) *ir.Tensor { return ir.Float32Tensor(shape, v) }
func i64(shape []int, v ...int64) *ir.Tensor   { return ir.Int64Tensor(shape, v) }
func bl(shape []int, v ...bool) *ir.Tensor     { return ir.BoolTensor(shape, v) }
func f64(shape []int, v ...float64) *ir.Tensor {
	return &ir.Tensor{DType: ir.Float64, Shape: shape, F64: v}
}
func i32(shape []int, v ...int32) *ir.Tensor {
	return &ir.Tensor{DType: ir.Int32, Shape: shape, I32: v}
}
func sh(d ...int) []int { return d }

var scalar = []int{}

// runKernelCases checks each case three ways: the kernel called directly;
// a graph whose inputs are constants (shape inference must then give the
// exact output types); and a graph whose inputs are graph inputs (the
// inferred shapes must be consistent with the computed ones).
func runKernelCases(t *testing.T, cases []kernelCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			k, ok := KernelFor("", tc.op)
			if !ok {
				t.Fatalf("no kernel for %s", tc.op)
			}
			nOut := max(len(tc.want), 1)
			n := &ir.Node{Op: tc.op, Attrs: tc.attrs, Outputs: make([]*ir.Value, nOut)}
			for i := range n.Outputs {
				n.Outputs[i] = &ir.Value{Name: fmt.Sprintf("out%d", i)}
			}
			got, err := k(n, tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("kernel: got error %v, want one containing %q", err, tc.err)
				}
			} else {
				if err != nil {
					t.Fatalf("kernel: %v", err)
				}
				compareOutputs(t, "kernel", got, tc.want)
			}
			for _, constant := range []bool{true, false} {
				g := caseGraph(tc, nOut, constant)
				if err := ir.Verify(g); err != nil {
					if tc.err != "" {
						continue // the schema check may see the problem first
					}
					t.Fatalf("verify: %v", err)
				}
				err := ir.InferShapes(g)
				if constant && tc.inferErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.inferErr) {
						t.Errorf("infer: got error %v, want one containing %q", err, tc.inferErr)
					}
					continue
				}
				if err != nil {
					if tc.err != "" {
						continue // inference may see the problem first
					}
					t.Fatalf("infer (constant inputs %v): %v", constant, err)
				}
				var inputs []*ir.Tensor
				if !constant {
					for _, x := range tc.in {
						if x != nil {
							inputs = append(inputs, x)
						}
					}
				}
				res, runErr := Run(context.Background(), g, inputs)
				if tc.err != "" {
					if runErr == nil || !strings.Contains(runErr.Error(), tc.err) {
						t.Errorf("run (constant inputs %v): got error %v, want one containing %q", constant, runErr, tc.err)
					}
					continue
				}
				if runErr != nil {
					t.Fatalf("run (constant inputs %v): %v", constant, runErr)
				}
				compareOutputs(t, "run", res, tc.want)
				for i, v := range g.Outputs {
					w := tc.want[i]
					if v.DType != w.DType {
						t.Errorf("infer: output %d type %s, kernel gives %s", i, v.DType, w.DType)
					}
					if constant && !v.Shape.Equal(ir.StaticShape(w.Shape...)) {
						t.Errorf("infer: output %d shape %v, kernel gives %v", i, v.Shape, w.Shape)
					}
					if err := CheckShape(v.Shape, w.Shape, map[string]int{}); err != nil {
						t.Errorf("infer: output %d: %v", i, err)
					}
				}
			}
		})
	}
}

// caseGraph builds a one-node graph for tc: the inputs are constants or
// graph inputs of the declared type and shape.
func caseGraph(tc kernelCase, nOut int, constant bool) *ir.Graph {
	g := &ir.Graph{Name: tc.name}
	n := &ir.Node{Op: tc.op, Attrs: tc.attrs}
	for i, x := range tc.in {
		if x == nil {
			n.Inputs = append(n.Inputs, nil)
			continue
		}
		v := &ir.Value{Name: fmt.Sprintf("in%d", i), DType: x.DType, Shape: ir.StaticShape(x.Shape...)}
		if constant {
			v.Const = x
		} else {
			g.Inputs = append(g.Inputs, v)
		}
		n.Inputs = append(n.Inputs, v)
	}
	for i := range nOut {
		v := &ir.Value{Name: fmt.Sprintf("out%d", i)}
		n.Outputs = append(n.Outputs, v)
		g.Outputs = append(g.Outputs, v)
	}
	g.Nodes = []*ir.Node{n}
	return g
}

func compareOutputs(t *testing.T, where string, got, want []*ir.Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", where, len(got), len(want))
	}
	for i := range want {
		if err := sameTensor(got[i], want[i], 1e-6, 1e-6); err != nil {
			t.Errorf("%s: output %d: %v", where, i, err)
		}
	}
}

// sameTensor compares type, shape and data; floats within an absolute
// plus relative tolerance, NaN equal to NaN.
func sameTensor(got, want *ir.Tensor, rel, abs float64) error {
	if got == nil {
		return fmt.Errorf("nil tensor")
	}
	if err := got.Check(); err != nil {
		return err
	}
	if got.DType != want.DType {
		return fmt.Errorf("type %s, want %s", got.DType, want.DType)
	}
	if !equalInts(got.Shape, want.Shape) {
		return fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	bad := 0
	var first string
	for i := range want.Len() {
		ok := true
		switch want.DType {
		case ir.Float32, ir.Float64:
			g, w := got.Float64At(i), want.Float64At(i)
			switch {
			case math.IsNaN(w):
				ok = math.IsNaN(g)
			case math.IsInf(w, 0):
				ok = g == w
			default:
				ok = math.Abs(g-w) <= abs+rel*math.Abs(w)
			}
		case ir.Bool:
			ok = got.Bool[i] == want.Bool[i]
		default:
			ok = got.Int64At(i) == want.Int64At(i)
		}
		if !ok {
			if bad == 0 {
				first = fmt.Sprintf("element %d is %v, want %v", i, got.Float64At(i), want.Float64At(i))
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d elements differ; first: %s", bad, want.Len(), first)
	}
	return nil
}
