package bench

import (
	"fmt"
	"io"
)

// WriteTextHeader writes the column heads of WriteText's lines; withORT
// adds ONNX Runtime's columns.
func WriteTextHeader(w io.Writer, withORT bool) {
	fmt.Fprintf(w, "%-16s %5s %2s %5s %11s %11s %11s", "model", "batch", "T", "runs", "median µs", "p90 µs", "samples/s")
	if withORT {
		fmt.Fprintf(w, " | %11s %11s %11s %6s %8s", "ORT med µs", "ORT p90 µs", "ORT smp/s", "ratio", "max|Δ|")
	}
	fmt.Fprintln(w)
}

// WriteText writes r as one line under WriteTextHeader's heads.
func WriteText(w io.Writer, r Result, withORT bool) {
	fmt.Fprintf(w, "%-16s %5d %2d %5d %11.1f %11.1f %11.0f", r.Model, r.Batch, r.Threads, r.Iters, r.MedianUS, r.P90US, r.SamplesPerS)
	if withORT {
		diff := "-"
		if r.MaxAbsDiff != nil {
			diff = fmt.Sprintf("%.1e", *r.MaxAbsDiff)
		}
		fmt.Fprintf(w, " | %11.1f %11.1f %11.0f %6.2f %8s", r.ORTMedianUS, r.ORTP90US, r.ORTSamplesPerS, r.Ratio, diff)
	}
	fmt.Fprintln(w)
}
