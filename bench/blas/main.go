// Command blas measures latent's SGEMM side by side with OpenBLAS and
// gonum, plus the machine's FMA peak and read bandwidth, and writes the
// SGEMM section of BENCHMARKS.md.
//
// Usage (from the repository root; make bench-blas runs the same):
//
//	(cd bench/blas && go run . -out ../../BENCHMARKS.md)
//
// It needs cgo and Debian's libopenblas-dev, which is why it is a module of
// its own: latent's main module stays pure Go.
//
// Every engine runs in a worker process of its own: latent and gonum in
// one (with OpenBLAS's thread pool disabled), and OpenBLAS once per kernel
// family it is asked to use (OPENBLAS_CORETYPE is read when the library
// loads). The parent interleaves the engines shape by shape for several
// rounds, so that noise from other processes falls on all of them alike,
// and keeps each engine's fastest group of calls. Between engines it waits
// briefly so that OpenBLAS's spinning threads go to sleep.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/bench"
)

// request is one command to a worker.
type request struct {
	Op      string `json:"op"` // gemm, peak, bandwidth, info
	Engine  string `json:"engine,omitempty"`
	Tier    string `json:"tier,omitempty"`
	Threads int    `json:"threads,omitempty"`
	M       int    `json:"m,omitempty"`
	N       int    `json:"n,omitempty"`
	K       int    `json:"k,omitempty"`
	DurMS   int    `json:"dur_ms,omitempty"`
	Bytes   int    `json:"bytes,omitempty"`
	Wide    bool   `json:"wide,omitempty"`
}

// reply is a worker's answer.
type reply struct {
	BestNS  float64 `json:"best_ns"` // fastest call (within a timed group)
	MeanNS  float64 `json:"mean_ns"`
	GFLOPS  float64 `json:"gflops,omitempty"`
	GBPS    float64 `json:"gbps,omitempty"`
	Config  string  `json:"config,omitempty"`
	Core    string  `json:"core,omitempty"`
	Machine string  `json:"machine,omitempty"`
	Err     string  `json:"err,omitempty"`
}

type shape struct{ m, n, k int }

func (s shape) String() string { return fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k) }
func (s shape) flops() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }

// shapes are issue 3's square sizes and autoencoder layers (M×N×K).
func shapes() []shape {
	var s []shape
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		s = append(s, shape{n, n, n})
	}
	for _, m := range []int{1, 64, 256} {
		for _, kn := range [][2]int{{784, 1000}, {1000, 500}, {500, 250}, {250, 30}} {
			s = append(s, shape{m, kn[1], kn[0]})
		}
	}
	return s
}

