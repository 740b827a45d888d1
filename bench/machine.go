package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"time"
	"unsafe"

	"github.com/latent-go/latent/asm"
)

// Machine describes where a benchmark ran.
type Machine struct {
	// CPU is the processor's model name with its family and model numbers,
	// from /proc/cpuinfo ("unknown" elsewhere).
	CPU string `json:"cpu"`
	// CPUs is the number of logical CPUs the process may use.
	CPUs int `json:"cpus"`
	// Go is the Go version, OSArch GOOS/GOARCH.
	Go     string `json:"go"`
	OSArch string `json:"os_arch"`
	// Kernels is latent's active kernel tier (avx512, avx2, ...).
	Kernels string `json:"kernels"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute load averages when the
	// description was taken: a sign of how busy the machine was.
	LoadAvg string `json:"loadavg,omitempty"`
}

// ReadMachine describes the machine the process runs on.
func ReadMachine() Machine {
	m := Machine{
		CPU:     "unknown",
		CPUs:    goruntime.NumCPU(),
		Go:      goruntime.Version(),
		OSArch:  goruntime.GOOS + "/" + goruntime.GOARCH,
		Kernels: asm.Active().String(),
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.CPU = CPUModel(f)
		f.Close()
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// Revision returns the VCS revision the running binary was built from,
// with "+dirty" when the tree had uncommitted changes, or "".
func Revision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}

// CPUModel returns the first processor's model name in /proc/cpuinfo text,
// with its family and model numbers when present ("AMD EPYC (family 26,
// model 2)"), or "unknown".
func CPUModel(cpuinfo io.Reader) string {
	var name, family, model string
	sc := bufio.NewScanner(cpuinfo)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" && name != "" {
			break // end of the first processor's block
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name":
			name = v
		case "cpu family":
			family = v
		case "model":
			model = v
		}
	}
	if name == "" {
		return "unknown"
	}
	if family != "" && model != "" {
		return fmt.Sprintf("%s (family %s, model %s)", name, family, model)
	}
	return name
}

// Bandwidth is a single core's measured read bandwidth over a buffer of a
// given size, in GB/s (1e9 bytes per second), from the fastest of several
// passes.
type Bandwidth struct {
	// Bytes is the size of the buffer read in each pass.
	Bytes int `json:"bytes"`
	// GoLoop is the bandwidth of a plain Go loop adding 8-byte words into
	// eight accumulators.
	GoLoop float64 `json:"go_loop_gbps"`
	// Vector is the bandwidth of latent's vectorised asm.Max (the active
	// tier's widest loads).
	Vector float64 `json:"vector_gbps"`
	// Passes is the number of passes of each kind.
	Passes int `json:"passes"`
}

// Best returns the higher of the two bandwidths: what the core can do.
func (b Bandwidth) Best() float64 { return max(b.GoLoop, b.Vector) }

// Bound returns the time to read n bytes at the best bandwidth: a lower
// bound on any computation that must read them once.
func (b Bandwidth) Bound(n int) time.Duration {
	if b.Best() <= 0 {
		return 0
	}
	return time.Duration(float64(n) / (b.Best() * 1e9) * float64(time.Second))
}

// ReadBandwidth measures the calling goroutine's read bandwidth over a
// buffer of n bytes (rounded up to 64), alternating passes of a Go loop and
// of the vectorised kernel and keeping the fastest of each. A buffer the
// size of a model's weights that fits in the last-level cache gives that
// cache's single-core bandwidth; a larger one gives memory's.
func ReadBandwidth(n, passes int) Bandwidth {
	n = max((n+63)/64*64, 64)
	passes = max(passes, 1)
	words := make([]uint64, n/8)
	for i := range words {
		// Small float32 bit patterns in both halves: finite for asm.Max.
		words[i] = uint64(i%1000)<<32 | uint64(i%997)
	}
	floats := unsafe.Slice((*float32)(unsafe.Pointer(&words[0])), n/4)
	var sink uint64
	var fsink float32
	// Touch everything once so the first timed pass is not a page-fault pass.
	sink += sumWords(words)
	bestGo, bestVec := time.Duration(1<<62), time.Duration(1<<62)
	for p := 0; p < passes; p++ {
		t0 := time.Now()
		sink += sumWords(words)
		bestGo = min(bestGo, time.Since(t0))
		t0 = time.Now()
		fsink += asm.Max(floats)
		bestVec = min(bestVec, time.Since(t0))
	}
	bandwidthSink = sink + uint64(fsink) // keep the reads live
	gbps := func(d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return float64(n) / d.Seconds() / 1e9
	}
	return Bandwidth{Bytes: n, GoLoop: gbps(bestGo), Vector: gbps(bestVec), Passes: passes}
}

// bandwidthSink receives ReadBandwidth's sums so the compiler keeps the
// loops that compute them.
var bandwidthSink uint64

// sumWords adds the words of b into eight independent accumulators, so
// that loads, not the add chain, limit it.
func sumWords(b []uint64) uint64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 uint64
	for len(b) >= 8 {
		s0 += b[0]
		s1 += b[1]
		s2 += b[2]
		s3 += b[3]
		s4 += b[4]
		s5 += b[5]
		s6 += b[6]
		s7 += b[7]
		b = b[8:]
	}
	for _, v := range b {
		s0 += v
	}
	return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
}
