package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Thresholds that decide how much parallelism and packing a call gets.
// They were measured on the development machine (see BENCHMARKS.md).
const (
	// gemmFlopsPerThread is the least work (2·m·n·k) worth a helper
	// goroutine in the blocked path.
	gemmFlopsPerThread = 3 << 20
	// gemvElemsPerThread is the least number of B elements worth a helper
	// goroutine in the matrix-vector paths.
	gemvElemsPerThread = 96 << 10
)

// gemmMode is the algorithm a job runs.
type gemmMode uint8

const (
	modeBlocked gemmMode = iota // packed, cache-blocked micro-kernels
	modeGemv                    // m == 1: one row against columns of B
	modeDot                     // dot products: y[j] = x · row j
)

// gemmJob is one call's problem, plan and scratch. Jobs are recycled
// through gemmJobs so that a warm call allocates nothing.
type gemmJob struct {
	kt             *gemmKernels
	mode           gemmMode
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	pb             *PackedB
	c              []float32
	ldc            int
	ep             Epilogue
	epOn           bool
	vec            *Vec // the epilogue's elementwise kernels

	threads int
	byRows  bool // blocked: threads split rows of C (else columns)
	direct  bool // blocked: micro-kernels read B in place (no packing)
	directA bool // blocked: micro-kernels read A in place (no packing)
	shareB  bool // blocked: threads pack B together, with a barrier

	// Matrix-vector modes: x is the vector, rows (dot) or columns (gemv)
	// are split among threads; y has stride incy.
	x    []float32
	incy int

	bbuf [2][]float32    // packed B blocks (double-buffered when shared)
	ws   []gemmWorkspace // per thread
	xbuf []float32       // gathered vector
	bar  gemmBarrier
	wg   sync.WaitGroup
}

// gemmWorkspace is one thread's private scratch.
type gemmWorkspace struct {
	abuf  []float32 // packed A block
	atile []float32 // the last, partial tile of A when A is read in place
	bbuf  []float32 // B panels when not shared
	tile  []float32 // MR×NR edge tile
}

var gemmJobs struct {
	mu   sync.Mutex
	free []*gemmJob
}

func getGemmJob() *gemmJob {
	gemmJobs.mu.Lock()
	var j *gemmJob
	if n := len(gemmJobs.free); n > 0 {
		j = gemmJobs.free[n-1]
		gemmJobs.free = gemmJobs.free[:n-1]
	}
	gemmJobs.mu.Unlock()
	if j == nil {
		j = new(gemmJob)
	}
	return j
}

func putGemmJob(j *gemmJob) {
	// Drop references to the caller's memory.
	j.a, j.b, j.c, j.pb, j.x, j.vec = nil, nil, nil, nil, nil, nil
	j.ep = Epilogue{}
	gemmJobs.mu.Lock()
	gemmJobs.free = append(gemmJobs.free, j)
	gemmJobs.mu.Unlock()
}

// grow returns s resliced to n elements, reallocating when too short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// run executes a validated product; exactly one of b and pb is set.
func (g *Gemm) run(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, pb *PackedB, beta float32, c []float32, ldc int, ep *Epilogue) {
	if m == 0 || n == 0 {
		return
	}
	var kt *gemmKernels
	if pb != nil {
		kt = g.variant(pb.nr)
	} else {
		kt = g.pick(m, n)
	}
	j := getGemmJob()
	j.ep, j.epOn = *ep, !ep.isZero()
	if j.epOn {
		j.vec = gemmVec(kt.tier)
	}
	if k == 0 || alpha == 0 {
		gemmScaleC(m, n, beta, c, ldc, j)
		putGemmJob(j)
		return
	}
	j.kt, j.transA, j.transB = kt, transA, transB
	j.m, j.n, j.k, j.alpha, j.beta = m, n, k, alpha, beta
	j.a, j.lda, j.b, j.ldb, j.pb, j.c, j.ldc = a, lda, b, ldb, pb, c, ldc
	maxT := g.Threads()

	switch {
	case m == 1:
		// One row: x = op(A) row 0.
		if transA && lda != 1 {
			j.xbuf = grow(j.xbuf, k)
			for p := range k {
				j.xbuf[p] = a[p*lda]
			}
			j.x = j.xbuf
		} else {
			j.x = a[:k]
		}
		if pb == nil && transB {
			j.mode, j.incy = modeDot, 1 // y[j] = x · B row j
		} else {
			j.mode = modeGemv
		}
		j.threads = min(maxT, max(1, k*n/g.work(gemvElemsPerThread)))
	case n == 1 && !transA:
		// One column: y[i] = A row i · op(B) column 0.
		switch {
		case pb != nil:
			j.xbuf = grow(j.xbuf, k)
			for p := range k {
				j.xbuf[p] = pb.data[p*pb.nr]
			}
			j.x = j.xbuf
		case !transB && ldb != 1:
			j.xbuf = grow(j.xbuf, k)
			for p := range k {
				j.xbuf[p] = b[p*ldb]
			}
			j.x = j.xbuf
		default:
			j.x = b[:k]
		}
		j.mode, j.incy = modeDot, ldc
		j.threads = min(maxT, max(1, k*m/g.work(gemvElemsPerThread)))
	default:
		j.mode = modeBlocked
		j.plan(maxT, g.work(gemmFlopsPerThread))
	}
	j.exec()
	putGemmJob(j)
}

