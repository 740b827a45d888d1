package asm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVecGenerated re-runs the avo generator of the elementwise kernels
// (asm/_gen/vec) into a temporary directory and fails if the committed
// vec_gen_amd64.s or vec_gen_amd64.go differ from its output.
func TestVecGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping generator run in -short mode")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	tmp := t.TempDir()
	s, g := filepath.Join(tmp, "vec.s"), filepath.Join(tmp, "vec.go")
	cmd := exec.Command(gobin, "run", ".", "-out", s, "-stubs", g)
	cmd.Dir = filepath.Join("_gen", "vec")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, out)
	}
	for _, f := range [][2]string{{s, "vec_gen_amd64.s"}, {g, "vec_gen_amd64.go"}} {
		want, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f[1])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: regenerate with (cd asm/_gen/vec && go run . -out ../../vec_gen_amd64.s -stubs ../../vec_gen_amd64.go)", f[1])
		}
	}
}
