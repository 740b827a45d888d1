package reference

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/latent-go/latent/ir"
)

// TestTensorFamilyNoPanic feeds every kernel of the family, and its
// schema's inference, random inputs of random types and shapes and random
// attributes: each must return a result or an error, never panic.
func TestTensorFamilyNoPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// The generator is seeded, so the run is deterministic; 1000
	// iterations per operator take well under a second.
	const iters = 1000
	dtypes := []ir.DType{ir.Float32, ir.Float64, ir.Int32, ir.Int64, ir.Bool}
	base := ir.Float32
	randTensor := func() *ir.Tensor {
		shape := make([]int, rng.IntN(4))
		for i := range shape {
			shape[i] = rng.IntN(4)
		}
		// Mostly the iteration's base type, often int64 (shapes, axes),
		// sometimes anything.
		dt := base
		switch r := rng.IntN(10); {
		case r < 2:
			dt = ir.Int64
		case r < 3:
			dt = dtypes[rng.IntN(len(dtypes))]
		}
		x, _ := ir.NewTensor(dt, shape...)
		for i := range x.Len() {
			x.SetFloat64(i, float64(rng.IntN(9)-4))
		}
		return x
	}
	randAttrs := func() ir.Attrs {
		a := ir.Attrs{}
		for _, name := range []string{"axis", "keepdims", "allowzero", "to", "start", "end", "noop_with_empty_axes"} {
			if rng.IntN(3) == 0 {
				a[name] = ir.IntAttr(int64(rng.IntN(13) - 4))
			}
		}
		if rng.IntN(3) == 0 {
			p := make([]int64, rng.IntN(4))
			for i := range p {
				p[i] = int64(rng.IntN(7) - 3)
			}
			a["perm"] = ir.IntsAttr(p...)
			a["axes"] = ir.IntsAttr(p...)
		}
		if rng.IntN(4) == 0 {
			a["value"] = ir.TensorAttr(randTensor())
		}
		if rng.IntN(4) == 0 {
			a["alpha"] = ir.FloatAttr(float32(rng.NormFloat64()))
		}
		return a
	}
	exercised := 0 // operators for which some random call succeeded
	for _, op := range tensorFamilyOps {
		k, _ := KernelFor("", op)
		s, _ := ir.LookupSchema("", op)
		ok := 0
		for it := range iters {
			base = dtypes[rng.IntN(len(dtypes))]
			in := make([]*ir.Tensor, rng.IntN(5))
			for i := range in {
				switch r := rng.IntN(6); {
				case r == 0: // omitted
				case i > 0 && r < 3:
					// shape-like: a short 1-D int64 vector
					v := make([]int64, rng.IntN(4))
					for j := range v {
						v[j] = int64(rng.IntN(9) - 4)
					}
					in[i] = ir.Int64Tensor([]int{len(v)}, v)
				default:
					in[i] = randTensor()
				}
			}
			n := &ir.Node{Op: op, Attrs: randAttrs()}
			for i := range 1 + rng.IntN(3) {
				n.Outputs = append(n.Outputs, &ir.Value{Name: fmt.Sprint("out", i)})
			}
			for i, x := range in {
				v := &ir.Value{Name: fmt.Sprint("in", i)}
				if x != nil {
					v.DType, v.Shape = x.DType, ir.StaticShape(x.Shape...)
					if rng.IntN(2) == 0 {
						v.Const = x
					}
					n.Inputs = append(n.Inputs, v)
				} else {
					n.Inputs = append(n.Inputs, nil)
				}
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s iteration %d: kernel panicked: %v\nattrs %v\ninputs %v", op, it, r, n.Attrs, describe(in))
					}
				}()
				if _, err := k(n, in); err == nil {
					ok++
				}
			}()
			if ir.CheckNode(n) != nil {
				continue // inference runs only on nodes that pass their schema
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s iteration %d: inference panicked: %v\nattrs %v\ninputs %v", op, it, r, n.Attrs, describe(in))
					}
				}()
				_ = s.Infer(n)
			}()
		}
		if ok > 0 {
			exercised++
		}
		t.Logf("%-16s %3d of %d random calls succeeded", op, ok, iters)
	}
	// Random inputs are mostly invalid for the operators with several
	// typed inputs (Slice, Range); most operators must still see valid
	// calls, or the test only exercises error paths.
	if exercised < len(tensorFamilyOps)*9/10 {
		t.Errorf("only %d of %d operators saw a valid random call", exercised, len(tensorFamilyOps))
	}
}

func describe(in []*ir.Tensor) string {
	s := ""
	for i, x := range in {
		if x == nil {
			s += fmt.Sprintf("[%d nil] ", i)
			continue
		}
		s += fmt.Sprintf("[%d %s%v %v] ", i, x.DType, x.Shape, x.Int64s())
	}
	return s
}
