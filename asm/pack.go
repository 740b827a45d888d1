package asm

import "unsafe"

// packARows copies rows [i0, i0+rows) and columns [p0, p0+kc) of op(A)
// into dst as ceil(rows/mr) tiles of mr rows of kc values (the layout the
// strided micro-kernels read with lda = kc), zero-filling the last tile's
// missing rows:
//
//	dst[t*mr*kc + i*kc + p] = opA(i0+t*mr+i, p0+p)   (0 past the last row)
//
// where opA(i, p) is a[i*lda+p], or a[p*lda+i] when transA.
//
// tr8, if not nil, transposes blocks of eight columns (see packTranspose8).
func packARows(transA bool, a []float32, lda, i0, rows, p0, kc, mr int, dst []float32, tr8 transposer) {
	for t := 0; t*mr < rows; t++ {
		h := min(mr, rows-t*mr)
		pd := dst[t*mr*kc : (t+1)*mr*kc]
		r0 := i0 + t*mr
		if transA {
			pb := 0
			if tr8 != nil {
				for ; pb+8 <= kc; pb += 8 {
					src := a[(p0+pb)*lda+r0 : (p0+pb+7)*lda+r0+h]
					tr8(h, &src[0], lda, &pd[pb], kc)
				}
			}
			for p := pb; p < kc; p++ {
				src := a[(p0+p)*lda+r0 : (p0+p)*lda+r0+h]
				for i, v := range src {
					pd[i*kc+p] = v
				}
			}
		} else {
			for i := 0; i < h; i++ {
				copy(pd[i*kc:i*kc+kc], a[(r0+i)*lda+p0:(r0+i)*lda+p0+kc])
			}
		}
		clear(pd[h*kc:])
	}
}

// packAInterleaved copies rows [i0, i0+rows) and columns [p0, p0+kc) of
// op(A) into dst as ceil(rows/mr) panels of kc×mr values (the layout of
// tiers whose packedA is set), zero-padding the last panel's missing rows:
//
//	dst[t*mr*kc + p*mr + i] = opA(i0+t*mr+i, p0+p)   (0 past the last row)
//
// where opA(i, p) is a[i*lda+p], or a[p*lda+i] when transA.
func packAInterleaved(transA bool, a []float32, lda, i0, rows, p0, kc, mr int, dst []float32) {
	for t := 0; t*mr < rows; t++ {
		h := min(mr, rows-t*mr)
		pd := dst[t*mr*kc : (t+1)*mr*kc]
		r0 := i0 + t*mr
		if transA {
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+r0 : (p0+p)*lda+r0+h]
				d := pd[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[h:])
			}
			continue
		}
		for i := 0; i < h; i++ {
			src := a[(r0+i)*lda+p0 : (r0+i)*lda+p0+kc]
			for p, v := range src {
				pd[p*mr+i] = v
			}
		}
		for i := h; i < mr; i++ {
			for p := 0; p < kc; p++ {
				pd[p*mr+i] = 0
			}
		}
	}
}

// packBPanels copies rows [p0, p0+kc) and columns [j0, j1) of op(B) into
// dst as ceil((j1-j0)/nr) panels of kc×nr values, zero-padding the last
// panel's missing columns:
//
//	dst[q*nr*kc + p*nr + j] = opB(p0+p, j0+q*nr+j)   (0 at or past column j1)
//
// where opB(p, j) is b[p*ldb+j], or b[j*ldb+p] when transB.
//
// tr8, if not nil (and nr is a multiple of 8), transposes groups of eight
// columns when transB (see packTranspose8).
func packBPanels(transB bool, b []float32, ldb, p0, kc, j0, j1, nr int, dst []float32, tr8 transposer) {
	for q := 0; j0+q*nr < j1; q++ {
		c0 := j0 + q*nr
		w := min(nr, j1-c0)
		pd := dst[q*nr*kc : (q+1)*nr*kc]
		if !transB {
			for p := 0; p < kc; p++ {
				d := pd[p*nr : p*nr+nr]
				copy(d, b[(p0+p)*ldb+c0:(p0+p)*ldb+c0+w])
				clear(d[w:])
			}
			continue
		}
		j := 0
		if tr8 != nil && nr%8 == 0 {
			for ; j+8 <= w; j += 8 {
				src := b[(c0+j)*ldb+p0 : (c0+j+7)*ldb+p0+kc]
				tr8(kc, &src[0], ldb, &pd[j], nr)
			}
		}
		w0 := j
		for j := w0; j < w; j++ {
			src := b[(c0+j)*ldb+p0 : (c0+j)*ldb+p0+kc]
			for p, v := range src {
				pd[p*nr+j] = v
			}
		}
		if w < nr {
			for p := 0; p < kc; p++ {
				clear(pd[p*nr+w : p*nr+nr])
			}
		}
	}
}

// transposer is packTranspose8's signature.
type transposer func(kc int, src *float32, lds int, dst *float32, ldd int)

// packTranspose8 transposes eight rows of kc values, lds apart, into kc
// rows of eight values, ldd apart:
//
//	for x := 0; x < kc; x++ {
//		for y := 0; y < 8; y++ {
//			dst[x*ldd+y] = src[y*lds+x]
//		}
//	}
func packTranspose8(kc int, src *float32, lds int, dst *float32, ldd int) {
	s := unsafe.Slice(src, 7*lds+kc)
	d := unsafe.Slice(dst, (kc-1)*ldd+8)
	for x := 0; x < kc; x++ {
		row := d[x*ldd : x*ldd+8]
		for y := range row {
			row[y] = s[y*lds+x]
		}
	}
}
