package train

import (
	"fmt"

	"github.com/latent-go/latent/ir"
)

// LowerNames names the graph, its input and its output when a model is
// lowered; empty fields take defaults.
type LowerNames struct {
	Graph, Input, Output string
	// Batch is the symbolic name of the batch dimension (default "N").
	Batch string
}

// lowerLayers lowers a chain of dense layers to an ir.Graph with standard
// ONNX operators: each layer is a Gemm (transB = 1, the weight stored
// Out×In as trained; a tied layer reuses its partner's weight constant with
// transB = 0) followed by its activation node (Sigmoid, Tanh, Relu,
// LeakyRelu, Softmax over the last axis; nothing for Linear). The input is
// float32[N, In] with a symbolic batch N.
func lowerLayers(layers []*Dense, names LowerNames) (*ir.Graph, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("train: nothing to lower")
	}
	for l, d := range layers {
		if err := d.validate(fmt.Sprintf("layer %d", l)); err != nil {
			return nil, err
		}
		if l > 0 && d.In != layers[l-1].Out {
			return nil, fmt.Errorf("train: lower: layer %d input %d does not match previous output %d", l, d.In, layers[l-1].Out)
		}
	}
	if names.Graph == "" {
		names.Graph = "latent"
	}
	if names.Input == "" {
		names.Input = "input"
	}
	if names.Output == "" {
		names.Output = "output"
	}
	if names.Batch == "" {
		names.Batch = "N"
	}
	batch := ir.Sym(names.Batch)
	g := &ir.Graph{Name: names.Graph, SourceOpset: ir.Opset}
	x := &ir.Value{Name: names.Input, DType: ir.Float32, Shape: ir.Shape{batch, ir.D(layers[0].In)}}
	g.Inputs = []*ir.Value{x}
	consts := map[*Param]*ir.Value{}
	constant := func(p *Param, shape []int) *ir.Value {
		if v, ok := consts[p]; ok {
			return v
		}
		data := append([]float32(nil), p.Data...)
		v := &ir.Value{Name: p.Name, DType: ir.Float32, Shape: ir.StaticShape(shape...), Const: ir.Float32Tensor(shape, data)}
		consts[p] = v
		return v
	}
	cur := x
	for l, d := range layers {
		var w *ir.Value
		transB := int64(1)
		if d.Tied == nil {
			w = constant(d.W, []int{d.Out, d.In})
		} else {
			w = constant(d.Tied.W, []int{d.In, d.Out})
			transB = 0
		}
		b := constant(d.B, []int{d.Out})
		last := l == len(layers)-1
		name := func(s string) string {
			if last && (s == "act" || d.Act == Linear) {
				return names.Output
			}
			return fmt.Sprintf("layer%d.%s", l, s)
		}
		y := &ir.Value{Name: name("gemm"), DType: ir.Float32, Shape: ir.Shape{batch, ir.D(d.Out)}}
		g.Nodes = append(g.Nodes, &ir.Node{Name: fmt.Sprintf("layer%d/Gemm", l), Op: "Gemm",
			Inputs: []*ir.Value{cur, w, b}, Outputs: []*ir.Value{y}, Attrs: ir.Attrs{"transB": ir.IntAttr(transB)}})
		cur = y
		var op string
		attrs := ir.Attrs{}
		switch d.Act {
		case Linear:
		case Sigmoid:
			op = "Sigmoid"
		case Tanh:
			op = "Tanh"
		case ReLU:
			op = "Relu"
		case LeakyReLU:
			op = "LeakyRelu"
			attrs["alpha"] = ir.FloatAttr(d.LeakySlope)
		case Softmax:
			op = "Softmax"
			attrs["axis"] = ir.IntAttr(-1)
		default:
			return nil, fmt.Errorf("train: lower: layer %d has unsupported activation %v", l, d.Act)
		}
		if op != "" {
			h := &ir.Value{Name: name("act"), DType: ir.Float32, Shape: ir.Shape{batch, ir.D(d.Out)}}
			n := &ir.Node{Name: fmt.Sprintf("layer%d/%s", l, op), Op: op, Inputs: []*ir.Value{cur}, Outputs: []*ir.Value{h}}
			if len(attrs) > 0 {
				n.Attrs = attrs
			}
			g.Nodes = append(g.Nodes, n)
			cur = h
		}
	}
	g.Outputs = []*ir.Value{cur}
	if err := ir.InferShapes(g); err != nil {
		return nil, fmt.Errorf("train: lower: %w", err)
	}
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("train: lower: %w", err)
	}
	return g, nil
}

// Lower returns the network's forward pass (input to output activation)
// as an ir.Graph of standard ONNX operators; see LowerNames for naming.
func (n *Network) Lower(names LowerNames) (*ir.Graph, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return lowerLayers(n.Layers, names)
}

// Lower returns the autoencoder's reconstruction x -> x̂ as an ir.Graph
// named "autoencoder" with input "input" and output "reconstruction".
func (a *Autoencoder) Lower() (*ir.Graph, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return lowerLayers(a.Net.Layers, LowerNames{Graph: "autoencoder", Output: "reconstruction"})
}

// LowerEncoder returns the encoder x -> code as an ir.Graph named
// "encoder" with input "input" and output "code".
func (a *Autoencoder) LowerEncoder() (*ir.Graph, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return lowerLayers(a.Encoder(), LowerNames{Graph: "encoder", Output: "code"})
}

// Lower returns the classifier's class probabilities as an ir.Graph named
// "classifier" with input "input" and output "probabilities".
func (c *Classifier) Lower() (*ir.Graph, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return lowerLayers(c.Net.Layers, LowerNames{Graph: "classifier", Output: "probabilities"})
}

// Lower returns the stacked encoder x -> h(L)(x) as an ir.Graph named
// "stacked_encoder" with input "input" and output "code".
func (s *Stack) Lower() (*ir.Graph, error) {
	return lowerLayers(s.Layers, LowerNames{Graph: "stacked_encoder", Output: "code"})
}

// Lower returns the RBM's feature map v -> E[h | v] as an ir.Graph named
// "rbm" with input "input" and output "hidden".
func (r *RBM) Lower() (*ir.Graph, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return lowerLayers([]*Dense{r.Encoder()}, LowerNames{Graph: "rbm", Output: "hidden"})
}
