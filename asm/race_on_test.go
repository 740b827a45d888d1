//go:build race

package asm

// raceEnabled is true under the race detector, which allocates.
const raceEnabled = true
