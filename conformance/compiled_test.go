package conformance

import (
	"context"
	"testing"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// CompiledBackend runs the suite through the compiler (all passes, IR
// verified between them) and the runtime.
func CompiledBackend(threads int) Backend {
	b := ReferenceBackend()
	b.Run = func(ctx context.Context, g *ir.Graph, inputs []*ir.Tensor) ([]*ir.Tensor, error) {
		m, err := compiler.Compile(g, compiler.Options{Debug: true})
		if err != nil {
			return nil, err
		}
		s := runtime.NewSession(m, runtime.Options{Threads: threads})
		defer s.Close()
		return s.Run(ctx, inputs)
	}
	return b
}

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
