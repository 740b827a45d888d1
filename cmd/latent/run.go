package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/conformance"
	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
	"github.com/latent-go/latent/runtime/reference"
)

func init() {
	register(&command{
		name:    "run",
		summary: "run a model on input tensors (.pb TensorProto or .npy) and write its outputs",
		usage:   "MODEL.onnx IN0 [IN1 ...] -o DIR",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			outDir := fs.String("o", "", "directory for output_K.pb / output_K.npy (created if missing)")
			format := fs.String("format", "pb", "output format: pb, npy or both")
			engine := fs.String("engine", "compiled", "execution path: compiled or reference")
			threads := fs.Int("threads", 0, "threads for the compiled path (0: all cores)")
			check := fs.String("check", "", "compare the outputs with DIR/output_K.pb (relative 1e-3, absolute 1e-5)")
			return func(args []string, stdout, stderr io.Writer) error {
				if len(args) < 1 {
					return usagef("missing model file")
				}
				if *outDir == "" && *check == "" {
					return usagef("give -o DIR (and/or --check DIR)")
				}
				if *format != "pb" && *format != "npy" && *format != "both" {
					return usagef("unknown --format %q (pb, npy or both)", *format)
				}
				g, err := importer.Load(args[0])
				if err != nil {
					return err
				}
				inputs, err := readInputs(args[1:])
				if err != nil {
					return err
				}
				if len(inputs) != len(g.Inputs) {
					return fmt.Errorf("%s takes %d inputs (%s), got %d files", args[0], len(g.Inputs), valueNames(g.Inputs), len(inputs))
				}
				var outs []*ir.Tensor
				switch *engine {
				case "compiled":
					m, err := compiler.Compile(g, compiler.Options{})
					if err != nil {
						return err
					}
					s := runtime.NewSession(m, runtime.Options{Threads: *threads})
					defer s.Close()
					outs, err = s.Run(context.Background(), inputs)
					if err != nil {
						return err
					}
				case "reference":
					outs, err = reference.Run(context.Background(), g, inputs)
					if err != nil {
						return err
					}
				default:
					return usagef("unknown --engine %q (compiled or reference)", *engine)
				}
				if *outDir != "" {
					if err := os.MkdirAll(*outDir, 0o755); err != nil {
						return err
					}
					for i, t := range outs {
						base := filepath.Join(*outDir, fmt.Sprintf("output_%d", i))
						if *format != "npy" {
							if err := exporter.WriteTensor(t, g.Outputs[i].Name, base+".pb"); err != nil {
								return err
							}
						}
						if *format != "pb" {
							if err := exporter.WriteNPY(t, base+".npy"); err != nil {
								return err
							}
						}
					}
				}
				for i, t := range outs {
					fmt.Fprintf(stdout, "output %d %s: %s\n", i, g.Outputs[i].Name, summarize(t))
				}
				if *check != "" {
					for i, t := range outs {
						p := filepath.Join(*check, fmt.Sprintf("output_%d.pb", i))
						want, err := importer.ReadTensor(p)
						if err != nil {
							return err
						}
						if err := conformance.Compare(t, want, conformance.DefaultTolerance); err != nil {
							return fmt.Errorf("output %d (%s) differs from %s: %w", i, g.Outputs[i].Name, p, err)
						}
						fmt.Fprintf(stdout, "output %d matches %s (max abs diff %.3g)\n", i, p, maxAbsDiff(t, want))
					}
				}
				return nil
			}
		},
	})
}

// readInputs reads tensor files; a directory stands for its input_K.pb
// files in order (the ONNX test-data layout).
func readInputs(paths []string) ([]*ir.Tensor, error) {
	var ts []*ir.Tensor
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			files, _ := filepath.Glob(filepath.Join(p, "input_*.pb"))
			sort.Slice(files, func(i, j int) bool { return inputIndex(files[i]) < inputIndex(files[j]) })
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: no input_K.pb files", p)
			}
			sub, err := readInputs(files)
			if err != nil {
				return nil, err
			}
			ts = append(ts, sub...)
			continue
		}
		var t *ir.Tensor
		if strings.HasSuffix(p, ".npy") {
			t, err = importer.ReadNPY(p)
		} else {
			t, err = importer.ReadTensor(p)
		}
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

func inputIndex(p string) int {
	var k int
	fmt.Sscanf(filepath.Base(p), "input_%d.pb", &k)
	return k
}

func valueNames(vs []*ir.Value) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.String())
	}
	return strings.Join(s, ", ")
}

// summarize describes a tensor in one line: type, shape and value range.
func summarize(t *ir.Tensor) string {
	s := ir.TypeString(t.DType, ir.StaticShape(t.Shape...))
	n := t.Len()
	if n == 0 {
		return s + " (empty)"
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	nan := 0
	for i := 0; i < n; i++ {
		v := t.Float64At(i)
		if math.IsNaN(v) {
			nan++
			continue
		}
		lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
	}
	s += fmt.Sprintf(" min %.4g max %.4g mean %.4g", lo, hi, sum/float64(n-nan))
	if nan > 0 {
		s += fmt.Sprintf(" (%d NaN)", nan)
	}
	return s
}

func maxAbsDiff(a, b *ir.Tensor) float64 {
	m := 0.0
	for i := 0; i < a.Len() && i < b.Len(); i++ {
		if d := math.Abs(a.Float64At(i) - b.Float64At(i)); d > m {
			m = d
		}
	}
	return m
}
