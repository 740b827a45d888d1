package exporter

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

// npyCases are arrays that both NumPy and the test build from the same
// formula: element i is (i*7 % 11) - 5, converted to the type.
var npyCases = []struct {
	name  string
	dtype string // NumPy dtype
	dt    ir.DType
	shape []int
}{
	{"f32", "<f4", ir.Float32, []int{2, 3}},
	{"f32be", ">f4", ir.Float32, []int{5}},
	{"f64", "<f8", ir.Float64, []int{3, 1, 2}},
	{"i32", "<i4", ir.Int32, []int{4}},
	{"i64", "<i8", ir.Int64, []int{2, 2}},
	{"i64be", ">i8", ir.Int64, []int{3}},
	{"bool", "|b1", ir.Bool, []int{7}},
	{"scalar", "<f4", ir.Float32, []int{}},
	{"empty", "<f4", ir.Float32, []int{0, 4}},
}

func npyValue(i int) float64 { return float64(i*7%11) - 5 }

func npyTensor(dt ir.DType, shape []int) *ir.Tensor {
	t, _ := ir.NewTensor(dt, shape...)
	for i := 0; i < t.Len(); i++ {
		t.SetFloat64(i, npyValue(i))
	}
	return t
}

func pyShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// TestNPYWithNumPy reads files NumPy wrote and has NumPy read files latent
// wrote.
func TestNPYWithNumPy(t *testing.T) {
	py := python(t)
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		t.Skipf("numpy not available: %v", err)
	}
	dir := t.TempDir()
	var script strings.Builder
	script.WriteString("import numpy as np, sys\nd = sys.argv[1]\n")
	for _, c := range npyCases {
		fmt.Fprintf(&script, "a = ((np.arange(int(np.prod(%s)))*7 %% 11) - 5).astype(%q).reshape(%s)\n", pyShape(c.shape), c.dtype, pyShape(c.shape))
		fmt.Fprintf(&script, "np.save(d + '/np_%s.npy', a)\n", c.name)
		fmt.Fprintf(&script, "b = np.load(d + '/go_%s.npy')\n", c.name)
		fmt.Fprintf(&script, "assert b.shape == a.shape and (b == a).all() and b.dtype.kind == a.dtype.kind and b.dtype.itemsize == a.dtype.itemsize, %q\n", c.name)
	}
	for _, c := range npyCases {
		if err := WriteNPY(npyTensor(c.dt, c.shape), filepath.Join(dir, "go_"+c.name+".npy")); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(py, "-c", script.String(), dir).CombinedOutput(); err != nil {
		t.Fatalf("NumPy rejected latent's .npy files: %v\n%s", err, out)
	}
	for _, c := range npyCases {
		got, err := importer.ReadNPY(filepath.Join(dir, "np_"+c.name+".npy"))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := npyTensor(c.dt, c.shape)
		if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !equalData(got, want) {
			t.Errorf("%s: read %s%v %v, want %s%v", c.name, got.DType, got.Shape, got, want.DType, want.Shape)
		}
	}
}

func TestNPYRoundTrip(t *testing.T) {
	for _, c := range npyCases {
		want := npyTensor(c.dt, c.shape)
		b, err := EncodeNPY(want)
		if err != nil {
			t.Fatal(err)
		}
		if hdr := 10 + int(b[8]) + int(b[9])<<8; hdr%64 != 0 || b[hdr-1] != '\n' {
			t.Errorf("%s: data starts at %d, want a multiple of 64 after a newline", c.name, hdr)
		}
		got, err := importer.DecodeNPY(b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !equalData(got, want) {
			t.Errorf("%s: round trip gave %s%v", c.name, got.DType, got.Shape)
		}
	}
}
