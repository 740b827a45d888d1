package dataset

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

var (
	mnistOnce        sync.Once
	mnistTrain       *Set
	mnistTest        *Set
	mnistErr         error
	mnistDirForTests string
)

// loadRealMNIST loads the real MNIST files once per test binary, or skips
// the test when they are not available.
func loadRealMNIST(t testing.TB) (train, test *Set) {
	t.Helper()
	mnistOnce.Do(func() {
		mnistDirForTests, mnistErr = LocateMNIST("", nil)
		if mnistErr != nil {
			return
		}
		mnistTrain, mnistTest, mnistErr = LoadMNIST(MNISTOptions{Dir: mnistDirForTests})
	})
	if errors.Is(mnistErr, ErrMNISTNotFound) {
		t.Skipf("MNIST not available: %v", mnistErr)
	}
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnistTrain, mnistTest
}

func TestMNISTReal(t *testing.T) {
	train, test := loadRealMNIST(t)
	for _, c := range []struct {
		name string
		s    *Set
		n    int
		// Label counts published on LeCun's MNIST page and reproduced by
		// every MNIST loader (torchvision, tf.keras): digit 1 is the most
		// frequent and digit 5 the least in both files.
		ones, fives int
	}{
		{"train", train, 60000, 6742, 5421},
		{"test", test, 10000, 1135, 892},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.s.Validate(); err != nil {
				t.Fatal(err)
			}
			if c.s.N != c.n || c.s.Dim != 784 || c.s.Rows != 28 || c.s.Cols != 28 || c.s.Classes != 10 {
				t.Fatalf("got N=%d Dim=%d %dx%d Classes=%d", c.s.N, c.s.Dim, c.s.Rows, c.s.Cols, c.s.Classes)
			}
			counts := c.s.LabelCounts()
			if counts[1] != c.ones || counts[5] != c.fives {
				t.Errorf("label counts %v: want %d ones and %d fives", counts, c.ones, c.fives)
			}
			sum := 0
			for d, k := range counts {
				sum += k
				if k < c.n/20 || k > c.n/7 {
					t.Errorf("digit %d appears %d times of %d", d, k, c.n)
				}
			}
			if sum != c.n {
				t.Errorf("label counts sum to %d", sum)
			}
			lo, hi, zeros, mean := float32(1), float32(0), 0, 0.0
			for _, v := range c.s.X {
				lo, hi = min(lo, v), max(hi, v)
				if v == 0 {
					zeros++
				}
				mean += float64(v)
			}
			mean /= float64(len(c.s.X))
			if lo != 0 || hi != 1 {
				t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
			}
			// MNIST is mostly background: about 81% zeros, mean intensity
			// about 0.13 (the usual normalisation constant 0.1307).
			if f := float64(zeros) / float64(len(c.s.X)); f < 0.75 || f > 0.87 {
				t.Errorf("fraction of zero pixels %.3f", f)
			}
			if mean < 0.12 || mean > 0.14 {
				t.Errorf("mean intensity %.4f, want about 0.13", mean)
			}
			// Corner pixels are background in every MNIST digit.
			for i := range c.s.N {
				if r := c.s.Row(i); r[0] != 0 || r[783] != 0 {
					t.Fatalf("example %d has a non-zero corner", i)
				}
			}
		})
	}
	// First labels of the training file, well known from every MNIST tutorial.
	want := []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}
	for i, w := range want {
		if train.Y[i] != w {
			t.Errorf("train.Y[%d] = %d, want %d", i, train.Y[i], w)
		}
	}
	if test.Y[0] != 7 || test.Y[1] != 2 || test.Y[2] != 1 {
		t.Errorf("test.Y[:3] = %v, want [7 2 1]", test.Y[:3])
	}
}

