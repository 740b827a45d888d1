package asm

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestParallelFor checks that the ranges ParallelFor hands out cover
// [0, n) exactly once, are at least grain long (unless n is shorter), and
// that concurrent calls from many goroutines do not mix.
func TestParallelFor(t *testing.T) {
	for _, tc := range []struct{ threads, n, grain int }{
		{1, 0, 1}, {2, 0, 1}, {2, 1, 1}, {2, 7, 16}, {2, 100, 1}, {2, 100, 30},
		{3, 1000, 1}, {4, 17, 4}, {8, 12345, 64}, {0, 999, 10},
	} {
		t.Run(fmt.Sprintf("threads=%d/n=%d/grain=%d", tc.threads, tc.n, tc.grain), func(t *testing.T) {
			for rep := 0; rep < 50; rep++ {
				seen := make([]atomic.Int32, tc.n)
				var short atomic.Int32
				ParallelFor(tc.threads, tc.n, tc.grain, func(lo, hi int) {
					if hi-lo < tc.grain && hi-lo < tc.n {
						short.Add(1)
					}
					for i := lo; i < hi; i++ {
						seen[i].Add(1)
					}
				})
				for i := range seen {
					if c := seen[i].Load(); c != 1 {
						t.Fatalf("index %d covered %d times", i, c)
					}
				}
				if s := short.Load(); s != 0 {
					t.Fatalf("%d ranges shorter than grain %d", s, tc.grain)
				}
			}
		})
	}
	// Concurrent callers, interleaved with multi-threaded products.
	var wg sync.WaitGroup
	g, err := NewGemm(Active(), 2)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := make([]float32, 64*64)
			out := make([]float32, 64*64)
			for rep := 0; rep < 100; rep++ {
				var sum atomic.Int64
				ParallelFor(2, 1000, 10, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						sum.Add(int64(i))
					}
				})
				if s := sum.Load(); s != 999*1000/2 {
					t.Errorf("sum %d, want %d", s, 999*1000/2)
					return
				}
				if err := g.Sgemm(false, false, 64, 64, 64, 1, a, 64, a, 64, 0, out, 64, Epilogue{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestParallelForAllocs checks that a warm call allocates nothing.
func TestParallelForAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	x := make([]float32, 1<<16)
	f := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i]++
		}
	}
	ParallelFor(2, len(x), 1024, f)
	if n := testing.AllocsPerRun(100, func() { ParallelFor(2, len(x), 1024, f) }); n != 0 {
		t.Errorf("%v allocations per call, want 0", n)
	}
}
