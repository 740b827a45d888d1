package asm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
	modeFor                     // ParallelFor: fn over parts of [0, forN)
)

// gemmJob is one call's problem, plan and scratch. Jobs are recycled
// through gemmJobs so that a warm call allocates nothing.
//
// Work is shared dynamically: the threads take B panels to pack from an
// atomic counter and work units (blocks of C) through takeUnit, each
// thread its own share first, so a helper goroutine that the OS schedules
// late simply takes less work, and one that has not started by the time
// the caller has finished everything is cancelled (see claim) instead of
// waited for.
type gemmJob struct {
	kt             *gemmKernels
	mode           gemmMode
	fn             func(lo, hi int) // modeFor
	forN, forParts int              // modeFor
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
	direct  bool // blocked: micro-kernels read B in place (no packing)
	directA bool // blocked: micro-kernels read A in place (no packing)
	stream  bool // blocked: B pre-packed and A read in place: see unitStream

	// The blocked path computes C in column blocks [jc0, jc1) of B; the
	// panels of a block are packed whole (all k rows) into bfull, unless
	// B is pre-packed or read in place. A block is cut into units of
	// unitRows rows × unitPanels panels.
	jc0, jc1   int
	ncb        int  // columns per block
	privateB   bool // several threads, several blocks: each thread packs whole blocks of its own
	unitRows   int
	unitPanels int
	rowUnits   int
	colUnits   int
	bfull      []float32
	nextPanel  atomic.Int64
	donePanels atomic.Int64
	// Work units are taken through taken (see takeUnit): taken[u] holds
	// the exec generation ugen in which unit u was taken.
	taken []atomic.Uint64
	ugen  uint64

	// Matrix-vector modes: x is the vector; y has stride incy.
	x    []float32
	incy int

	ws   []gemmWorkspace // per thread
	xbuf []float32       // gathered vector
	// claim[t] holds gen<<1 while thread slot t (t >= 1) is unclaimed in
	// call generation gen, and gen<<1|1 once a helper or the caller has
	// claimed it. Helpers read nothing else of a job before a claim
	// succeeds, so a helper that holds a stale job pointer is harmless.
	claim [gemmMaxThreads]atomic.Uint64
	gen   atomic.Uint64
	wg    sync.WaitGroup
}

// gemmWorkspace is one thread's private scratch.
type gemmWorkspace struct {
	abuf  []float32 // packed A block
	atile []float32 // the last, partial tile of A when A is read in place
	bbuf  []float32 // the edge panel of B when B is read in place
	tile  []float32 // MR×NR edge tile
	dot   [4]float32
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
	j.a, j.b, j.c, j.pb, j.x, j.vec, j.fn = nil, nil, nil, nil, nil, nil, nil
	j.ep = Epilogue{}
	gemmJobs.mu.Lock()
	gemmJobs.free = append(gemmJobs.free, j)
	gemmJobs.mu.Unlock()
}

// gemmGrow returns s resliced to n elements, reallocating when too short.
func gemmGrow(s []float32, n int) []float32 {
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
			j.xbuf = gemmGrow(j.xbuf, k)
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
		j.threads = min(maxT, gemmMaxThreads, max(1, k*n/g.work(gemvElemsPerThread)))
	case n == 1 && !transA:
		// One column: y[i] = A row i · op(B) column 0.
		switch {
		case pb != nil:
			j.xbuf = gemmGrow(j.xbuf, k)
			for p := range k {
				j.xbuf[p] = pb.data[p*pb.nr]
			}
			j.x = j.xbuf
		case !transB && ldb != 1:
			j.xbuf = gemmGrow(j.xbuf, k)
			for p := range k {
				j.xbuf[p] = b[p*ldb]
			}
			j.x = j.xbuf
		default:
			j.x = b[:k]
		}
		j.mode, j.incy = modeDot, ldc
		j.threads = min(maxT, gemmMaxThreads, max(1, k*m/g.work(gemvElemsPerThread)))
	default:
		j.mode = modeBlocked
		j.plan(maxT, g.work(gemmFlopsPerThread))
		j.runBlocked()
		putGemmJob(j)
		return
	}
	if len(j.ws) < j.threads {
		j.ws = append(j.ws, make([]gemmWorkspace, j.threads-len(j.ws))...)
	}
	j.reserveUnits(gemvChunks * j.threads)
	j.exec()
	putGemmJob(j)
}

