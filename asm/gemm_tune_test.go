package asm

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGemmTune compares GEMM configurations (kernel shape × cache blocks)
// round-robin, keeping each one's fastest call, so that noise from other
// processes falls on all of them alike. It only runs when LATENT_GEMM_TUNE
// is set, to "tier:shape" lists such as
//
//	LATENT_GEMM_TUNE=avx512:256x1000x784 go test -run GemmTune -v ./asm
//
// with optional LATENT_GEMM_TUNE_KC and _MC (comma-separated) and _ROUNDS.
func TestGemmTune(t *testing.T) {
	spec := os.Getenv("LATENT_GEMM_TUNE")
	if spec == "" {
		t.Skip("set LATENT_GEMM_TUNE to run")
	}
	ints := func(env string, def []int) []int {
		s := os.Getenv(env)
		if s == "" {
			return def
		}
		var out []int
		for _, f := range strings.Split(s, ",") {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	kcs := ints("LATENT_GEMM_TUNE_KC", []int{0})
	mcs := ints("LATENT_GEMM_TUNE_MC", []int{0})
	rounds := ints("LATENT_GEMM_TUNE_ROUNDS", []int{60})[0]
	threads := ints("LATENT_GEMM_TUNE_THREADS", []int{1})
	packAs := ints("LATENT_GEMM_TUNE_PACKA", []int{0})
	directs := ints("LATENT_GEMM_TUNE_DIRECT", []int{0})
	budgets := ints("LATENT_GEMM_TUNE_BUDGET", []int{0})
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, item := range strings.Split(spec, ";") {
		ts, ss, _ := strings.Cut(item, ":")
		tier, err := ParseTier(ts)
		if err != nil {
			t.Fatal(err)
		}
		var s gemmBenchShape
		if _, err := fmt.Sscanf(ss, "%dx%dx%d", &s.m, &s.n, &s.k); err != nil {
			t.Fatal(err)
		}
		type cfg struct {
			name string
			g    *Gemm
			best float64
		}
		var cfgs []*cfg
		vs := gemmVariants(tier)
		if os.Getenv("LATENT_GEMM_TUNE_PICK") != "" {
			vs = []*gemmKernels{(&Gemm{vs: vs}).pick(s.m, s.n)}
		}
		for _, v := range vs {
			for _, kc := range kcs {
				for _, mc := range mcs {
					for _, th := range threads {
						for _, pa := range packAs {
							for _, dr := range directs {
								for _, bu := range budgets {
									kt := *v
									kt.packA = pa != 0
									kt.directRows = dr
									kt.packBudget = bu
									if kc > 0 {
										kt.kc = kc
									}
									if mc > 0 {
										kt.mc = max(mc/kt.mr, 1) * kt.mr
									}
									cfgs = append(cfgs, &cfg{name: fmt.Sprintf("%dx%d kc%d mc%d t%d packA=%v direct%d budget%d", kt.mr, kt.nr, kt.kc, kt.mc, th, kt.packA, kt.directRows, kt.packBudget),
										g: &Gemm{vs: []*gemmKernels{&kt}, threads: th}, best: math.Inf(1)})
								}
							}
						}
					}
				}
			}
		}
		A, B, C := gemmBenchData(s)
		for r := 0; r < rounds; r++ {
			for _, c := range cfgs {
				t0 := time.Now()
				c.g.Sgemm(false, false, s.m, s.n, s.k, 1, A, s.k, B, s.n, 0, C, s.n, Epilogue{})
				c.best = min(c.best, time.Since(t0).Seconds())
			}
		}
		sort.Slice(cfgs, func(i, j int) bool { return cfgs[i].best < cfgs[j].best })
		for _, c := range cfgs {
			t.Logf("%s %v %-24s %7.1f GFLOP/s", tier, s, c.name, s.flops()/c.best/1e9)
		}
	}
}
