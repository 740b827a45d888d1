package asm

import (
	"fmt"
	"testing"
)

// convBenchShapes are conv-autoencoder layer shapes: channels, H=W,
// kernel, stride, pad.
var convBenchShapes = []struct{ c, hw, k, s, p int }{
	{1, 28, 3, 1, 1},
	{32, 28, 3, 1, 1},
	{32, 28, 3, 2, 1},
	{64, 14, 3, 1, 1},
}

// BenchmarkIm2Col reports GB/s of column matrix written (Im2Col) or read
// (Col2Im):
//
//	go test ./asm -run '^$' -bench 'Im2Col|Col2Im'
func BenchmarkIm2Col(b *testing.B) {
	for _, s := range convBenchShapes {
		w, err := NewWindow([]int{s.hw, s.hw}, []int{s.k, s.k}, &WindowOptions{Strides: []int{s.s, s.s}, Pads: []int{s.p, s.p, s.p, s.p}})
		if err != nil {
			b.Fatal(err)
		}
		x := make([]float32, s.c*w.InSize())
		col := make([]float32, w.ColSize(s.c))
		name := fmt.Sprintf("c%d/%dx%d/k%d/s%d", s.c, s.hw, s.hw, s.k, s.s)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(col)))
			for b.Loop() {
				Im2Col(col, x, w, s.c)
			}
		})
	}
}

// BenchmarkCol2Im: see BenchmarkIm2Col. The stride-1 rows are added with
// the Vec Add kernel; the sub-benchmarks per tier show what that buys
// over the generic (plain Go) add.
func BenchmarkCol2Im(b *testing.B) {
	for _, s := range convBenchShapes {
		w, err := NewWindow([]int{s.hw, s.hw}, []int{s.k, s.k}, &WindowOptions{Strides: []int{s.s, s.s}, Pads: []int{s.p, s.p, s.p, s.p}})
		if err != nil {
			b.Fatal(err)
		}
		x := make([]float32, s.c*w.InSize())
		col := make([]float32, w.ColSize(s.c))
		for _, v := range vecTiers(b) {
			name := fmt.Sprintf("%s/c%d/%dx%d/k%d/s%d", v.Tier(), s.c, s.hw, s.hw, s.k, s.s)
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(4 * len(col)))
				for b.Loop() {
					col2im2D(x, col, w, s.c, v)
				}
			})
		}
	}
}

// BenchmarkPool reports GB/s of input read for 2x2/stride-2 and
// 3x3/stride-1 pooling and 2x nearest upsampling of 32 planes of 28x28:
//
//	go test ./asm -run '^$' -bench 'Pool|Upsample'
func BenchmarkPool(b *testing.B) {
	const planes, hw = 32, 28
	x := make([]float32, planes*hw*hw)
	for i := range x {
		x[i] = float32(i%17) - 8
	}
	for _, g := range []struct{ k, s, p int }{{2, 2, 0}, {3, 1, 1}} {
		w, err := NewWindow([]int{hw, hw}, []int{g.k, g.k}, &WindowOptions{Strides: []int{g.s, g.s}, Pads: []int{g.p, g.p, g.p, g.p}})
		if err != nil {
			b.Fatal(err)
		}
		y := make([]float32, planes*w.OutSize())
		idx := make([]int64, len(y))
		name := fmt.Sprintf("k%d/s%d", g.k, g.s)
		b.Run("Max/"+name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				MaxPool(y, nil, x, w, planes, false)
			}
		})
		b.Run("MaxIndices/"+name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				MaxPool(y, idx, x, w, planes, false)
			}
		})
		b.Run("Avg/"+name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				AvgPool(y, x, w, planes, false)
			}
		})
	}
	up := make([]float32, 4*len(x))
	b.Run("UpsampleNearest/2x2", func(b *testing.B) {
		b.SetBytes(int64(4 * len(up)))
		for b.Loop() {
			UpsampleNearest(up, x, planes, []int{hw, hw}, []int{2, 2})
		}
	})
}
