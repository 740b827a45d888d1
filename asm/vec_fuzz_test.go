package asm

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzVec runs one kernel (chosen by op) on every tier over float32
// values decoded from data, at element offset off, and compares with the
// generic twin bit for bit (NaN-aware), with guard bands. Run bounded:
//
//	go test ./asm -run '^$' -fuzz FuzzVec -fuzztime 20000x
func FuzzVec(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 192, 127, 0, 0, 128, 255}, uint8(12), uint8(1))
	f.Add(make([]byte, 4*37), uint8(17), uint8(3))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, uint8(14), uint8(0))
	vs := vecTiers(f)
	f.Fuzz(func(t *testing.T, data []byte, op, off uint8) {
		o := vecOps[int(op)%len(vecOps)]
		n := len(data) / 4 / o.inputs
		if n > 4096 {
			n = 4096
		}
		x := make([][]float32, o.inputs)
		for i := range x {
			x[i] = make([]float32, n)
			for j := range x[i] {
				x[i][j] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*(i*n+j):]))
			}
		}
		dst0 := make([]float32, n)
		if o.inout {
			copy(dst0, x[0])
		}
		want, wantR := runOp(t, vs[0], o, x, dst0, 0)
		for _, v := range vs[1:] {
			got, gotR := runOp(t, v, o, x, dst0, int(off%4))
			if !same(gotR, wantR) {
				t.Fatalf("%s/%s n=%d: result %v, generic %v", v.Tier(), o.name, n, gotR, wantR)
			}
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("%s/%s n=%d: [%d] = %v, generic %v (input %v)", v.Tier(), o.name, n, i, got[i], want[i], inputsAt(x, i))
				}
			}
		}
	})
}
