//go:build !linux

package bench

import "time"

// threadCPU reports that per-thread CPU time is not available here.
func threadCPU() (time.Duration, bool) { return 0, false }
