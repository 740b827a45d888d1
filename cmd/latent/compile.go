package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latent-go/latent/bench"
	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/runtime"
)

func init() {
	register(&command{
		name:    "compile",
		summary: "compile a model and print its fused step list and memory plan for one batch size",
		usage:   "MODEL.onnx",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			dumpPasses := fs.Bool("dump-passes", false, "print the graph after every optimisation pass")
			showPlan := fs.Bool("plan", false, "also print every buffer of the memory plan: offset, size, first and last step using it")
			batch := fs.Int("batch", 1, "batch size (the input's first dimension) to plan for")
			dims := bench.Dims{}
			fs.Var(dims, "dim", "NAME=SIZE for a symbolic input dimension other than the batch (repeatable)")
			return func(args []string, stdout, stderr io.Writer) error {
				args, err := parseInterspersed(fs, args)
				if err != nil {
					return err
				}
				if len(args) != 1 {
					return usagef("want one model file, got %d arguments", len(args))
				}
				if *batch < 1 {
					return usagef("--batch %d: must be at least 1", *batch)
				}
				return compileModel(stdout, args[0], *batch, dims, *dumpPasses, *showPlan)
			}
		},
	})
}

func compileModel(w io.Writer, path string, batch int, dims bench.Dims, dumpPasses, showPlan bool) error {
	g, err := importer.Load(path)
	if err != nil {
		return err
	}
	shapes, err := bench.InputShapes(g, batch, dims)
	if err != nil {
		return err
	}
	var timings []compiler.PassTiming
	opts := compiler.Options{Timings: &timings}
	if dumpPasses {
		opts.Dump = w
	}
	t0 := time.Now()
	m, err := compiler.Compile(g, opts)
	if err != nil {
		return err
	}
	compileTime := time.Since(t0)
	// Plan through a Session, as a service's first Run would.
	sess := runtime.NewSession(m, runtime.Options{Threads: 1})
	defer sess.Close()
	t1 := time.Now()
	plan, err := sess.PlanFor(shapes)
	if err != nil {
		return err
	}
	planTime := time.Since(t1)
	if dumpPasses {
		fmt.Fprintln(w)
	}

	opt := m.Graph()
	fmt.Fprintf(w, "model:    %s\n", path)
	fmt.Fprintf(w, "graph:    %d nodes imported, %d after optimisation\n", len(g.Nodes), len(opt.Nodes))
	fmt.Fprintf(w, "passes:  ")
	for _, t := range timings {
		fmt.Fprintf(w, " %s %s", t.Pass, fmtDur(t.Duration))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "compile:  %s (Compile %s + first PlanFor %s)\n", fmtDur(compileTime+planTime), fmtDur(compileTime), fmtDur(planTime))
	fmt.Fprintf(w, "inputs:  ")
	for i, n := range m.InputNames() {
		fmt.Fprintf(w, " %s %v", n, shapes[i])
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "\nsteps (batch %d):\n", batch)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "#\tnode\tkernel\toutput shapes\tMFLOP\t\n")
	var total int64
	for i, s := range plan.Steps {
		var outs []string
		for _, o := range s.Out {
			if o >= 0 && o < len(plan.Buffers) {
				outs = append(outs, shapeString(plan.Buffers[o].Shape))
			}
		}
		flops := "-"
		if s.FLOPs > 0 {
			flops = fmt.Sprintf("%.3f", float64(s.FLOPs)/1e6)
			total += s.FLOPs
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t\n", i, s.Name, s.Kernel, strings.Join(outs, " "), flops)
	}
	tw.Flush()
	fmt.Fprintf(w, "total:    %d steps, %.3f MFLOP (%.3f per sample)\n", len(plan.Steps), float64(total)/1e6, float64(total)/1e6/float64(batch))

	var weights int
	for _, v := range g.Constants() {
		weights += v.Const.Bytes()
	}
	fmt.Fprintf(w, "\nmemory plan (batch %d):\n", batch)
	fmt.Fprintf(w, "  arena      %12d bytes  peak: every intermediate and output, workspace included\n", plan.ArenaBytes)
	fmt.Fprintf(w, "  naive sum  %12d bytes  every intermediate and output tensor in its own buffer\n", plan.NaiveBytes)
	if plan.NaiveBytes > 0 {
		fmt.Fprintf(w, "  arena/naive %11.3f\n", float64(plan.ArenaBytes)/float64(plan.NaiveBytes))
	}
	fmt.Fprintf(w, "  workspace  %12d bytes  (Plan.Workspace: the largest scratch buffer of one step)\n", plan.Workspace)
	fmt.Fprintf(w, "  weights    %12d bytes  (constants, outside the arena)\n", weights)
	if showPlan {
		printBuffers(w, plan)
	}
	return nil
}

// parseInterspersed lets flags follow the positional arguments (latent
// compile MODEL --plan): the flag package stops at the first non-flag, so
// parse what follows each positional argument again. It returns the
// positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		pos = append(pos, args[0])
		if err := fs.Parse(args[1:]); err != nil {
			return nil, usagef("%v", err)
		}
		args = fs.Args()
	}
	return pos, nil
}

// printBuffers lists every buffer of plan with its arena offset and the
// steps between which it is live.
func printBuffers(w io.Writer, plan *runtime.Plan) {
	first := make([]int, len(plan.Buffers))
	last := make([]int, len(plan.Buffers))
	for i := range first {
		first[i], last[i] = -1, -1
	}
	use := func(b, step int) {
		if b < 0 || b >= len(plan.Buffers) {
			return
		}
		if first[b] < 0 {
			first[b] = step
		}
		last[b] = step
	}
	for i, s := range plan.Steps {
		for _, b := range s.In {
			use(b, i)
		}
		for _, b := range s.Out {
			use(b, i)
		}
	}
	role := map[int]string{}
	for _, b := range plan.Inputs {
		role[b] = "input"
	}
	for _, b := range plan.Outputs {
		role[b] = "output"
	}
	fmt.Fprintf(w, "\nbuffers:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "#\tname\ttype\tshape\tbytes\toffset\tend\tsteps\trole\t\n")
	for i := range plan.Buffers {
		b := &plan.Buffers[i]
		off, end := "const", "-"
		if b.Offset >= 0 {
			off = fmt.Sprint(b.Offset)
			end = fmt.Sprint(b.Offset + b.Bytes())
		}
		steps := "-"
		if first[i] >= 0 {
			steps = fmt.Sprintf("%d..%d", first[i], last[i])
		}
		r := role[i]
		if r == "" && b.Offset < 0 {
			r = "constant"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", i, b.Name, b.DType, shapeString(b.Shape), b.Bytes(), off, end, steps, r)
	}
	tw.Flush()
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, "x") + "]"
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}
