package dataset

import (
	"math"
	"slices"
	"testing"
)

// fakeMNIST returns a 60,000 + 10,000 pool of 2x2 "images" whose pixels
// encode the pool index, so every example's origin can be checked.
func fakeMNIST() (train, test *Set) {
	mk := func(n, base int) *Set {
		s := &Set{N: n, Dim: 4, Rows: 2, Cols: 2, Classes: 10, X: make([]float32, 4*n), Y: make([]int, n)}
		for i := range n {
			s.X[4*i] = float32(base + i)
			s.X[4*i+3] = 1
			s.Y[i] = (base + i) % 10
		}
		return s
	}
	return mk(60000, 0), mk(10000, 60000)
}

func TestMNISTBasicSplit(t *testing.T) {
	train, test := fakeMNIST()
	sp, err := MNISTBasic(train, test, 1)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.N != 10000 || sp.Valid.N != 2000 || sp.Test.N != 50000 || len(sp.Unused) != 8000 {
		t.Fatalf("sizes %d/%d/%d, %d unused", sp.Train.N, sp.Valid.N, sp.Test.N, len(sp.Unused))
	}
	seen := make([]bool, 70000)
	fromTest := 0
	for _, part := range []struct {
		s      *Set
		origin []int
	}{{sp.Train, sp.TrainOrigin}, {sp.Valid, sp.ValidOrigin}, {sp.Test, sp.TestOrigin}, {nil, sp.Unused}} {
		for k, o := range part.origin {
			if seen[o] {
				t.Fatalf("pool index %d used twice", o)
			}
			seen[o] = true
			if part.s == nil {
				continue
			}
			if o >= 60000 {
				fromTest++
			}
			if int(part.s.Row(k)[0]) != o || part.s.Y[k] != o%10 {
				t.Fatalf("example %d: pixel %v label %d, origin %d", k, part.s.Row(k)[0], part.s.Y[k], o)
			}
		}
		if part.s != nil {
			if err := part.s.Validate(); err != nil || part.s.Rows != 2 || part.s.Classes != 10 {
				t.Fatalf("part: %v %+v", err, part.s)
			}
		}
	}
	// 62,000 of 70,000 drawn at random: about 62000/7 = 8857 come from
	// the MNIST test file (hypergeometric sd about 30).
	if fromTest < 8600 || fromTest > 9100 {
		t.Errorf("%d examples from the MNIST test file", fromTest)
	}
	// Deterministic given the seed, different for another seed.
	sp2, _ := MNISTBasic(train, test, 1)
	sp3, _ := MNISTBasic(train, test, 2)
	if !slices.Equal(sp.TrainOrigin, sp2.TrainOrigin) || !slices.Equal(sp.Test.X, sp2.Test.X) {
		t.Error("same seed, different split")
	}
	if slices.Equal(sp.TrainOrigin, sp3.TrainOrigin) {
		t.Error("different seeds, same split")
	}
	// The inputs are not modified.
	if train.X[4*5] != 5 || test.X[0] != 60000 {
		t.Error("MNISTBasic modified its inputs")
	}
	if _, err := MNISTBasic(seq(10, 4), seq(10, 4), 1); err == nil {
		t.Error("MNISTBasic of 20 examples succeeded")
	}
}

func TestMNISTRotationSplit(t *testing.T) {
	train, test := fakeMNIST()
	basic, _ := MNISTBasic(train, test, 4)
	rot, err := MNISTRotation(train, test, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(basic.TrainOrigin, rot.TrainOrigin) || !slices.Equal(basic.TestOrigin, rot.TestOrigin) {
		t.Error("MNIST-rotation does not use MNIST-basic's digits")
	}
	if len(rot.TrainAngle) != 10000 || len(rot.ValidAngle) != 2000 || len(rot.TestAngle) != 50000 || basic.TrainAngle != nil {
		t.Fatal("angle counts")
	}
	for k := range 100 {
		want := make([]float32, 4)
		RotateImage(want, basic.Test.Row(k), 2, 2, rot.TestAngle[k])
		if !slices.Equal(rot.Test.Row(k), want) || rot.Test.Y[k] != basic.Test.Y[k] {
			t.Fatalf("test example %d not the rotation of its basic twin", k)
		}
	}
	rot2, _ := MNISTRotation(train, test, 4)
	if !slices.Equal(rot.TestAngle, rot2.TestAngle) || !slices.Equal(rot.Train.X, rot2.Train.X) {
		t.Error("MNISTRotation is not deterministic")
	}
	rot3, _ := MNISTRotation(train, test, 5)
	if slices.Equal(rot.TrainAngle[:10], rot3.TrainAngle[:10]) {
		t.Error("different seeds, same angles")
	}
}

func TestMNISTSplitsReal(t *testing.T) {
	if testing.Short() {
		t.Skip("rotates 62,000 real digits")
	}
	train, test := loadRealMNIST(t)
	basic, err := MNISTBasic(train, test, 1)
	if err != nil {
		t.Fatal(err)
	}
	rot, err := MNISTRotation(train, test, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]*Set{{basic.Train, rot.Train}, {basic.Valid, rot.Valid}, {basic.Test, rot.Test}} {
		b, r := p[0], p[1]
		counts := b.LabelCounts()
		for d, c := range counts {
			if c < b.N/20 {
				t.Errorf("digit %d appears %d times in a part of %d", d, c, b.N)
			}
		}
		// Rotation keeps the digit inside the frame (MNIST digits fit a
		// centred 20x20 box) and bilinear resampling keeps total ink
		// within a few percent on average; it never leaves [0, 1].
		var sb, sr float64
		for i, v := range r.X {
			if v < 0 || v > 1+1e-6 {
				t.Fatalf("rotated pixel %d = %v", i, v)
			}
			sr += float64(v)
			sb += float64(b.X[i])
		}
		if ratio := sr / sb; math.Abs(ratio-1) > 0.05 {
			t.Errorf("rotated/basic total intensity ratio %.3f", ratio)
		}
	}
}

func TestSplitRandomMatchesConcat(t *testing.T) {
	// Splitting two pools equals splitting their concatenation.
	a, b := seq(7, 3), seq(5, 3)
	pool, _ := Concat(a, b)
	want, err := SplitRandom(pool, 4, 3, 2, NewSource(8))
	if err != nil {
		t.Fatal(err)
	}
	got, err := splitPools([]*Set{a, b}, 4, 3, 2, NewSource(8))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range [][2]*Set{{want.Train, got.Train}, {want.Valid, got.Valid}, {want.Test, got.Test}} {
		if !slices.Equal(p[0].X, p[1].X) || !slices.Equal(p[0].Y, p[1].Y) || p[0].Classes != p[1].Classes {
			t.Errorf("part %d differs: %v %v vs %v %v", i, p[0].X, p[0].Y, p[1].X, p[1].Y)
		}
	}
	if len(want.Unused) != 3 {
		t.Errorf("%d unused", len(want.Unused))
	}
	if _, err := SplitRandom(pool, 10, 2, 1, NewSource(1)); err == nil {
		t.Error("13 of 12 examples split")
	}
	if _, err := splitPools([]*Set{a, seq(2, 4)}, 1, 1, 1, NewSource(1)); err == nil {
		t.Error("pools of different Dim split")
	}
}
