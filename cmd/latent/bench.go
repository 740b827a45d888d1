package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/bench"
	"github.com/latent-go/latent/ir"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "time a model: median and p90 latency and samples/s per batch size and thread count (--vs-ort: side by side with ONNX Runtime)",
		usage:   "MODEL.onnx",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			var o benchOpts
			o.dims = bench.Dims{}
			fs.StringVar(&o.batches, "batch", "1", "batch sizes, comma-separated (1,64)")
			fs.StringVar(&o.threads, "threads", strconv.Itoa(runtime.GOMAXPROCS(0)), "intra-op thread counts, comma-separated (1,2)")
			fs.IntVar(&o.iters, "iters", 200, "timed runs per configuration (at most, with --budget)")
			fs.IntVar(&o.warmup, "warmup", 20, "untimed runs before timing")
			fs.DurationVar(&o.budget, "budget", 0, "time budget for the timed runs of one configuration; lowers --iters for slow models (0: none)")
			fs.IntVar(&o.minIters, "min-iters", 30, "least timed runs when --budget lowers --iters")
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the random input (uniform in [0, 1))")
			fs.Var(o.dims, "dim", "NAME=SIZE for a symbolic input dimension other than the batch (repeatable)")
			fs.BoolVar(&o.json, "json", false, "print one JSON object per configuration")
			fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the timed runs to this file")
			fs.BoolVar(&o.vsORT, "vs-ort", false, "also time the model in ONNX Runtime, interleaved, and print the ratio (runs the bench/ort program; needs cgo and libonnxruntime)")
			fs.StringVar(&o.ortLib, "ort-lib", "", "with --vs-ort, path of libonnxruntime.so.1 (default: $LATENT_ORT_LIB, else where tools/ort/install.sh puts it)")
			fs.StringVar(&o.ortBench, "ortbench", "", "with --vs-ort, a built ortbench binary (default: $LATENT_ORTBENCH, else `go run` in the source tree's bench/ort)")
			return func(args []string, stdout, stderr io.Writer) error {
				args, err := parseInterspersed(fs, args)
				if err != nil {
					return err
				}
				if len(args) != 1 {
					return usagef("want one model file, got %d arguments", len(args))
				}
				if o.iters < 1 || o.warmup < 0 || o.minIters < 1 {
					return usagef("--iters and --min-iters must be at least 1, --warmup at least 0")
				}
				bs, err := bench.ParseInts(o.batches)
				if err != nil {
					return usagef("--batch: %v", err)
				}
				ts, err := bench.ParseInts(o.threads)
				if err != nil {
					return usagef("--threads: %v", err)
				}
				if o.vsORT {
					return benchVsORT(args[0], o, stdout, stderr)
				}
				return benchLatent(args[0], bs, ts, o, stdout, stderr)
			}
		},
	})
}

type benchOpts struct {
	batches, threads string
	iters, warmup    int
	minIters         int
	budget           time.Duration
	seed             uint64
	dims             bench.Dims
	json             bool
	cpuprofile       string
	vsORT            bool
	ortLib, ortBench string
}

func benchLatent(path string, batches, threads []int, o benchOpts, stdout, stderr io.Writer) error {
	m, err := bench.Load(path)
	if err != nil {
		return err
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if !o.json {
		fmt.Fprintf(stdout, "latent (%s kernels), %s\n", asm.Active(), runtime.Version())
		bench.WriteTextHeader(stdout, false)
	}
	enc := json.NewEncoder(stdout)
	for _, b := range batches {
		shapes, err := bench.InputShapes(m.Graph, b, o.dims)
		if err != nil {
			return err
		}
		inputs, err := bench.RandomInputs(m.Graph, shapes, o.seed)
		if err != nil {
			return err
		}
		for _, t := range threads {
			r, err := benchOne(m, inputs, b, t, o)
			if err != nil {
				return err
			}
			if o.json {
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				bench.WriteText(stdout, r, false)
			}
		}
	}
	return nil
}

func benchOne(m *bench.Model, inputs []*ir.Tensor, batch, threads int, o benchOpts) (bench.Result, error) {
	res := bench.Result{Model: m.Name, Batch: batch, Threads: threads, Kernels: asm.Active().String()}
	lr, err := m.NewLatentRunner(inputs, threads)
	if err != nil {
		return res, err
	}
	defer lr.Close()
	samples, err := bench.Measure(context.Background(), []bench.Runner{lr}, bench.Options{
		Warmup: o.warmup, Iters: o.iters, Budget: o.budget, MinIters: o.minIters, ThreadCPU: threads == 1,
	})
	if err != nil {
		return res, fmt.Errorf("batch %d, threads %d: %w", batch, threads, err)
	}
	res.SetPlan(m, lr)
	res.SetLatent(samples[0])
	return res, nil
}

// benchVsORT runs the side-by-side comparison in the bench/ort program,
// which links ONNX Runtime through cgo; latent itself stays pure Go.
func benchVsORT(path string, o benchOpts, stdout, stderr io.Writer) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	args := []string{
		"--batch", o.batches, "--threads", o.threads,
		"--iters", strconv.Itoa(o.iters), "--warmup", strconv.Itoa(o.warmup),
		"--min-iters", strconv.Itoa(o.minIters), "--budget", o.budget.String(),
		"--seed", strconv.FormatUint(o.seed, 10),
	}
	if len(o.dims) > 0 {
		args = append(args, "--dim", o.dims.String())
	}
	if o.json {
		args = append(args, "--json")
	}
	if o.ortLib != "" {
		args = append(args, "--ort-lib", o.ortLib)
	}
	if o.cpuprofile != "" {
		p, err := filepath.Abs(o.cpuprofile)
		if err != nil {
			return err
		}
		args = append(args, "--cpuprofile", p)
	}
	args = append(args, abs)
	cmd, err := ortbenchCommand(o.ortBench, args)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(cmd.Args[:min(len(cmd.Args), 4)], " "), err)
	}
	return nil
}

// ortbenchCommand returns the command running the ortbench program with
// args: the binary named by the flag or $LATENT_ORTBENCH, else `go run` in
// the bench/ort module of the latent source tree holding the working
// directory or this executable.
func ortbenchCommand(bin string, args []string) (*exec.Cmd, error) {
	if bin == "" {
		bin = os.Getenv("LATENT_ORTBENCH")
	}
	if bin != "" {
		return exec.Command(bin, args...), nil
	}
	dir := findORTModule()
	if dir == "" {
		return nil, errors.New("--vs-ort needs the ortbench program of latent's bench/ort module: run from inside a latent source tree, or build it (cd bench/ort && go build ./cmd/ortbench) and pass --ortbench PATH or set LATENT_ORTBENCH")
	}
	gobin := "go"
	if p, err := exec.LookPath("go"); err == nil {
		gobin = p
	}
	cmd := exec.Command(gobin, append([]string{"-C", dir, "run", "./cmd/ortbench"}, args...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	return cmd, nil
}

// findORTModule returns the bench/ort directory of a latent source tree
// above the working directory or the executable, or "".
func findORTModule() string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, d := range starts {
		for {
			mod := filepath.Join(d, "bench", "ort", "go.mod")
			if b, err := os.ReadFile(mod); err == nil && strings.Contains(string(b), "module github.com/latent-go/latent/bench/ort") {
				return filepath.Dir(mod)
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return ""
}
