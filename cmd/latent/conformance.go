package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/latent-go/latent/conformance"
)

func init() {
	register(&command{
		name:    "conformance",
		summary: "run ONNX's backend test suite (Debian libonnx-testdata) and report per operator",
		usage:   "",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			root := fs.String("root", conformance.DefaultRoot, "root of the test data (holds node/, simple/, ...)")
			engine := fs.String("engine", "compiled", "execution path: compiled or reference")
			threads := fs.Int("threads", 1, "threads for the compiled path")
			only := fs.String("only", "", "run only cases whose suite/name contains this")
			verbose := fs.Bool("v", false, "print every case's outcome")
			return func(args []string, stdout, stderr io.Writer) error {
				if len(args) > 0 {
					return usagef("takes no arguments")
				}
				var b conformance.Backend
				switch *engine {
				case "compiled":
					b = conformance.CompiledBackend(*threads)
				case "reference":
					b = conformance.ReferenceBackend()
				default:
					return usagef("unknown engine %q (compiled or reference)", *engine)
				}
				if _, err := os.Stat(*root); err != nil {
					return fmt.Errorf("test data not found (install Debian's libonnx-testdata or pass --root): %w", err)
				}
				cases, err := conformance.Discover(*root, conformance.Suites...)
				if err != nil {
					return err
				}
				var results []conformance.Result
				for _, c := range cases {
					if *only != "" && !strings.Contains(c.ID(), *only) {
						continue
					}
					r := conformance.RunCase(context.Background(), b, c, conformance.DefaultTolerance)
					if *verbose {
						fmt.Fprintf(stdout, "%-7s %s %s\n", r.Status, c.ID(), oneLine(r.Reason))
					}
					results = append(results, r)
				}
				fmt.Fprintf(stdout, "engine %s, tolerance rel %g abs %g\n\n", *engine, conformance.DefaultTolerance.Rel, conformance.DefaultTolerance.Abs)
				conformance.WriteReport(stdout, results)
				if s := conformance.Summarize(results); s.Failed > 0 {
					return fmt.Errorf("%d cases failed", s.Failed)
				}
				return nil
			}
		},
	})
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}
