package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
	"github.com/latent-go/latent/train"
	"github.com/latent-go/latent/train/dataset"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "score an ONNX model on MNIST or CSV data through the compiled runtime (classification or reconstruction error)",
		usage:   "MODEL.onnx",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			extendUsage(fs, "latent eval [flags] MODEL.onnx", "Evaluate an ONNX model on a data set through latent's compiler and runtime: the\n"+
				"classification error (argmax of a classifier's output against the labels) or the\n"+
				"reconstruction error of an autoencoder (squared error and Bernoulli cross-entropy\n"+
				"per example, optionally from corrupted inputs against the clean data).")
			var o dataOptions
			registerDataFlags(fs, &o)
			split := fs.String("split", "test", "part of the data to evaluate: test, valid or train")
			kind := fs.String("kind", "auto", "model kind: auto, classifier or autoencoder")
			threads := fs.Int("threads", 0, "threads (0: all cores)")
			batch := fs.Int("batch", 500, "examples per run of the compiled model")
			noise := fs.String("noise", "none", "corrupt the inputs (mask:ν, gauss:σ, saltpepper:p) and score reconstructions against the clean data")
			seed := fs.Uint64("seed", 1, "seed of the --noise corruption")
			asJSON := fs.Bool("json", false, "print the result as JSON")
			return func(args []string, stdout, stderr io.Writer) error {
				args, err := reparse(fs, args)
				if err != nil {
					return usagef("%v", err)
				}
				if len(args) != 1 {
					return usagef("want one model file")
				}
				if *batch <= 0 {
					return usagef("--batch must be positive")
				}
				nz, err := parseNoise(*noise)
				if err != nil {
					return err
				}
				if *kind != "auto" && *kind != "classifier" && *kind != "autoencoder" {
					return usagef("unknown --kind %q (auto, classifier or autoencoder)", *kind)
				}
				d, err := loadData(context.Background(), o, stderr)
				if err != nil {
					return err
				}
				var s *dataset.Set
				switch *split {
				case "test":
					s = d.test
				case "valid", "validation":
					s = d.valid
				case "train":
					s = d.train
				default:
					return usagef("unknown --split %q (test, valid or train)", *split)
				}
				if s == nil {
					return usagef("%s has no %s part", d.name, *split)
				}
				g, err := importer.Load(args[0])
				if err != nil {
					return err
				}
				res, err := evalGraph(context.Background(), g, s, evalOptions{kind: *kind, threads: threadCount(*threads), batch: *batch, noise: nz, seed: *seed})
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				res.Model, res.Data, res.Split = args[0], d.name, *split
				if *asJSON {
					b, err := json.MarshalIndent(res, "", "  ")
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "%s\n", b)
					return nil
				}
				res.print(stdout)
				return nil
			}
		},
	})
}

// evalOptions controls evalGraph.
type evalOptions struct {
	kind    string // auto, classifier, autoencoder
	threads int
	batch   int
	noise   train.Noise
	seed    uint64
}

// evalResult is the outcome of evaluating a model on a data set.
type evalResult struct {
	Model    string  `json:"model,omitempty"`
	Data     string  `json:"data,omitempty"`
	Split    string  `json:"split,omitempty"`
	Kind     string  `json:"kind"`
	Examples int     `json:"examples"`
	Threads  int     `json:"threads"`
	Seconds  float64 `json:"seconds"`
	Noise    string  `json:"noise,omitempty"`

	// classifiers
	Errors    int     `json:"errors,omitempty"`
	ErrorRate float64 `json:"error_rate,omitempty"`
	// NLL is the mean negative log-probability of the true class.
	NLL float64 `json:"nll,omitempty"`

	// autoencoders
	SquaredError float64 `json:"squared_error,omitempty"` // sum over features, mean over examples
	PixelMSE     float64 `json:"pixel_mse,omitempty"`     // mean over features and examples
	// CrossEntropy is the summed Bernoulli cross-entropy per example (NaN,
	// omitted, when outputs or data leave [0, 1]).
	CrossEntropy *float64 `json:"cross_entropy,omitempty"`
}

func (r *evalResult) print(w io.Writer) {
	fmt.Fprintf(w, "%s on %s %s (%d examples), compiled runtime, %d threads, %.2fs\n", r.Model, r.Data, r.Split, r.Examples, r.Threads, r.Seconds)
	switch r.Kind {
	case "classifier":
		fmt.Fprintf(w, "classification error: %.2f%% (%d of %d)\n", 100*r.ErrorRate, r.Errors, r.Examples)
		fmt.Fprintf(w, "mean negative log-likelihood: %.4f\n", r.NLL)
	default:
		if r.Noise != "" {
			fmt.Fprintf(w, "inputs corrupted with %s; errors against the clean data\n", r.Noise)
		}
		fmt.Fprintf(w, "squared reconstruction error per example: %.4f\n", r.SquaredError)
		fmt.Fprintf(w, "mean squared error per feature: %.6f\n", r.PixelMSE)
		if r.CrossEntropy != nil {
			fmt.Fprintf(w, "cross-entropy per example: %.4f\n", *r.CrossEntropy)
		}
	}
}

