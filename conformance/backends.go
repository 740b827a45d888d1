package conformance

import (
	"context"
	"errors"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
	"github.com/latent-go/latent/runtime/reference"
)

// Excepted lists the cases that load but whose expected outputs no
// implementation can reproduce: training-mode Dropout draws its mask from
// a random generator. (The zero-ratio training Dropout tests are
// deterministic and are not excepted: they must pass.)
var Excepted = map[string]string{
	"node/test_training_dropout":              "training-mode Dropout output is random",
	"node/test_training_dropout_mask":         "training-mode Dropout output is random",
	"node/test_training_dropout_default":      "training-mode Dropout output is random",
	"node/test_training_dropout_default_mask": "training-mode Dropout output is random",
}

// ReferenceBackend runs the suite on the importer and the reference
// evaluator.
func ReferenceBackend() Backend {
	return Backend{
		Load:        func(p string) (*ir.Graph, error) { return importer.Load(p) },
		Unsupported: func(err error) bool { return errors.Is(err, importer.ErrUnsupported) },
		ReadTensor:  func(p string) (*ir.Tensor, error) { return importer.ReadTensor(p) },
		Run:         reference.Run,
		Excepted:    Excepted,
	}
}

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
