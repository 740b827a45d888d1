// Package conformance runs ONNX's backend test suite (the model.onnx +
// test_data_set_N/{input,output}_K.pb layout of onnx/backend/test/data, as
// Debian's libonnx-testdata ships it) against a latent execution path and
// reports, per test and per operator, what passed, failed or was skipped as
// unsupported.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/latent-go/latent/ir"
)

// DefaultRoot is where Debian's libonnx-testdata installs the suite.
const DefaultRoot = "/usr/share/libonnx-testdata/data"

// Suites are the suite folders under the root that the runner covers.
var Suites = []string{"node", "pytorch-converted", "pytorch-operator", "simple"}

// A Case is one test: a model and its data sets.
type Case struct {
	Suite string // "node", "simple", ...
	Name  string // folder name, e.g. "test_conv_with_strides_padding"
	Dir   string
}

// ID returns "suite/name".
func (c Case) ID() string { return c.Suite + "/" + c.Name }

// Discover lists the cases under root for the given suites, sorted.
func Discover(root string, suites ...string) ([]Case, error) {
	var cases []Case
	for _, s := range suites {
		entries, err := os.ReadDir(filepath.Join(root, s))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			dir := filepath.Join(root, s, e.Name())
			if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err != nil {
				continue
			}
			cases = append(cases, Case{Suite: s, Name: e.Name(), Dir: dir})
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].ID() < cases[j].ID() })
	return cases, nil
}

// Status is the outcome of one case.
type Status int

// Outcomes.
const (
	Passed  Status = iota
	Failed         // ran and gave a wrong answer or an unexpected error
	Skipped        // unsupported (operator, element type) or excepted by name
)

func (s Status) String() string {
	return [...]string{"passed", "failed", "skipped"}[s]
}

// Result is the outcome of one case.
type Result struct {
	Case   Case
	Status Status
	Ops    []string // operator types of the model, sorted, when it imported
	Reason string   // why it failed or was skipped
	Time   time.Duration
}

// Backend is the execution path under test.
type Backend struct {
	// Load imports a model file.
	Load func(path string) (*ir.Graph, error)
	// Unsupported reports whether an error from Load (or Run) means the
	// model uses something latent does not support (an operator, an
	// element type), as opposed to a bug.
	Unsupported func(err error) bool
	// ReadTensor reads a TensorProto file.
	ReadTensor func(path string) (*ir.Tensor, error)
	// Run executes the graph on the inputs.
	Run func(ctx context.Context, g *ir.Graph, inputs []*ir.Tensor) ([]*ir.Tensor, error)
	// Excepted maps case IDs to the reason they are skipped even though
	// they load (for example training-mode Dropout, whose expected outputs
	// come from a random generator).
	Excepted map[string]string
}

// Tolerance of the comparison: |got - want| <= Abs + Rel*|want|, the
// suite's own default (rtol 1e-3, atol 1e-7 in ONNX's runner; the issue
// asks for atol 1e-5, which only matters near zero).
type Tolerance struct{ Rel, Abs float64 }

// DefaultTolerance is relative 1e-3, absolute 1e-5.
var DefaultTolerance = Tolerance{Rel: 1e-3, Abs: 1e-5}

// RunCase runs every data set of c on b.
func RunCase(ctx context.Context, b Backend, c Case, tol Tolerance) (res Result) {
	res.Case = c
	start := time.Now()
	defer func() {
		res.Time = time.Since(start)
		if r := recover(); r != nil {
			res.Status, res.Reason = Failed, fmt.Sprintf("panic: %v", r)
		}
	}()
	g, err := b.Load(filepath.Join(c.Dir, "model.onnx"))
	if err != nil {
		if b.Unsupported != nil && b.Unsupported(err) {
			return skip(res, err.Error())
		}
		return fail(res, "load: "+err.Error())
	}
	res.Ops = opTypes(g)
	if why, ok := b.Excepted[c.ID()]; ok {
		return skip(res, "excepted: "+why)
	}
	sets, _ := filepath.Glob(filepath.Join(c.Dir, "test_data_set_*"))
	if len(sets) == 0 {
		return skip(res, "no test data sets")
	}
	sort.Strings(sets)
	for _, set := range sets {
		if err := runSet(ctx, b, g, set, tol); err != nil {
			if b.Unsupported != nil && b.Unsupported(err) {
				return skip(res, err.Error())
			}
			return fail(res, filepath.Base(set)+": "+err.Error())
		}
	}
	res.Status = Passed
	return res
}

func skip(r Result, why string) Result {
	r.Status, r.Reason = Skipped, why
	return r
}

func fail(r Result, why string) Result {
	r.Status, r.Reason = Failed, why
	return r
}