func main() {
	worker := flag.Bool("worker", false, "run as a worker (internal)")
	out := flag.String("out", "", "BENCHMARKS.md to update (default: print the section only)")
	rounds := flag.Int("rounds", 5, "interleaved rounds per shape")
	dur := flag.Duration("chunk", 40*time.Millisecond, "time per engine, shape and round")
	filter := flag.String("shapes", "", "only shapes whose MxNxK name contains this")
	flag.Parse()
	if *worker {
		if err := serve(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out, *rounds, *dur, *filter); err != nil {
		fmt.Fprintln(os.Stderr, "blas:", err)
		os.Exit(1)
	}
}

// proc is a worker process.
type proc struct {
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
}

func startWorker(name string, env ...string) (*proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-worker")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	o, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(o)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return &proc{name: name, cmd: cmd, in: in, out: sc}, nil
}

func (p *proc) call(r request) (reply, error) {
	b, _ := json.Marshal(r)
	if _, err := fmt.Fprintf(p.in, "%s\n", b); err != nil {
		return reply{}, fmt.Errorf("%s: %w", p.name, err)
	}
	if !p.out.Scan() {
		return reply{}, fmt.Errorf("%s: worker exited: %v", p.name, p.out.Err())
	}
	var rep reply
	if err := json.Unmarshal(p.out.Bytes(), &rep); err != nil {
		return reply{}, fmt.Errorf("%s: %w", p.name, err)
	}
	if rep.Err != "" {
		return rep, fmt.Errorf("%s: %s", p.name, rep.Err)
	}
	return rep, nil
}

func (p *proc) close() {
	p.in.Close()
	p.cmd.Wait()
}

// engine is one column of the tables.
type engine struct {
	name     string // column label
	p        *proc
	req      request
	openblas bool
	// only restricts the engine to some shapes.
	only func(shape) bool
}

// result collects an engine's measurements of one shape.
type result struct {
	best float64 // ns per call, fastest
	mean []float64
}

func run(outPath string, rounds int, chunk time.Duration, filter string) error {
	lat, err := startWorker("latent", "OPENBLAS_NUM_THREADS=1")
	if err != nil {
		return err
	}
	defer lat.close()
	obCores := []struct{ label, env string }{
		{"default", ""},
		{"Haswell", "OPENBLAS_CORETYPE=Haswell"},
		{"SkylakeX", "OPENBLAS_CORETYPE=SkylakeX"},
	}
	var engines []engine
	tiers := asm.Tiers()
	best := asm.Best()
	small := func(s shape) bool { return s.flops() <= 2*256*256*256 || s.m*s.n*s.k <= 256*1000*784 && s.m <= 64 }
	for _, th := range []int{1, 2} {
		for _, t := range tiers {
			e := engine{name: fmt.Sprintf("latent %s t%d", t, th), p: lat,
				req: request{Op: "gemm", Engine: "latent", Tier: t.String(), Threads: th}}
			if t == asm.Generic {
				e.only = small
			}
			engines = append(engines, e)
		}
		engines = append(engines, engine{name: fmt.Sprintf("latent packed %s t%d", best, th), p: lat,
			req: request{Op: "gemm", Engine: "latent-packed", Tier: best.String(), Threads: th}})
	}
	engines = append(engines, engine{name: "gonum t1", p: lat, req: request{Op: "gemm", Engine: "gonum", Threads: 1}})
	obInfo := map[string]reply{}
	for _, c := range obCores {
		env := []string{}
		if c.env != "" {
			env = append(env, c.env)
		}
		p, err := startWorker("openblas-"+c.label, env...)
		if err != nil {
			return err
		}
		defer p.close()
		info, err := p.call(request{Op: "info"})
		if err != nil {
			return err
		}
		obInfo[c.label] = info
		for _, th := range []int{1, 2} {
			engines = append(engines, engine{name: fmt.Sprintf("OpenBLAS %s t%d", c.label, th), p: p, openblas: true,
				req: request{Op: "gemm", Engine: "openblas", Threads: th}})
		}
	}
	info, err := lat.call(request{Op: "info"})
	if err != nil {
		return err
	}

	var shs []shape
	for _, s := range shapes() {
		if filter == "" || strings.Contains(s.String(), filter) {
			shs = append(shs, s)
		}
	}
	res := map[string]map[shape]*result{}
	for _, e := range engines {
		res[e.name] = map[shape]*result{}
	}
	peaks := map[string]float64{}
	var bw float64
	start := time.Now()
	load0 := loadAvg()
	for r := 0; r < rounds; r++ {
		// Peaks and bandwidth each round too: the machine's state drifts.
		for _, pk := range []struct {
			label   string
			wide    bool
			threads int
		}{{"avx2 1 core", false, 1}, {"avx512 1 core", true, 1}, {"avx2 2 cores", false, 2}, {"avx512 2 cores", true, 2}} {
			rep, err := lat.call(request{Op: "peak", Wide: pk.wide, Threads: pk.threads, DurMS: 100})
			if err != nil {
				return err
			}
			peaks[pk.label] = max(peaks[pk.label], rep.GFLOPS)
		}
		rep, err := lat.call(request{Op: "bandwidth", Bytes: 784 * 1000 * 4})
		if err != nil {
			return err
		}
		bw = max(bw, rep.GBPS)
		for _, s := range shs {
			for _, e := range engines {
				if e.only != nil && !e.only(s) {
					continue
				}
				q := e.req
				q.M, q.N, q.K, q.DurMS = s.m, s.n, s.k, int(chunk/time.Millisecond)
				rep, err := e.p.call(q)
				if err != nil {
					return err
				}
				x := res[e.name][s]
				if x == nil {
					x = &result{best: rep.BestNS}
					res[e.name][s] = x
				}
				x.best = min(x.best, rep.BestNS)
				x.mean = append(x.mean, rep.MeanNS)
				if e.openblas && e.req.Threads > 1 {
					// Let OpenBLAS's spinning threads go to sleep.
					time.Sleep(50 * time.Millisecond)
				}
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done (%v)\n", r+1, rounds, time.Since(start).Round(time.Second))
	}

	rep := &report{
		date: time.Now().UTC(), machine: info.Machine, goVersion: runtime.Version(),
		rounds: rounds, chunk: chunk, shapes: shs, engines: engines, res: res,
		peaks: peaks, bw: bw, obInfo: obInfo, best: best, tiers: tiers,
		load0: load0, load1: loadAvg(),
	}
	md := rep.markdown()
	if outPath == "" {
		os.Stdout.Write(md)
		return nil
	}
	os.Stdout.Write(md)
	return bench.UpdateSection(outPath, bench.SgemmBegin, bench.SgemmEnd, md)
}

// gflops returns engine e's best GFLOP/s on s, or 0.
func (r *report) gflops(e string, s shape) float64 {
	x := r.res[e][s]
	if x == nil || x.best <= 0 {
		return 0
	}
	return s.flops() / x.best
}

type report struct {
	date      time.Time
	machine   string
	goVersion string
	rounds    int
	chunk     time.Duration
	shapes    []shape
	engines   []engine
	res       map[string]map[shape]*result
	peaks     map[string]float64
	bw        float64
	obInfo    map[string]reply
	best      asm.Tier
	tiers     []asm.Tier
	// load0 and load1 are the 1-minute load averages at start and end.
	load0, load1 string
}

// loadAvg returns the 1-minute load average, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func sortedKeys(m map[string]reply) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
