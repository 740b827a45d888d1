package asm

import "unsafe"

// sgemmKernelGeneric is the micro-kernel every tier implements, for a
// tier whose register tile is MR×NR (MR = 4 here). It computes, for
// i < mr <= MR and j < nr <= NR,
//
//	var s float32
//	for p := 0; p < kc; p++ {
//		s += a[i*lda+p] * b[p*ldb+j]
//	}
//	if beta == 0 {
//		c[i*ldc+j] = alpha * s
//	} else {
//		c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//	}
//
// Assembly kernels fuse the multiply-adds, so their sums differ from this
// loop by float32 rounding only; they may read all MR rows of A (and, when
// the tier's partialN is false, all NR columns of B) whatever mr and nr
// are. A tier whose packedA is set reads a[p*MR+i] instead of
// a[i*lda+p]. kc >= 1.
//
// pf is a prefetch hint: a kernel may prefetch memory from pf onward
// (the next block of a streamed B) while it computes, but never reads
// it otherwise; the result does not depend on it. It must point into
// an allocation (the B panel itself when there is nothing to fetch).
func sgemmKernelGeneric(kc int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, mr, nr int, pf *float32) {
	const MR = 4
	as := unsafe.Slice(a, (mr-1)*lda+kc)
	bs := unsafe.Slice(b, (kc-1)*ldb+nr)
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	// Rows past mr repeat row 0: they are computed and dropped.
	var r [MR][]float32
	for i := range r {
		ii := i
		if ii >= mr {
			ii = 0
		}
		r[i] = as[ii*lda : ii*lda+kc]
	}
	for j0 := 0; j0 < nr; j0 += 4 {
		w := min(4, nr-j0)
		var acc [MR][4]float32
		if w == 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			var c20, c21, c22, c23, c30, c31, c32, c33 float32
			r0, r1, r2, r3 := r[0], r[1][:len(r[0])], r[2][:len(r[0])], r[3][:len(r[0])]
			for p := range r0 {
				bp := bs[p*ldb+j0 : p*ldb+j0+4 : p*ldb+j0+4]
				a0, a1, a2, a3 := r0[p], r1[p], r2[p], r3[p]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				c20 += a2 * b0
				c21 += a2 * b1
				c22 += a2 * b2
				c23 += a2 * b3
				c30 += a3 * b0
				c31 += a3 * b1
				c32 += a3 * b2
				c33 += a3 * b3
			}
			acc = [MR][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
		} else {
			for p := 0; p < kc; p++ {
				for i := 0; i < MR; i++ {
					ai := r[i][p]
					for j := 0; j < w; j++ {
						acc[i][j] += ai * bs[p*ldb+j0+j]
					}
				}
			}
		}
		for i := 0; i < mr; i++ {
			row := cs[i*ldc+j0 : i*ldc+j0+w]
			for j := range row {
				if beta == 0 {
					row[j] = alpha * acc[i][j]
				} else {
					row[j] = alpha*acc[i][j] + beta*row[j]
				}
			}
		}
	}
}

// gemvKernelGeneric is the single-row kernel every tier implements. It
// computes, for j < nr,
//
//	var s float32
//	for p := 0; p < kc; p++ {
//		s += x[p] * b[p*ldb+j]
//	}
//	if beta == 0 {
//		y[j] = alpha * s
//	} else {
//		y[j] = alpha*s + beta*y[j]
//	}
//
// kc >= 1.
func gemvKernelGeneric(kc int, x, b *float32, ldb int, y *float32, alpha, beta float32, nr int) {
	xs := unsafe.Slice(x, kc)
	bs := unsafe.Slice(b, (kc-1)*ldb+nr)
	ys := unsafe.Slice(y, nr)
	var acc [64]float32
	for j0 := 0; j0 < nr; j0 += len(acc) {
		w := min(len(acc), nr-j0)
		clear(acc[:w])
		for p, xp := range xs {
			row := bs[p*ldb+j0 : p*ldb+j0+w]
			for j, v := range row {
				acc[j] += xp * v
			}
		}
		for j := 0; j < w; j++ {
			if beta == 0 {
				ys[j0+j] = alpha * acc[j]
			} else {
				ys[j0+j] = alpha*acc[j] + beta*ys[j0+j]
			}
		}
	}
}

