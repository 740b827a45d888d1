package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
	"github.com/latent-go/latent/train/dataset"
)

// TestEvalJSON checks latent eval's JSON result for a classifier and an
// autoencoder, and that corrupting the inputs hurts the reconstruction.
func TestEvalJSON(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	writeClusters(t, csv, 400, 12)
	data := []string{"--data", "csv:" + csv, "--label", "label", "--val-size", "100"}
	cls := filepath.Join(dir, "cls.onnx")
	mustRun(t, 0, append([]string{"train", "classifier", "--layers", "12,8", "--epochs", "30", "--optimizer", "adam:0.01", "--quiet", "-o", cls}, data...)...)
	o, _ := mustRun(t, 0, append([]string{"eval", cls, "--split", "valid", "--json"}, data...)...)
	var r evalResult
	if err := json.Unmarshal([]byte(o), &r); err != nil {
		t.Fatalf("%v:\n%s", err, o)
	}
	if r.Kind != "classifier" || r.Examples != 100 || math.Abs(r.ErrorRate-float64(r.Errors)/100) > 1e-12 || !(r.NLL > 0) {
		t.Errorf("classifier result %+v", r)
	}
	if r.ErrorRate > 0.1 {
		t.Errorf("three well separated clusters misclassified at %.0f%%", 100*r.ErrorRate)
	}

	ae := filepath.Join(dir, "ae.onnx")
	mustRun(t, 0, append([]string{"train", "ae", "--layers", "12,6", "--epochs", "30", "--optimizer", "adam:0.01", "--quiet", "-o", ae}, data...)...)
	var clean, noisy evalResult
	for _, c := range []struct {
		res  *evalResult
		args []string
	}{{&clean, nil}, {&noisy, []string{"--noise", "mask:0.5"}}} {
		o, _ := mustRun(t, 0, append(append([]string{"eval", ae, "--split", "train", "--json", "--batch", "7"}, data...), c.args...)...)
		if err := json.Unmarshal([]byte(o), c.res); err != nil {
			t.Fatalf("%v:\n%s", err, o)
		}
	}
	if clean.Kind != "autoencoder" || clean.Examples != 300 || clean.CrossEntropy == nil ||
		math.Abs(clean.PixelMSE*12-clean.SquaredError) > 1e-9*clean.SquaredError {
		t.Errorf("autoencoder result %+v", clean)
	}
	if !(noisy.SquaredError > clean.SquaredError) || noisy.Noise != "mask:0.5" {
		t.Errorf("masking half the inputs: squared error %g, clean %g", noisy.SquaredError, clean.SquaredError)
	}
}

// TestEvalMatchesReference evaluates a PyTorch-exported convolutional
// autoencoder (4-D input) on MNIST digits and checks the squared error
// against the reference evaluator's outputs.
func TestEvalMatchesReference(t *testing.T) {
	mnistOrSkip(t)
	model := "../../testdata/models/conv_ae_strided/model.onnx"
	const n = 40
	o, _ := mustRun(t, 0, "eval", model, "--data", "mnist", "--split", "valid", "--val-size", strconv.Itoa(n), "--json", "--batch", "16")
	var r evalResult
	if err := json.Unmarshal([]byte(o), &r); err != nil {
		t.Fatalf("%v:\n%s", err, o)
	}
	tr, _, err := dataset.LoadMNIST(dataset.MNISTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	valid, err := tr.Slice(tr.N-n, tr.N)
	if err != nil {
		t.Fatal(err)
	}
	g, err := importer.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := reference.Run(context.Background(), g, []*ir.Tensor{ir.Float32Tensor([]int{n, 1, 28, 28}, valid.X)})
	if err != nil {
		t.Fatal(err)
	}
	var se float64
	for i, v := range valid.X {
		d := float64(outs[0].F32[i]) - float64(v)
		se += d * d
	}
	se /= n
	if r.Kind != "autoencoder" || r.Examples != n || math.Abs(r.SquaredError-se) > 1e-4*se {
		t.Errorf("eval: %+v; reference evaluator: squared error %g", r, se)
	}
}

// TestEvalErrors checks eval's failures.
func TestEvalErrors(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	writeClusters(t, csv, 100, 5)
	data := []string{"--data", "csv:" + csv, "--label", "label"}
	rbm := filepath.Join(dir, "rbm.onnx")
	mustRun(t, 0, append([]string{"train", "rbm", "--layers", "5,4", "--epochs", "1", "--quiet", "-o", rbm}, data...)...)
	other := filepath.Join(dir, "c7.csv")
	writeClusters(t, other, 100, 7)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"eval"}, 2, "want one model file"},
		{append([]string{"eval", filepath.Join(dir, "none.onnx"), "--split", "valid"}, data...), 1, "no such file"},
		{append([]string{"eval", rbm}, data...), 2, "has no test part"},
		{append([]string{"eval", rbm, "--split", "valid"}, data...), 1, "neither the 5 input features"},
		{append([]string{"eval", rbm, "--split", "valid", "--kind", "classifier"}, data...), 1, "the data have 3 classes"},
		{append([]string{"eval", rbm, "--split", "dev"}, data...), 2, "unknown --split"},
		{append([]string{"eval", rbm, "--split", "valid", "--kind", "gan"}, data...), 2, "unknown --kind"},
		{[]string{"eval", rbm, "--split", "valid", "--data", "csv:" + other, "--label", "label"}, 1, "takes 5 features per example, the data have 7"},
		{append([]string{"eval", rbm, "--split", "valid", "--noise", "fog:1"}, data...), 2, "--noise"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, e := mustRun(t, tc.code, tc.args...)
			if !strings.Contains(e, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, e)
			}
		})
	}
}
