// Package onnxgo lets latent act as a backend of
// github.com/owulveryck/onnx-go (v0.5.0), so that code written against
// onnx-go's API runs its models on latent:
//
//	backend := onnxgo.NewGraph()
//	model := onnx.NewModel(backend)
//	if err := model.UnmarshalBinary(data); err != nil { ... }
//	model.SetInput(0, input)          // a gorgonia.org/tensor Tensor
//	if err := backend.Run(); err != nil { ... }
//	outputs, err := model.GetOutputTensors()
//
// onnx-go describes the model to its backend as a gonum graph: one node
// per value, an edge from each operation's output to each of its inputs
// weighted by argument position, an ApplyOperation call per ONNX node and
// SetTensor calls carrying initializers and inputs. The Graph here records
// all that; Run turns it back into an ONNX model, imports it with latent's
// importer (so every opset upgrade and check applies) and evaluates it
// with latent's reference evaluator.
//
// Two limits come from onnx-go itself. It never passes the model's
// operator set to its backend, so Graph.Opset says which one to assume (by
// default it is guessed from attributes that only old operator versions
// have, else 17); set it when the model's opset is known and below 13,
// where Softmax's semantics changed without any attribute to tell. And
// it drops symbolic dimensions, so inputs are taken at whatever shape the
// tensors given to SetInput have (Run recompiles when a shape changes).
package onnxgo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/simple"
	"google.golang.org/protobuf/proto"
	"gorgonia.org/tensor"

	onnx "github.com/owulveryck/onnx-go"

	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

// Graph is an onnx-go backend (onnx.Backend and backend.ComputationBackend)
// that runs on latent. Use NewGraph; a Graph receives one model.
type Graph struct {
	// Opset is the ai.onnx operator set the model's nodes follow. Zero
	// means: guess from the attributes (see the package documentation).
	Opset int64

	nodes   []*Node
	edges   map[int64][]edge // from an operation's output to its inputs
	ops     []operation
	decoded bool // ApplyOperation has been called: onnx-go's decoding set every initializer before

	compiled *compiled
}

type edge struct {
	to int64
	w  float64
}

type operation struct {
	op      onnx.Operation
	outputs []int64
	inputs  []int64 // -1: omitted optional input
}

// compiled is the imported graph for one set of runtime inputs and their
// shapes.
type compiled struct {
	inputs []int64 // backend node of each g.Inputs entry
	shapes map[int64][]int
	g      *ir.Graph
	out    map[string]int64 // value name to backend node
}

// stale reports whether an input's shape changed since c was built.
func (c *compiled) stale(g *Graph) bool {
	for id, s := range c.shapes {
		t := g.nodes[id].t
		if t == nil || !slices.Equal([]int(t.Shape()), s) {
			return true
		}
	}
	return false
}

// NewGraph returns an empty backend.
func NewGraph() *Graph { return &Graph{edges: map[int64][]edge{}} }

var (
	_ onnx.Backend       = (*Graph)(nil)
	_ onnx.Namer         = (*Node)(nil)
	_ onnx.Documenter    = (*Node)(nil)
	_ onnx.DataCarrier   = (*Node)(nil)
	_ graph.WeightedEdge = simple.WeightedEdge{}
)

// Node is a value of the model: a graph input, an initializer, or an
// operation's output. It carries its tensor for onnx-go.
type Node struct {
	id    int64
	name  string
	doc   string
	t     tensor.Tensor
	g     *Graph
	input bool // its tensor was set after decoding: a runtime input
	early bool // its tensor was set during decoding: an initializer (or onnx-go's empty placeholder)
}

// ID returns the node's identifier (its creation index).
func (n *Node) ID() int64 { return n.id }

// SetName records the value's name.
func (n *Node) SetName(s string) { n.name = s }

// GetName returns the value's name.
func (n *Node) GetName() string { return n.name }

// SetDescription records a description.
func (n *Node) SetDescription(s string) { n.doc = s }

// GetDescription returns the description.
func (n *Node) GetDescription() string { return n.doc }

// SetTensor sets the node's tensor. Before any operation has been applied
// this is onnx-go delivering initializers (and placeholders for declared
// values); afterwards it is a caller setting an input.
func (n *Node) SetTensor(t tensor.Tensor) error {
	n.t = t
	if n.g == nil {
		return nil
	}
	if n.g.decoded {
		if !n.input {
			n.input = true
			n.g.compiled = nil
		}
	} else {
		n.early = true
	}
	return nil
}

// GetTensor returns the node's tensor: after Run, an operation output's
// computed value.
func (n *Node) GetTensor() tensor.Tensor { return n.t }

