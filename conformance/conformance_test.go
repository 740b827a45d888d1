package conformance

import (
	"context"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

var (
	root    = flag.String("onnx-testdata", DefaultRoot, "root of ONNX's backend test data")
	verbose = flag.Bool("report", false, "print the per-operator report even when the run passes")
	only    = flag.String("only", "", "run only cases whose ID contains this string")
)

// excepted lists cases that load but whose expected outputs cannot be
// reproduced by any implementation: training-mode Dropout draws its mask
// from a random generator.
var excepted = map[string]string{
	"node/test_training_dropout":                       "training-mode Dropout output is random",
	"node/test_training_dropout_mask":                  "training-mode Dropout output is random",
	"node/test_training_dropout_default":               "training-mode Dropout output is random",
	"node/test_training_dropout_default_mask":          "training-mode Dropout output is random",
	"node/test_training_dropout_zero_ratio":            "",
	"node/test_training_dropout_zero_ratio_mask":       "",
	"pytorch-converted/test_Dropout_train":             "",
	"pytorch-converted/test_AlphaDropout_train":        "",
	"pytorch-converted/test_FeatureAlphaDropout_train": "",
}

func init() {
	// Entries with an empty reason are not excepted: they must pass (zero
	// ratio is deterministic); they are listed to document the choice.
	for k, v := range excepted {
		if v == "" {
			delete(excepted, k)
		}
	}
}

// ReferenceBackend runs the suite on the importer and the reference
// evaluator.
func ReferenceBackend() Backend {
	return Backend{
		Load:        func(p string) (*ir.Graph, error) { return importer.Load(p) },
		Unsupported: func(err error) bool { return errors.Is(err, importer.ErrUnsupported) },
		ReadTensor:  func(p string) (*ir.Tensor, error) { return importer.ReadTensor(p) },
		Run:         reference.Run,
		Excepted:    excepted,
	}
}

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
