package dataset

import (
	"errors"
	"fmt"
	"math"
)

// Set is an in-memory data set of N examples, each a vector of Dim float32
// features, stored row-major in X (example i is X[i*Dim:(i+1)*Dim]).
//
// Y holds one integer label per example (0 <= Y[i] < Classes) or is nil for
// unlabelled data. When every example is an image, Rows and Cols give its
// shape (Rows*Cols == Dim, pixels in row-major order); otherwise both are 0.
//
// A Set is a plain value: methods that return a new Set say whether the
// result shares memory with the receiver.
type Set struct {
	X       []float32 // N*Dim feature values, row-major
	Y       []int     // labels, len N, or nil
	N       int       // number of examples
	Dim     int       // features per example
	Rows    int       // image height when examples are images, else 0
	Cols    int       // image width when examples are images, else 0
	Classes int       // number of label classes (0 when Y is nil)
}

// New returns a Set over x (n*dim values, row-major) and y (n labels, or
// nil). It does not copy x or y. Classes is set to max(y)+1.
func New(x []float32, y []int, n, dim int) (*Set, error) {
	s := &Set{X: x, Y: y, N: n, Dim: dim}
	if y != nil {
		for _, l := range y {
			if l+1 > s.Classes {
				s.Classes = l + 1
			}
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate reports whether the fields of s are consistent: non-negative
// sizes, len(X) == N*Dim, Y nil or of length N with labels in [0, Classes),
// and an image shape (if any) with Rows*Cols == Dim.
func (s *Set) Validate() error {
	if s == nil {
		return errors.New("dataset: nil Set")
	}
	if s.N < 0 || s.Dim < 0 {
		return fmt.Errorf("dataset: negative size N=%d Dim=%d", s.N, s.Dim)
	}
	if s.Dim > 0 && s.N > math.MaxInt/s.Dim {
		return fmt.Errorf("dataset: size N=%d x Dim=%d overflows", s.N, s.Dim)
	}
	if len(s.X) != s.N*s.Dim {
		return fmt.Errorf("dataset: len(X)=%d, want N*Dim=%d*%d=%d", len(s.X), s.N, s.Dim, s.N*s.Dim)
	}
	if s.Y != nil {
		if len(s.Y) != s.N {
			return fmt.Errorf("dataset: len(Y)=%d, want N=%d", len(s.Y), s.N)
		}
		for i, l := range s.Y {
			if l < 0 || l >= s.Classes {
				return fmt.Errorf("dataset: label Y[%d]=%d outside [0, Classes=%d)", i, l, s.Classes)
			}
		}
	}
	if s.Rows != 0 || s.Cols != 0 {
		if s.Rows <= 0 || s.Cols <= 0 || s.Rows*s.Cols != s.Dim {
			return fmt.Errorf("dataset: image shape %dx%d does not match Dim=%d", s.Rows, s.Cols, s.Dim)
		}
	}
	return nil
}

// Labelled reports whether s has labels.
func (s *Set) Labelled() bool { return s.Y != nil }

// Row returns example i as a slice of X (not a copy). It panics if i is out
// of range, like a slice index.
func (s *Set) Row(i int) []float32 {
	return s.X[i*s.Dim : (i+1)*s.Dim : (i+1)*s.Dim]
}

// shape returns an empty Set with the metadata of s and n examples.
func (s *Set) shape(n int) *Set {
	return &Set{N: n, Dim: s.Dim, Rows: s.Rows, Cols: s.Cols, Classes: s.Classes}
}

// Slice returns examples [lo, hi) of s as a Set that shares memory with s.
func (s *Set) Slice(lo, hi int) (*Set, error) {
	if lo < 0 || hi < lo || hi > s.N {
		return nil, fmt.Errorf("dataset: slice [%d:%d] out of range for N=%d", lo, hi, s.N)
	}
	t := s.shape(hi - lo)
	t.X = s.X[lo*s.Dim : hi*s.Dim : hi*s.Dim]
	if s.Y != nil {
		t.Y = s.Y[lo:hi:hi]
	}
	return t, nil
}

// Split cuts s into consecutive parts of the given sizes, in order, sharing
// memory with s. The sizes must be non-negative and sum to at most N; the
// examples after the last part are not returned. Shuffle first (with
// Subset and Perm) for a random split.
func (s *Set) Split(sizes ...int) ([]*Set, error) {
	parts := make([]*Set, len(sizes))
	lo := 0
	for i, n := range sizes {
		if n < 0 || n > s.N-lo {
			return nil, fmt.Errorf("dataset: split sizes %v do not fit in N=%d", sizes, s.N)
		}
		p, err := s.Slice(lo, lo+n)
		if err != nil {
			return nil, err
		}
		parts[i] = p
		lo += n
	}
	return parts, nil
}

// Subset returns a new Set holding copies of the examples idx[0], idx[1],
// ... of s, in that order (indices may repeat).
func (s *Set) Subset(idx []int) (*Set, error) {
	for k, i := range idx {
		if i < 0 || i >= s.N {
			return nil, fmt.Errorf("dataset: subset index idx[%d]=%d out of range for N=%d", k, i, s.N)
		}
	}
	t := s.shape(len(idx))
	t.X = make([]float32, len(idx)*s.Dim)
	if s.Y != nil {
		t.Y = make([]int, len(idx))
	}
	s.gather(idx, t.X, t.Y)
	return t, nil
}

// Clone returns a deep copy of s.
func (s *Set) Clone() *Set {
	t := *s
	t.X = append([]float32(nil), s.X...)
	if s.Y != nil {
		t.Y = append([]int(nil), s.Y...)
	}
	return &t
}

// Concat returns a new Set holding the examples of all sets in order. The
// sets must have the same Dim and image shape; the result is labelled only
// if every set is.
func Concat(sets ...*Set) (*Set, error) {
	if len(sets) == 0 {
		return nil, errors.New("dataset: Concat of no sets")
	}
	first := sets[0]
	t := first.shape(0)
	labelled := true
	for i, s := range sets {
		if s.Dim != first.Dim || s.Rows != first.Rows || s.Cols != first.Cols {
			return nil, fmt.Errorf("dataset: Concat: set %d has Dim=%d (%dx%d), set 0 has Dim=%d (%dx%d)",
				i, s.Dim, s.Rows, s.Cols, first.Dim, first.Rows, first.Cols)
		}
		t.N += s.N
		labelled = labelled && s.Y != nil
		t.Classes = max(t.Classes, s.Classes)
	}
	t.X = make([]float32, 0, t.N*t.Dim)
	if labelled {
		t.Y = make([]int, 0, t.N)
	} else {
		t.Classes = 0
	}
	for _, s := range sets {
		t.X = append(t.X, s.X...)
		if labelled {
			t.Y = append(t.Y, s.Y...)
		}
	}
	return t, nil
}

// Gather copies the examples idx[0], idx[1], ... of s into x (row-major,
// len(x) >= len(idx)*Dim) and, when y is non-nil and s is labelled, their
// labels into y (len(y) >= len(idx)). It allocates nothing.
func (s *Set) Gather(idx []int, x []float32, y []int) error {
	if len(x) < len(idx)*s.Dim {
		return fmt.Errorf("dataset: Gather: x has %d values, need %d*%d", len(x), len(idx), s.Dim)
	}
	if y != nil && s.Y != nil && len(y) < len(idx) {
		return fmt.Errorf("dataset: Gather: y has %d values, need %d", len(y), len(idx))
	}
	for k, i := range idx {
		if i < 0 || i >= s.N {
			return fmt.Errorf("dataset: Gather: index idx[%d]=%d out of range for N=%d", k, i, s.N)
		}
	}
	s.gather(idx, x, y)
	return nil
}

func (s *Set) gather(idx []int, x []float32, y []int) {
	d := s.Dim
	for k, i := range idx {
		copy(x[k*d:(k+1)*d], s.X[i*d:(i+1)*d])
	}
	if y != nil && s.Y != nil {
		for k, i := range idx {
			y[k] = s.Y[i]
		}
	}
}

// LabelCounts returns how many examples carry each label (nil when s is
// unlabelled).
func (s *Set) LabelCounts() []int {
	if s.Y == nil {
		return nil
	}
	c := make([]int, s.Classes)
	for _, l := range s.Y {
		c[l]++
	}
	return c
}

// Binarize sets every value of s in place to 1 if it is greater than
// threshold and to 0 otherwise (NaN becomes 0).
func (s *Set) Binarize(threshold float32) {
	for i, v := range s.X {
		if v > threshold {
			s.X[i] = 1
		} else {
			s.X[i] = 0
		}
	}
}

// BinarizeStochastic sets every value v of s in place to 1 with probability
// v (clamped to [0, 1]) and to 0 otherwise, drawing one uniform number per
// value from src in row-major order (SampleBinary).
func (s *Set) BinarizeStochastic(src Source) {
	SampleBinary(s.X, s.X, src)
}

// SampleBinary sets dst[i] to 1 with probability p[i] (clamped to [0, 1];
// NaN counts as 0) and to 0 otherwise, drawing one Float64(src) per value
// in order. dst and p may be the same slice; len(dst) must be >= len(p).
// It suits dynamic binarisation of each mini-batch.
func SampleBinary(dst, p []float32, src Source) {
	dst = dst[:len(p)]
	for i, v := range p {
		if Float64(src) < float64(v) {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}
