package asm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestConvGenerated re-runs the avo generator of the direct-convolution
// kernels (asm/_gen/conv) into a temporary directory and fails if the
// committed conv_gen_amd64.s or conv_gen_amd64.go differ from its output
// (the first line, which names the output paths, is ignored).
func TestConvGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping generator run in -short mode")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	tmp := t.TempDir()
	s, g := filepath.Join(tmp, "conv.s"), filepath.Join(tmp, "conv.go")
	cmd := exec.Command(gobin, "run", ".", "-out", s, "-stubs", g, "-pkg", "asm")
	cmd.Dir = filepath.Join("_gen", "conv")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, out)
	}
	for _, f := range [][2]string{{s, "conv_gen_amd64.s"}, {g, "conv_gen_amd64.go"}} {
		want, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f[1])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dropFirstLine(got), dropFirstLine(want)) {
			t.Errorf("%s is stale: regenerate with go generate ./asm (or see the //go:generate line in conv_amd64.go)", f[1])
		}
	}
}
