package conformance

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
)

var (
	root    = flag.String("onnx-testdata", DefaultRoot, "root of ONNX's backend test data")
	verbose = flag.Bool("report", false, "print the per-operator report even when the run passes")
	only    = flag.String("only", "", "run only cases whose ID contains this string")
)

func TestConformanceReference(t *testing.T) {
	runSuite(t, ReferenceBackend())
}

func runSuite(t *testing.T, b Backend) []Result {
	if _, err := os.Stat(*root); err != nil {
		t.Skipf("ONNX backend test data not found at %s (Debian package libonnx-testdata): %v", *root, err)
	}
	cases, err := Discover(*root, Suites...)
	if err != nil {
		t.Fatal(err)
	}
	var results []Result
	for _, c := range cases {
		if *only != "" && !strings.Contains(c.ID(), *only) {
			continue
		}
		r := RunCase(context.Background(), b, c, DefaultTolerance)
		results = append(results, r)
		if r.Status == Failed {
			t.Errorf("%s: %s", c.ID(), firstLine(r.Reason))
		}
	}
	if t.Failed() || *verbose || testing.Verbose() {
		var sb strings.Builder
		WriteReport(&sb, results)
		t.Log("\n" + sb.String())
	}
	return results
}
