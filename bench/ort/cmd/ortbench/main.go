// Command ortbench times ONNX models in latent and in ONNX Runtime side by
// side, in one process, interleaved, and can write the models section of
// BENCHMARKS.md.
//
// Usage:
//
//	ortbench [flags] MODEL.onnx...
//
// For every model, batch size and thread count it compiles the model with
// latent, opens it in ONNX Runtime (intra-op threads = T, inter-op 1,
// sequential, ORT_ENABLE_ALL), feeds both the same seeded uniform [0, 1)
// input and times them in alternating chunks of runs (see bench.Measure). It
// prints one line (or, with --json, one JSON object) per configuration.
// `latent bench --vs-ort` runs this program.
//
// With --table FILE it also measures one core's read bandwidth over a
// buffer the size of the --bound-model's weights and replaces the section
// between <!-- models:begin --> and <!-- models:end --> of FILE (created
// if missing) with the tables.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"time"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/bench"
	ortbench "github.com/latent-go/latent/bench/ort"
	"github.com/latent-go/latent/compiler"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "ortbench: %v\n", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

type config struct {
	batches, threads []int
	iters, warmup    int
	minIters         int
	budget           time.Duration
	seed             uint64
	dims             bench.Dims
	json             bool
	table            string
	boundModel       string
	command          string
	compileReps      int
	bwPasses         int
	cpuprofile       string
	revision         string
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ortbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{dims: bench.Dims{}}
	batch := fs.String("batch", "1", "batch sizes, comma-separated")
	threads := fs.String("threads", "1", "intra-op thread counts, comma-separated")
	fs.IntVar(&cfg.iters, "iters", 200, "timed runs of each engine per configuration (at most, with --budget)")
	fs.IntVar(&cfg.warmup, "warmup", 20, "untimed runs of each engine before timing")
	fs.IntVar(&cfg.minIters, "min-iters", 30, "least timed runs when --budget lowers --iters")
	fs.DurationVar(&cfg.budget, "budget", 0, "time budget for the timed runs of one configuration (0: none)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the random input")
	fs.Var(cfg.dims, "dim", "NAME=SIZE for a symbolic input dimension other than the batch (repeatable)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object per configuration")
	lib := fs.String("ort-lib", "", "path of libonnxruntime.so.1 (default: $LATENT_ORT_LIB, else tools/ort/install.sh's location under $LATENT_ORT_DIR)")
	fs.StringVar(&cfg.table, "table", "", "write the models section of this markdown file (BENCHMARKS.md)")
	fs.StringVar(&cfg.boundModel, "bound-model", "deep_ae", "with --table, the model whose batch-1 time is compared with the time to read its weights")
	fs.StringVar(&cfg.command, "command", "ortbench", "with --table, the command named as the section's generator")
	fs.IntVar(&cfg.compileReps, "compile-reps", 5, "with --table, fresh compiles per model for the compile time (fastest is reported)")
	fs.IntVar(&cfg.bwPasses, "bw-passes", 300, "with --table, passes of the read-bandwidth measurement")
	fs.StringVar(&cfg.revision, "revision", bench.Revision(), "with --table, the latent revision named in the section (default: the build's VCS revision)")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ortbench [flags] MODEL.onnx...\n\nTimes models in latent and ONNX Runtime side by side.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	var err error
	if cfg.batches, err = bench.ParseInts(*batch); err != nil {
		return fmt.Errorf("--batch: %w", err)
	}
	if cfg.threads, err = bench.ParseInts(*threads); err != nil {
		return fmt.Errorf("--threads: %w", err)
	}
	if cfg.iters < 1 || cfg.warmup < 0 {
		return fmt.Errorf("--iters must be at least 1 and --warmup at least 0")
	}
	if *lib == "" {
		*lib = ortbench.DefaultLibPath(goruntime.GOARCH)
	}
	version, err := ortbench.Init(*lib)
	if err != nil {
		return err
	}
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	rep := &bench.Report{
		Date:       time.Now(),
		Machine:    bench.ReadMachine(),
		ORTVersion: version,
		Revision:   cfg.revision,
		Command:    cfg.command,
		Warmup:     cfg.warmup,
		Iters:      cfg.iters,
		BoundModel: cfg.boundModel,
	}
	if !cfg.json {
		fmt.Fprintf(stdout, "latent (%s kernels) vs ONNX Runtime %s on %s, %s\n", rep.Machine.Kernels, version, rep.Machine.CPU, rep.Machine.Go)
		bench.WriteTextHeader(stdout, true)
	}
	enc := json.NewEncoder(stdout)
	boundBytes := 0
	for _, path := range fs.Args() {
		m, err := bench.Load(path)
		if err != nil {
			return err
		}
		if m.Name == cfg.boundModel {
			boundBytes = m.WeightBytes
		}
		first := len(rep.Results)
		for _, b := range cfg.batches {
			for _, t := range cfg.threads {
				r, err := measure(m, b, t, version, cfg, stderr)
				if err != nil {
					return err
				}
				rep.Results = append(rep.Results, r)
				if cfg.json {
					if err := enc.Encode(r); err != nil {
						return err
					}
				} else {
					bench.WriteText(stdout, r, true)
				}
			}
		}
		if cfg.table != "" {
			info, err := compileTimes(m, cfg)
			if err != nil {
				return err
			}
			info.FirstCompileMS = rep.Results[first].CompileMS
			rep.Models = append(rep.Models, info)
		}
	}
	if cfg.table == "" {
		return nil
	}
	if boundBytes > 0 {
		fmt.Fprintf(stderr, "ortbench: measuring read bandwidth over %d bytes\n", boundBytes)
		bw := bench.ReadBandwidth(boundBytes, cfg.bwPasses)
		rep.Bandwidth = &bw
	}
	if after := bench.ReadMachine(); after.LoadAvg != "" {
		rep.LoadAfter = after.LoadAvg
	}
	if err := bench.UpdateSection(cfg.table, bench.ModelsBegin, bench.ModelsEnd, rep.Markdown()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ortbench: wrote the models section of %s\n", cfg.table)
	return nil
}

// measure times model m at one batch size and thread count in both engines.
func measure(m *bench.Model, batch, threads int, version string, cfg config, stderr io.Writer) (bench.Result, error) {
	res := bench.Result{Model: m.Name, Batch: batch, Threads: threads, Kernels: goKernels()}
	shapes, err := bench.InputShapes(m.Graph, batch, cfg.dims)
	if err != nil {
		return res, fmt.Errorf("%s: %w", m.Path, err)
	}
	inputs, err := bench.RandomInputs(m.Graph, shapes, cfg.seed)
	if err != nil {
		return res, fmt.Errorf("%s: %w", m.Path, err)
	}
	lr, err := m.NewLatentRunner(inputs, threads)
	if err != nil {
		return res, err
	}
	defer lr.Close()
	outShapes := make([][]int, len(lr.Outputs()))
	for i, t := range lr.Outputs() {
		outShapes[i] = t.Shape
	}
	if cfg.table != "" {
		fmt.Fprintf(stderr, "ortbench: %s batch %d threads %d\n", m.Name, batch, threads)
	}
	opts := bench.Options{Warmup: cfg.warmup, Iters: cfg.iters, Budget: cfg.budget, MinIters: cfg.minIters, ThreadCPU: threads == 1}
	// timeORT creates an ONNX Runtime session, times it (alone or
	// interleaved with latent's runner), compares its outputs with
	// latent's and destroys it.
	var diff *float64
	timeORT := func(opts bench.Options, withLatent bool) ([]bench.Samples, error) {
		or, err := ortbench.NewRunner(m.Path, m.Compiled.InputNames(), inputs, m.Compiled.OutputNames(), outShapes, ortbench.Options{IntraOpThreads: threads})
		if err != nil {
			return nil, err
		}
		defer or.Destroy()
		runners := []bench.Runner{or}
		if withLatent {
			runners = []bench.Runner{lr, or}
		}
		s, err := bench.Measure(context.Background(), runners, opts)
		if d, ok := bench.MaxAbsDiff(lr.Outputs(), or.Outputs()); ok && err == nil {
			diff = &d
		}
		return s, err
	}
	var samples []bench.Samples
	if threads == 1 {
		// One thread: both engines compute on the calling thread, so they
		// are timed interleaved, in the same chunks of time.
		samples, err = timeORT(opts, true)
	} else {
		// Several threads: each engine's idle worker threads would take
		// cores from the other while it is timed (ONNX Runtime's spin for
		// a long while after each run by default), so the engines take
		// turns in phases, ONNX Runtime's session created afresh for each
		// of its phases and destroyed before latent's next one. Several
		// rounds of phases spread the machine's drifts over both.
		const rounds = 3
		phase := opts
		phase.Iters = max(1, (opts.Iters+rounds-1)/rounds)
		phase.MinIters = max(1, opts.MinIters/rounds)
		if phase.Budget > 0 {
			phase.Budget /= rounds
		}
		samples = make([]bench.Samples, 2)
		for r := 0; r < rounds && err == nil; r++ {
			var ls, ors []bench.Samples
			if ls, err = bench.Measure(context.Background(), []bench.Runner{lr}, phase); err != nil {
				break
			}
			if ors, err = timeORT(phase, false); err != nil {
				break
			}
			samples[0].Wall = append(samples[0].Wall, ls[0].Wall...)
			samples[1].Wall = append(samples[1].Wall, ors[0].Wall...)
		}
	}
	if err != nil {
		return res, fmt.Errorf("%s batch %d threads %d: %w", m.Name, batch, threads, err)
	}
	res.SetPlan(m, lr)
	res.SetLatent(samples[0])
	res.SetORT(version, samples[1])
	res.MaxAbsDiff = diff
	return res, nil
}

// compileTimes measures fresh compiles of m's graph plus the plan for the
// first batch size, keeping the fastest.
func compileTimes(m *bench.Model, cfg config) (bench.ModelInfo, error) {
	info := bench.ModelInfo{Model: m.Name, WeightBytes: m.WeightBytes}
	shapes, err := bench.InputShapes(m.Graph, cfg.batches[0], cfg.dims)
	if err != nil {
		return info, err
	}
	best := time.Duration(1 << 62)
	for k := 0; k < max(cfg.compileReps, 1); k++ {
		t0 := time.Now()
		cm, err := compiler.Compile(m.Graph, compiler.Options{})
		if err != nil {
			return info, err
		}
		if _, err := cm.Plan(shapes); err != nil {
			return info, err
		}
		best = min(best, time.Since(t0))
	}
	info.CompileMS = float64(best) / float64(time.Millisecond)
	return info, nil
}

func goKernels() string { return asm.Active().String() }