// writeMNISTDir writes four small MNIST-format files into a new directory:
// 3 training and 2 test images of 2x2 pixels.
func writeMNISTDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{
		MNISTTrainImages: gz(idxBytes(0x08, []uint32{3, 2, 2}, []byte{0, 255, 128, 127, 64, 191, 255, 0, 1, 2, 254, 253})),
		MNISTTrainLabels: gz(idxBytes(0x08, []uint32{3}, []byte{0, 1, 2})),
		MNISTTestImages:  gz(idxBytes(0x08, []uint32{2, 2, 2}, []byte{10, 20, 200, 250, 0, 0, 255, 255})),
		MNISTTestLabels:  gz(idxBytes(0x08, []uint32{2}, []byte{7, 9})),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMNISTOptions(t *testing.T) {
	dir := writeMNISTDir(t)
	train, test, err := LoadMNIST(MNISTOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 3 || test.N != 2 || train.Y[2] != 2 || test.Y[1] != 9 || train.X[1] != 1 || train.X[2] != 128.0/255 {
		t.Fatalf("train %+v test %+v", train, test)
	}
	// The directory can also come from LATENT_MNIST.
	env := func(k string) string { return map[string]string{"LATENT_MNIST": dir}[k] }
	if tr, _, err := LoadMNIST(MNISTOptions{Getenv: env}); err != nil || tr.N != 3 {
		t.Fatalf("via LATENT_MNIST: %v", err)
	}
	thr, thTest, err := LoadMNIST(MNISTOptions{Dir: dir, Binarize: BinarizeThreshold})
	if err != nil {
		t.Fatal(err)
	}
	// 128/255 > 0.5 > 127/255.
	if !slices.Equal(thr.X, []float32{0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1}) || !slices.Equal(thTest.X, []float32{0, 0, 1, 1, 0, 0, 1, 1}) {
		t.Errorf("threshold: %v %v", thr.X, thTest.X)
	}
	th2, _, _ := LoadMNIST(MNISTOptions{Dir: dir, Binarize: BinarizeThreshold, Threshold: 0.9})
	if !slices.Equal(th2.X, []float32{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1}) {
		t.Errorf("threshold 0.9: %v", th2.X)
	}
	s1, t1, _ := LoadMNIST(MNISTOptions{Dir: dir, Binarize: BinarizeSample, BinarizeSeed: 3})
	s2, t2, _ := LoadMNIST(MNISTOptions{Dir: dir, Binarize: BinarizeSample, BinarizeSeed: 3})
	if !slices.Equal(s1.X, s2.X) || !slices.Equal(t1.X, t2.X) {
		t.Error("stochastic binarisation differs for the same seed")
	}
	for i, v := range s1.X {
		if (v != 0 && v != 1) || (train.X[i] == 0 && v != 0) || (train.X[i] == 1 && v != 1) {
			t.Errorf("sampled X[%d] = %v from %v", i, v, train.X[i])
		}
	}
}

func TestMNISTRealBinarize(t *testing.T) {
	_, test := loadRealMNIST(t)
	full, nonzero, sum, variance := 0, 0, 0.0, 0.0
	for _, v := range test.X {
		if v == 1 {
			full++
		}
		if v > 0 {
			nonzero++
		}
		sum += float64(v)
		variance += float64(v) * (1 - float64(v))
	}
	count := func(s *Set) (ones int) {
		for _, v := range s.X {
			ones += int(v)
		}
		return ones
	}
	b := test.Clone()
	b.Binarize(0.5)
	if ones := count(b); ones < full || ones > nonzero {
		t.Errorf("threshold: %d ones, want between %d (pixels at 1) and %d (non-zero pixels)", ones, full, nonzero)
	}
	// Sampling: the number of ones is a sum of independent Bernoulli(v)
	// draws with mean sum(v) and variance sum(v(1-v)); allow 5 sd.
	b = test.Clone()
	b.BinarizeStochastic(NewSource(5))
	if ones, sd := float64(count(b)), math.Sqrt(variance); math.Abs(ones-sum) > 5*sd {
		t.Errorf("sampling: %v ones, expected %.0f ± %.0f", ones, sum, sd)
	}
}

func TestLocateMNIST(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{MNISTTrainImages, MNISTTrainLabels, MNISTTestImages, MNISTTestLabels} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	cache := t.TempDir()
	cacheData := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+goMNISTVersion(), "data")
	if err := os.MkdirAll(cacheData, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{MNISTTrainImages, MNISTTrainLabels, MNISTTestImages, MNISTTestLabels} {
		if err := os.WriteFile(filepath.Join(cacheData, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name    string
		dir     string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"explicit dir wins", dir, map[string]string{"LATENT_MNIST": empty, "GOMODCACHE": cache}, dir, false},
		{"explicit dir without files", empty, map[string]string{"LATENT_MNIST": dir}, "", true},
		{"env", "", map[string]string{"LATENT_MNIST": dir, "GOMODCACHE": cache}, dir, false},
		{"env without files", "", map[string]string{"LATENT_MNIST": empty, "GOMODCACHE": cache}, "", true},
		{"GOMODCACHE", "", map[string]string{"GOMODCACHE": cache}, cacheData, false},
		{"GOPATH", "", map[string]string{"GOPATH": filepath.Dir(cache) + string(os.PathListSeparator) + "/nonexistent"}, "", true},
		{"nothing", "", map[string]string{"GOMODCACHE": empty}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LocateMNIST(tc.dir, env(tc.env))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	// GOPATH/pkg/mod layout.
	gp := t.TempDir()
	gpData := filepath.Join(gp, "pkg", "mod", "github.com", "petar", "!go!m!n!i!s!t@"+goMNISTVersion(), "data")
	if err := os.MkdirAll(gpData, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{MNISTTrainImages, MNISTTrainLabels, MNISTTestImages, MNISTTestLabels} {
		if err := os.WriteFile(filepath.Join(gpData, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LocateMNIST("", env(map[string]string{"GOPATH": gp + string(os.PathListSeparator) + empty}))
	if err != nil || got != gpData {
		t.Errorf("GOPATH: got %q, %v; want %q", got, err, gpData)
	}
	// The error names the command that fetches the module.
	_, err = LocateMNIST("", env(map[string]string{"GOMODCACHE": empty}))
	if !errors.Is(err, ErrMNISTNotFound) {
		t.Errorf("error %v does not wrap ErrMNISTNotFound", err)
	}
	if want := "go mod download -json " + GoMNISTModule + "@"; err == nil || !contains(err.Error(), want) {
		t.Errorf("error %v does not mention %q", err, want)
	}
}

func TestGoMNISTVersionMatchesGoMod(t *testing.T) {
	// GoMNISTVersion is the fallback when a binary has no build info for
	// GoMNIST (test binaries carry none); it must be what go.mod requires.
	data, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Skipf("go.mod not found: %v", err)
	}
	if want := GoMNISTModule + " " + GoMNISTVersion; !contains(string(data), want) {
		t.Errorf("go.mod does not require %q", want)
	}
	if m := goMNISTBuildModule(); m != nil && m.Version != GoMNISTVersion {
		t.Errorf("build info has %s@%s, GoMNISTVersion is %s", m.Path, m.Version, GoMNISTVersion)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
