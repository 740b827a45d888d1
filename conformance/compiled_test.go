package conformance

import (
	"testing"
)

// TestConformanceCompiled checks that the compiled path passes exactly
// the cases the reference evaluator passes.
func TestConformanceCompiled(t *testing.T) {
	ref := runSuite(t, ReferenceBackend())
	for _, threads := range []int{1, 2} {
		got := runSuite(t, CompiledBackend(threads))
		if a, b := Summarize(ref), Summarize(got); a != b {
			t.Errorf("threads=%d: compiled path %v, reference %v", threads, b, a)
		}
	}
}
