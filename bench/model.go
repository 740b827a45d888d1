package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// A Model is an ONNX model imported and compiled by latent, ready to time.
type Model struct {
	// Path is the file the model was read from.
	Path string
	// Name is a short name: the parent directory for a file named
	// model.onnx, the file name without extension otherwise.
	Name string
	// Graph is the imported graph; Compiled is the compiled model.
	Graph    *ir.Graph
	Compiled *compiler.Model
	// LoadTime is the time importer.Load took; CompileTime the time
	// compiler.Compile took.
	LoadTime, CompileTime time.Duration
	// WeightBytes is the size of all constant tensors of the imported
	// graph: what one inference must at least read.
	WeightBytes int
}

// Load imports and compiles the ONNX model at path with default options.
func Load(path string) (*Model, error) {
	return LoadWith(path, compiler.Options{})
}

// LoadWith imports the ONNX model at path and compiles it with opts.
func LoadWith(path string, opts compiler.Options) (*Model, error) {
	t0 := time.Now()
	g, err := importer.Load(path)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	cm, err := compiler.Compile(g, opts)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", path, err)
	}
	t2 := time.Now()
	m := &Model{Path: path, Name: ModelName(path), Graph: g, Compiled: cm, LoadTime: t1.Sub(t0), CompileTime: t2.Sub(t1)}
	for _, v := range g.Constants() {
		m.WeightBytes += v.Const.Bytes()
	}
	return m, nil
}

// ModelName returns the short name of the model file at path: its parent
// directory's name for a file named model.onnx (the layout of testdata/models),
// otherwise the file name without its extension.
func ModelName(path string) string {
	base := filepath.Base(path)
	if base == "model.onnx" {
		if dir := filepath.Base(filepath.Dir(path)); dir != "." && dir != string(filepath.Separator) {
			return dir
		}
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// InputShapes returns the concrete shape of every graph input of g, in
// order. A symbolic first dimension is the batch and becomes batch; a static
// first dimension must equal batch. Any other symbolic dimension must be
// given in dims, by its name; otherwise the error names it and the flag
// (--dim NAME=SIZE) that sets it.
func InputShapes(g *ir.Graph, batch int, dims map[string]int) ([][]int, error) {
	if batch < 1 {
		return nil, fmt.Errorf("batch %d: must be at least 1", batch)
	}
	shapes := make([][]int, len(g.Inputs))
	for i, v := range g.Inputs {
		if v.Shape == nil {
			return nil, fmt.Errorf("input %q has unknown rank; cannot make benchmark data for it", v.Name)
		}
		s := make([]int, len(v.Shape))
		for j, d := range v.Shape {
			switch {
			case d.Size >= 0:
				s[j] = d.Size
				if j == 0 && d.Size != batch {
					return nil, fmt.Errorf("input %q has a fixed batch dimension of %d; use --batch %d", v.Name, d.Size, d.Size)
				}
			case d.Param != "":
				if n, ok := dims[d.Param]; ok {
					s[j] = n
				} else if j == 0 {
					s[j] = batch
				} else {
					return nil, fmt.Errorf("input %q dimension %d is symbolic (%q), and only the first (batch) dimension is bound by --batch; set it with --dim %s=SIZE", v.Name, j, d.Param, d.Param)
				}
			default:
				if j == 0 {
					s[j] = batch
				} else {
					return nil, fmt.Errorf("input %q dimension %d is unknown (unnamed), and only the first (batch) dimension is bound by --batch; fix the model's input shape", v.Name, j)
				}
			}
			if s[j] < 1 {
				return nil, fmt.Errorf("input %q dimension %d: size %d must be at least 1", v.Name, j, s[j])
			}
		}
		shapes[i] = s
	}
	return shapes, nil
}

// RandomInputs returns one float32 tensor per graph input of g with the
// given shapes, filled with uniform values in [0, 1) from a PCG seeded with
// seed: the same seed gives the same data.
func RandomInputs(g *ir.Graph, shapes [][]int, seed uint64) ([]*ir.Tensor, error) {
	if len(shapes) != len(g.Inputs) {
		return nil, fmt.Errorf("%d shapes for %d inputs", len(shapes), len(g.Inputs))
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c6174656e74))
	ts := make([]*ir.Tensor, len(shapes))
	for i, v := range g.Inputs {
		if v.DType != ir.Float32 {
			return nil, fmt.Errorf("input %q has element type %v; benchmarks make float32 data only", v.Name, v.DType)
		}
		n := ir.NumElements(shapes[i])
		data := make([]float32, n)
		for k := range data {
			data[k] = rng.Float32()
		}
		ts[i] = ir.Float32Tensor(append([]int(nil), shapes[i]...), data)
	}
	return ts, nil
}

// A LatentRunner runs a model in a latent Session on fixed inputs into
// outputs it owns (Session.RunInto), the allocation-free path a service uses.
type LatentRunner struct {
	sess    *runtime.Session
	inputs  []*ir.Tensor
	outputs []*ir.Tensor
	// Plan is the plan for the inputs' shapes; PlanTime is how long the
	// first Session.PlanFor (building it) took.
	Plan     *runtime.Plan
	PlanTime time.Duration
}

// NewLatentRunner returns a runner of m on inputs with a new Session of
// the given intra-op thread count. It builds the plan for the inputs' shapes
// (timed in PlanTime). Close releases the session.
func (m *Model) NewLatentRunner(inputs []*ir.Tensor, threads int) (*LatentRunner, error) {
	sess := runtime.NewSession(m.Compiled, runtime.Options{Threads: threads})
	shapes := make([][]int, len(inputs))
	for i, t := range inputs {
		shapes[i] = t.Shape
	}
	t0 := time.Now()
	plan, err := sess.PlanFor(shapes)
	planTime := time.Since(t0)
	if err != nil {
		sess.Close()
		return nil, fmt.Errorf("plan %s for input shapes %v: %w", m.Name, shapes, err)
	}
	outputs := make([]*ir.Tensor, len(plan.Outputs))
	for i, b := range plan.Outputs {
		buf := plan.Buffers[b]
		t, err := ir.NewTensor(buf.DType, buf.Shape...)
		if err != nil {
			sess.Close()
			return nil, fmt.Errorf("output %q of %s: %w", buf.Name, m.Name, err)
		}
		outputs[i] = t
	}
	return &LatentRunner{sess: sess, inputs: inputs, outputs: outputs, Plan: plan, PlanTime: planTime}, nil
}

// Run executes the model once.
func (r *LatentRunner) Run(ctx context.Context) error {
	return r.sess.RunInto(ctx, r.inputs, r.outputs)
}

// Outputs returns the output tensors the last Run wrote.
func (r *LatentRunner) Outputs() []*ir.Tensor { return r.outputs }

// Close releases the session's worker goroutines.
func (r *LatentRunner) Close() { r.sess.Close() }
