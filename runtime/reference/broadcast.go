package reference

import (
	"fmt"

	"github.com/latent-go/latent/ir"
)

// A broadcaster walks the elements of a multidirectionally broadcast
// result (ONNX's numpy-style broadcasting) in row-major order and gives,
// for each result element, the offset of the matching element in each
// input.
type broadcaster struct {
	shape   []int   // result shape
	strides [][]int // strides[k][d]: step in input k when result dim d advances; 0 where input k is broadcast
}

// newBroadcaster prepares the walk over the broadcast of shapes. It returns
// an error naming the shapes if they cannot be broadcast together.
func newBroadcaster(shapes ...[]int) (*broadcaster, error) {
	out, err := ir.BroadcastInts(shapes...)
	if err != nil {
		return nil, err
	}
	if ir.NumElements(out) < 0 {
		return nil, fmt.Errorf("broadcast shape %v is too large", out)
	}
	b := &broadcaster{shape: out, strides: make([][]int, len(shapes))}
	for k, s := range shapes {
		st := make([]int, len(out))
		off := len(out) - len(s)
		step := 1
		for d := len(s) - 1; d >= 0; d-- {
			if s[d] != 1 {
				st[off+d] = step
			}
			step *= s[d]
		}
		b.strides[k] = st
	}
	return b, nil
}

// unidirectional prepares the walk of a broadcast of from onto shape to
// (ONNX's unidirectional broadcasting: the result has shape to exactly).
func unidirectional(from, to []int) (*broadcaster, error) {
	b, err := newBroadcaster(to, from)
	if err != nil {
		return nil, err
	}
	if len(b.shape) != len(to) || !equalInts(b.shape, to) {
		return nil, fmt.Errorf("shape %v cannot be broadcast to %v", from, to)
	}
	return b, nil
}

// size returns the number of result elements.
func (b *broadcaster) size() int { return ir.NumElements(b.shape) }

// each calls f for every result element in row-major order with the
// element's index i and the offsets of the matching input elements. f must
// not keep off.
func (b *broadcaster) each(f func(i int, off []int)) {
	n := b.size()
	if n == 0 {
		return
	}
	rank := len(b.shape)
	idx := make([]int, rank)
	off := make([]int, len(b.strides))
	for i := 0; i < n; i++ {
		f(i, off)
		// advance the odometer, updating the offsets incrementally
		for d := rank - 1; d >= 0; d-- {
			idx[d]++
			for k := range off {
				off[k] += b.strides[k][d]
			}
			if idx[d] < b.shape[d] {
				break
			}
			for k := range off {
				off[k] -= b.strides[k][d] * b.shape[d]
			}
			idx[d] = 0
		}
	}
}

func equalInts(a, b []int) bool {
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