// gemmDirectRows is the most rows of A for which B is read in place
// rather than packed: packing pays only when many rows reuse each packed
// panel (measured: M = 64 gained 25% in place, M = 256 was even, M = 1024
// lost 15-40%).
const gemmDirectRows = 256

// gemmDirectB is the largest B (in floats) read in place by any m.
const gemmDirectB = 32 << 10

// budget returns the bound on the floats of B packed at once: wider
// products are computed in column blocks that each fit. The default is
// the size of L2 (256 Ki floats for 1 MiB), which measured best from
// 256×1000×784 to 2048³ (whole-B packing lost 10-25% at 1024³ and 2048³).
func (kt *gemmKernels) budget() int {
	if kt.packBudget > 0 {
		return kt.packBudget
	}
	return max(Caches().L2/4, 64<<10)
}

// plan chooses threads, packing and work units of a blocked job, and
// sizes its scratch. The caller then runs blocks [jc0, jc1) of at most
// budget()/k columns.
func (j *gemmJob) plan(maxT, minFlops int) {
	kt := j.kt
	m, n, k := j.m, j.n, j.k
	MR, NR := kt.mr, kt.nr
	tm := (m + MR - 1) / MR
	flops := 2 * m * n * k
	T := max(1, min(maxT, gemmMaxThreads, flops/minFlops, tm*((n+NR-1)/NR)))
	j.threads = T
	// B is read in place when packing it would not pay: few rows of A
	// reuse it, or it is small enough to stay in L2 as it is.
	directRows := kt.directRows
	if directRows == 0 {
		directRows = gemmDirectRows
	}
	j.direct = j.pb == nil && !j.transB && directRows >= 0 && (m <= directRows || k*n <= gemmDirectB)
	j.directA = !kt.packedA && !kt.packA && !j.transA
	j.stream = j.pb != nil && j.directA

	// Column blocks: all of n when its packed B fits the budget.
	ncb := n
	if budget := kt.budget(); j.pb == nil && !j.direct && k*n > budget {
		ncb = max(budget/k/NR, 1) * NR
	}
	j.ncb = ncb
	panels := (min(ncb, n) + NR - 1) / NR
	// With several blocks and threads, each thread takes whole column
	// blocks, packs them into its own buffer (in its own core's L2) and
	// computes all rows against them: no thread ever waits for another
	// until the end. Otherwise the threads pack a block's panels together
	// and then share its work units: about four per thread so that a late
	// helper still gets a share; row units keep at least 8 tiles (so every
	// B panel loaded into L1 serves 8 tiles) and the rest of the split
	// goes to columns.
	j.privateB = T > 1 && ncb < n
	j.rowUnits, j.colUnits = 1, 1
	if T > 1 && !j.privateB {
		want := 4 * T
		j.rowUnits = max(1, min(want, tm/8))
		j.colUnits = max(1, min(panels, (want+j.rowUnits-1)/j.rowUnits))
	}
	j.unitRows = (tm + j.rowUnits - 1) / j.rowUnits * MR
	j.unitPanels = (panels + j.colUnits - 1) / j.colUnits

	kc := min(kt.kc, k)
	mc := min(kt.mc, j.unitRows)
	if len(j.ws) < T {
		j.ws = append(j.ws, make([]gemmWorkspace, T-len(j.ws))...)
	}
	for t := 0; t < T; t++ {
		w := &j.ws[t]
		if !j.directA {
			w.abuf = gemmGrow(w.abuf, mc*kc)
		}
		if j.stream {
			w.atile = gemmGrow(w.atile, MR*k)
		} else {
			w.atile = gemmGrow(w.atile, MR*kc)
		}
		w.tile = gemmGrow(w.tile, MR*NR)
		switch {
		case j.direct:
			w.bbuf = gemmGrow(w.bbuf, NR*kc)
		case j.privateB:
			w.bbuf = gemmGrow(w.bbuf, panels*NR*k)
		}
	}
	if j.pb == nil && !j.direct && !j.privateB {
		j.bfull = gemmGrow(j.bfull, panels*NR*k)
	}
}

