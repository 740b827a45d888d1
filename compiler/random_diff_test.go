package compiler_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
	"github.com/latent-go/latent/runtime/reference"
)

// Tolerance of the differential tests: |got - want| <= diffAbs + diffRel*|want|.
// The compiled kernels sum in another order than the reference (blocked
// GEMM, im2col, FMA) and use vectorised exp/tanh approximations, so float32
// results differ in the last bits; values stay O(1) by construction (weights
// scaled by 1/sqrt(fan-in), divisors away from zero).
const (
	diffRel = 1e-4
	diffAbs = 1e-5
)

// envInt reads an integer environment variable, or def.
func envInt(t testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// compareOutputs checks got against want within the tolerance; int and
// bool outputs must be equal. NaN matches NaN and infinities match
// themselves.
func compareOutputs(got, want []*ir.Tensor) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.DType != w.DType || fmt.Sprint(g.Shape) != fmt.Sprint(w.Shape) {
			return fmt.Errorf("output %d is %s%v, want %s%v", i, g.DType, g.Shape, w.DType, w.Shape)
		}
		switch w.DType {
		case ir.Float32:
			worst, at := 0.0, -1
			for j := range w.F32 {
				a, b := float64(g.F32[j]), float64(w.F32[j])
				if math.IsNaN(a) && math.IsNaN(b) || a == b {
					continue
				}
				d := math.Abs(a - b)
				if math.IsNaN(d) || d > diffAbs+diffRel*math.Abs(b) {
					if math.IsNaN(d) || d > worst {
						worst, at = d, j
					}
					if math.IsNaN(d) {
						break
					}
				}
			}
			if at >= 0 {
				return fmt.Errorf("output %d element %d (of %d): got %v, want %v (|diff| %.3g)", i, at, len(w.F32), g.F32[at], w.F32[at], worst)
			}
		case ir.Int64:
			for j := range w.I64 {
				if g.I64[j] != w.I64[j] {
					return fmt.Errorf("output %d element %d: got %d, want %d", i, j, g.I64[j], w.I64[j])
				}
			}
		default:
			return fmt.Errorf("output %d: unexpected type %s", i, w.DType)
		}
	}
	return nil
}

// inputsFor makes random normal inputs for g at batch size b.
func inputsFor(g *ir.Graph, b int, rng *rand.Rand) ([]*ir.Tensor, error) {
	var ins []*ir.Tensor
	for _, v := range g.Inputs {
		dims, ok := v.Shape.Substitute(map[string]int{"N": b}).Ints()
		if !ok {
			return nil, fmt.Errorf("input %s: shape %v", v.Name, v.Shape)
		}
		t, err := ir.NewTensor(v.DType, dims...)
		if err != nil {
			return nil, err
		}
		for i := range t.F32 {
			t.F32[i] = float32(rng.NormFloat64())
		}
		ins = append(ins, t)
	}
	return ins, nil
}

// errRefRejects marks graphs the reference evaluator itself rejects at
// run time; they are skipped, not failed.
type errRefRejects struct{ err error }

func (e errRefRejects) Error() string { return "reference rejects the graph: " + e.err.Error() }

// diffConfig is what one differential check runs.
type diffConfig struct {
	batches []int
	threads []int
	// planCheck runs checkPlan on every plan.
	planCheck bool
	// kernels, when non-nil, counts the kernels of the checked plans.
	kernels map[string]int
}

