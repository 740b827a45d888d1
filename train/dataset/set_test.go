package dataset

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// seq returns a labelled set whose row i is [i*dim, i*dim+1, ...] with label i%3.
func seq(n, dim int) *Set {
	x := make([]float32, n*dim)
	for i := range x {
		x[i] = float32(i)
	}
	y := make([]int, n)
	for i := range y {
		y[i] = i % 3
	}
	s, err := New(x, y, n, dim)
	if err != nil {
		panic(err)
	}
	return s
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		s    Set
		ok   bool
	}{
		{"ok", Set{X: make([]float32, 6), N: 2, Dim: 3}, true},
		{"empty", Set{}, true},
		{"short X", Set{X: make([]float32, 5), N: 2, Dim: 3}, false},
		{"negative", Set{N: -1, Dim: 3}, false},
		{"labels ok", Set{X: make([]float32, 2), Y: []int{0, 1}, N: 2, Dim: 1, Classes: 2}, true},
		{"label too big", Set{X: make([]float32, 2), Y: []int{0, 2}, N: 2, Dim: 1, Classes: 2}, false},
		{"negative label", Set{X: make([]float32, 2), Y: []int{0, -1}, N: 2, Dim: 1, Classes: 2}, false},
		{"label count", Set{X: make([]float32, 2), Y: []int{0}, N: 2, Dim: 1, Classes: 2}, false},
		{"image shape", Set{X: make([]float32, 12), N: 2, Dim: 6, Rows: 2, Cols: 3}, true},
		{"bad image shape", Set{X: make([]float32, 12), N: 2, Dim: 6, Rows: 2, Cols: 2}, false},
		{"half image shape", Set{X: make([]float32, 12), N: 2, Dim: 6, Rows: 6}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestRowSliceSplitSubset(t *testing.T) {
	s := seq(10, 3)
	if s.Classes != 3 {
		t.Fatalf("Classes = %d, want 3", s.Classes)
	}
	if got := s.Row(4); !slices.Equal(got, []float32{12, 13, 14}) {
		t.Errorf("Row(4) = %v", got)
	}
	parts, err := s.Split(2, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if parts[0].N != 2 || parts[1].N != 5 || parts[2].N != 3 {
		t.Fatalf("split sizes %d %d %d", parts[0].N, parts[1].N, parts[2].N)
	}
	if got := parts[1].Row(0); !slices.Equal(got, s.Row(2)) || parts[1].Y[0] != s.Y[2] {
		t.Errorf("parts[1].Row(0) = %v, want %v", got, s.Row(2))
	}
	// Split shares memory with s.
	parts[2].X[0] = -1
	if s.X[7*3] != -1 {
		t.Error("Split copied the data")
	}
	// A view's Row cannot be appended into its neighbour.
	if cap(parts[0].X) != 6 {
		t.Errorf("cap(parts[0].X) = %d, want 6", cap(parts[0].X))
	}
	if _, err := s.Split(5, 6); err == nil {
		t.Error("Split(5, 6) of 10 examples succeeded")
	}
	if _, err := s.Split(-1); err == nil {
		t.Error("Split(-1) succeeded")
	}
	sub, err := s.Subset([]int{9, 0, 9})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Row(0), s.Row(9)) || !slices.Equal(sub.Row(1), s.Row(0)) || !slices.Equal(sub.Y, []int{0, 0, 0}) {
		t.Errorf("Subset = %v %v", sub.X, sub.Y)
	}
	sub.X[0] = 99
	if s.X[27] == 99 {
		t.Error("Subset shares memory")
	}
	for _, bad := range [][]int{{10}, {-1}} {
		if _, err := s.Subset(bad); err == nil {
			t.Errorf("Subset(%v) succeeded", bad)
		}
	}
	c := s.Clone()
	c.X[0], c.Y[0] = 42, 2
	if s.X[0] == 42 || s.Y[0] == 2 {
		t.Error("Clone shares memory")
	}
}

func TestConcat(t *testing.T) {
	a, b := seq(2, 2), seq(3, 2)
	c, err := Concat(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if c.N != 5 || !slices.Equal(c.X, append(slices.Clone(a.X), b.X...)) || !slices.Equal(c.Y, []int{0, 1, 0, 1, 2}) {
		t.Errorf("Concat = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	u := &Set{X: []float32{1, 2}, N: 1, Dim: 2}
	if c, err := Concat(a, u); err != nil || c.Y != nil || c.Classes != 0 {
		t.Errorf("Concat with unlabelled: %v, %v", c, err)
	}
	if _, err := Concat(a, seq(1, 3)); err == nil {
		t.Error("Concat of different Dim succeeded")
	}
	if _, err := Concat(); err == nil {
		t.Error("Concat() succeeded")
	}
}

func TestPermDeterministicAndUniform(t *testing.T) {
	p1 := Perm(100, NewSource(1))
	p2 := Perm(100, NewSource(1))
	p3 := Perm(100, NewSource(2))
	if !slices.Equal(p1, p2) {
		t.Error("same seed gave different permutations")
	}
	if slices.Equal(p1, p3) {
		t.Error("different seeds gave the same permutation")
	}
	sorted := slices.Clone(p1)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("Perm is not a permutation: %v", p1)
		}
	}
	// Uniformity: over 60,000 permutations of 3 elements each of the 6
	// orders should appear 10,000 times; a chi-square statistic with 5
	// degrees of freedom above 20.5 has probability 0.001.
	src := NewSource(3)
	count := map[[3]int]int{}
	const trials = 60000
	for range trials {
		p := Perm(3, src)
		count[[3]int(p)]++
	}
	if len(count) != 6 {
		t.Fatalf("saw %d distinct orders", len(count))
	}
	chi := 0.0
	for _, c := range count {
		d := float64(c) - trials/6
		chi += d * d / (trials / 6)
	}
	if chi > 20.5 {
		t.Errorf("chi-square %.1f over 6 orders: %v", chi, count)
	}
}

func TestIntnFloat64(t *testing.T) {
	src := NewSource(9)
	for _, n := range []int{1, 2, 3, 7, 1 << 40} {
		for range 1000 {
			if v := Intn(src, n); v < 0 || v >= n {
				t.Fatalf("Intn(%d) = %d", n, v)
			}
		}
	}
	if Intn(src, 0) != 0 || Intn(src, -5) != 0 {
		t.Error("Intn of n <= 0 is not 0")
	}
	sum := 0.0
	for range 100000 {
		f := Float64(src)
		if f < 0 || f >= 1 {
			t.Fatalf("Float64 = %v", f)
		}
		sum += f
	}
	// The mean of 1e5 uniforms has standard deviation 0.00091.
	if m := sum / 100000; m < 0.495 || m > 0.505 {
		t.Errorf("mean of Float64 = %v", m)
	}
	// A *rand.Rand works as a Source too.
	if p := Perm(5, rand.New(rand.NewPCG(1, 2))); len(p) != 5 {
		t.Error(p)
	}
}

func TestBatches(t *testing.T) {
	s := seq(10, 2)
	for _, tc := range []struct {
		size     int
		dropLast bool
		sizes    []int
	}{
		{3, false, []int{3, 3, 3, 1}},
		{3, true, []int{3, 3, 3}},
		{5, false, []int{5, 5}},
		{20, false, []int{10}},
		{20, true, nil},
	} {
		b, err := NewBatches(s, tc.size)
		if err != nil {
			t.Fatal(err)
		}
		b.SetDropLast(tc.dropLast)
		if b.Len() != len(tc.sizes) {
			t.Errorf("size %d drop %v: Len() = %d, want %d", tc.size, tc.dropLast, b.Len(), len(tc.sizes))
		}
		for epoch := range 2 {
			b.Shuffle(NewSource(uint64(epoch)))
			order := b.Order()
			x := make([]float32, tc.size*2)
			y := make([]int, tc.size)
			var got []int
			seen := 0
			for n := b.Next(x, y); n > 0; n = b.Next(x, y) {
				got = append(got, n)
				idx := b.Indices()
				for k := range n {
					i := order[seen+k]
					if idx[k] != i || !slices.Equal(x[2*k:2*k+2], s.Row(i)) || y[k] != s.Y[i] {
						t.Fatalf("batch row %d: got %v label %d, want example %d %v", k, x[2*k:2*k+2], y[k], i, s.Row(i))
					}
				}
				seen += n
			}
			if !slices.Equal(got, tc.sizes) {
				t.Errorf("size %d drop %v: batch sizes %v, want %v", tc.size, tc.dropLast, got, tc.sizes)
			}
			if b.Indices() != nil {
				t.Error("Indices() after the epoch is not nil")
			}
		}
	}
	if _, err := NewBatches(s, 0); err == nil {
		t.Error("NewBatches(s, 0) succeeded")
	}
}

func TestBatchesShuffleDependsOnlyOnSource(t *testing.T) {
	s := seq(50, 1)
	b1, _ := NewBatches(s, 7)
	b2, _ := NewBatches(s, 7)
	b1.Shuffle(NewSource(5)) // a previous epoch must not matter
	src1, src2 := NewSource(6), NewSource(6)
	b1.Shuffle(src1)
	b2.Shuffle(src2)
	if !slices.Equal(b1.Order(), b2.Order()) {
		t.Error("orders differ for equal source states")
	}
	if slices.IsSorted(b1.Order()) {
		t.Error("Shuffle left the identity order")
	}
	b1.NextIndices()
	b1.Reset()
	if got := b1.NextIndices(); !slices.Equal(got, b2.Order()[:7]) {
		t.Errorf("after Reset got %v", got)
	}
}

func TestBatchesNextAllocatesNothing(t *testing.T) {
	s := seq(1000, 8)
	b, _ := NewBatches(s, 64)
	x := make([]float32, 64*8)
	y := make([]int, 64)
	src := NewSource(1)
	allocs := testing.AllocsPerRun(10, func() {
		b.Shuffle(src)
		for n := b.Next(x, y); n > 0; n = b.Next(x, y) {
		}
	})
	if allocs != 0 {
		t.Errorf("an epoch allocates %v times", allocs)
	}
}

func TestBatchesNextShortBufferPanics(t *testing.T) {
	b, _ := NewBatches(seq(10, 2), 4)
	defer func() {
		if recover() == nil {
			t.Error("Next with a short buffer did not panic")
		}
	}()
	b.Next(make([]float32, 7), nil)
}

func TestGather(t *testing.T) {
	s := seq(5, 2)
	x := make([]float32, 6)
	y := make([]int, 3)
	if err := s.Gather([]int{4, 1, 4}, x, y); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, []float32{8, 9, 2, 3, 8, 9}) || !slices.Equal(y, []int{1, 1, 1}) {
		t.Errorf("Gather = %v %v", x, y)
	}
	if err := s.Gather([]int{0, 1, 2, 3}, x, nil); err == nil {
		t.Error("Gather into a short x succeeded")
	}
	if err := s.Gather([]int{5}, x, y); err == nil {
		t.Error("Gather of index 5 succeeded")
	}
}

func TestBinarize(t *testing.T) {
	s := &Set{X: []float32{0, 0.2, 0.5, 0.50001, 1}, N: 5, Dim: 1}
	c := s.Clone()
	c.Binarize(0.5)
	if !slices.Equal(c.X, []float32{0, 0, 0, 1, 1}) {
		t.Errorf("Binarize(0.5) = %v", c.X)
	}
	// Stochastic: 0 and 1 are kept; 0.25 becomes 1 about a quarter of the time.
	const n = 40000
	x := make([]float32, n)
	for i := range x {
		x[i] = []float32{0, 1, 0.25, 0.25}[i%4]
	}
	b := &Set{X: x, N: n, Dim: 1}
	b.BinarizeStochastic(NewSource(11))
	ones := 0
	for i, v := range b.X {
		switch i % 4 {
		case 0:
			if v != 0 {
				t.Fatal("0 became 1")
			}
		case 1:
			if v != 1 {
				t.Fatal("1 became 0")
			}
		default:
			ones += int(v)
		}
	}
	// 20,000 Bernoulli(0.25) draws: mean 5000, sd 61.
	if ones < 4700 || ones > 5300 {
		t.Errorf("%d ones from 20000 draws with p=0.25", ones)
	}
}

func TestSampleBinary(t *testing.T) {
	p := []float32{0, 1, 0.5, float32(math.NaN()), -2, 3}
	dst := make([]float32, len(p))
	ones := 0
	src := NewSource(12)
	for range 1000 {
		SampleBinary(dst, p, src)
		if dst[0] != 0 || dst[1] != 1 || dst[3] != 0 || dst[4] != 0 || dst[5] != 1 {
			t.Fatalf("SampleBinary(%v) = %v", p, dst)
		}
		ones += int(dst[2])
	}
	// 1000 fair coin flips: mean 500, sd 16.
	if ones < 420 || ones > 580 {
		t.Errorf("p=0.5 gave %d ones in 1000", ones)
	}
	a, b := []float32{0.3, 0.6, 0.9}, []float32{0.3, 0.6, 0.9}
	SampleBinary(a, a, NewSource(4)) // in place
	out := make([]float32, 3)
	SampleBinary(out, b, NewSource(4))
	if !slices.Equal(a, out) {
		t.Errorf("in place %v, out of place %v", a, out)
	}
}
