package main

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
#include <immintrin.h>

// openblas_config and openblas_get_corename come from OpenBLAS's cblas.h.

static void sgemm_nn(int m, int n, int k, float *a, float *b, float *c) {
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}

// peak_fma runs iters iterations of 12 independent 256-bit (wide=0) or
// 512-bit (wide=1) FMAs: the core's multiply-add peak. The accumulators
// start from different values so that the compiler cannot merge the
// twelve identical recurrences into one (it does if they start equal).
__attribute__((target("avx2,fma"))) static float peak256(long iters) {
	__m256 a0 = _mm256_set1_ps(1), a1 = _mm256_set1_ps(2), a2 = _mm256_set1_ps(3), a3 = _mm256_set1_ps(4);
	__m256 a4 = _mm256_set1_ps(5), a5 = _mm256_set1_ps(6), a6 = _mm256_set1_ps(7), a7 = _mm256_set1_ps(8);
	__m256 a8 = _mm256_set1_ps(9), a9 = _mm256_set1_ps(10), a10 = _mm256_set1_ps(11), a11 = _mm256_set1_ps(12);
	__m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
	for (long i = 0; i < iters; i++) {
		a0 = _mm256_fmadd_ps(a0, x, y); a1 = _mm256_fmadd_ps(a1, x, y);
		a2 = _mm256_fmadd_ps(a2, x, y); a3 = _mm256_fmadd_ps(a3, x, y);
		a4 = _mm256_fmadd_ps(a4, x, y); a5 = _mm256_fmadd_ps(a5, x, y);
		a6 = _mm256_fmadd_ps(a6, x, y); a7 = _mm256_fmadd_ps(a7, x, y);
		a8 = _mm256_fmadd_ps(a8, x, y); a9 = _mm256_fmadd_ps(a9, x, y);
		a10 = _mm256_fmadd_ps(a10, x, y); a11 = _mm256_fmadd_ps(a11, x, y);
	}
	__m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
		_mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
	s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
	float o[8];
	_mm256_storeu_ps(o, s);
	return o[0];
}

__attribute__((target("avx512f"))) static float peak512(long iters) {
	__m512 a0 = _mm512_set1_ps(1), a1 = _mm512_set1_ps(2), a2 = _mm512_set1_ps(3), a3 = _mm512_set1_ps(4);
	__m512 a4 = _mm512_set1_ps(5), a5 = _mm512_set1_ps(6), a6 = _mm512_set1_ps(7), a7 = _mm512_set1_ps(8);
	__m512 a8 = _mm512_set1_ps(9), a9 = _mm512_set1_ps(10), a10 = _mm512_set1_ps(11), a11 = _mm512_set1_ps(12);
	__m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
	for (long i = 0; i < iters; i++) {
		a0 = _mm512_fmadd_ps(a0, x, y); a1 = _mm512_fmadd_ps(a1, x, y);
		a2 = _mm512_fmadd_ps(a2, x, y); a3 = _mm512_fmadd_ps(a3, x, y);
		a4 = _mm512_fmadd_ps(a4, x, y); a5 = _mm512_fmadd_ps(a5, x, y);
		a6 = _mm512_fmadd_ps(a6, x, y); a7 = _mm512_fmadd_ps(a7, x, y);
		a8 = _mm512_fmadd_ps(a8, x, y); a9 = _mm512_fmadd_ps(a9, x, y);
		a10 = _mm512_fmadd_ps(a10, x, y); a11 = _mm512_fmadd_ps(a11, x, y);
	}
	__m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
		_mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
	s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
	float o[16];
	_mm512_storeu_ps(o, s);
	return o[0];
}

static float peak_fma(long iters, int wide) {
	return wide ? peak512(iters) : peak256(iters);
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// openblasSgemm computes C = A·B (row-major, no transposes) with OpenBLAS.
func openblasSgemm(m, n, k int, a, b, c []float32) {
	C.sgemm_nn(C.int(m), C.int(n), C.int(k), (*C.float)(unsafe.Pointer(&a[0])),
		(*C.float)(unsafe.Pointer(&b[0])), (*C.float)(unsafe.Pointer(&c[0])))
}

// openblasSetThreads sets OpenBLAS's thread count.
func openblasSetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// openblasInfo returns OpenBLAS's configuration string and the name of the
// kernel family (core type) it chose.
func openblasInfo() (config, core string) {
	return strings.TrimSpace(C.GoString(C.openblas_get_config())), C.GoString(C.openblas_get_corename())
}

// peakFMA runs the C peak loop: iters iterations of 12 FMAs on 256-bit
// (wide false) or 512-bit vectors.
func peakFMA(iters int, wide bool) float32 {
	w := C.int(0)
	if wide {
		w = 1
	}
	return float32(C.peak_fma(C.long(iters), w))
}
