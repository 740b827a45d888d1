package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/bench"
)

// operands holds one shape's matrices, made once per worker.
type operands struct {
	a, b, c []float32
	packed  map[string]*asm.PackedB // by tier
}

// serve answers requests, one JSON object per line, until in closes.
func serve(in io.Reader, out io.Writer) error {
	ops := map[shape]*operands{}
	gemms := map[string]*asm.Gemm{}
	sc := bufio.NewScanner(in)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		var q request
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return err
		}
		rep, err := handle(q, ops, gemms)
		if err != nil {
			rep.Err = err.Error()
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	return sc.Err()
}

func handle(q request, ops map[shape]*operands, gemms map[string]*asm.Gemm) (reply, error) {
	switch q.Op {
	case "info":
		cfg, core := openblasInfo()
		return reply{Config: cfg, Core: core, Machine: bench.ReadMachine().CPU}, nil
	case "bandwidth":
		return reply{GBPS: bench.ReadBandwidth(q.Bytes, 40).Best()}, nil
	case "peak":
		return peak(q), nil
	case "gemm":
	default:
		return reply{}, fmt.Errorf("unknown op %q", q.Op)
	}
	s := shape{q.M, q.N, q.K}
	o := ops[s]
	if o == nil {
		rng := rand.New(rand.NewPCG(1, 2))
		o = &operands{a: make([]float32, s.m*s.k), b: make([]float32, s.k*s.n), c: make([]float32, s.m*s.n),
			packed: map[string]*asm.PackedB{}}
		for i := range o.a {
			o.a[i] = rng.Float32()
		}
		for i := range o.b {
			o.b[i] = rng.Float32()
		}
		ops[s] = o
	}
	var f func()
	switch q.Engine {
	case "latent", "latent-packed":
		key := fmt.Sprintf("%s/%d", q.Tier, q.Threads)
		g := gemms[key]
		if g == nil {
			t, err := asm.ParseTier(q.Tier)
			if err != nil {
				return reply{}, err
			}
			if g, err = asm.NewGemm(t, q.Threads); err != nil {
				return reply{}, err
			}
			gemms[key] = g
		}
		if q.Engine == "latent" {
			f = func() {
				g.Sgemm(false, false, s.m, s.n, s.k, 1, o.a, s.k, o.b, s.n, 0, o.c, s.n, asm.Epilogue{})
			}
			break
		}
		pb := o.packed[q.Tier]
		if pb == nil {
			var err error
			if pb, err = g.PackB(false, s.k, s.n, o.b, s.n); err != nil {
				return reply{}, err
			}
			o.packed[q.Tier] = pb
		}
		f = func() { g.SgemmPacked(false, s.m, 1, o.a, s.k, pb, 0, o.c, s.n, asm.Epilogue{}) }
	case "gonum":
		impl := gonum.Implementation{}
		f = func() { impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, o.a, s.k, o.b, s.n, 0, o.c, s.n) }
	case "openblas":
		openblasSetThreads(q.Threads)
		f = func() { openblasSgemm(s.m, s.n, s.k, o.a, o.b, o.c) }
	default:
		return reply{}, fmt.Errorf("unknown engine %q", q.Engine)
	}
	best, mean := measure(f, time.Duration(q.DurMS)*time.Millisecond)
	return reply{BestNS: best, MeanNS: mean}, nil
}

// measure calls f for about d (at least two timed groups after a warm-up
// call) in groups lasting at least 20µs, and returns the fastest group's
// time per call and the mean time per call, in ns.
func measure(f func(), d time.Duration) (best, mean float64) {
	f()
	t0 := time.Now()
	f()
	one := time.Since(t0)
	reps := max(1, int(20*time.Microsecond/max(one, 1)))
	best = math.Inf(1)
	var total time.Duration
	calls := 0
	for groups := 0; groups < 2 || total < d; groups++ {
		t0 := time.Now()
		for range reps {
			f()
		}
		el := time.Since(t0)
		total += el
		calls += reps
		best = min(best, float64(el.Nanoseconds())/float64(reps))
	}
	return best, float64(total.Nanoseconds()) / float64(calls)
}

// peak runs the C FMA loop on q.Threads locked OS threads at once, all
// started together and stopped together, for windows of about 1 ms
// within q.DurMS (short, like the groups the GEMMs are timed in), and
// returns the best window's aggregate GFLOP/s
// (total multiply-adds of all threads over the window's wall time). On a
// shared machine the second core is not always free, so the two-thread
// aggregate can be well under twice the one-thread figure.
func peak(q request) reply {
	const iters = 1 << 10
	lanes := 8
	if q.Wide {
		lanes = 16
	}
	flops := float64(iters) * 12 * float64(lanes) * 2
	window := time.Millisecond
	best := 0.0
	for end := time.Now().Add(time.Duration(q.DurMS) * time.Millisecond); ; {
		var wg sync.WaitGroup
		counts := make([]int, q.Threads)
		start := make(chan struct{})
		for t := 0; t < q.Threads; t++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				<-start
				stop := time.Now().Add(window)
				for time.Now().Before(stop) {
					peakFMA(iters, q.Wide)
					counts[t]++
				}
			}()
		}
		t0 := time.Now()
		close(start)
		wg.Wait()
		el := time.Since(t0)
		total := 0
		for _, c := range counts {
			total += c
		}
		best = max(best, float64(total)*flops/float64(el.Nanoseconds()))
		if time.Now().After(end) {
			break
		}
	}
	return reply{GFLOPS: best}
}