// work returns the least work per thread: def unless a test overrode it.
func (g *Gemm) work(def int) int {
	if g.minWork > 0 {
		return g.minWork
	}
	return def
}

// runBlocked computes C block by block of columns (all at once when each
// thread packs blocks of its own).
func (j *gemmJob) runBlocked() {
	n, ncb := j.n, j.ncb
	if j.privateB {
		j.reserveUnits((n + j.kt.nr - 1) / j.kt.nr)
		j.exec()
		return
	}
	j.reserveUnits(j.rowUnits * j.colUnits)
	for j.jc0 = 0; j.jc0 < n; j.jc0 += ncb {
		j.jc1 = min(n, j.jc0+ncb)
		j.nextPanel.Store(0)
		j.donePanels.Store(0)
		j.exec()
	}
}

// reserveUnits makes room for n work units; the caller calls it before
// exec, while no helper can be in the job.
func (j *gemmJob) reserveUnits(n int) {
	if len(j.taken) < n {
		j.taken = make([]atomic.Uint64, max(n, 2*len(j.taken)))
		j.ugen = 0
	}
}

// takeUnit returns the next of n work units for thread t, or -1 when
// all are taken. Each thread first takes the units of its own share, the
// t-th of j.threads equal runs of [0, n), in order, then any unit left
// in the others' shares. Thread t is the same slot in every call (the
// caller is 0), so calls of the same shape give each thread the same
// columns of C, B and the epilogue as last time, whose data is then
// still in that core's caches (the two cores of the development machine
// share none); a helper that starts late still takes only what is left.
// *pos is the thread's position, 0 at the start of its work.
func (j *gemmJob) takeUnit(t, n int, pos *int) int {
	T := max(j.threads, 1)
	lo := t * n / T
	own := (t+1)*n/T - lo
	gen := j.ugen
	for *pos < n {
		i := *pos
		*pos++
		u := lo + i
		if i >= own {
			u = (lo + i) % n
		}
		if v := j.taken[u].Load(); v != gen && j.taken[u].CompareAndSwap(v, gen) {
			return u
		}
	}
	return -1
}

// exec runs the job on the caller and j.threads-1 helper goroutines.
func (j *gemmJob) exec() {
	j.ugen++
	T := j.threads
	if T <= 1 {
		j.work(0)
		return
	}
	gen := j.gen.Add(1)
	j.wg.Add(T - 1)
	for t := 1; t < T; t++ {
		j.claim[t].Store(gen << 1)
	}
	for t := 1; t < T; t++ {
		gemmDispatch(j)
	}
	j.work(0)
	// Cancel the slots no helper has claimed: all work is done.
	for t := 1; t < T; t++ {
		if j.claim[t].CompareAndSwap(gen<<1, gen<<1|1) {
			j.wg.Done()
		}
	}
	j.wg.Wait()
}

// work runs as thread t until no work is left.
func (j *gemmJob) work(t int) {
	switch j.mode {
	case modeGemv:
		j.workGemv(t)
	case modeDot:
		j.workDot(t)
	case modeFor:
		pos := 0
		for {
			u := j.takeUnit(t, j.forParts, &pos)
			if u < 0 {
				return
			}
			j.fn(u*j.forN/j.forParts, (u+1)*j.forN/j.forParts)
		}
	default:
		j.workBlocked(t)
	}
}

// gemvChunks is the number of pieces a matrix-vector product is cut
// into per thread.
const gemvChunks = 4

