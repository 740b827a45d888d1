package runtime

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A Task is work split into parts that may run in parallel.
type Task interface {
	// Do performs part i of the work for frame f.
	Do(f *Frame, i int)
}

// A Pool runs the parts of a Task on a fixed set of worker goroutines plus
// the calling goroutine. It allocates nothing per call.
type Pool struct {
	threads int
	jobs    chan *job
	stop    chan struct{}
	once    sync.Once
}

// A job is one Pool.For call's shared state; every Frame owns one and
// reuses it. Parts are claimed dynamically (next), so a helper that starts
// late takes less work, and one that starts after the caller finished
// takes none and does not delay it: the caller waits only for helpers
// that are inside the job (active), and a helper enters only while the job
// is open.
type job struct {
	task   Task
	frame  *Frame
	parts  int64
	next   atomic.Int64
	active atomic.Int32
	closed atomic.Bool
}

// NewPool returns a pool that uses up to threads goroutines (the caller's
// included); threads < 1 means 1.
func NewPool(threads int) *Pool {
	if threads < 1 {
		threads = 1
	}
	p := &Pool{threads: threads, jobs: make(chan *job), stop: make(chan struct{})}
	for i := 1; i < threads; i++ {
		go p.worker()
	}
	return p
}

// Threads returns the pool's parallelism.
func (p *Pool) Threads() int { return p.threads }

// Close stops the workers. Calls to For after Close run on the caller
// only.
func (p *Pool) Close() {
	p.once.Do(func() { close(p.stop) })
}

func (p *Pool) worker() {
	for {
		select {
		case j := <-p.jobs:
			j.help()
		case <-p.stop:
			return
		}
	}
}

// help joins the job if it is still open. The job's fields are read only
// after the open check, which happens after the caller set them.
func (j *job) help() {
	j.active.Add(1)
	if !j.closed.Load() {
		j.work()
	}
	j.active.Add(-1)
}

func (j *job) work() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.parts {
			return
		}
		j.task.Do(j.frame, int(i))
	}
}

// For runs t.Do(f, i) for i in [0, n), on idle workers and the caller, and
// returns when all parts are done. Parts must not depend on each other.
func (p *Pool) For(f *Frame, n int, t Task) {
	if n <= 0 {
		return
	}
	if p.threads == 1 || n == 1 {
		for i := 0; i < n; i++ {
			t.Do(f, i)
		}
		return
	}
	j := &f.job
	j.task, j.frame, j.parts = t, f, int64(n)
	j.next.Store(0)
	j.closed.Store(false)
	// Offer the job to idle workers, at most one per extra part; busy
	// workers are not waited for.
	for k := 1; k < p.threads && k < n; k++ {
		select {
		case p.jobs <- j:
		default:
		}
	}
	j.work()
	// All parts are claimed. Close the job so that late helpers leave it
	// alone, then wait for the helpers still finishing a part.
	j.closed.Store(true)
	for j.active.Load() != 0 {
		runtime.Gosched()
	}
	j.task, j.frame = nil, nil
}
