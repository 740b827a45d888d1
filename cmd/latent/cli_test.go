package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
)

const testModel = "../../testdata/models/conv_ae_strided"

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = runMain(args, &o, &e)
	return o.String(), e.String(), code
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(testModel, "model.onnx")
	in := filepath.Join(testModel, "test_data_set_0", "input_0.pb")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{"no args", nil, 2, "commands:", ""},
		{"help", []string{"help"}, 0, "inspect", ""},
		{"help run", []string{"help", "run"}, 0, "usage: latent run", ""},
		{"unknown", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"version", []string{"version"}, 0, "kernels:", ""},
		{"version args", []string{"version", "x"}, 2, "", "takes no arguments"},
		{"inspect", []string{"inspect", model}, 0, "BatchNormalization       3", ""},
		{"inspect ir", []string{"inspect", "--ir", model}, 0, "ConvTranspose(", ""},
		{"inspect missing", []string{"inspect", "nothere.onnx"}, 1, "", "no such file"},
		{"inspect two", []string{"inspect", model, model}, 2, "", "want one model file"},
		{"run", []string{"run", model, in, "-o", dir, "--format", "both", "--check", filepath.Join(testModel, "test_data_set_0")}, 0, "matches", ""},
		{"run reference", []string{"run", "--engine", "reference", model, in, "-o", dir}, 0, "float32[3,1,28,28]", ""},
		{"run no output", []string{"run", model, in}, 2, "", "give -o DIR"},
		{"run too many inputs", []string{"run", model, in, in, "-o", dir}, 1, "", "takes 1 inputs"},
		{"run wrong shape", []string{"run", model, model, "-o", dir}, 1, "", ""},
		{"run bad engine", []string{"run", "--engine", "gpu", model, in, "-o", dir}, 2, "", "unknown --engine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, e, code := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, o, e)
			}
			if !strings.Contains(o, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, o)
			}
			if !strings.Contains(e, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, e)
			}
			if code != 0 && code != 2 || tc.code == 1 {
				// errors are one line
				if lines := strings.Count(strings.TrimSpace(e), "\n"); lines > 0 && tc.code == 1 {
					t.Errorf("error is %d lines:\n%s", lines+1, e)
				}
			}
		})
	}
	// run wrote readable outputs in both formats
	pb, err := importer.ReadTensor(filepath.Join(dir, "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	npy, err := importer.ReadNPY(filepath.Join(dir, "output_0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if pb.Len() != 3*28*28 || npy.Len() != pb.Len() {
		t.Errorf("outputs have %d and %d elements", pb.Len(), npy.Len())
	}
	// no temporary files left behind
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}
