package bench

import (
	"math"
	"time"

	"github.com/latent-go/latent/ir"
)

// A Result is one benchmark configuration's measurements: a model at one
// batch size and thread count, in latent and, optionally, in ONNX Runtime.
// Its JSON form is the output of `latent bench --json`, one object per line.
type Result struct {
	Model   string `json:"model"`
	Batch   int    `json:"batch"`
	Threads int    `json:"threads"`
	// Iters is the number of timed runs (of each engine).
	Iters int `json:"iters"`
	// Latency of latent's Session.RunInto, in microseconds, and throughput.
	MedianUS    float64 `json:"median_us"`
	P90US       float64 `json:"p90_us"`
	MinUS       float64 `json:"min_us"`
	SamplesPerS float64 `json:"samples_per_s"`
	// CompileMS is compiler.Compile plus the first Session.PlanFor of this
	// batch size; PlanMS is the PlanFor part.
	CompileMS float64 `json:"compile_ms"`
	PlanMS    float64 `json:"plan_ms"`
	// Memory plan of this batch size: peak arena, the sum of all
	// intermediate and output tensors, and the workspace within the arena.
	ArenaBytes     int `json:"arena_bytes"`
	NaiveBytes     int `json:"naive_bytes"`
	WorkspaceBytes int `json:"workspace_bytes"`
	// Steps is the number of kernel steps in the plan.
	Steps int `json:"steps"`
	// WeightBytes is the size of the model's constants.
	WeightBytes int `json:"weight_bytes"`
	// Kernels is latent's kernel tier.
	Kernels string `json:"kernels"`

	// ONNX Runtime's measurements of the same configuration, interleaved
	// with latent's, when compared (--vs-ort).
	ORTVersion     string  `json:"ort_version,omitempty"`
	ORTMedianUS    float64 `json:"ort_median_us,omitempty"`
	ORTP90US       float64 `json:"ort_p90_us,omitempty"`
	ORTMinUS       float64 `json:"ort_min_us,omitempty"`
	ORTSamplesPerS float64 `json:"ort_samples_per_s,omitempty"`
	// Ratio is latent's median over ONNX Runtime's: below 1, latent is
	// faster.
	Ratio float64 `json:"ratio,omitempty"`

	// With one thread, the median over runs of the calling thread's CPU
	// time per run, in microseconds: the run time without the time other
	// processes held the core. CPURatio is latent's over ONNX Runtime's.
	CPUMedianUS    float64 `json:"cpu_median_us,omitempty"`
	ORTCPUMedianUS float64 `json:"ort_cpu_median_us,omitempty"`
	CPURatio       float64 `json:"cpu_ratio,omitempty"`
	// MaxAbsDiff is the largest |latent - ONNX Runtime| over all output
	// elements, a check that both computed the same function.
	MaxAbsDiff *float64 `json:"max_abs_diff,omitempty"`
}

// SetLatent fills r's latent latency fields from latent's samples.
func (r *Result) SetLatent(samples Samples) {
	s := Summarize(samples.Wall)
	if len(samples.CPU) > 0 {
		r.CPUMedianUS = Micros(median(samples.CPU))
	}
	r.Iters = s.N
	r.MedianUS = Micros(s.Median)
	r.P90US = Micros(s.P90)
	r.MinUS = Micros(s.Min)
	r.SamplesPerS = throughput(r.Batch, s.Median)
}

// SetORT fills r's ONNX Runtime fields from its samples and computes the
// ratios (SetLatent first).
func (r *Result) SetORT(version string, samples Samples) {
	s := Summarize(samples.Wall)
	if len(samples.CPU) > 0 {
		r.ORTCPUMedianUS = Micros(median(samples.CPU))
		if r.ORTCPUMedianUS > 0 && r.CPUMedianUS > 0 {
			r.CPURatio = r.CPUMedianUS / r.ORTCPUMedianUS
		}
	}
	r.ORTVersion = version
	r.ORTMedianUS = Micros(s.Median)
	r.ORTP90US = Micros(s.P90)
	r.ORTMinUS = Micros(s.Min)
	r.ORTSamplesPerS = throughput(r.Batch, s.Median)
	if s.Median > 0 {
		r.Ratio = r.MedianUS / r.ORTMedianUS
	}
}

// SetPlan fills r's compile and memory-plan fields from a latent runner.
func (r *Result) SetPlan(m *Model, lr *LatentRunner) {
	r.CompileMS = millis(m.CompileTime + lr.PlanTime)
	r.PlanMS = millis(lr.PlanTime)
	r.ArenaBytes = lr.Plan.ArenaBytes
	r.NaiveBytes = lr.Plan.NaiveBytes
	r.WorkspaceBytes = lr.Plan.Workspace
	r.Steps = len(lr.Plan.Steps)
	r.WeightBytes = m.WeightBytes
}

func throughput(batch int, median time.Duration) float64 {
	if median <= 0 {
		return 0
	}
	return float64(batch) / median.Seconds()
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MaxAbsDiff returns the largest |a[i] - b[i]| over the float32 tensors a
// and b, which must have the same shapes; ok is false when they do not. A
// NaN on one side only counts as an infinite difference.
func MaxAbsDiff(a, b []*ir.Tensor) (diff float64, ok bool) {
	if len(a) != len(b) {
		return 0, false
	}
	for i := range a {
		if a[i] == nil || b[i] == nil || len(a[i].F32) != len(b[i].F32) || a[i].DType != ir.Float32 || b[i].DType != ir.Float32 {
			return 0, false
		}
		for k, x := range a[i].F32 {
			y := b[i].F32[k]
			d := float64(x) - float64(y)
			if d < 0 {
				d = -d
			}
			if x != x || y != y { // NaN
				if (x != x) != (y != y) {
					d = math.Inf(1)
				} else {
					d = 0
				}
			}
			diff = max(diff, d)
		}
	}
	return diff, true
}
