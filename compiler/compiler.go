package compiler

import (
	"fmt"
	"io"
	"time"

	"github.com/latent-go/latent/ir"
)

// A Pass is one named graph transformation.
type Pass struct {
	Name string
	// Doc says what the pass does, one line.
	Doc string
	// Run transforms g in place.
	Run func(g *ir.Graph) error
	// Fusion marks passes that Options.NoFusion disables.
	Fusion bool
}

// Passes is the optimisation pipeline, in the order it runs. Ordering
// reasons:
//   - shapes are inferred first: folding and fusion consult them;
//   - constant folding runs before fusion, so that weights computed by
//     exporters (Transpose of a constant, say) are plain constants;
//   - identity elimination and dead-code elimination run before fusion so
//     that patterns are not hidden behind Identity/Dropout nodes;
//   - MatMul+Add becomes Gemm before BatchNormalization folding and
//     activation fusion, which both look for Gemm;
//   - BatchNormalization folds into its producer before activation fusion,
//     because the activation follows the BatchNormalization;
//   - shapes are inferred again last, for the fused operators.
var Passes = []Pass{
	{Name: "infer-shapes", Doc: "infer element types and (symbolic) shapes of every value", Run: ir.InferShapes},
	{Name: "fold-constants", Doc: "evaluate nodes whose inputs are all constant, and Shape/Size of static shapes", Run: FoldConstants},
	{Name: "eliminate-identity", Doc: "remove Identity, inference Dropout and no-op Reshape/Flatten/Squeeze/Unsqueeze", Run: EliminateIdentities},
	{Name: "eliminate-dead-code", Doc: "remove nodes whose outputs nobody reads; drop unread optional outputs", Run: EliminateDeadCode},
	{Name: "fuse-matmul-add", Doc: "MatMul by a constant matrix followed by Add of a bias becomes Gemm", Run: FuseMatMulAdd, Fusion: true},
	{Name: "fold-transpose-gemm", Doc: "Transpose of a Gemm operand folds into transA/transB", Run: FoldTransposeIntoGemm, Fusion: true},
	{Name: "fold-batchnorm", Doc: "BatchNormalization after Conv, ConvTranspose or Gemm folds into its weights and bias", Run: FoldBatchNorm, Fusion: true},
	{Name: "fuse-activation", Doc: "Gemm, Conv or ConvTranspose followed by an activation becomes one fused operator", Run: FuseActivation, Fusion: true},
	{Name: "eliminate-dead-code-2", Doc: "remove what fusion left behind", Run: EliminateDeadCode},
	{Name: "infer-shapes-2", Doc: "infer shapes of the fused operators", Run: ir.InferShapes},
}

// Options control compilation.
type Options struct {
	// Debug runs ir.Verify after every pass.
	Debug bool
	// NoFusion skips the fusion passes (for testing fused against unfused
	// execution).
	NoFusion bool
	// Dump, when non-nil, receives the text form of the graph after each
	// pass, headed by the pass name.
	Dump io.Writer
	// DumpMaxElements limits constants in dumps (0: 8).
	DumpMaxElements int
	// Timings, when non-nil, receives each pass's duration.
	Timings *[]PassTiming
}

// PassTiming is how long one pass took.
type PassTiming struct {
	Pass     string
	Duration time.Duration
}

// Optimize runs the pass pipeline on a copy of g and returns it. g itself
// is not modified; constant tensors are shared between the two graphs
// (passes make new constants rather than change existing ones).
func Optimize(g *ir.Graph, opts Options) (*ir.Graph, error) {
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("compile: input graph: %w", err)
	}
	g = shallowClone(g)
	for _, p := range Passes {
		if p.Fusion && opts.NoFusion {
			continue
		}
		start := time.Now()
		if err := runPass(p, g); err != nil {
			return nil, err
		}
		if opts.Timings != nil {
			*opts.Timings = append(*opts.Timings, PassTiming{p.Name, time.Since(start)})
		}
		if opts.Debug {
			if err := ir.Verify(g); err != nil {
				return nil, fmt.Errorf("compile: after pass %s: %w", p.Name, err)
			}
		}
		if opts.Dump != nil {
			max := opts.DumpMaxElements
			if max == 0 {
				max = 8
			}
			fmt.Fprintf(opts.Dump, "// after %s: %d nodes\n", p.Name, len(g.Nodes))
			if err := ir.Fprint(opts.Dump, g, ir.PrintOptions{MaxElements: max}); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

// runPass runs one pass and turns a panic inside it (a compiler bug) into
// an error naming the pass.
func runPass(p Pass, g *ir.Graph) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compile: pass %s panicked: %v", p.Name, r)
		}
	}()
	if err := p.Run(g); err != nil {
		return fmt.Errorf("compile: pass %s: %w", p.Name, err)
	}
	return nil
}
