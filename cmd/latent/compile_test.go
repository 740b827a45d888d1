package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const benchModelsDir = "../../testdata/models/"

func runBenchCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runMain(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestCompileCommand(t *testing.T) {
	tests := []struct {
		model    string
		batch    string
		kernels  []string // substrings the step list must contain
		outShape string
	}{
		{"dense_ae", "1", []string{"gemm"}, "[1x784]"},
		{"conv_ae_strided", "4", []string{"conv-direct+LeakyRelu", "convtranspose-direct+Sigmoid"}, "[4x1x28x28]"},
		{"conv_ae_keras", "2", []string{"conv"}, "[2x1x28x28]"},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			out, errs, code := runBenchCLI(t, "compile", "--plan", "--batch", tt.batch, benchModelsDir+tt.model+"/model.onnx")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, want := range append([]string{"steps (batch " + tt.batch + ")", "memory plan", "buffers:", tt.outShape}, tt.kernels...) {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			arena := grabInt(t, out, `arena\s+(\d+) bytes`)
			naive := grabInt(t, out, `naive sum\s+(\d+) bytes`)
			if arena <= 0 || arena > naive {
				t.Errorf("arena %d bytes, naive %d: want 0 < arena <= naive", arena, naive)
			}
			if !regexp.MustCompile(`compile:\s+[0-9.]+ms \(Compile [0-9.]+ms \+ first PlanFor [0-9.]+ms\)`).MatchString(out) {
				t.Errorf("no compile time line:\n%s", out)
			}
		})
	}
}

func grabInt(t *testing.T, s, re string) int {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s in:\n%s", re, s)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestCompileDumpPasses(t *testing.T) {
	out, errs, code := runBenchCLI(t, "compile", "--dump-passes", benchModelsDir+"dae_tanh/model.onnx")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, pass := range []string{"infer-shapes", "fold-constants", "fuse-activation"} {
		if !strings.Contains(out, pass) {
			t.Errorf("dump lacks pass %q", pass)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"compile"}, 2, "want one model file"},
		{[]string{"compile", "--batch", "0", benchModelsDir + "dense_ae/model.onnx"}, 2, "at least 1"},
		{[]string{"compile", benchModelsDir + "missing/model.onnx"}, 1, "missing"},
	}
	for _, tt := range tests {
		_, errs, code := runBenchCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, errs, tt.code, tt.msg)
		}
	}
}

func TestCompileFlagsAfterModel(t *testing.T) {
	out, errs, code := runBenchCLI(t, "compile", benchModelsDir+"dense_ae/model.onnx", "--batch", "5", "--plan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "steps (batch 5)") || !strings.Contains(out, "buffers:") {
		t.Errorf("flags after the model were not applied:\n%s", out)
	}
	_, errs, code = runBenchCLI(t, "compile", benchModelsDir+"dense_ae/model.onnx", "--batch", "2", "extra")
	if code != 2 || !strings.Contains(errs, "got 2 arguments") {
		t.Errorf("two positional arguments: exit %d, stderr %q", code, errs)
	}
}