// gemmChunk returns piece u of [0, n) cut into parts pieces at multiples of q.
func gemmChunk(n, q, u, parts int) (int, int) {
	units := (n + q - 1) / q
	u0, u1 := u*units/parts, (u+1)*units/parts
	return min(n, u0*q), min(n, u1*q)
}

func (j *gemmJob) workGemv(t int) {
	kt := j.kt
	n, k := j.n, j.k
	y := j.c
	q := kt.gemvNR
	if j.pb != nil {
		q = j.pb.nr
	}
	parts := gemvChunks * j.threads
	pos := 0
	for {
		u := j.takeUnit(t, parts, &pos)
		if u < 0 {
			return
		}
		j0, j1 := gemmChunk(n, q, u, parts)
		if j0 >= j1 {
			continue
		}
		if j.pb != nil {
			for c0 := j0; c0 < j1; c0 += q {
				panel := j.pb.data[c0*k:]
				kt.gemv(k, &j.x[0], &panel[0], q, &y[c0], j.alpha, j.beta, min(q, n-c0))
			}
		} else {
			for c0 := j0; c0 < j1; c0 += q {
				kt.gemv(k, &j.x[0], &j.b[c0], j.ldb, &y[c0], j.alpha, j.beta, min(q, j1-c0))
			}
		}
		j.epilogueRow(0, j0, j1)
	}
}

