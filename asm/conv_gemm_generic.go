package asm

// convKernelGeneric is the contract of every direct-convolution kernel:
// for the mr×cols tile of C at c (rows ldc apart),
//
//	for i := 0; i < mr; i++ {
//		for j := 0; j < cols; j++ {
//			var s float32
//			for p := 0; p < k; p++ {
//				s += a[p*mr+i] * x[off[p]+j]
//			}
//			c[i*ldc+j] = act(s + bias[i])
//		}
//	}
//
// where act is the activation code's function (convActNone, ReLU,
// LeakyReLU with slope p0, Clip to [p0, p1]), computed as the Vec kernels
// do. The assembly kernels take byte offsets and fuse the multiply-adds.
func convKernelGeneric(k int, a []float32, off []int, x, c []float32, ldc, mr, cols int, bias []float32, act int, p0, p1 float32) {
	var acc [64]float32
	for i := 0; i < mr; i++ {
		for j0 := 0; j0 < cols; j0 += len(acc) {
			w := min(len(acc), cols-j0)
			s := acc[:w]
			clear(s)
			for p := 0; p < k; p++ {
				av := a[p*mr+i]
				xs := x[off[p]+j0 : off[p]+j0+w]
				for j, v := range xs {
					s[j] += av * v
				}
			}
			d := c[i*ldc+j0 : i*ldc+j0+w]
			for j, v := range s {
				d[j] = convAct(v+bias[i], act, p0, p1)
			}
		}
	}
}

// convAct applies an activation code to one value as the Vec kernels do.
func convAct(v float32, act int, p0, p1 float32) float32 {
	switch act {
	case convActReLU:
		if v < 0 {
			v = 0
		}
	case convActLeaky:
		if v < 0 {
			v *= p0
		}
	case convActClip:
		if v < p0 {
			v = p0
		}
		if v > p1 {
			v = p1
		}
	}
	return v
}

// genericConvShapes is the generic tier's tile.
var genericConvShapes = []convShape{{mr: 4, lanes: 8, nv: 2, eff: 1}}
