package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// experiments lists latent experiment's subcommands.
var experiments = []struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}{
	{"larochelle", "test error of deep classifiers on MNIST-basic/rotation with no, autoencoder, denoising or RBM pre-training (Larochelle et al. 2007)", runLarochelle},
	{"deep-ae", "deep autoencoder 784-1000-500-250-30 (RBM pre-training, unrolled fine-tuning) against PCA and a linear autoencoder", runDeepAE},
	{"train-speed", "training throughput of the 784-1000-500-250-30-250-500-1000-784 sigmoid autoencoder (MSE, SGD)", runTrainSpeed},
}

func init() {
	var list strings.Builder
	for _, e := range experiments {
		fmt.Fprintf(&list, "\n  %-12s %s", e.name, e.summary)
	}
	register(&command{
		name:    "experiment",
		summary: "run one of the reproducible experiments of EXPERIMENTS.md\n\nexperiments:" + list.String() + "\n\nRun \"latent experiment NAME --help\" for an experiment's flags.",
		usage:   "NAME [flags]",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			return func(args []string, stdout, stderr io.Writer) error {
				if len(args) == 0 {
					return usagef("missing experiment name")
				}
				for _, e := range experiments {
					if e.name == args[0] {
						ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
						defer stop()
						return e.run(ctx, args[1:], stdout, stderr)
					}
				}
				return usagef("unknown experiment %q", args[0])
			}
		},
	})
}

// subFlags returns a flag set for an experiment; parse errors come back as
// usage errors, and --help prints the flags and returns errHelpShown.
func subFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("latent experiment "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseSub parses args, turning -h into a nil error after printing help.
func parseSub(fs *flag.FlagSet, args []string) (help bool, err error) {
	rest, err := reparse(fs, args)
	if err == flag.ErrHelp {
		return true, nil
	}
	if err != nil {
		return false, usagef("%v", err)
	}
	if len(rest) > 0 {
		return false, usagef("unexpected arguments %q", rest)
	}
	return false, nil
}