func (j *gemmJob) workDot(t int) {
	// Rows of the matrix are B's (m == 1, transB) or A's (n == 1).
	mat, ld, rows := j.b, j.ldb, j.n
	if j.n == 1 && j.m > 1 {
		mat, ld, rows = j.a, j.lda, j.m
	}
	parts := gemvChunks * j.threads
	pos := 0
	for {
		u := j.takeUnit(t, parts, &pos)
		if u < 0 {
			return
		}
		r0, r1 := gemmChunk(rows, 4, u, parts)
		if r0 >= r1 {
			continue
		}
		gemvT(j.kt, j.k, j.x, mat[r0*ld:], ld, j.c[r0*j.incy:], j.incy, j.alpha, j.beta, r1-r0, &j.ws[t].dot)
		if !j.epOn {
			continue
		}
		if rows == j.n {
			j.epilogueRow(0, r0, r1)
			continue
		}
		for i := r0; i < r1; i++ {
			j.epilogueRow(i, 0, 1)
		}
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
	k, NR := j.k, kt.nr
	if j.privateB {
		// Take whole column blocks; pack each into this thread's buffer.
		// The blocks split the panels evenly, in a multiple of the
		// thread count when that keeps each within the budget (ncb), so
		// that no thread is left with a short last block.
		w := &j.ws[t]
		P, maxP := (j.n+NR-1)/NR, j.ncb/NR
		blocks := (P + maxP - 1) / maxP
		if r := blocks % j.threads; r != 0 {
			blocks = min(P, blocks+j.threads-r)
		}
		pos := 0
		for {
			b := j.takeUnit(t, blocks, &pos)
			if b < 0 {
				return
			}
			q0, q1 := b*P/blocks, (b+1)*P/blocks
			jc0, jc1 := q0*NR, min(j.n, q1*NR)
			packBPanels(j.transB, j.b, j.ldb, 0, k, jc0, jc1, NR, w.bbuf, kt.transpose8)
			j.unit(t, 0, j.m, jc0, 0, q1-q0, w.bbuf)
		}
	}
	panels := (j.jc1 - j.jc0 + NR - 1) / NR
	// With one row unit, every panel belongs to one work unit: the thread
	// that takes the unit packs its panels itself, just before it uses
	// them, so they are in its own caches and no thread waits for
	// another's packing.
	packOwn := j.pb == nil && !j.direct && j.rowUnits == 1
	if j.pb == nil && !j.direct && !packOwn {
		// Pack this block's panels of B, whole (all k rows), taking
		// them one at a time; then wait until all are packed.
		for {
			q := int(j.nextPanel.Add(1) - 1)
			if q >= panels {
				break
			}
			c0 := j.jc0 + q*NR
			packBPanels(j.transB, j.b, j.ldb, 0, k, c0, min(j.jc1, c0+NR), NR, j.bfull[q*NR*k:(q+1)*NR*k], kt.transpose8)
			j.donePanels.Add(1)
		}
		for i := 0; j.donePanels.Load() < int64(panels); i++ {
			if i > 64 {
				runtime.Gosched()
			}
		}
	}
	units := j.rowUnits * j.colUnits
	pos := 0
	for {
		u := j.takeUnit(t, units, &pos)
		if u < 0 {
			return
		}
		ru, cu := u/j.colUnits, u%j.colUnits
		r0, r1 := ru*j.unitRows, min(j.m, (ru+1)*j.unitRows)
		q0, q1 := cu*j.unitPanels, min(panels, (cu+1)*j.unitPanels)
		if r0 < r1 && q0 < q1 {
			if packOwn {
				c0, c1 := j.jc0+q0*NR, min(j.jc1, j.jc0+q1*NR)
				packBPanels(j.transB, j.b, j.ldb, 0, k, c0, c1, NR, j.bfull[q0*NR*k:q1*NR*k], kt.transpose8)
			}
			j.unit(t, r0, r1, j.jc0, q0, q1, j.bfull)
		}
	}
}

// unit computes rows [r0, r1) of C against panels [q0, q1) of the column
// block that starts at column jc0, over all of k: the BLIS loops pc (kc
// rows of B), ic (mc rows of A), jr (panels) and ir (register tiles).
// Packed panels of the block are in bblock (panel q at q*NR*k), unless B
// is pre-packed or read in place.
func (j *gemmJob) unit(t, r0, r1, jc0, q0, q1 int, bblock []float32) {
	if j.stream {
		j.unitStream(t, r0, r1, q0, q1)
		return
	}
	kt := j.kt
	MR, NR := kt.mr, kt.nr
	n, k := j.n, j.k
	w := &j.ws[t]
	for pc := 0; pc < k; pc += kt.kc {
		kcb := min(kt.kc, k-pc)
		first, last := pc == 0, pc+kcb == k
		beta := float32(1)
		if first {
			beta = j.beta
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
					// The kernel reads MR rows: copy the last, partial
					// tile so none is read past A's end.
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
				c0 := jc0 + q*NR
				nrr := min(NR, n-c0)
				// The B panel: kcb rows, ldb apart.
				var bp []float32
				var ldb int
				switch {
				case j.pb != nil:
					bp, ldb = j.pb.data[c0*k+pc*NR:], NR
				case j.direct && (nrr == NR || kt.partialN):
					bp, ldb = j.b[pc*j.ldb+c0:], j.ldb
				case j.direct:
					// Reading NR columns in place would run past B.
					packBPanels(false, j.b, j.ldb, pc, kcb, c0, n, NR, w.bbuf, nil)
					bp, ldb = w.bbuf, NR
				default:
					bp, ldb = bblock[q*NR*k+pc*NR:], NR
				}
				for ir := 0; ir < mcb; ir += MR {
					mrr := min(MR, mcb-ir)
					ap, lda := &abase[ir*astep], alda
					if j.directA && mrr < MR {
						ap, lda = &w.atile[0], kcb
					}
					ci := (ic+ir)*j.ldc + c0
					if nrr == NR || kt.partialN {
						kt.kern(kcb, ap, lda, &bp[0], ldb, &j.c[ci], j.ldc, j.alpha, beta, mrr, nrr, &bp[0])
					} else {
						kt.kern(kcb, ap, lda, &bp[0], ldb, &w.tile[0], NR, j.alpha, 0, mrr, NR, &bp[0])
						mergeTile(w.tile, NR, j.c[ci:], j.ldc, beta, mrr, nrr)
					}
				}
			}
			if last && j.epOn {
				// The block was just written and is still in cache: one
				// pass of the elementwise kernels over it.
				c0, c1 := jc0+q0*NR, min(n, jc0+q1*NR)
				for i := ic; i < ic+mcb; i++ {
					j.epilogueRow(i, c0, c1)
				}
			}
		}
	}
}

