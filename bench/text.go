package bench

import (
	"fmt"
	"io"
)

// WriteTextHeader writes the column heads of WriteText's lines; withORT
// adds ONNX Runtime's columns.
func WriteTextHeader(w io.Writer, withORT bool) {
	fmt.Fprintf(w, "%-16s %5s %2s %5s %11s %11s %11s %9s", "model", "batch", "T", "runs", "median µs", "p90 µs", "samples/s", "cpu µs")
	if withORT {
		fmt.Fprintf(w, " | %11s %11s %11s %9s %6s %6s %8s", "ORT med µs", "ORT p90 µs", "ORT smp/s", "ORT cpu", "ratio", "cpu r.", "max|Δ|")
	}
	fmt.Fprintln(w)
}

// WriteText writes r as one line under WriteTextHeader's heads. The cpu
// columns (thread CPU time per run, one-thread configurations only) show
// "-" when not measured.
func WriteText(w io.Writer, r Result, withORT bool) {
	fmt.Fprintf(w, "%-16s %5d %2d %5d %11.1f %11.1f %11.0f %9s", r.Model, r.Batch, r.Threads, r.Iters, r.MedianUS, r.P90US, r.SamplesPerS, dash(r.CPUMedianUS, "%.1f"))
	if withORT {
		diff := "-"
		if r.MaxAbsDiff != nil {
			diff = fmt.Sprintf("%.1e", *r.MaxAbsDiff)
		}
		fmt.Fprintf(w, " | %11.1f %11.1f %11.0f %9s %6.2f %6s %8s", r.ORTMedianUS, r.ORTP90US, r.ORTSamplesPerS, dash(r.ORTCPUMedianUS, "%.1f"), r.Ratio, dash(r.CPURatio, "%.2f"), diff)
	}
	fmt.Fprintln(w)
}

func dash(v float64, format string) string {
	if v <= 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}
