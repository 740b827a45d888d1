//go:build race

package runtime_test

// raceEnabled is true under the race detector (which allocates, and slows
// the concurrency tests down).
const raceEnabled = true