// gemmStreamEpilogue is the least number of columns of C that unitStream
// computes before it applies the epilogue to them.
const gemmStreamEpilogue = 256

// unitStream is unit for a pre-packed B and A read in place: the loops
// run panel by panel, and within a panel over all of k, so that every
// call reads the packed B once, front to back, in one linear pass (the
// weights of a compiled model, which come from L3 or memory), while the
// rows of A stay in L2 and a panel's column of C in L1. Rows are taken in
// blocks whose whole k columns of A fit in half of L2.
func (j *gemmJob) unitStream(t, r0, r1, q0, q1 int) {
	kt := j.kt
	MR, NR := kt.mr, kt.nr
	n, k := j.n, j.k
	w := &j.ws[t]
	rows := max(1, Caches().L2/2/(4*k)/MR) * MR
	if kt.streamRows > 0 {
		rows = kt.streamRows
	}
	// k is cut into as few blocks as keep a block of the panel within a
	// quarter of L2, of equal size: longer blocks than kt.kc, which suits
	// B packed once and streamed, measured 2-3% faster (fewer passes over
	// C and fewer restarts of the stream).
	kcMax := max(kt.kc, Caches().L2/4/(4*NR))
	if kt.streamKC > 0 {
		kcMax = kt.streamKC
	}
	nb := (k + kcMax - 1) / kcMax
	kc := (k + nb - 1) / nb
	for ic := r0; ic < r1; ic += rows {
		mcb := min(rows, r1-ic)
		full := mcb / MR * MR
		if full < mcb {
			// The kernel reads MR rows: copy the last, partial tile (all
			// of k) so that none is read past A's end.
			packARows(false, j.a, j.lda, ic+full, mcb-full, 0, k, MR, w.atile, nil)
		}
		epq := q0 // the first panel whose epilogue is pending
		for q := q0; q < q1; q++ {
			c0 := q * NR
			nrr := min(NR, n-c0)
			panel := j.pb.data[c0*k : (c0+NR)*k]
			for pc := 0; pc < k; pc += kc {
				kcb := min(kc, k-pc)
				beta := float32(1)
				if pc == 0 {
					beta = j.beta
				}
				bp := &panel[pc*NR]
				// The tiles prefetch the next kc·NR floats of B, which
				// follow this block (the next panel's first block after
				// the last), each its own slice of it, spread over its k
				// loop: the first tile of the next block then finds it in
				// cache instead of waiting for L3 or memory (measured
				// 8-12% faster at M = 64 on the deep autoencoder).
				next := c0*k + (pc+kcb)*NR
				end := min(q1*NR*k, len(j.pb.data))
				slice := kcb / 4 * 4 * kt.pfPerK
				for ir := 0; ir < mcb; ir += MR {
					mrr := min(MR, mcb-ir)
					pf := bp
					if o := next + ir/MR*slice; slice > 0 && o < end {
						pf = &j.pb.data[o]
					}
					ap, lda := &w.atile[pc], k
					if ir < full {
						ap, lda = &j.a[(ic+ir)*j.lda+pc], j.lda
					}
					ci := (ic+ir)*j.ldc + c0
					if nrr == NR || kt.partialN {
						kt.kern(kcb, ap, lda, bp, NR, &j.c[ci], j.ldc, j.alpha, beta, mrr, nrr, pf)
					} else {
						kt.kern(kcb, ap, lda, bp, NR, &w.tile[0], NR, j.alpha, 0, mrr, NR, pf)
						mergeTile(w.tile, NR, j.c[ci:], j.ldc, beta, mrr, nrr)
					}
				}
			}
			if j.epOn && ((q+1-epq)*NR >= gemmStreamEpilogue || q+1 == q1) {
				// These columns were just written and are still in cache.
				c0, c1 := epq*NR, min(n, (q+1)*NR)
				for i := ic; i < ic+mcb; i++ {
					j.epilogueRow(i, c0, c1)
				}
				epq = q + 1
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

// gemmMaxThreads bounds the threads of one call.
const gemmMaxThreads = 64

// Helper goroutines take jobs and claim a free thread slot of each. Free
// helpers block on gemmWork; gemmIdle counts them, minus the jobs queued
// for them. A dispatcher that finds no free helper starts one, up to
// gemmMaxHelpers. A helper that has just come free looks for its next
// job for gemmSpin before it blocks, yielding after every look; it never
// spins longer, because on a machine shared with other work a helper
// that spun without bound took the CPU from the threads doing the
// product, and measured slower.
var (
	gemmWork    = make(chan *gemmJob, 256)
	gemmIdle    atomic.Int64
	gemmHelpers atomic.Int64
	// A looking helper takes jobs from gemmHandoff first: a send on
	// gemmWork would go to a blocked helper if there is one, which takes
	// tens of microseconds to wake, while a looking one is already
	// running. gemmLooking counts the helpers looking.
	gemmHandoff atomic.Pointer[gemmJob]
	gemmLooking atomic.Int64
)

// gemmMaxHelpers bounds the helper goroutines: enough for a few
// concurrent multi-threaded calls.
func gemmMaxHelpers() int64 { return int64(min(4*runtime.GOMAXPROCS(0), cap(gemmWork))) }

func gemmDispatch(j *gemmJob) {
	// A job left in gemmHandoff by a helper that stopped looking is
	// harmless: the call that dispatched it has cancelled the slots no
	// helper claimed, so whoever takes it later finds none to claim, or
	// finds the slots of a later call of the same (recycled) job, which
	// it may then help with like any helper.
	if gemmLooking.Load() > 0 && gemmHandoff.CompareAndSwap(nil, j) {
		return
	}
	if gemmIdle.Add(-1) >= 0 {
		gemmWork <- j // a blocked helper was reserved
		return
	}
	if gemmHelpers.Add(1) <= gemmMaxHelpers() {
		gemmIdle.Add(1) // a new helper takes the job directly
		go gemmHelper(j)
		return
	}
	gemmHelpers.Add(-1)
	// Every helper is busy: queue the job. The reservation stays (gemmIdle
	// is below zero) and is met by the next helper to come free.
	gemmWork <- j
}

func gemmHelper(j *gemmJob) {
	for {
		// Claim a thread slot unless the caller has cancelled them all
		// (it finished the work alone) or the job's call is over.
		gen := j.gen.Load()
		for t := 1; t < gemmMaxThreads; t++ {
			if j.claim[t].CompareAndSwap(gen<<1, gen<<1|1) {
				j.work(t)
				j.wg.Done()
				break
			}
		}
		j = gemmNextJob()
	}
}

// gemmSpin is how long a helper that has just finished a job keeps
// looking for the next one before it blocks. A model runs its products
// back to back, a few microseconds apart; a blocked helper takes tens of
// microseconds to wake (the OS must schedule its thread again), which is
// longer than a small product takes, so the caller did most of the work
// alone. While it looks, the helper yields the processor after every
// look, so runnable goroutines (the caller's next step) are not delayed.
const gemmSpin = 50 * time.Microsecond

// gemmNextJob returns the calling free helper's next job.
func gemmNextJob() *gemmJob {
	gemmIdle.Add(1)
	gemmLooking.Add(1)
	start := time.Now()
	for time.Since(start) < gemmSpin {
		if j := gemmHandoff.Swap(nil); j != nil {
			gemmLooking.Add(-1)
			gemmIdle.Add(-1) // no dispatcher reserved this helper for it
			return j
		}
		select {
		case j := <-gemmWork:
			gemmLooking.Add(-1)
			return j
		default:
		}
		runtime.Gosched()
	}
	gemmLooking.Add(-1)
	return <-gemmWork
}