// plan chooses threads, the split and the packing of a blocked job, and
// sizes its scratch.
func (j *gemmJob) plan(maxT, minFlops int) {
	kt := j.kt
	m, n, k := j.m, j.n, j.k
	tm := (m + kt.mr - 1) / kt.mr
	tn := (n + kt.nr - 1) / kt.nr
	flops := 2 * m * n * k
	T := min(maxT, max(1, flops/minFlops), max(tm, tn))
	T = max(T, 1)
	// Split the dimension that balances better; rows win ties because
	// the threads then share one packed copy of B.
	effR := float64(tm) / float64(T*((tm+T-1)/T))
	effC := float64(tn) / float64(T*((tn+T-1)/T))
	j.byRows = effR >= 0.95*effC
	j.direct = j.pb == nil && !j.transB && m <= kt.mc && m <= 4*kt.mr
	j.directA = !kt.packedA && !j.transA
	j.shareB = j.pb == nil && !j.direct && j.byRows && T > 1
	j.threads = T

	kc := min(kt.kc, k)
	nc := min(kt.nc, (n+kt.nr-1)/kt.nr*kt.nr)
	if len(j.ws) < T {
		j.ws = append(j.ws, make([]gemmWorkspace, T-len(j.ws))...)
	}
	rowsPerT := m
	if j.byRows {
		rowsPerT = (tm + T - 1) / T * kt.mr
	}
	mc := min(kt.mc, (rowsPerT+kt.mr-1)/kt.mr*kt.mr)
	for t := 0; t < T; t++ {
		w := &j.ws[t]
		if !j.directA {
			w.abuf = grow(w.abuf, mc*kc)
		}
		w.atile = grow(w.atile, kt.mr*kc)
		w.tile = grow(w.tile, kt.mr*kt.nr)
		switch {
		case j.direct:
			w.bbuf = grow(w.bbuf, kt.nr*kc) // the edge panel
		case j.pb == nil && !j.shareB:
			w.bbuf = grow(w.bbuf, nc*kc)
		}
	}
	if j.shareB {
		j.bbuf[0] = grow(j.bbuf[0], nc*kc)
		j.bbuf[1] = grow(j.bbuf[1], nc*kc)
		j.bar.reset(T)
	}
}

// work returns the least work per thread: def unless a test overrode it.
func (g *Gemm) work(def int) int {
	if g.minWork > 0 {
		return g.minWork
	}
	return def
}

// exec runs the job on j.threads goroutines: the caller and helpers from
// the worker pool.
func (j *gemmJob) exec() {
	if j.threads <= 1 {
		j.work(0)
		return
	}
	j.wg.Add(j.threads - 1)
	for t := 1; t < j.threads; t++ {
		gemmDispatch(gemmTask{j, t})
	}
	j.work(0)
	j.wg.Wait()
}

// work runs thread t's share of the job.
func (j *gemmJob) work(t int) {
	switch j.mode {
	case modeGemv:
		j.workGemv(t)
	case modeDot:
		j.workDot(t)
	default:
		j.workBlocked(t)
	}
}

// split returns part t of [0, n) cut into T parts at multiples of q.
func split(n, q, t, T int) (int, int) {
	units := (n + q - 1) / q
	u0, u1 := t*units/T, (t+1)*units/T
	return min(n, u0*q), min(n, u1*q)
}

