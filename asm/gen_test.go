package asm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// generator describes one avo generator under asm/_gen and the files it
// writes into this package.
type generator struct {
	dir        string   // the generator's directory, under _gen
	asm, stubs string   // the committed assembly and stub files
	args       []string // extra arguments after -out and -stubs
	env        []string // extra environment
	// firstLineNamesPaths: the first line of each output names the paths
	// it was written to, so it is not compared.
	firstLineNamesPaths bool
	hint                string // how to regenerate
}

// checkGenerated re-runs gen into a temporary directory and fails if the
// committed files differ from its output.
func checkGenerated(t *testing.T, gen generator) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping generator run in -short mode")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	tmp := t.TempDir()
	s, g := filepath.Join(tmp, gen.dir+".s"), filepath.Join(tmp, gen.dir+".go")
	cmd := exec.Command(gobin, append([]string{"run", ".", "-out", s, "-stubs", g}, gen.args...)...)
	cmd.Dir = filepath.Join("_gen", gen.dir)
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), gen.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, out)
	}
	for _, f := range [][2]string{{s, gen.asm}, {g, gen.stubs}} {
		want, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f[1])
		if err != nil {
			t.Fatal(err)
		}
		if gen.firstLineNamesPaths {
			got, want = dropFirstLine(got), dropFirstLine(want)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: regenerate with %s", f[1], gen.hint)
		}
	}
}

func dropFirstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// TestGemmGenerated checks sgemm_gen_amd64.s and .go against the GEMM
// kernel generator (asm/_gen/gemm).
func TestGemmGenerated(t *testing.T) {
	checkGenerated(t, generator{
		dir: "gemm", asm: "sgemm_gen_amd64.s", stubs: "sgemm_gen_amd64.go",
		args: []string{"-pkg", "asm"}, env: []string{"GOFLAGS=-mod=mod"}, firstLineNamesPaths: true,
		hint: "go generate ./asm (or see the //go:generate line in gemm_amd64.go)",
	})
}

// TestConvGenerated checks conv_gen_amd64.s and .go against the
// direct-convolution kernel generator (asm/_gen/conv).
func TestConvGenerated(t *testing.T) {
	checkGenerated(t, generator{
		dir: "conv", asm: "conv_gen_amd64.s", stubs: "conv_gen_amd64.go",
		args: []string{"-pkg", "asm"}, env: []string{"GOFLAGS=-mod=mod"}, firstLineNamesPaths: true,
		hint: "go generate ./asm (or see the //go:generate line in conv_amd64.go)",
	})
}

// TestVecGenerated checks vec_gen_amd64.s and .go against the elementwise
// kernel generator (asm/_gen/vec).
func TestVecGenerated(t *testing.T) {
	checkGenerated(t, generator{
		dir: "vec", asm: "vec_gen_amd64.s", stubs: "vec_gen_amd64.go",
		hint: "(cd asm/_gen/vec && go run . -out ../../vec_gen_amd64.s -stubs ../../vec_gen_amd64.go)",
	})
}