// evalGraph compiles g and runs it over s in batches, scoring its outputs
// as a classifier's class probabilities or an autoencoder's
// reconstructions.
func evalGraph(ctx context.Context, g *ir.Graph, s *dataset.Set, o evalOptions) (*evalResult, error) {
	if len(g.Inputs) != 1 || len(g.Outputs) < 1 {
		return nil, fmt.Errorf("want a model with one input, have %d inputs and %d outputs", len(g.Inputs), len(g.Outputs))
	}
	in := g.Inputs[0]
	if in.DType != ir.Float32 || in.Shape.Rank() < 2 {
		return nil, fmt.Errorf("input %s: want float32 [N, features...]", in)
	}
	// The input's non-batch dimensions must hold one example.
	feat := []int{}
	per := 1
	for _, dm := range in.Shape[1:] {
		if !dm.Known() {
			return nil, fmt.Errorf("input %s: only the batch dimension may be symbolic", in)
		}
		feat = append(feat, dm.Size)
		per *= dm.Size
	}
	if per != s.Dim {
		return nil, fmt.Errorf("input %s takes %d features per example, the data have %d", in, per, s.Dim)
	}
	m, err := compiler.Compile(g, compiler.Options{})
	if err != nil {
		return nil, err
	}
	sess := runtime.NewSession(m, runtime.Options{Threads: o.threads})
	defer sess.Close()

	res := &evalResult{Examples: s.N, Threads: sess.Threads()}
	kind := o.kind
	start := time.Now()
	x := make([]float32, min(o.batch, s.N)*s.Dim)
	var src rand.Source
	if o.noise.Kind != train.NoNoise {
		src = rand.NewPCG(o.seed, 0x6576616c) // "eval"
		res.Noise = noiseString(o.noise)
	}
	var se, ce, nll float64
	ceOK := true
	for r0 := 0; r0 < s.N; r0 += o.batch {
		n := min(o.batch, s.N-r0)
		clean := s.X[r0*s.Dim : (r0+n)*s.Dim]
		xb := x[:n*s.Dim]
		if src != nil {
			for i := 0; i < n; i++ {
				o.noise.Apply(xb[i*s.Dim:(i+1)*s.Dim], clean[i*s.Dim:(i+1)*s.Dim], src)
			}
		} else {
			copy(xb, clean)
		}
		outs, err := sess.Run(ctx, []*ir.Tensor{ir.Float32Tensor(append([]int{n}, feat...), xb)})
		if err != nil {
			return nil, err
		}
		y := outs[0]
		if y.DType != ir.Float32 || len(y.Shape) < 1 || y.Shape[0] != n {
			return nil, fmt.Errorf("output %s: want float32 [%d, ...], have %v %v", g.Outputs[0].Name, n, y.DType, y.Shape)
		}
		cols := y.Len() / n
		if kind == "auto" {
			switch {
			case cols == s.Dim && !(s.Labelled() && s.Classes == s.Dim):
				kind = "autoencoder"
			case s.Labelled() && cols == s.Classes:
				kind = "classifier"
			default:
				return nil, fmt.Errorf("output %s has %d values per example: neither the %d input features (an autoencoder) nor the %d classes (a classifier)",
					g.Outputs[0].Name, cols, s.Dim, s.Classes)
			}
		}
		switch kind {
		case "classifier":
			if !s.Labelled() || cols != s.Classes {
				return nil, fmt.Errorf("output %s has %d values per example, the data have %d classes", g.Outputs[0].Name, cols, s.Classes)
			}
			for i := 0; i < n; i++ {
				row := y.F32[i*cols : (i+1)*cols]
				best := 0
				for j, v := range row {
					if v > row[best] {
						best = j
					}
				}
				lbl := s.Y[r0+i]
				if best != lbl {
					res.Errors++
				}
				nll -= math.Log(max(float64(row[lbl]), 1e-30))
			}
		case "autoencoder":
			if cols != s.Dim {
				return nil, fmt.Errorf("output %s has %d values per example, the data have %d features", g.Outputs[0].Name, cols, s.Dim)
			}
			for i, t := range clean {
				v := float64(y.F32[i])
				d := v - float64(t)
				se += d * d
				if ceOK {
					if !(v >= 0 && v <= 1 && t >= 0 && t <= 1) {
						ceOK = false
						continue
					}
					p := min(max(v, 1e-7), 1-1e-7)
					ce -= float64(t)*math.Log(p) + (1-float64(t))*math.Log(1-p)
				}
			}
		default:
			return nil, usagef("unknown --kind %q (auto, classifier or autoencoder)", kind)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	res.Kind = kind
	nEx := float64(s.N)
	if kind == "classifier" {
		res.ErrorRate = float64(res.Errors) / nEx
		res.NLL = nll / nEx
	} else {
		res.SquaredError = se / nEx
		res.PixelMSE = se / (nEx * float64(s.Dim))
		if ceOK {
			v := ce / nEx
			res.CrossEntropy = &v
		}
	}
	return res, nil
}
