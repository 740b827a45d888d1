package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	goruntime "runtime"
	"slices"
	"time"
)

// A Runner performs one inference on fixed inputs.
type Runner interface {
	Run(ctx context.Context) error
}

// Options control Measure.
type Options struct {
	// Warmup is the number of untimed runs of each runner before timing
	// (default 0).
	Warmup int
	// Iters is the number of timed runs of each runner (default 100).
	Iters int
	// Budget, when positive, lowers Iters so that the timed runs of all
	// runners take about this long, estimated from the warm-up, but never
	// below MinIters.
	Budget time.Duration
	// MinIters is the least number of timed runs Budget allows (default
	// 20, or Iters if smaller).
	MinIters int
	// Chunk is the number of consecutive timed runs of one runner before
	// switching to the next (default: as many as take about 5 ms, at most
	// 25, at least 1).
	Chunk int
	// ThreadCPU also measures the CPU time of the calling OS thread over
	// each run (Linux only; Samples.CPU stays empty elsewhere), less the
	// cost of reading the clock, calibrated first. The measuring goroutine
	// is locked to its thread. For runners that compute
	// on the calling thread only (one intra-op thread), this is their run
	// time without the time other processes held the core: a measure that
	// a busy machine barely disturbs.
	ThreadCPU bool
}

// Samples are one runner's measurements.
type Samples struct {
	// Wall holds the wall-clock time of every timed run.
	Wall []time.Duration
	// CPU holds the calling thread's CPU time of every timed run (with
	// Options.ThreadCPU).
	CPU []time.Duration
}

// Chunk switches cost a little cache warmth; runs this short get one untimed
// settling run after each switch.
const settleBelow = 2 * time.Millisecond

// Measure times runs of every runner and returns the samples, one per
// runner, each with the same number of runs. The runners take turns in chunks of
// consecutive runs, the order of the turns reversed every round (A B, B A,
// A B, ...), so that a slow period of the machine — other processes on the
// same cores — hits all runners alike instead of whichever ran then. After
// a switch, runners faster than 2 ms get one untimed run so that the timed
// ones do not pay for the other runner's cache footprint.
func Measure(ctx context.Context, runners []Runner, opts Options) ([]Samples, error) {
	if len(runners) == 0 {
		return nil, errors.New("bench: no runners")
	}
	if opts.Iters <= 0 {
		opts.Iters = 100
	}
	if opts.MinIters <= 0 {
		opts.MinIters = 20
	}
	opts.MinIters = min(opts.MinIters, opts.Iters)

	// Warm up, interleaved too, and estimate each runner's time per run.
	est := make([]time.Duration, len(runners))
	warm := max(opts.Warmup, 1)
	times := make([]time.Duration, warm)
	for i, r := range runners {
		for k := 0; k < warm; k++ {
			t0 := time.Now()
			if err := r.Run(ctx); err != nil {
				return nil, fmt.Errorf("runner %d, warm-up run %d: %w", i, k, err)
			}
			times[k] = time.Since(t0)
		}
		est[i] = median(times)
	}

	iters := opts.Iters
	var total time.Duration
	slowest := time.Duration(0)
	for _, e := range est {
		total += e
		slowest = max(slowest, e)
	}
	if opts.Budget > 0 && total > 0 {
		fit := int(opts.Budget / total)
		iters = min(iters, max(fit, opts.MinIters))
	}
	chunk := opts.Chunk
	if chunk <= 0 {
		chunk = 25
		if slowest > 0 {
			chunk = int(min(25, max(1, int64(5*time.Millisecond/slowest))))
		}
	}

	out := make([]Samples, len(runners))
	for i := range out {
		out[i].Wall = make([]time.Duration, 0, iters)
	}
	cpuOK, cpuCost := false, time.Duration(0)
	if opts.ThreadCPU {
		goruntime.LockOSThread()
		defer goruntime.UnlockOSThread()
		cpuCost, cpuOK = threadCPUCost()
	}
	goruntime.GC()
	order := make([]int, len(runners))
	for round := 0; len(out[0].Wall) < iters; round++ {
		for i := range order {
			order[i] = i
		}
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, i := range order {
			r := runners[i]
			if len(runners) > 1 && est[i] < settleBelow {
				if err := r.Run(ctx); err != nil {
					return nil, fmt.Errorf("runner %d: %w", i, err)
				}
			}
			n := min(chunk, iters-len(out[i].Wall))
			for k := 0; k < n; k++ {
				var c0, c1 time.Duration
				if cpuOK {
					c0, _ = threadCPU()
				}
				t0 := time.Now()
				err := r.Run(ctx)
				d := time.Since(t0)
				if cpuOK {
					c1, _ = threadCPU()
				}
				if err != nil {
					return nil, fmt.Errorf("runner %d, run %d: %w", i, len(out[i].Wall), err)
				}
				out[i].Wall = append(out[i].Wall, d)
				if cpuOK {
					out[i].CPU = append(out[i].CPU, max(c1-c0-cpuCost, 0))
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// threadCPUCost returns the thread CPU time that reading the thread's CPU
// clock around a run adds to the reading (the median of back-to-back
// readings with the wall-clock reads in between), and whether the clock
// works.
func threadCPUCost() (time.Duration, bool) {
	if _, ok := threadCPU(); !ok {
		return 0, false
	}
	d := make([]time.Duration, 201)
	for i := range d {
		c0, _ := threadCPU()
		t0 := time.Now()
		_ = time.Since(t0)
		c1, _ := threadCPU()
		d[i] = c1 - c0
	}
	return median(d), true
}

// Stats summarise a sample of run times.
type Stats struct {
	N                      int
	Median, P90, Min, Mean time.Duration
}

// Summarize returns the statistics of d; d is not modified. The median of
// an even count is the mean of the middle two; P90 is the nearest-rank 90th
// percentile (the smallest value with at least 90% of the sample at or below
// it).
func Summarize(d []time.Duration) Stats {
	if len(d) == 0 {
		return Stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	rank := int(math.Ceil(0.9*float64(len(s)))) - 1
	return Stats{
		N:      len(s),
		Median: median(s),
		P90:    s[max(rank, 0)],
		Min:    s[0],
		Mean:   sum / time.Duration(len(s)),
	}
}

// median returns the median of d (sorting a copy).
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Micros returns d in microseconds.
func Micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