func opTypes(g *ir.Graph) []string {
	var ops []string
	for _, n := range g.Nodes {
		op := n.Op
		if n.Domain != "" {
			op = n.Domain + "." + op
		}
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	return ops
}

func runSet(ctx context.Context, b Backend, g *ir.Graph, dir string, tol Tolerance) error {
	read := func(prefix string) ([]*ir.Tensor, error) {
		var ts []*ir.Tensor
		for i := 0; ; i++ {
			p := filepath.Join(dir, fmt.Sprintf("%s_%d.pb", prefix, i))
			if _, err := os.Stat(p); err != nil {
				return ts, nil
			}
			t, err := b.ReadTensor(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Base(p), err)
			}
			ts = append(ts, t)
		}
	}
	inputs, err := read("input")
	if err != nil {
		return err
	}
	want, err := read("output")
	if err != nil {
		return err
	}
	// Files give the graph's non-constant inputs in order.
	if len(inputs) != len(g.Inputs) {
		return fmt.Errorf("data set has %d inputs, graph takes %d", len(inputs), len(g.Inputs))
	}
	got, err := b.Run(ctx, g, inputs)
	if err != nil {
		return err
	}
	if len(got) != len(want) {
		return fmt.Errorf("got %d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if err := Compare(got[i], want[i], tol); err != nil {
			return fmt.Errorf("output %d (%s): %w", i, g.Outputs[i].Name, err)
		}
	}
	return nil
}

// Compare checks got against want: same element type and shape, and every
// element within tol (NaN matches NaN; infinities must match exactly).
// The error names the first bad element.
func Compare(got, want *ir.Tensor, tol Tolerance) error {
	if got == nil {
		return errors.New("missing output")
	}
	if got.DType != want.DType {
		return fmt.Errorf("element type %s, want %s", got.DType, want.DType)
	}
	if !slices.Equal(got.Shape, want.Shape) {
		return fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	n := want.Len()
	if got.Len() != n {
		return fmt.Errorf("%d elements, want %d", got.Len(), n)
	}
	bad, worst := -1, 0.0
	for i := 0; i < n; i++ {
		g, w := got.Float64At(i), want.Float64At(i)
		if want.DType.IsFloat() {
			switch {
			case math.IsNaN(w) || math.IsNaN(g):
				if math.IsNaN(w) != math.IsNaN(g) {
					return fmt.Errorf("element %d: got %v, want %v", i, g, w)
				}
				continue
			case math.IsInf(w, 0) || math.IsInf(g, 0):
				if g != w {
					return fmt.Errorf("element %d: got %v, want %v", i, g, w)
				}
				continue
			}
			d := math.Abs(g - w)
			if d > tol.Abs+tol.Rel*math.Abs(w) {
				if excess := d / (tol.Abs + tol.Rel*math.Abs(w)); excess > worst {
					bad, worst = i, excess
				}
			}
			continue
		}
		if got.Int64At(i) != want.Int64At(i) {
			return fmt.Errorf("element %d: got %d, want %d", i, got.Int64At(i), want.Int64At(i))
		}
	}
	if bad >= 0 {
		return fmt.Errorf("element %d (index %v): got %v, want %v (%.3gx the tolerance)",
			bad, unravel(bad, want.Shape), got.Float64At(bad), want.Float64At(bad), worst)
	}
	return nil
}

func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}

// Summary counts results.
type Summary struct{ Passed, Failed, Skipped int }

// Summarize counts the results.
func Summarize(results []Result) Summary {
	var s Summary
	for _, r := range results {
		switch r.Status {
		case Passed:
			s.Passed++
		case Failed:
			s.Failed++
		default:
			s.Skipped++
		}
	}
	return s
}

// String is the report's last line: "N passed, M failed, K skipped".
func (s Summary) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", s.Passed, s.Failed, s.Skipped)
}

// WriteReport writes a per-suite and per-operator table, the failures with
// their reasons, and the summary line last.
func WriteReport(w io.Writer, results []Result) {
	suites := map[string]*Summary{}
	var suiteNames []string
	ops := map[string]*Summary{}
	for _, r := range results {
		s, ok := suites[r.Case.Suite]
		if !ok {
			s = &Summary{}
			suites[r.Case.Suite] = s
			suiteNames = append(suiteNames, r.Case.Suite)
		}
		bump(s, r.Status)
		names := r.Ops
		if len(names) == 0 {
			names = []string{"(did not load)"}
		}
		for _, op := range names {
			o, ok := ops[op]
			if !ok {
				o = &Summary{}
				ops[op] = o
			}
			bump(o, r.Status)
		}
	}
	fmt.Fprintf(w, "%-28s %7s %7s %7s\n", "operator", "passed", "failed", "skipped")
	opNames := make([]string, 0, len(ops))
	for op := range ops {
		opNames = append(opNames, op)
	}
	sort.Strings(opNames)
	for _, op := range opNames {
		o := ops[op]
		fmt.Fprintf(w, "%-28s %7d %7d %7d\n", op, o.Passed, o.Failed, o.Skipped)
	}
	fmt.Fprintln(w)
	sort.Strings(suiteNames)
	fmt.Fprintf(w, "%-28s %7s %7s %7s\n", "suite", "passed", "failed", "skipped")
	for _, n := range suiteNames {
		s := suites[n]
		fmt.Fprintf(w, "%-28s %7d %7d %7d\n", n, s.Passed, s.Failed, s.Skipped)
	}
	var failed []string
	for _, r := range results {
		if r.Status == Failed {
			failed = append(failed, fmt.Sprintf("  FAIL %s: %s", r.Case.ID(), firstLine(r.Reason)))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "\nfailures:\n%s\n", strings.Join(failed, "\n"))
	}
	fmt.Fprintf(w, "\n%s\n", Summarize(results))
}

func bump(s *Summary, st Status) {
	switch st {
	case Passed:
		s.Passed++
	case Failed:
		s.Failed++
	default:
		s.Skipped++
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
