package dataset

import "fmt"

// Batches walks a Set in mini-batches, in identity order or in an order
// drawn by Shuffle. Next copies each batch into caller-owned buffers, so an
// epoch allocates nothing. A Batches value is not safe for concurrent use.
//
// Typical epoch loop:
//
//	b, _ := dataset.NewBatches(train, 64)
//	x := make([]float32, 64*train.Dim)
//	y := make([]int, 64)
//	for epoch := 0; epoch < epochs; epoch++ {
//		b.Shuffle(src)
//		for n := b.Next(x, y); n > 0; n = b.Next(x, y) {
//			// use x[:n*train.Dim] and y[:n]
//		}
//	}
type Batches struct {
	set      *Set
	order    []int
	size     int
	pos      int
	last     []int
	dropLast bool
}

// NewBatches returns a batch iterator over s with the given batch size, in
// identity order. The last batch of an epoch may be shorter than size
// unless SetDropLast(true) is called.
func NewBatches(s *Set, size int) (*Batches, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("dataset: batch size %d must be positive", size)
	}
	b := &Batches{set: s, order: make([]int, s.N), size: size}
	for i := range b.order {
		b.order[i] = i
	}
	return b, nil
}

// SetDropLast sets whether a final batch shorter than the batch size is
// skipped.
func (b *Batches) SetDropLast(drop bool) { b.dropLast = drop }

// Size returns the batch size.
func (b *Batches) Size() int { return b.size }

// Len returns the number of batches in one epoch.
func (b *Batches) Len() int {
	if b.dropLast {
		return b.set.N / b.size
	}
	return (b.set.N + b.size - 1) / b.size
}

// Shuffle resets the order to the identity, shuffles it with Shuffle(order,
// src) and restarts the epoch. The order therefore depends only on the
// state of src, which makes resuming from a saved source state exact.
func (b *Batches) Shuffle(src Source) {
	for i := range b.order {
		b.order[i] = i
	}
	Shuffle(b.order, src)
	b.pos = 0
}

// Reset restarts the epoch in the current order.
func (b *Batches) Reset() { b.pos = 0 }

// Order returns the current visiting order (shared; do not modify).
func (b *Batches) Order() []int { return b.order }

// NextIndices advances to the next batch and returns the example indices it
// holds (a view into Order), or nil at the end of the epoch.
func (b *Batches) NextIndices() []int {
	n := min(b.size, len(b.order)-b.pos)
	if n <= 0 || (b.dropLast && n < b.size) {
		b.last = nil
		return nil
	}
	b.last = b.order[b.pos : b.pos+n : b.pos+n]
	b.pos += n
	return b.last
}

// Indices returns the example indices of the batch most recently returned
// by Next or NextIndices (nil before the first one or after the end).
func (b *Batches) Indices() []int { return b.last }

// Next copies the next batch into x (row-major, n*Dim values) and, if y is
// non-nil and the set is labelled, its labels into y, and returns the
// number n of examples copied; 0 means the epoch is over. x must hold at
// least Size()*Dim values and a non-nil y at least Size() labels: shorter
// buffers are a programming error and panic, as copying into a short slice
// would.
func (b *Batches) Next(x []float32, y []int) int {
	if len(x) < b.size*b.set.Dim || (y != nil && b.set.Y != nil && len(y) < b.size) {
		panic(fmt.Sprintf("dataset: Batches.Next: buffers hold %d values and %d labels, need %d*%d and %d",
			len(x), len(y), b.size, b.set.Dim, b.size))
	}
	idx := b.NextIndices()
	b.set.gather(idx, x, y)
	return len(idx)
}