// diffGraph compiles g fused and unfused, runs it at every batch size and
// thread count (twice per session, Run then RunInto, with different
// inputs, so that state left in a reused arena would show) and compares
// every result with the reference evaluator on the original graph.
func diffGraph(g *ir.Graph, cfg diffConfig, seed uint64) error {
	ctx := context.Background()
	type batchData struct {
		ins  [2][]*ir.Tensor
		want [2][]*ir.Tensor
	}
	rng := rand.New(rand.NewPCG(seed, 77))
	data := map[int]*batchData{}
	for _, b := range cfg.batches {
		d := &batchData{}
		for k := range d.ins {
			ins, err := inputsFor(g, b, rng)
			if err != nil {
				return err
			}
			want, err := reference.Run(ctx, g, ins)
			if err != nil {
				return errRefRejects{err}
			}
			d.ins[k], d.want[k] = ins, want
		}
		data[b] = d
	}
	for _, noFusion := range []bool{false, true} {
		what := "fused"
		if noFusion {
			what = "unfused"
		}
		m, err := compiler.Compile(g, compiler.Options{Debug: true, NoFusion: noFusion})
		if err != nil {
			return fmt.Errorf("%s: compile: %w", what, err)
		}
		for _, th := range cfg.threads {
			s := runtime.NewSession(m, runtime.Options{Threads: th})
			err := func() error {
				defer s.Close()
				for _, b := range cfg.batches {
					d := data[b]
					where := fmt.Sprintf("%s, threads %d, batch %d", what, th, b)
					got, err := s.Run(ctx, d.ins[0])
					if err != nil {
						return fmt.Errorf("%s: Run: %w", where, err)
					}
					if err := compareOutputs(got, d.want[0]); err != nil {
						return fmt.Errorf("%s: Run: %w", where, err)
					}
					outs := make([]*ir.Tensor, len(d.want[1]))
					for i, w := range d.want[1] {
						outs[i], _ = ir.NewTensor(w.DType, w.Shape...)
						// poison the caller's buffers: RunInto must overwrite them
						for j := range outs[i].F32 {
							outs[i].F32[j] = float32(math.NaN())
						}
					}
					if err := s.RunInto(ctx, d.ins[1], outs); err != nil {
						return fmt.Errorf("%s: RunInto: %w", where, err)
					}
					if err := compareOutputs(outs, d.want[1]); err != nil {
						return fmt.Errorf("%s: RunInto (second call): %w", where, err)
					}
					if cfg.planCheck && th == cfg.threads[0] {
						shapes := make([][]int, len(d.ins[0]))
						for i, t := range d.ins[0] {
							shapes[i] = t.Shape
						}
						p, err := s.PlanFor(shapes)
						if err != nil {
							return fmt.Errorf("%s: PlanFor: %w", where, err)
						}
						sg, err := m.Specialize(shapes)
						if err != nil {
							return fmt.Errorf("%s: Specialize: %w", where, err)
						}
						if _, err := checkPlan(p, sg); err != nil {
							return fmt.Errorf("%s: memory plan: %w", where, err)
						}
						if cfg.kernels != nil {
							for _, st := range p.Steps {
								cfg.kernels[st.Kernel]++
							}
						}
					}
				}
				return nil
			}()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// shrinkGraph returns a smaller graph on which check still fails: the
// smallest prefix cone (the graph cut at one value, dead code removed),
// then with shape-preserving unary nodes bypassed one at a time.
func shrinkGraph(g *ir.Graph, check func(*ir.Graph) error) *ir.Graph {
	fails := func(c *ir.Graph) bool {
		if ir.Verify(c) != nil {
			return false
		}
		err := check(c)
		_, refRejects := err.(errRefRejects)
		return err != nil && !refRejects
	}
	best := g
	// 1. cut at each value, earliest first
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v == nil || v.DType != ir.Float32 {
				continue
			}
			c := cutAt(g, v.Name)
			if c != nil && len(c.Nodes) < len(best.Nodes) && fails(c) {
				best = c
			}
		}
		if best != g {
			break
		}
	}
	// 2. bypass unary shape-preserving nodes
	for changed := true; changed; {
		changed = false
		for i, n := range best.Nodes {
			if len(n.Inputs) == 0 || n.Inputs[0] == nil || len(n.Outputs) != 1 || n.Inputs[0].IsConst() ||
				!n.Inputs[0].Shape.Equal(n.Outputs[0].Shape) || n.Inputs[0].DType != n.Outputs[0].DType {
				continue
			}
			c := bypassNode(best, i)
			if c != nil && fails(c) {
				best, changed = c, true
				break
			}
		}
	}
	return best
}

// cutAt returns a copy of g whose only output is the value named name,
// without the nodes that do not lead to it.
func cutAt(g *ir.Graph, name string) *ir.Graph {
	c := g.Clone()
	var out *ir.Value
	for _, n := range c.Nodes {
		for _, v := range n.Outputs {
			if v != nil && v.Name == name {
				out = v
			}
		}
	}
	if out == nil {
		return nil
	}
	c.Outputs = []*ir.Value{out}
	if err := compiler.EliminateDeadCode(c); err != nil {
		return nil
	}
	// drop unused inputs
	used := map[*ir.Value]bool{out: true}
	for _, n := range c.Nodes {
		for _, v := range n.Inputs {
			used[v] = true
		}
	}
	var ins []*ir.Value
	for _, v := range c.Inputs {
		if used[v] {
			ins = append(ins, v)
		}
	}
	if len(ins) == 0 {
		return nil
	}
	c.Inputs = ins
	return c
}

// bypassNode returns a copy of g without node i, its readers reading its
// input instead.
func bypassNode(g *ir.Graph, i int) *ir.Graph {
	c := g.Clone()
	n := c.Nodes[i]
	in, out := n.Inputs[0], n.Outputs[0]
	c.Nodes = append(c.Nodes[:i:i], c.Nodes[i+1:]...)
	for _, m := range c.Nodes {
		for j, v := range m.Inputs {
			if v == out {
				m.Inputs[j] = in
			}
		}
	}
	for j, v := range c.Outputs {
		if v == out {
			c.Outputs[j] = in
		}
	}
	if err := compiler.EliminateDeadCode(c); err != nil {
		return nil
	}
	return c
}

// graphText is the text form of g with every constant, which ir.Parse
// reads back.
func graphText(g *ir.Graph) string {
	var b strings.Builder
	if err := ir.Print(&b, g); err != nil {
		return err.Error()
	}
	return b.String()
}

// TestRandomGraphsDiff compiles random graphs over the lowered operator
// set and compares the compiled runtime (fused and unfused, 1 and 2
// threads, several batch sizes) with the reference evaluator on the
// original graph, and checks every memory plan.
//
// LATENT_DIFF_N sets the number of graphs (default 600; 60 with -short or
// -race), LATENT_DIFF_SEED the base seed, LATENT_DIFF_ONLY one graph index
// to run alone (with its text form logged), LATENT_DIFF_THREADS the second
// thread count (default 2).
func TestRandomGraphsDiff(t *testing.T) {
	n := 600
	if testing.Short() || raceEnabled {
		n = 60
	}
	n = envInt(t, "LATENT_DIFF_N", n)
	seed := uint64(envInt(t, "LATENT_DIFF_SEED", 1))
	only := envInt(t, "LATENT_DIFF_ONLY", -1)
	threads := []int{1, 2}
	if th := envInt(t, "LATENT_DIFF_THREADS", 0); th > 0 {
		threads = []int{1, th}
	}
	start := time.Now()
	rejected := map[string]int{}
	refRejects, failures, nodes := 0, 0, 0
	opCount := map[string]int{}
	kernels := map[string]int{}
	for i := 0; i < n; i++ {
		if only >= 0 && i != only {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		steps := 2 + rng.IntN(9)
		g, gg := randomGraph(rng, steps)
		for k, v := range gg.rejected {
			rejected[k] += v
		}
		if gg.mismatch != nil {
			t.Errorf("graph %d: %v\n%s", i, gg.mismatch, graphText(g))
			failures++
			continue
		}
		if err := ir.Verify(g); err != nil {
			t.Errorf("graph %d: generator made an invalid graph: %v\n%s", i, err, graphText(g))
			failures++
			continue
		}
		nodes += len(g.Nodes)
		for _, nd := range g.Nodes {
			opCount[nd.Op]++
		}
		batches := []int{1, 2 + rng.IntN(6)}
		if rng.IntN(10) == 0 {
			batches[1] = []int{16, 17, 33}[rng.IntN(3)] // GEMM row tails
		}
		cfg := diffConfig{batches: batches, threads: threads, planCheck: true, kernels: kernels}
		if only >= 0 {
			t.Logf("graph %d (batches %v):\n%s", i, batches, graphText(g))
		}
		check := func(c *ir.Graph) error { return diffGraph(c, cfg, uint64(i)) }
		err := check(g)
		if _, ok := err.(errRefRejects); ok {
			refRejects++
			if refRejects <= 3 || only >= 0 {
				t.Logf("graph %d: %v", i, err)
			}
			continue
		}
		if err != nil {
			failures++
			small := shrinkGraph(g, check)
			serr := check(small)
			t.Errorf("graph %d (LATENT_DIFF_SEED=%d LATENT_DIFF_ONLY=%d): %v\nshrunk to %d of %d nodes, failing with: %v\n%s",
				i, seed, i, err, len(small.Nodes), len(g.Nodes), serr, graphText(small))
			if failures >= 5 {
				t.Fatalf("stopping after %d failing graphs", failures)
			}
		}
	}
	t.Logf("%d graphs (%d nodes) in %v; %d rejected by the reference at run time; ops %v; generator draws rejected by shape inference: %v; kernels in plans: %v",
		n, nodes, time.Since(start).Round(time.Millisecond), refRejects, opCount, rejected, kernels)
	if only < 0 && refRejects > n/100 {
		t.Errorf("the reference rejected %d of %d generated graphs: the generator drifts into invalid graphs", refRejects, n)
	}
}

// TestRandomGraphTextRoundTrip checks that the text form the differential
// test prints for a failing graph is a usable reproducer: ir.Parse reads it
// back into a graph that prints the same and verifies.
func TestRandomGraphTextRoundTrip(t *testing.T) {
	for i := 0; i < 100; i++ {
		rng := rand.New(rand.NewPCG(99, uint64(i)))
		g, _ := randomGraph(rng, 2+rng.IntN(9))
		text := graphText(g)
		back, err := ir.Parse(text)
		if err != nil {
			t.Fatalf("graph %d: Parse: %v\n%s", i, err, text)
		}
		if err := ir.Verify(back); err != nil {
			t.Fatalf("graph %d: Verify after Parse: %v\n%s", i, err, text)
		}
		if again := graphText(back); again != text {
			t.Fatalf("graph %d: text changed by Parse+Print:\n%s\nvs\n%s", i, text, again)
		}
	}
}
