package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
)

// experiments lists latent experiment's experiments. define registers an
// experiment's flags on a flag set and returns the function that runs it
// once they are parsed.
var experiments = []struct {
	name, summary string
	define        func(fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) error
}{
	{"larochelle", "test error of deep classifiers on MNIST-basic/rotation with no, autoencoder, denoising or RBM pre-training (Larochelle et al. 2007)", defineLarochelle},
	{"deep-ae", "deep autoencoder 784-1000-500-250-30 (RBM pre-training, unrolled fine-tuning) against PCA and a linear autoencoder", defineDeepAE},
	{"train-speed", "training throughput of the 784-1000-500-250-30-250-500-1000-784 sigmoid autoencoder (MSE, SGD)", defineTrainSpeed},
}

// recorded is one flag as given on the command line.
type recorded struct{ name, value string }

// recorder is a flag.Value that remembers every value given to a flag,
// so that the experiment named among the positional arguments can parse
// them with its own typed flags.
type recorder struct {
	name   string
	isBool bool
	list   *[]recorded
}

func (r *recorder) String() string { return "" }

func (r *recorder) Set(v string) error {
	*r.list = append(*r.list, recorded{r.name, v})
	return nil
}

func (r *recorder) IsBoolFlag() bool { return r.isBool }

func init() {
	var list strings.Builder
	for _, e := range experiments {
		fmt.Fprintf(&list, "\n  %-12s %s", e.name, e.summary)
	}
	register(&command{
		name:    "experiment",
		summary: "run one of EXPERIMENTS.md's experiments: larochelle, deep-ae, train-speed",
		usage:   "NAME",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			extendUsage(fs, "latent experiment [flags] NAME", "Run one of the reproducible experiments of EXPERIMENTS.md.\n\nexperiments:"+list.String()+
				"\n\nEach flag below names the experiments it applies to and their defaults.")
			// Every experiment's flags are registered on fs as recorders,
			// with usage text naming the experiments that take them.
			type info struct {
				usage  string
				users  []string
				defs   []string
				isBool bool
			}
			flags := map[string]*info{}
			for _, e := range experiments {
				scratch := flag.NewFlagSet(e.name, flag.ContinueOnError)
				e.define(scratch)
				scratch.VisitAll(func(f *flag.Flag) {
					in := flags[f.Name]
					if in == nil {
						in = &info{usage: f.Usage}
						if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
							in.isBool = true
						}
						flags[f.Name] = in
					}
					in.users = append(in.users, e.name)
					in.defs = append(in.defs, f.DefValue)
				})
			}
			var given []recorded
			names := make([]string, 0, len(flags))
			for n := range flags {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				in := flags[n]
				var where []string
				for i, u := range in.users {
					if in.defs[i] != "" && !(in.isBool && in.defs[i] == "false") {
						u += " " + in.defs[i]
					}
					where = append(where, u)
				}
				fs.Var(&recorder{name: n, isBool: in.isBool, list: &given}, n, in.usage+" ["+strings.Join(where, "; ")+"]")
			}
			return func(args []string, stdout, stderr io.Writer) error {
				if len(args) == 0 {
					return usagef("missing experiment name")
				}
				if len(args) > 1 {
					return usagef("unexpected arguments %q", args[1:])
				}
				for _, e := range experiments {
					if e.name != args[0] {
						continue
					}
					efs := flag.NewFlagSet("latent experiment "+e.name, flag.ContinueOnError)
					efs.SetOutput(io.Discard)
					run := e.define(efs)
					for _, g := range given {
						if efs.Lookup(g.name) == nil {
							return usagef("--%s does not apply to experiment %s", g.name, e.name)
						}
						if err := efs.Set(g.name, g.value); err != nil {
							return usagef("--%s %s: %v", g.name, g.value, err)
						}
					}
					ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
					defer stop()
					return run(ctx, stdout, stderr)
				}
				return usagef("unknown experiment %q", args[0])
			}
		},
	})
}
