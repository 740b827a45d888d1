package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestExperimentLarochelle runs a tiny version of the Larochelle grid and
// checks the table, the compiled-runtime test errors and the result
// cache.
func TestExperimentLarochelle(t *testing.T) {
	mnistOrSkip(t)
	dir := t.TempDir()
	args := []string{"experiment", "larochelle", "--data", "mnist-basic", "--pretrain", "dae", "--subset", "300", "--val-size", "200",
		"--width", "16", "--depths", "1,2", "--pre-epochs", "1", "--epochs", "2", "--ft-lr", "0.1,0.3", "--threads", "2",
		"--results", filepath.Join(dir, "results"), "--cache", filepath.Join(dir, "cache"), "--quiet"}
	o, e := mustRun(t, 0, args...)
	row := regexp.MustCompile(`(?m)^\| mnist-basic \| dae \| (\d) \| ([0-9.]+)% \| ([0-9.]+)% \| ([0-9.]+)% \|`)
	rows := row.FindAllStringSubmatch(o, -1)
	if len(rows) != 2 || rows[0][1] != "1" || rows[1][1] != "2" {
		t.Fatalf("want rows for depths 1 and 2:\n%s\n%s", o, e)
	}
	for _, r := range rows {
		if r[2] != r[3] {
			t.Errorf("depth %s: native test error %s%%, compiled runtime %s%%", r[1], r[2], r[3])
		}
		if v, _ := strconv.ParseFloat(r[2], 64); !(v > 0 && v < 90) {
			t.Errorf("depth %s: test error %s%%", r[1], r[2])
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	if len(files) != 4 {
		t.Errorf("%d result files, want 2 depths x 2 learning rates", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var run larochelleRun
	if err := json.Unmarshal(b, &run); err != nil || run.TrainExamples != 300 || !strings.HasPrefix(run.Command, "latent experiment larochelle") {
		t.Errorf("result file %s: %v\n%s", files[0], err, b)
	}
	// A second run finds every result and prints the same table.
	o2, e2 := mustRun(t, 0, args...)
	if strings.Count(e2, "cached:") != 4 || strings.Contains(e2, "pre-training") {
		t.Errorf("second run did not use the cache:\n%s", e2)
	}
	if table := o[strings.Index(o, "| data"):]; !strings.Contains(o2, table) {
		t.Errorf("cached table differs:\n%s\nvs\n%s", o2, table)
	}
}

// TestExperimentDeepAE runs a tiny deep autoencoder comparison.
func TestExperimentDeepAE(t *testing.T) {
	mnistOrSkip(t)
	dir := t.TempDir()
	o, e := mustRun(t, 0, "experiment", "deep-ae", "--sizes", "784,32,8", "--subset", "400", "--val-size", "100", "--pre-epochs", "1",
		"--epochs", "2", "--threads", "2", "--cache", dir, "--out-dir", dir, "--quiet")
	row := regexp.MustCompile(`(?m)^\| (PCA|linear|deep)[^|]* \| ([0-9.]+) \| ([0-9.]+) \|`)
	rows := row.FindAllStringSubmatch(o, -1)
	if len(rows) != 3 {
		t.Fatalf("want PCA, linear and deep rows:\n%s\n%s", o, e)
	}
	for _, r := range rows {
		native, _ := strconv.ParseFloat(r[2], 64)
		compiled, _ := strconv.ParseFloat(r[3], 64)
		if !(native > 0) || math.Abs(native-compiled) > 0.011 {
			t.Errorf("%s: native %s, compiled %s", r[1], r[2], r[3])
		}
	}
	for _, f := range []string{"recon.png", "loss.png", "results.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestExperimentTrainSpeed checks the speed experiment's JSON.
func TestExperimentTrainSpeed(t *testing.T) {
	mnistOrSkip(t)
	o, _ := mustRun(t, 0, "experiment", "train-speed", "--sizes", "784,32,8", "--samples", "256", "--batch", "64", "--json")
	var r speedResult
	if err := json.Unmarshal([]byte(o), &r); err != nil {
		t.Fatalf("%v:\n%s", err, o)
	}
	if r.Engine != "latent" || r.Samples != 256 || r.Batch != 64 || r.Threads != 1 || !(r.SamplesPerSec > 0) || !(r.Loss > 0) {
		t.Errorf("%+v", r)
	}
}

func TestExperimentErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"experiment"}, "missing experiment name"},
		{[]string{"experiment", "imagenet"}, `unknown experiment "imagenet"`},
		{[]string{"experiment", "larochelle", "--pretrain", "pca"}, "unknown --pretrain"},
		{[]string{"experiment", "larochelle", "--depths", "0"}, "bad layer size"},
		{[]string{"experiment", "larochelle", "--bogus"}, "flag provided but not defined"},
		{[]string{"experiment", "larochelle", "--ft-decay", "1.5"}, "--ft-decay 1.5: want a factor in (0, 1]"},
		{[]string{"experiment", "train-speed", "--batch", "0"}, "must be positive"},
		{[]string{"experiment", "deep-ae", "--sizes", "784"}, "at least one layer size"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, e := mustRun(t, 2, tc.args...)
			if !strings.Contains(e, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, e)
			}
		})
	}
}
