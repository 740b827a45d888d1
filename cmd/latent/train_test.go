package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/train"
	"github.com/latent-go/latent/train/dataset"
)

// writeClusters writes a labelled CSV of n rows: dim features in [0, 1]
// around one of three random prototypes (the class), plus a "label" column.
func writeClusters(t *testing.T, path string, n, dim int) {
	t.Helper()
	src := rand.New(rand.NewPCG(7, 11))
	protos := make([][]float64, 3)
	for c := range protos {
		protos[c] = make([]float64, dim)
		for j := range protos[c] {
			protos[c][j] = src.Float64()
		}
	}
	var b strings.Builder
	for j := 0; j < dim; j++ {
		fmt.Fprintf(&b, "f%d,", j)
	}
	b.WriteString("label\n")
	for i := 0; i < n; i++ {
		c := i % 3
		for j := 0; j < dim; j++ {
			v := min(max(protos[c][j]+0.15*src.NormFloat64(), 0), 1)
			fmt.Fprintf(&b, "%.4f,", v)
		}
		fmt.Fprintf(&b, "%d\n", c)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustRun runs latent and fails the test unless it exits with code want.
func mustRun(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	o, e, code := run(t, args...)
	if code != want {
		t.Fatalf("latent %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, o, e)
	}
	return o, e
}

// number extracts the first number following prefix in s.
func number(t *testing.T, s, prefix string) float64 {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `\s*([-+0-9.eE]+)`)
	m := re.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %q in:\n%s", prefix, s)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type historyFile struct {
	Kind    string             `json:"kind"`
	Metrics map[string]float64 `json:"metrics"`
	History struct {
		Epochs []struct {
			TrainLoss float64 `json:"train_loss"`
		} `json:"epochs"`
	} `json:"history"`
}

func readHistory(t *testing.T, path string) historyFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var h historyFile
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return h
}

// TestTrainKinds trains every kind on a small synthetic CSV data set,
// exports it, and checks the ONNX file through the compiled runtime
// (latent eval) against the native model's own numbers.
func TestTrainKinds(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "clusters.csv")
	writeClusters(t, csv, 600, 16)
	data := []string{"--data", "csv:" + csv, "--label", "label", "--val-size", "150", "--threads", "2", "--seed", "3"}
	for _, tc := range []struct {
		kind   string
		args   []string
		output string // ONNX output shape
		metric string // stdout line with the native validation number
		eval   string // latent eval line that must give the same number
		learns bool   // the training loss must fall
	}{
		{"ae", []string{"--layers", "16,8", "--epochs", "30"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", true},
		{"ae", []string{"--layers", "16,12,4", "--tied", "--act", "tanh", "--epochs", "30", "--optimizer", "sgd:0.05:0.9"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", true},
		{"dae", []string{"--layers", "16,24", "--noise", "gauss:0.1", "--epochs", "30", "--loss", "mse", "--out-act", "sigmoid"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", true},
		{"dae", []string{"--layers", "16,24", "--noise", "saltpepper:0.1", "--epochs", "20"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", true},
		{"sparse", []string{"--layers", "16,24", "--sparsity", "l1:0.001", "--epochs", "20"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", true},
		{"linear", []string{"--layers", "16,4", "--epochs", "30"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", true},
		{"pca", []string{"--layers", "16,4"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", false},
		{"rbm", []string{"--layers", "16,8", "--epochs", "20", "--k", "2"}, "[N,8]", "", "", true},
		{"classifier", []string{"--layers", "16,12", "--epochs", "20"}, "[N,3]", "validation classification error:", "classification error:", true},
		{"stacked", []string{"--layers", "16,12,8", "--module", "rbm", "--pre-epochs", "5", "--epochs", "20"}, "[N,3]", "validation classification error:", "classification error:", true},
		{"stacked", []string{"--layers", "16,12,4", "--module", "dae", "--noise", "mask:0.2", "--finetune", "deep-ae", "--code-linear", "--pre-epochs", "3", "--epochs", "20"}, "[N,16]", "validation squared reconstruction error per example:", "squared reconstruction error per example:", true},
		{"stacked", []string{"--layers", "16,12,8", "--module", "ae", "--finetune", "none", "--pre-epochs", "3"}, "[N,8]", "", "", false},
	} {
		name := tc.kind + "_" + strings.Join(tc.args, "_")
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name)
			model := filepath.Join(out, "model.onnx")
			args := append(append([]string{"train", tc.kind}, data...), tc.args...)
			args = append(args, "-o", model, "--save", filepath.Join(out, "model.ckpt"), "--out-dir", out)
			stdout, stderr := mustRun(t, 0, args...)
			if tc.kind != "pca" && !regexp.MustCompile(`epoch +1/`).MatchString(stderr) {
				t.Errorf("no progress lines on stderr:\n%s", stderr)
			}
			g, err := importer.Load(model)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Outputs[0].Shape.String(); got != tc.output {
				t.Errorf("output shape %s, want %s", got, tc.output)
			}
			if _, err := train.LoadCheckpoint(filepath.Join(out, "model.ckpt")); err != nil {
				t.Errorf("native checkpoint: %v", err)
			}
			h := readHistory(t, filepath.Join(out, "history.json"))
			if tc.learns && len(h.History.Epochs) >= 2 {
				first, last := h.History.Epochs[0].TrainLoss, h.History.Epochs[len(h.History.Epochs)-1].TrainLoss
				if !(last < first) {
					t.Errorf("training loss went from %g to %g", first, last)
				}
			}
			if tc.metric == "" {
				return
			}
			native := number(t, stdout, tc.metric)
			ev, _ := mustRun(t, 0, append([]string{"eval", model, "--split", "valid"}, data...)...)
			compiled := number(t, ev, tc.eval)
			// The compiled runtime computes in float32 with another
			// summation order; the printed values have four significant
			// digits (classification errors are exact counts).
			if math.Abs(native-compiled) > 1e-3*math.Max(1, math.Abs(native)) {
				t.Errorf("native %s %g, compiled runtime %g", tc.metric, native, compiled)
			}
		})
	}
}

// TestTrainPCAExplainsVariance checks the pca kind against the data: with
// as many components as features, the reconstruction is exact.
func TestTrainPCAExplainsVariance(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	writeClusters(t, csv, 200, 6)
	o, _ := mustRun(t, 0, "train", "pca", "--data", "csv:"+csv, "--label", "label", "--layers", "6,6", "-o", filepath.Join(dir, "p.onnx"))
	if ev := number(t, o, "explained variance (training set):"); math.Abs(ev-100) > 0.01 {
		t.Errorf("6 of 6 components explain %g%%", ev)
	}
	if se := number(t, o, "validation squared reconstruction error per example:"); se > 1e-6 {
		t.Errorf("full-rank PCA reconstruction error %g", se)
	}
}

// TestTrainResume checks that a run stopped after one epoch and resumed
// from its checkpoint writes the same model as an uninterrupted run.
func TestTrainResume(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	writeClusters(t, csv, 300, 10)
	base := []string{"train", "dae", "--data", "csv:" + csv, "--label", "label", "--layers", "10,6", "--optimizer", "adam:0.01", "--threads", "1", "--quiet"}
	full := filepath.Join(dir, "full.onnx")
	mustRun(t, 0, append(base, "--epochs", "3", "-o", full)...)
	ck := filepath.Join(dir, "run.ckpt")
	mustRun(t, 0, append(base, "--epochs", "1", "--checkpoint", ck)...)
	resumed := filepath.Join(dir, "resumed.onnx")
	mustRun(t, 0, append(base, "--epochs", "3", "--resume", ck, "-o", resumed)...)
	a, _ := os.ReadFile(full)
	b, _ := os.ReadFile(resumed)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("resumed model (%d bytes) differs from the uninterrupted one (%d bytes)", len(b), len(a))
	}

	// Stacked runs checkpoint each pre-training level and the fine-tuning.
	sbase := []string{"train", "stacked", "--data", "csv:" + csv, "--label", "label", "--layers", "10,8,6", "--module", "rbm", "--pre-epochs", "2", "--threads", "1", "--quiet"}
	sfull := filepath.Join(dir, "sfull.onnx")
	mustRun(t, 0, append(sbase, "--epochs", "3", "-o", sfull)...)
	sck := filepath.Join(dir, "s.ckpt")
	mustRun(t, 0, append(sbase, "--epochs", "1", "--checkpoint", sck)...)
	for _, f := range []string{sck + ".level1.l1", sck + ".level2.l1", sck + ".finetune"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("missing checkpoint: %v", err)
		}
	}
	sres := filepath.Join(dir, "sres.onnx")
	mustRun(t, 0, append(sbase, "--epochs", "3", "--resume", sck, "-o", sres)...)
	a, _ = os.ReadFile(sfull)
	b, _ = os.ReadFile(sres)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("resumed stacked model differs from the uninterrupted one")
	}
}

// TestTrainErrors checks that bad invocations fail with a usage error
// naming the problem.
func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "c.csv")
	writeClusters(t, csv, 60, 4)
	unlabelled := filepath.Join(dir, "u.csv")
	os.WriteFile(unlabelled, []byte("a,b\n1,2\n3,4\n5,6\n7,8\n"), 0o644)
	d := "csv:" + csv
	lbl := func(args ...string) []string { return append(args, "--label", "label") }
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"train"}, 2, "missing KIND"},
		{lbl("train", "gan", "--data", d), 2, `unknown kind "gan"`},
		{lbl("train", "ae", "--data", d, "--layers", "5,2"), 2, "first size must be the input size 4"},
		{lbl("train", "ae", "--data", d, "--layers", "4"), 2, "at least one layer size"},
		{lbl("train", "ae", "--data", d, "--layers", "4,x"), 2, "bad layer size"},
		{lbl("train", "dae", "--data", d, "--noise", "none"), 2, "nothing to denoise"},
		{lbl("train", "dae", "--data", d, "--noise", "blur:2"), 2, "--noise"},
		{lbl("train", "sparse", "--data", d, "--sparsity", "kl:2:1"), 2, "--sparsity"},
		{lbl("train", "ae", "--data", d, "--optimizer", "rmsprop:0.1"), 2, "--optimizer"},
		{lbl("train", "ae", "--data", d, "--optimizer", "sgd:0"), 2, "learning rate must be positive"},
		{lbl("train", "ae", "--data", d, "--act", "swish"), 2, "unknown --act"},
		{lbl("train", "ae", "--data", d, "--loss", "l1"), 2, "unknown --loss"},
		{lbl("train", "rbm", "--data", d, "--layers", "4,3,2"), 2, "two sizes"},
		{[]string{"train", "classifier", "--data", "csv:" + unlabelled, "--val-size", "1"}, 2, "needs labelled data"},
		{[]string{"train", "stacked", "--data", d, "--label", "label", "--module", "pca"}, 2, "unknown --module"},
		{[]string{"train", "stacked", "--data", d, "--label", "label", "--finetune", "svm"}, 2, "unknown --finetune"},
		{[]string{"train", "ae", "--data", "imagenet"}, 2, "unknown --data"},
		{[]string{"train", "ae", "--data", "csv:" + filepath.Join(dir, "none.csv")}, 1, "no such file"},
		{lbl("train", "ae", "--data", d, "--epochs", "0"), 2, "must be positive"},
		{lbl("train", "ae", "--data", d, "--resume", filepath.Join(dir, "none.ckpt")), 1, "none.ckpt"},
		{lbl("train", "ae", "--data", d, "extra"), 2, "unexpected arguments"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, e := mustRun(t, tc.code, tc.args...)
			if !strings.Contains(e, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, e)
			}
		})
	}
}

// mnistOrSkip skips the test when MNIST is not in the module cache.
func mnistOrSkip(t *testing.T) {
	t.Helper()
	if _, err := dataset.LocateMNIST("", nil); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
}

// TestTrainMNISTPictures trains a denoising autoencoder on a few MNIST
// digits and checks the pictures it draws.
func TestTrainMNISTPictures(t *testing.T) {
	mnistOrSkip(t)
	dir := t.TempDir()
	mustRun(t, 0, "train", "dae", "--data", "mnist", "--subset", "300", "--val-size", "100", "--layers", "784,16",
		"--epochs", "2", "--quiet", "--out-dir", dir, "-o", filepath.Join(dir, "dae.onnx"))
	for _, tc := range []struct {
		name string
		w, h int // 0: not checked
	}{
		{"recon.png", 0, 3*(3*28+2) + 2}, // three rows of 28x28 digits at scale 3 with 2-pixel gaps
		{"filters.png", 4*(2*28+2) + 2, 4*(2*28+2) + 2},
		{"loss.png", 800, 500},
	} {
		f, err := os.Open(filepath.Join(dir, tc.name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b := img.Bounds()
		if tc.w != 0 && b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("%s is %dx%d, want %dx%d", tc.name, b.Dx(), b.Dy(), tc.w, tc.h)
		}
	}
}

// TestPretrainLevelScaled checks that the scaled-initialisation level
// trainer builds the same module as train.Pretrain: with scale 1 both
// give bit-identical layers.
func TestPretrainLevelScaled(t *testing.T) {
	src := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 200*12)
	for i := range x {
		x[i] = src.Float32()
	}
	set, err := dataset.New(x, nil, 200, 12)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pc   train.PretrainConfig
	}{
		{"ae", train.PretrainConfig{Module: train.ModuleAutoencoder}},
		{"dae tied", train.PretrainConfig{Module: train.ModuleDenoising, Tied: true, Noise: train.Noise{Kind: train.MaskNoise, Level: 0.3}}},
		{"real linear code", train.PretrainConfig{Module: train.ModuleAutoencoder, RealInput: true, LinearCode: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc := tc.pc
			pc.Sizes, pc.Hidden, pc.Seed = []int{12, 7}, train.Sigmoid, 5
			pc.Train = train.Config{Epochs: 3, BatchSize: 16, Optimizer: &train.SGD{LR: 0.05, Momentum: 0.5}, Seed: 9}
			want, err := train.Pretrain(context.Background(), set, nil, pc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pretrainLevelScaled(context.Background(), set, nil, pc, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, pair := range [][2]*train.Dense{{want.Layers[0], got.Layers[0]}, {want.Decoders[0], got.Decoders[0]}} {
				w, g := pair[0], pair[1]
				if w.Act != g.Act || !slices.Equal(w.Weight().Data, g.Weight().Data) || !slices.Equal(w.B.Data, g.B.Data) {
					t.Errorf("layer %dx%d %v differs from Pretrain's", g.Out, g.In, g.Act)
				}
			}
			if len(got.Histories) != 1 || len(got.Histories[0].Epochs) != 3 {
				t.Errorf("history %+v", got.Histories)
			}
		})
	}
}