func (j *gemmJob) workGemv(t int) {
	kt := j.kt
	n, k := j.n, j.k
	y := j.c
	if j.pb != nil {
		nr := j.pb.nr
		j0, j1 := split(n, nr, t, j.threads)
		for c0 := j0; c0 < j1; c0 += nr {
			w := min(nr, n-c0)
			panel := j.pb.data[c0*k:]
			kt.gemv(k, &j.x[0], &panel[0], nr, &y[c0], j.alpha, j.beta, w)
		}
		j.epilogueRow(0, j0, j1)
		return
	}
	q := kt.gemvNR
	j0, j1 := split(n, q, t, j.threads)
	for c0 := j0; c0 < j1; c0 += q {
		w := min(q, j1-c0)
		kt.gemv(k, &j.x[0], &j.b[c0], j.ldb, &y[c0], j.alpha, j.beta, w)
	}
	j.epilogueRow(0, j0, j1)
}

func (j *gemmJob) workDot(t int) {
	// Rows of the matrix are B's (m == 1, transB) or A's (n == 1).
	mat, ld, rows := j.b, j.ldb, j.n
	if j.n == 1 && j.m > 1 {
		mat, ld, rows = j.a, j.lda, j.m
	}
	r0, r1 := split(rows, 4, t, j.threads)
	if r0 >= r1 {
		return
	}
	gemvTGeneric(j.k, j.x, mat[r0*ld:], ld, j.c[r0*j.incy:], j.incy, j.alpha, j.beta, r1-r0)
	if !j.epOn {
		return
	}
	if rows == j.n {
		j.epilogueRow(0, r0, r1)
		return
	}
	for i := r0; i < r1; i++ {
		j.epilogueRow(i, 0, 1)
	}
}

// epilogueRow applies the epilogue to row i, columns [c0, c1) of C.
func (j *gemmJob) epilogueRow(i, c0, c1 int) {
	if !j.epOn || c0 >= c1 {
		return
	}
	var rb float32
	hasRow := j.ep.RowBias != nil
	if hasRow {
		rb = j.ep.RowBias[i]
	}
	var cb []float32
	if j.ep.ColBias != nil {
		cb = j.ep.ColBias[c0:c1]
	}
	applyEpilogue(j.vec, j.c[i*j.ldc+c0:i*j.ldc+c1], hasRow, rb, cb, &j.ep)
}

func (j *gemmJob) workBlocked(t int) {
	kt := j.kt
	MR, NR := kt.mr, kt.nr
	m, n, k := j.m, j.n, j.k
	T := j.threads
	w := &j.ws[t]
	r0, r1 := 0, m
	if j.byRows {
		r0, r1 = split(m, MR, t, T)
	}
	step := 0
	for jc := 0; jc < n; jc += kt.nc {
		ncb := min(kt.nc, n-jc)
		panels := (ncb + NR - 1) / NR
		q0, q1 := 0, panels
		if !j.byRows {
			q0, q1 = split(panels, 1, t, T)
		}
		for pc := 0; pc < k; pc += kt.kc {
			kcb := min(kt.kc, k-pc)
			first, last := pc == 0, pc+kcb == k
			beta := float32(1)
			if first {
				beta = j.beta
			}
			// Locate (or pack) the B panels of this block: panel q
			// starts at bsrc[q*bq] with rows bld apart.
			var bsrc []float32
			var bq, bld int
			switch {
			case j.pb != nil:
				bsrc, bq, bld = j.pb.data[jc*k+pc*NR:], NR*k, NR
			case j.direct:
				bsrc, bq, bld = j.b[pc*j.ldb+jc:], NR, j.ldb
			case j.shareB:
				buf := j.bbuf[step&1]
				s0, s1 := split(panels, 1, t, T)
				if s0 < s1 {
					packBPanels(j.transB, j.b, j.ldb, pc, kcb, jc+s0*NR, min(n, jc+s1*NR), NR, buf[s0*NR*kcb:], kt.transpose8)
				}
				j.bar.wait()
				bsrc, bq, bld = buf, NR*kcb, NR
			default:
				if q0 < q1 {
					packBPanels(j.transB, j.b, j.ldb, pc, kcb, jc+q0*NR, min(n, jc+q1*NR), NR, w.bbuf[q0*NR*kcb:], kt.transpose8)
				}
				bsrc, bq, bld = w.bbuf, NR*kcb, NR
			}
			step++
			if q0 >= q1 {
				continue
			}
			for ic := r0; ic < r1; ic += kt.mc {
				mcb := min(kt.mc, r1-ic)
				// A tile ir starts at abase[ir*astep] with rows alda apart.
				var abase []float32
				var astep, alda int
				switch {
				case j.directA:
					abase, astep, alda = j.a[ic*j.lda+pc:], j.lda, j.lda
					if mcb%MR != 0 {
						// The kernel reads MR rows: copy the last,
						// partial tile so none is read past A's end.
						ir := mcb / MR * MR
						packARows(false, j.a, j.lda, ic+ir, mcb-ir, pc, kcb, MR, w.atile, nil)
					}
				case kt.packedA:
					packAInterleaved(j.transA, j.a, j.lda, ic, mcb, pc, kcb, MR, w.abuf)
					abase, astep, alda = w.abuf, kcb, MR
				default:
					packARows(j.transA, j.a, j.lda, ic, mcb, pc, kcb, MR, w.abuf, kt.transpose8)
					abase, astep, alda = w.abuf, kcb, kcb
				}
				for q := q0; q < q1; q++ {
					c0 := jc + q*NR
					nrr := min(NR, n-c0)
					bp, ldb := bsrc[q*bq:], bld
					if j.direct && nrr < NR && !kt.partialN {
						// Reading NR columns in place would run past B.
						packBPanels(false, j.b, j.ldb, pc, kcb, c0, n, NR, w.bbuf, nil)
						bp, ldb = w.bbuf, NR
					}
					for ir := 0; ir < mcb; ir += MR {
						mrr := min(MR, mcb-ir)
						ap, lda := &abase[ir*astep], alda
						if j.directA && mrr < MR {
							ap, lda = &w.atile[0], kcb
						}
						ci := (ic+ir)*j.ldc + c0
						if nrr == NR || kt.partialN {
							kt.kern(kcb, ap, lda, &bp[0], ldb, &j.c[ci], j.ldc, j.alpha, beta, mrr, nrr)
						} else {
							kt.kern(kcb, ap, lda, &bp[0], ldb, &w.tile[0], NR, j.alpha, 0, mrr, NR)
							mergeTile(w.tile, NR, j.c[ci:], j.ldc, beta, mrr, nrr)
						}
					}
				}
				if last && j.epOn {
					// The block was just written and is still in L2:
					// one pass of the elementwise kernels over it.
					c0, c1 := jc+q0*NR, min(n, jc+q1*NR)
					for i := ic; i < ic+mcb; i++ {
						j.epilogueRow(i, c0, c1)
					}
				}
			}
		}
	}
}