// NewNode returns a new node with the next identifier. onnx-go's
// Model.SetInput(i, ...) addresses the node with identifier i, so
// identifiers count from 0 in creation order.
func (g *Graph) NewNode() graph.Node {
	return &Node{id: int64(len(g.nodes)), g: g}
}

// AddNode adds a node made by NewNode. Nodes of other kinds, or with an
// identifier already in use, are ignored.
func (g *Graph) AddNode(n graph.Node) {
	nn, ok := n.(*Node)
	if !ok || nn.id != int64(len(g.nodes)) {
		return
	}
	nn.g = g
	g.nodes = append(g.nodes, nn)
	g.compiled = nil
}

// Node returns the node with the given identifier, or nil.
func (g *Graph) Node(id int64) graph.Node {
	if id < 0 || id >= int64(len(g.nodes)) {
		return nil
	}
	return g.nodes[id]
}

func (g *Graph) nodeList(ids []int64) graph.Nodes {
	if len(ids) == 0 {
		return graph.Empty
	}
	ns := make([]graph.Node, len(ids))
	for i, id := range ids {
		ns[i] = g.nodes[id]
	}
	return iterator.NewOrderedNodes(ns)
}

// Nodes returns all nodes in identifier order.
func (g *Graph) Nodes() graph.Nodes {
	ids := make([]int64, len(g.nodes))
	for i := range ids {
		ids[i] = int64(i)
	}
	return g.nodeList(ids)
}

// From returns the inputs of the operation whose output is node id.
func (g *Graph) From(id int64) graph.Nodes {
	var ids []int64
	for _, e := range g.edges[id] {
		if !slices.Contains(ids, e.to) {
			ids = append(ids, e.to)
		}
	}
	return g.nodeList(ids)
}

// To returns the operation outputs that read node id.
func (g *Graph) To(id int64) graph.Nodes {
	var ids []int64
	for from, es := range g.edges {
		for _, e := range es {
			if e.to == id && !slices.Contains(ids, from) {
				ids = append(ids, from)
			}
		}
	}
	slices.Sort(ids)
	return g.nodeList(ids)
}

// HasEdgeBetween reports whether an edge joins x and y either way.
func (g *Graph) HasEdgeBetween(x, y int64) bool {
	return g.HasEdgeFromTo(x, y) || g.HasEdgeFromTo(y, x)
}

// HasEdgeFromTo reports whether an edge leads from u to v.
func (g *Graph) HasEdgeFromTo(u, v int64) bool {
	for _, e := range g.edges[u] {
		if e.to == v {
			return true
		}
	}
	return false
}

// Edge returns the first edge from u to v, or nil.
func (g *Graph) Edge(u, v int64) graph.Edge {
	for _, e := range g.edges[u] {
		if e.to == v {
			return simple.WeightedEdge{F: g.nodes[u], T: g.nodes[v], W: e.w}
		}
	}
	return nil
}

// NewWeightedEdge returns an edge; SetWeightedEdge adds it.
func (g *Graph) NewWeightedEdge(from, to graph.Node, weight float64) graph.WeightedEdge {
	return simple.WeightedEdge{F: from, T: to, W: weight}
}

// SetWeightedEdge records that the operation producing e.From() reads
// e.To() as its argument number e.Weight(). Unlike a simple graph, the same
// pair may be joined more than once (Mul(x, x)).
func (g *Graph) SetWeightedEdge(e graph.WeightedEdge) {
	u, v := e.From().ID(), e.To().ID()
	if g.Node(u) == nil || g.Node(v) == nil {
		return
	}
	for _, old := range g.edges[u] {
		if old.to == v && old.w == e.Weight() {
			return
		}
	}
	g.edges[u] = append(g.edges[u], edge{v, e.Weight()})
	g.compiled = nil
}

// ApplyOperation records an ONNX node whose outputs are the given nodes;
// its inputs are the targets of the edges leaving its first output,
// ordered by weight.
func (g *Graph) ApplyOperation(op onnx.Operation, outputs ...graph.Node) error {
	if len(outputs) == 0 {
		return fmt.Errorf("onnxgo: operation %s without outputs", op.Name)
	}
	rec := operation{op: op}
	for _, o := range outputs {
		if g.Node(o.ID()) == nil {
			return fmt.Errorf("onnxgo: operation %s: output node %d was not added to the graph", op.Name, o.ID())
		}
		rec.outputs = append(rec.outputs, o.ID())
	}
	es := slices.Clone(g.edges[outputs[0].ID()])
	sort.SliceStable(es, func(i, j int) bool { return es[i].w < es[j].w })
	for _, e := range es {
		rec.inputs = append(rec.inputs, e.to)
	}
	g.ops = append(g.ops, rec)
	g.decoded = true
	g.compiled = nil
	return nil
}

