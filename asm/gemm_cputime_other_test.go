//go:build !linux

package asm

import "time"

// threadCPUTime is not available on this system.
func threadCPUTime() time.Duration { return 0 }
