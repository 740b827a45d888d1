package asm

import "math"

// kRange returns the kernel indices [lo, hi) of one dim for which
// base + k*d lies in [0, size), k < kn.
func kRange(base, d, kn, size int) (lo, hi int) {
	if base >= 0 && base+(kn-1)*d < size {
		return 0, kn // interior window: no divisions
	}
	if base < 0 {
		lo = (-base + d - 1) / d
	}
	if size-1-base < 0 {
		return 0, 0
	}
	hi = (size-1-base)/d + 1
	if hi > kn {
		hi = kn
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// maxPool2D is MaxPool for 1-D and 2-D windows, with the window bounds
// computed per row and column instead of per element.
func maxPool2D(dst []float32, indices []int64, x []float32, w *Window, planes int, columnMajor bool) {
	h, wd, _, kw, sh, sw, ph, pw, dh, dw, oh, ow := w.dims2()
	kh := 1
	if len(w.In) == 2 {
		kh = w.Kernel[0]
	}
	if kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1 &&
		2*oh <= h && 2*ow <= wd && !columnMajor {
		// Every window lies inside the plane: the vectorised 2×2 kernel.
		plane := h * wd
		maxPool2x2With(activeMove, dst, indices, Planes{Data: x, RowStride: wd, PlaneStride: plane}, planes, oh, ow, 0, int64(plane), wd)
		return
	}
	negInf := float32(math.Inf(-1))
	plane := h * wd
	for p := 0; p < planes; p++ {
		xp := x[p*plane : (p+1)*plane]
		o := p * oh * ow
		for oy := 0; oy < oh; oy++ {
			by := oy*sh - ph
			kiLo, kiHi := kRange(by, dh, kh, h)
			for ox := 0; ox < ow; ox++ {
				bx := ox*sw - pw
				kjLo, kjHi := kRange(bx, dw, kw, wd)
				m, mi := negInf, -1
				for ki := kiLo; ki < kiHi; ki++ {
					row := (by+ki*dh)*wd + bx
					for kj := kjLo; kj < kjHi; kj++ {
						v := xp[row+kj*dw]
						if v > m {
							m, mi = v, row+kj*dw
						} else if mi < 0 || (v != v && m == m) {
							m, mi = v, row+kj*dw // first element, or first NaN
						}
					}
				}
				dst[o] = m
				if indices != nil {
					switch {
					case mi < 0:
						indices[o] = -1
					case columnMajor:
						indices[o] = int64(p*plane + (mi%wd)*h + mi/wd)
					default:
						indices[o] = int64(p*plane + mi)
					}
				}
				o++
			}
		}
	}
}

// avgPool2D is AvgPool for 1-D and 2-D windows.
func avgPool2D(dst, x []float32, w *Window, planes int, countIncludePad bool) {
	h, wd, _, kw, sh, sw, ph, pw, dh, dw, oh, ow := w.dims2()
	kh, phe, pwe := 1, 0, w.PadEnd[len(w.In)-1]
	if len(w.In) == 2 {
		kh, phe = w.Kernel[0], w.PadEnd[0]
	}
	plane := h * wd
	for p := 0; p < planes; p++ {
		xp := x[p*plane : (p+1)*plane]
		o := p * oh * ow
		for oy := 0; oy < oh; oy++ {
			by := oy*sh - ph
			kiLo, kiHi := kRange(by, dh, kh, h)
			py0, py1 := kRange(by+ph, dh, kh, h+ph+phe)
			for ox := 0; ox < ow; ox++ {
				bx := ox*sw - pw
				kjLo, kjHi := kRange(bx, dw, kw, wd)
				var s float32
				for ki := kiLo; ki < kiHi; ki++ {
					row := (by+ki*dh)*wd + bx
					for kj := kjLo; kj < kjHi; kj++ {
						s += xp[row+kj*dw]
					}
				}
				n := (kiHi - kiLo) * (kjHi - kjLo)
				if countIncludePad {
					px0, px1 := kRange(bx+pw, dw, kw, wd+pw+pwe)
					n = (py1 - py0) * (px1 - px0)
				}
				if n == 0 {
					dst[o] = 0
				} else {
					dst[o] = s / float32(n)
				}
				o++
			}
		}
	}
}
