package reference

import (
	"math"
	"testing"

	"github.com/latent-go/latent/ir"
)

func TestReduce(t *testing.T) {
	x := f32(sh(2, 3), 1, 2, 3, 4, 5, 6)
	axes := func(keep int64, a ...int64) ir.Attrs {
		at := ir.Attrs{"keepdims": ir.IntAttr(keep)}
		if len(a) > 0 {
			at["axes"] = ir.IntsAttr(a...)
		}
		return at
	}
	keep0 := ir.Attrs{"keepdims": ir.IntAttr(0)}
	noop := ir.Attrs{"noop_with_empty_axes": ir.IntAttr(1)}
	empty := f32(sh(2, 0))
	runKernelCases(t, []kernelCase{
		{name: "all", op: "ReduceSum", in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(1, 1), 21)}},
		{name: "axis1 nokeep", op: "ReduceSum", attrs: keep0, in: []*ir.Tensor{x, i64(sh(1), 1)}, want: []*ir.Tensor{f32(sh(2), 6, 15)}},
		{name: "negative axis", op: "ReduceSum", in: []*ir.Tensor{x, i64(sh(1), -2)}, want: []*ir.Tensor{f32(sh(1, 3), 5, 7, 9)}},
		{name: "middle axis", op: "ReduceSum", in: []*ir.Tensor{iota32(2, 3, 2), i64(sh(1), 1)}, want: []*ir.Tensor{f32(sh(2, 1, 2), 6, 9, 24, 27)}},
		{name: "empty axes", op: "ReduceSum", in: []*ir.Tensor{x, i64(sh(0))}, want: []*ir.Tensor{f32(sh(1, 1), 21)}},
		{name: "noop", op: "ReduceSum", attrs: noop, in: []*ir.Tensor{x, i64(sh(0))}, want: []*ir.Tensor{f32(sh(2, 3), 1, 2, 3, 4, 5, 6)}},
		{name: "noop omitted axes", op: "ReduceSum", attrs: noop, in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(2, 3), 1, 2, 3, 4, 5, 6)}},
		{name: "int64 exact", op: "ReduceSum", in: []*ir.Tensor{i64(sh(2), 1<<60, 1)}, want: []*ir.Tensor{i64(sh(1), 1<<60+1)}},
		{name: "empty set", op: "ReduceSum", in: []*ir.Tensor{empty, i64(sh(1), 1)}, want: []*ir.Tensor{f32(sh(2, 1), 0, 0)}},
		{name: "duplicate axes", op: "ReduceSum", in: []*ir.Tensor{x, i64(sh(2), 1, -1)}, err: "twice", inferErr: "twice"},
		{name: "axis range", op: "ReduceSum", in: []*ir.Tensor{x, i64(sh(1), 2)}, err: "out of range", inferErr: "out of range"},
		{name: "axis0", op: "ReduceMean", attrs: axes(1, 0), in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(1, 3), 2.5, 3.5, 4.5)}},
		{name: "all nokeep", op: "ReduceMean", attrs: keep0, in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(scalar, 3.5)}},
		{name: "int64 truncates", op: "ReduceMean", attrs: keep0, in: []*ir.Tensor{i64(sh(2), 1, 2)}, want: []*ir.Tensor{i64(scalar, 1)}},
		{name: "empty set", op: "ReduceMean", attrs: axes(1, 1), in: []*ir.Tensor{empty}, want: []*ir.Tensor{f32(sh(2, 1), nan, nan)}},
		{name: "axis1 nokeep", op: "ReduceMax", attrs: axes(0, 1), in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(2), 3, 6)}},
		{name: "nan", op: "ReduceMax", in: []*ir.Tensor{f32(sh(3), 1, nan, 2)}, want: []*ir.Tensor{f32(sh(1), nan)}},
		{name: "negative", op: "ReduceMax", attrs: axes(1, -1), in: []*ir.Tensor{f32(sh(2, 2), -5, -3, -1, -7)}, want: []*ir.Tensor{f32(sh(2, 1), -3, -1)}},
		{name: "int64 empty set", op: "ReduceMax", attrs: axes(1, 1), in: []*ir.Tensor{i64(sh(1, 0))}, want: []*ir.Tensor{i64(sh(1, 1), math.MinInt64)}},
		{name: "empty set", op: "ReduceMax", attrs: axes(1, 1), in: []*ir.Tensor{empty}, want: []*ir.Tensor{f32(sh(2, 1), ninf, ninf)}},
		{name: "all", op: "ReduceMin", in: []*ir.Tensor{x}, want: []*ir.Tensor{f32(sh(1, 1), 1)}},
		{name: "int32", op: "ReduceMin", attrs: axes(0, 0), in: []*ir.Tensor{i32(sh(2, 2), 4, -1, 3, 5)}, want: []*ir.Tensor{i32(sh(2), 3, -1)}},
		{name: "empty set", op: "ReduceMin", attrs: axes(1, 1), in: []*ir.Tensor{empty}, want: []*ir.Tensor{f32(sh(2, 1), pinf, pinf)}},
		{name: "bool", op: "ReduceMin", in: []*ir.Tensor{bl(sh(1), true)}, err: "element type bool", inferErr: "element type bool"},
	})
}

func TestBroadcaster(t *testing.T) {
	b, err := newBroadcaster(sh(2, 1, 3), sh(4, 1), sh())
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(b.shape, sh(2, 4, 3)) || b.size() != 24 {
		t.Fatalf("shape %v size %d", b.shape, b.size())
	}
	var got [][3]int
	b.each(func(i int, off []int) {
		if i != len(got) {
			t.Fatalf("index %d out of order", i)
		}
		got = append(got, [3]int{off[0], off[1], off[2]})
	})
	// Element (i, j, k) reads a[i][0][k] = 3i+k and b[j][0] = j.
	for i := range 2 {
		for j := range 4 {
			for k := range 3 {
				w := [3]int{3*i + k, j, 0}
				if g := got[(i*4+j)*3+k]; g != w {
					t.Errorf("(%d,%d,%d): offsets %v, want %v", i, j, k, g, w)
				}
			}
		}
	}
	if _, err := newBroadcaster(sh(2, 3), sh(3, 3)); err == nil {
		t.Error("broadcast of [2,3] and [3,3] accepted")
	}
	if _, err := unidirectional(sh(2, 3), sh(3)); err == nil {
		t.Error("unidirectional [2,3] to [3] accepted")
	}
	if _, err := unidirectional(sh(1, 3), sh(2, 3)); err != nil {
		t.Errorf("unidirectional [1,3] to [2,3]: %v", err)
	}
	z, _ := newBroadcaster(sh(0, 3), sh(3))
	z.each(func(int, []int) { t.Error("walked an empty broadcast") })
}