// mergeTile sets c = tile + beta·c over an mr×nr window (c not read when
// beta is zero).
func mergeTile(tile []float32, ldt int, c []float32, ldc int, beta float32, mr, nr int) {
	for i := 0; i < mr; i++ {
		src := tile[i*ldt : i*ldt+nr]
		dst := c[i*ldc : i*ldc+nr]
		if beta == 0 {
			copy(dst, src)
			continue
		}
		for jj, v := range src {
			dst[jj] = v + beta*dst[jj]
		}
	}
}

// gemmScaleC sets C = beta·C (C not read when beta is zero) and applies
// j's epilogue: the whole product when k or alpha is zero.
func gemmScaleC(m, n int, beta float32, c []float32, ldc int, j *gemmJob) {
	ep := &j.ep
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for jj := range row {
				row[jj] *= beta
			}
		}
		if j.epOn {
			var rb float32
			if ep.RowBias != nil {
				rb = ep.RowBias[i]
			}
			var cb []float32
			if ep.ColBias != nil {
				cb = ep.ColBias[:n]
			}
			applyEpilogue(j.vec, row, ep.RowBias != nil, rb, cb, ep)
		}
	}
}

// gemmTask is one helper's share of a job.
type gemmTask struct {
	j *gemmJob
	t int
}

// gemmWork feeds idle helper goroutines. It is unbuffered, so a send
// succeeds only when a helper is waiting; otherwise gemmDispatch starts a
// new one. Helpers live for the rest of the process and never hold more
// than one task.
var gemmWork = make(chan gemmTask)

func gemmDispatch(task gemmTask) {
	select {
	case gemmWork <- task:
	default:
		go gemmHelper(task)
	}
}

func gemmHelper(task gemmTask) {
	for {
		task.j.work(task.t)
		task.j.wg.Done()
		task = <-gemmWork
	}
}

// gemmBarrier is a reusable barrier for the threads of one job. Waiters
// spin briefly (the threads' work is balanced) and then yield.
type gemmBarrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Uint32
}

func (b *gemmBarrier) reset(n int) {
	b.n = int32(n)
	b.count.Store(0)
}

func (b *gemmBarrier) wait() {
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.gen.Add(1)
		return
	}
	for i := 0; b.gen.Load() == g; i++ {
		if i > 64 {
			runtime.Gosched()
		}
	}
}
