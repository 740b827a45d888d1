package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchJSON(t *testing.T) {
	out, errs, code := runBenchCLI(t, "bench", "--json", "--batch", "1,3", "--threads", "1,2", "--iters", "5", "--warmup", "1", benchModelsDir+"dense_ae/model.onnx")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	type cfg struct{ batch, threads int }
	seen := map[cfg]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"model", "batch", "threads", "median_us", "p90_us", "samples_per_s", "compile_ms", "arena_bytes", "naive_bytes"} {
			if _, ok := r[k]; !ok {
				t.Errorf("line lacks key %q: %s", k, sc.Text())
			}
		}
		if r["model"] != "dense_ae" {
			t.Errorf("model = %v, want dense_ae", r["model"])
		}
		med, p90 := r["median_us"].(float64), r["p90_us"].(float64)
		if med <= 0 || p90 < med {
			t.Errorf("median %v, p90 %v: want 0 < median <= p90", med, p90)
		}
		b, th := int(r["batch"].(float64)), int(r["threads"].(float64))
		if sps := r["samples_per_s"].(float64); sps <= 0 || (sps-float64(b)/(med*1e-6)) > 1e-6*sps {
			t.Errorf("samples_per_s %v, want batch/median = %v", sps, float64(b)/(med*1e-6))
		}
		if r["iters"].(float64) != 5 {
			t.Errorf("iters = %v, want 5", r["iters"])
		}
		seen[cfg{b, th}] = true
	}
	for _, c := range []cfg{{1, 1}, {1, 2}, {3, 1}, {3, 2}} {
		if !seen[c] {
			t.Errorf("no line for batch %d threads %d", c.batch, c.threads)
		}
	}
}

func TestBenchText(t *testing.T) {
	out, errs, code := runBenchCLI(t, "bench", "--iters", "3", "--warmup", "0", "--threads", "1", benchModelsDir+"conv_ae_strided/model.onnx")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "median µs") || !strings.Contains(out, "conv_ae_strided") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

func TestBenchErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"bench"}, 2, "want one model file"},
		{[]string{"bench", "--batch", "0", benchModelsDir + "dense_ae/model.onnx"}, 2, "--batch"},
		{[]string{"bench", "--threads", "x", benchModelsDir + "dense_ae/model.onnx"}, 2, "--threads"},
		{[]string{"bench", "--iters", "0", benchModelsDir + "dense_ae/model.onnx"}, 2, "--iters"},
		{[]string{"bench", "--vs-ort", "--ortbench", "/nonexistent/ortbench", benchModelsDir + "dense_ae/model.onnx"}, 1, "/nonexistent/ortbench"},
	}
	for _, tt := range tests {
		_, errs, code := runBenchCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, errs, tt.code, tt.msg)
		}
	}
}

func TestFindORTModule(t *testing.T) {
	// The tests run in cmd/latent of the source tree, so bench/ort is found.
	dir := findORTModule()
	if !strings.HasSuffix(dir, "bench/ort") {
		t.Errorf("findORTModule() = %q, want the tree's bench/ort", dir)
	}
}

func TestBenchFlagsAfterModel(t *testing.T) {
	out, errs, code := runBenchCLI(t, "bench", benchModelsDir+"dense_ae/model.onnx", "--batch", "2", "--threads", "1", "--iters", "2", "--warmup", "0", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil || r["batch"] != 2.0 {
		t.Errorf("output %q (%v): want one JSON object with batch 2", out, err)
	}
}