// Run evaluates the model on the tensors given to SetInput and stores the
// result of every operation in its output nodes.
func (g *Graph) Run() error {
	if len(g.ops) == 0 {
		return errors.New("onnxgo: no model: call onnx.Model.UnmarshalBinary first")
	}
	if g.compiled == nil || g.compiled.stale(g) {
		c, err := g.compile()
		if err != nil {
			return err
		}
		g.compiled = c
	}
	c := g.compiled
	in := make([]*ir.Tensor, len(c.inputs))
	for i, id := range c.inputs {
		t, err := FromTensor(g.nodes[id].t)
		if err != nil {
			return fmt.Errorf("onnxgo: input %q: %w", g.nodes[id].name, err)
		}
		in[i] = t
	}
	out, err := reference.Run(context.Background(), c.g, in)
	if err != nil {
		return fmt.Errorf("onnxgo: %w", err)
	}
	for i, v := range c.g.Outputs {
		t, err := ToTensor(out[i])
		if err != nil {
			return fmt.Errorf("onnxgo: output %q: %w", v.Name, err)
		}
		g.nodes[c.out[v.Name]].t = t
	}
	return nil
}

// IR returns the latent graph that Run evaluates, built from what onnx-go
// delivered and the inputs set so far.
func (g *Graph) IR() (*ir.Graph, error) {
	if g.compiled == nil || g.compiled.stale(g) {
		c, err := g.compile()
		if err != nil {
			return nil, err
		}
		g.compiled = c
	}
	return g.compiled.g, nil
}

// compile rebuilds an ONNX model from the recorded graph and imports it.
func (g *Graph) compile() (*compiled, error) {
	produced := map[int64]bool{}
	for _, op := range g.ops {
		for _, o := range op.outputs {
			produced[o] = true
		}
	}
	used := map[int64]bool{}
	for _, op := range g.ops {
		for _, in := range op.inputs {
			used[in] = true
		}
	}
	// Names: onnx-go names nodes after their values; make sure every name
	// is unique and non-empty.
	names := make([]string, len(g.nodes))
	seen := map[string]bool{}
	for i, n := range g.nodes {
		name := n.name
		if name == "" || seen[name] {
			name = fmt.Sprintf("onnxgo_%d", i)
		}
		seen[name] = true
		names[i] = name
	}
	gp := &onnxpb.GraphProto{Name: proto.String("onnxgo")}
	c := &compiled{out: map[string]int64{}, shapes: map[int64][]int{}}
	for i, n := range g.nodes {
		id := int64(i)
		if produced[id] || !used[id] {
			continue
		}
		switch {
		case n.input:
			dt, err := dtypeOf(n.t)
			if err != nil {
				return nil, fmt.Errorf("onnxgo: input %q: %w", n.name, err)
			}
			// onnx-go drops symbolic dimensions, so the input is declared
			// with the shape it has now; Run recompiles when it changes.
			shape := &onnxpb.TensorShapeProto{}
			for _, d := range n.t.Shape() {
				shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
			}
			gp.Input = append(gp.Input, &onnxpb.ValueInfoProto{
				Name: proto.String(names[i]),
				Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(dt)), Shape: shape}}},
			})
			c.inputs = append(c.inputs, id)
			c.shapes[id] = slices.Clone([]int(n.t.Shape()))
		case n.early && n.t != nil:
			t, err := FromTensor(n.t)
			if err != nil {
				return nil, fmt.Errorf("onnxgo: initializer %q: %w", n.name, err)
			}
			tp, err := exporter.TensorProto(t, names[i])
			if err != nil {
				return nil, fmt.Errorf("onnxgo: initializer %q: %w", n.name, err)
			}
			gp.Initializer = append(gp.Initializer, tp)
		}
		// Otherwise the node has no tensor: an omitted optional input, or
		// the placeholder input onnx-go invents for input-less operations;
		// both are dropped below.
	}
	for k, op := range g.ops {
		np := &onnxpb.NodeProto{OpType: proto.String(op.op.Name), Name: proto.String(fmt.Sprintf("%s_%d", op.op.Name, k))}
		for _, in := range op.inputs {
			n := g.nodes[in]
			if produced[in] || n.input || (n.early && n.t != nil) {
				np.Input = append(np.Input, names[in])
			} else {
				np.Input = append(np.Input, "") // omitted, or onnx-go's placeholder
			}
		}
		for len(np.Input) > 0 && np.Input[len(np.Input)-1] == "" {
			np.Input = np.Input[:len(np.Input)-1]
		}
		for _, o := range op.outputs {
			np.Output = append(np.Output, names[o])
			// onnx-go does not tell the backend which values are the
			// model's outputs, so every operation output is one.
			gp.Output = append(gp.Output, &onnxpb.ValueInfoProto{Name: proto.String(names[o])})
			c.out[names[o]] = o
		}
		attrs, err := attributes(op.op)
		if err != nil {
			return nil, err
		}
		np.Attribute = attrs
		gp.Node = append(gp.Node, np)
	}
	opset := g.Opset
	if opset == 0 {
		opset = guessOpset(g.ops)
	}
	m := &onnxpb.ModelProto{
		IrVersion:   proto.Int64(exporter.IRVersion),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph:       gp,
	}
	ig, err := importer.FromModelProto(m)
	if err != nil {
		return nil, fmt.Errorf("onnxgo: %w", err)
	}
	// The importer keeps graph inputs in order; map them back.
	byName := map[string]int64{}
	for _, id := range c.inputs {
		byName[names[id]] = id
	}
	c.inputs = c.inputs[:0]
	for _, v := range ig.Inputs {
		c.inputs = append(c.inputs, byName[v.Name])
	}
	c.g = ig
	return c, nil
}