// gemvT is gemvTGeneric, four rows at a time with kt.dot4 when the tier
// has it; out is scratch (on the heap already: a local array passed
// through the function value would escape).
func gemvT(kt *gemmKernels, kc int, x []float32, b []float32, ldb int, y []float32, incy int, alpha, beta float32, nr int, out *[4]float32) {
	j := 0
	if kt.dot4 != nil {
		for ; j+4 <= nr; j += 4 {
			kt.dot4(kc, &x[0], &b[j*ldb], ldb, out)
			for r, s := range out {
				yi := &y[(j+r)*incy]
				if beta == 0 {
					*yi = alpha * s
				} else {
					*yi = alpha*s + beta**yi
				}
			}
		}
	}
	if j < nr {
		gemvTGeneric(kc, x, b[j*ldb:], ldb, y[j*incy:], incy, alpha, beta, nr-j)
	}
}

// gemvTGeneric computes nr dot products against rows of b: for j < nr,
//
//	var s float32
//	for p := 0; p < kc; p++ {
//		s += x[p] * b[j*ldb+p]
//	}
//	if beta == 0 {
//		y[j*incy] = alpha * s
//	} else {
//		y[j*incy] = alpha*s + beta*y[j*incy]
//	}
func gemvTGeneric(kc int, x []float32, b []float32, ldb int, y []float32, incy int, alpha, beta float32, nr int) {
	x = x[:kc]
	for j := 0; j < nr; j++ {
		row := b[j*ldb : j*ldb+kc]
		var s0, s1, s2, s3 float32
		p := 0
		for ; p+4 <= kc; p += 4 {
			s0 += x[p] * row[p]
			s1 += x[p+1] * row[p+1]
			s2 += x[p+2] * row[p+2]
			s3 += x[p+3] * row[p+3]
		}
		for ; p < kc; p++ {
			s0 += x[p] * row[p]
		}
		s := (s0 + s1) + (s2 + s3)
		if beta == 0 {
			y[j*incy] = alpha * s
		} else {
			y[j*incy] = alpha*s + beta*y[j*incy]
		}
	}
}

// applyEpilogue applies ep to one row segment c of C whose row bias is
// rowBias (used when hasRow) and whose column biases are colBias (nil for
// none), with the elementwise kernels of v:
//
//	for j := range c {
//		c[j] = act((c[j] + rowBias) + colBias[j])
//	}
//
// It makes exactly the Vec calls a caller would make after an unfused
// product (AddScalar, Add, then the activation), so fused and unfused
// results are bit-identical on the same tier.
func applyEpilogue(v *Vec, c []float32, hasRow bool, rowBias float32, colBias []float32, ep *Epilogue) {
	if hasRow {
		v.AddScalar(c, c, rowBias)
	}
	if colBias != nil {
		v.Add(c, c, colBias[:len(c)])
	}
	switch ep.Act {
	case ActReLU:
		v.ReLU(c, c)
	case ActLeakyReLU:
		v.LeakyReLU(c, c, ep.Alpha)
	case ActSigmoid:
		v.Sigmoid(c, c)
	case ActTanh:
		v.Tanh(c, c)
	case ActClip:
		v.Clip(c, c, ep.Min, ep.Max)
	}
}

// gemmVec returns the elementwise kernels that tier t's epilogues use.
func gemmVec(t Tier) *Vec {
	if v, err := VecFor(t); err == nil {
		return v
	}
	v, _ := VecFor(Generic)
	return v
}
