package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchOps are the elementwise kernels benchmarked per tier; bytes is the
// number of float32 streams touched (reads + writes) per element.
var benchOps = []struct {
	name  string
	bytes int
	run   func(v *Vec, d, x, y []float32)
}{
	{"Add", 3, func(v *Vec, d, x, y []float32) { v.Add(d, x, y) }},
	{"AddScalar", 2, func(v *Vec, d, x, y []float32) { v.AddScalar(d, x, 0.5) }},
	{"ScaleShift", 2, func(v *Vec, d, x, y []float32) { v.ScaleShift(d, x, 0.5, 0.25) }},
	{"Axpy", 3, func(v *Vec, d, x, y []float32) { v.Axpy(d, x, 1e-9) }},
	{"ReLU", 2, func(v *Vec, d, x, y []float32) { v.ReLU(d, x) }},
	{"LeakyReLU", 2, func(v *Vec, d, x, y []float32) { v.LeakyReLU(d, x, 0.01) }},
	{"Clip", 2, func(v *Vec, d, x, y []float32) { v.Clip(d, x, -1, 1) }},
	{"Exp", 2, func(v *Vec, d, x, y []float32) { v.Exp(d, x) }},
	{"Sigmoid", 2, func(v *Vec, d, x, y []float32) { v.Sigmoid(d, x) }},
	{"Tanh", 2, func(v *Vec, d, x, y []float32) { v.Tanh(d, x) }},
	{"Sum", 1, func(v *Vec, d, x, y []float32) { v.Sum(x) }},
	{"Max", 1, func(v *Vec, d, x, y []float32) { v.Max(x) }},
	{"ExpShiftSum", 2, func(v *Vec, d, x, y []float32) { v.ExpShiftSum(d, x, 1) }},
	{"Softmax", 2, func(v *Vec, d, x, y []float32) { v.Softmax(d, x) }},
}

// BenchmarkVec reports GB/s (reads + writes) per tier, kernel and length:
//
//	go test ./asm -run '^$' -bench 'Vec/'
//
// 1024 floats stay in L1, 65536 (3 x 256 KiB) in L2, 1<<20 (3 x 4 MiB)
// in L3/DRAM.
func BenchmarkVec(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, v := range vecTiers(b) {
		for _, op := range benchOps {
			for _, n := range []int{1024, 65536, 1 << 20} {
				x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range x {
					x[i], y[i] = 4*r.Float32()-2, r.Float32()+0.5
				}
				b.Run(fmt.Sprintf("%s/%s/%d", v.Tier(), op.name, n), func(b *testing.B) {
					b.SetBytes(int64(4 * n * op.bytes))
					for b.Loop() {
						op.run(v, d, x, y)
					}
				})
			}
		}
	}
}