// attributes converts onnx-go's attribute map (sorted by name).
func attributes(op onnx.Operation) ([]*onnxpb.AttributeProto, error) {
	names := make([]string, 0, len(op.Attributes))
	for k := range op.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []*onnxpb.AttributeProto
	for _, name := range names {
		a := &onnxpb.AttributeProto{Name: proto.String(name)}
		switch v := op.Attributes[name].(type) {
		case float32:
			a.Type, a.F = onnxpb.AttributeProto_FLOAT.Enum(), proto.Float32(v)
		case int64:
			a.Type, a.I = onnxpb.AttributeProto_INT.Enum(), proto.Int64(v)
		case string:
			a.Type, a.S = onnxpb.AttributeProto_STRING.Enum(), []byte(v)
		case []float32:
			a.Type, a.Floats = onnxpb.AttributeProto_FLOATS.Enum(), slices.Clone(v)
		case []int64:
			a.Type, a.Ints = onnxpb.AttributeProto_INTS.Enum(), slices.Clone(v)
		case []string:
			a.Type = onnxpb.AttributeProto_STRINGS.Enum()
			for _, s := range v {
				a.Strings = append(a.Strings, []byte(s))
			}
		case tensor.Tensor:
			t, err := FromTensor(v)
			if err != nil {
				return nil, fmt.Errorf("onnxgo: %s attribute %q: %w", op.Name, name, err)
			}
			tp, err := exporter.TensorProto(t, "")
			if err != nil {
				return nil, fmt.Errorf("onnxgo: %s attribute %q: %w", op.Name, name, err)
			}
			a.Type, a.T = onnxpb.AttributeProto_TENSOR.Enum(), tp
		default:
			return nil, &onnx.ErrNotImplemented{Operator: op.Name, AttributeName: name, AttributeValue: v,
				Message: fmt.Sprintf("attribute of Go type %T", v)}
		}
		out = append(out, a)
	}
	return out, nil
}

// guessOpset picks the newest operator set consistent with attributes that
// only older operator versions have; 17 when nothing says otherwise.
func guessOpset(ops []operation) int64 {
	opset := int64(ir.Opset)
	limit := func(v int64) { opset = min(opset, v) }
	for _, op := range ops {
		has := func(a string) bool { _, ok := op.op.Attributes[a]; return ok }
		if has("consumed_inputs") {
			limit(5)
		}
		switch op.op.Name {
		case "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less", "Gemm":
			if has("broadcast") {
				limit(6)
			}
		case "Squeeze", "Unsqueeze", "ReduceSum":
			if has("axes") {
				limit(12)
			}
		case "Split":
			if has("split") {
				limit(12)
			}
		case "Clip":
			if has("min") || has("max") {
				limit(10)
			}
		case "Pad":
			if has("pads") || has("paddings") {
				limit(10)
			}
		case "Slice":
			if has("starts") {
				limit(9)
			}
		case "Reshape":
			if has("shape") {
				limit(4)
			}
		case "Upsample":
			limit(9)
		case "Dropout":
			if has("is_test") {
				limit(6)
			}
		case "BatchNormalization":
			if has("is_test") {
				limit(6)
			} else if has("spatial") {
				limit(8)
			}
		case "Cast":
			if _, ok := op.op.Attributes["to"].(string); ok {
				limit(5)
			}
		}
	}
	return opset
}
