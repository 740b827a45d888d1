//go:build !race

package compiler_test

// raceEnabled is true under the race detector, which makes the
// differential tests run fewer graphs.
const raceEnabled = false
