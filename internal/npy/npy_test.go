package npy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latent-go/latent/ir"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []*ir.Tensor{
		ir.Float32Tensor([]int{2, 3}, []float32{1, 2, 3, 4, 5, -6.5}),
		ir.Int64Tensor([]int{3}, []int64{1, -2, 1 << 40}),
		ir.BoolTensor([]int{2, 1}, []bool{true, false}),
		ir.Float32Tensor([]int{}, []float32{7}),
		{DType: ir.Float64, Shape: []int{0, 2}, F64: []float64{}},
	} {
		var b bytes.Buffer
		if err := Write(&b, tc); err != nil {
			t.Fatal(err)
		}
		if b.Len()%16 != 0 && tc.Len() == 0 {
			// data start is 64-aligned; empty arrays end there
			t.Errorf("header not padded: %d bytes", b.Len())
		}
		got, err := Read(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != tc.DType || !sameInts(got.Shape, tc.Shape) || got.Len() != tc.Len() {
			t.Fatalf("got %v %v, want %v %v", got.DType, got.Shape, tc.DType, tc.Shape)
		}
		for i := 0; i < tc.Len(); i++ {
			if got.Float64At(i) != tc.Float64At(i) {
				t.Errorf("element %d: %v want %v", i, got.Float64At(i), tc.Float64At(i))
			}
		}
	}
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBadFiles(t *testing.T) {
	good := new(bytes.Buffer)
	_ = Write(good, ir.Float32Tensor([]int{4}, []float32{1, 2, 3, 4}))
	huge := strings.Replace(good.String(), "(4,)", "(99999999999,)", 1)
	for _, tc := range []struct{ name, data, want string }{
		{"magic", "hello world", "bad magic"},
		{"short", "\x93NUM", "preamble"},
		{"truncated data", good.String()[:good.Len()-3], "data bytes"},
		{"huge shape", huge, "needs"},
		{"dtype", strings.Replace(good.String(), "<f4", "<c8", 1), "unsupported dtype"},
	} {
		_, err := Read(strings.NewReader(tc.data), int64(len(tc.data)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestNumPyReads checks the files against NumPy itself when it is present.
func TestNumPyReads(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if exec.Command(py, "-c", "import numpy").Run() != nil {
		t.Skip("numpy not installed (Debian python3-numpy)")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "a.npy")
	if err := WriteFile(p, ir.Float32Tensor([]int{2, 2}, []float32{1, 2, 3, 4.5})); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", "import numpy,sys; a=numpy.load(sys.argv[1]); print(a.dtype, a.shape, a.sum())", p).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "float32 (2, 2) 10.5" {
		t.Errorf("numpy read %q", got)
	}
	q := filepath.Join(dir, "b.npy")
	if out, err := exec.Command(py, "-c", "import numpy,sys; numpy.save(sys.argv[1], numpy.arange(6, dtype=numpy.int64).reshape(3,2))", q).CombinedOutput(); err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	got, err := ReadFile(q)
	if err != nil {
		t.Fatal(err)
	}
	if got.DType != ir.Int64 || got.Shape[0] != 3 || got.I64[5] != 5 {
		t.Errorf("read numpy's file as %v %v %v", got.DType, got.Shape, got.I64)
	}
	if _, err := os.Stat(p); err != nil {
		t.Error(err)
	}
}
