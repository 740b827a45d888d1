package compiler

import (
	"fmt"
	"maps"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

// Domain is the operator domain of latent's compiler-internal fused
// operators. Graphs holding them are not exported to ONNX.
const Domain = "latent"

// The fused operators: the base operator's inputs and attributes, plus
//
//	activation        string: "Relu", "LeakyRelu", "Sigmoid", "Tanh",
//	                  "Clip" or "HardSigmoid"
//	activation_alpha  float: LeakyRelu's and HardSigmoid's alpha, Clip's min
//	activation_beta   float: HardSigmoid's beta, Clip's max
//
// applied to the base operator's output.
var fusedBase = map[string]string{
	"FusedGemm":          "Gemm",
	"FusedConv":          "Conv",
	"FusedConvTranspose": "ConvTranspose",
}

// fusableActivations lists the activations the fused operators accept.
var fusableActivations = map[string]bool{
	"Relu": true, "LeakyRelu": true, "Sigmoid": true, "Tanh": true, "Clip": true, "HardSigmoid": true,
}

func init() {
	for fused, base := range fusedBase {
		bs, ok := ir.LookupSchema("", base)
		if !ok {
			panic("compiler: base operator " + base + " has no schema")
		}
		attrs := maps.Clone(bs.Attrs)
		if attrs == nil {
			attrs = map[string]ir.AttrSpec{}
		}
		attrs["activation"] = ir.AttrSpec{Kind: ir.AttrString, Required: true}
		attrs["activation_alpha"] = ir.AttrSpec{Kind: ir.AttrFloat}
		attrs["activation_beta"] = ir.AttrSpec{Kind: ir.AttrFloat}
		infer := bs.Infer
		ir.Register(&ir.Schema{
			Op: fused, Domain: Domain,
			MinInputs: bs.MinInputs, MaxInputs: bs.MaxInputs,
			MinOutputs: 1, MaxOutputs: 1,
			Attrs: attrs,
			Infer: func(n *ir.Node) error {
				if act := n.Attrs.String("activation", ""); !fusableActivations[act] {
					return fmt.Errorf("unknown fused activation %q", act)
				}
				return infer(n)
			},
		})
		reference.Register(Domain, fused, fusedReference(base))
	}
}

// fusedReference evaluates a fused operator as its base operator followed
// by its activation, with the reference kernels.
func fusedReference(base string) reference.Kernel {
	return func(n *ir.Node, inputs []*ir.Tensor) ([]*ir.Tensor, error) {
		bk, ok := reference.KernelFor("", base)
		if !ok {
			return nil, fmt.Errorf("no reference kernel for %s", base)
		}
		bn := &ir.Node{Name: n.Name, Op: base, Inputs: n.Inputs, Outputs: n.Outputs, Attrs: ir.Attrs{}}
		for k, v := range n.Attrs {
			if k != "activation" && k != "activation_alpha" && k != "activation_beta" {
				bn.Attrs[k] = v
			}
		}
		out, err := bk(bn, inputs)
		if err != nil {
			return nil, err
		}
		an, ain, err := activationNode(n, out[0])
		if err != nil {
			return nil, err
		}
		ak, ok := reference.KernelFor("", an.Op)
		if !ok {
			return nil, fmt.Errorf("no reference kernel for %s", an.Op)
		}
		return ak(an, ain)
	}
}

// activationNode rebuilds the standalone activation node (and its input
// tensors) that fused operator n applies to x.
func activationNode(n *ir.Node, x *ir.Tensor) (*ir.Node, []*ir.Tensor, error) {
	act := n.Attrs.String("activation", "")
	alpha, beta := n.Attrs.Float("activation_alpha", 0), n.Attrs.Float("activation_beta", 0)
	xv := &ir.Value{Name: "x", DType: x.DType, Shape: ir.StaticShape(x.Shape...)}
	yv := &ir.Value{Name: "y", DType: x.DType, Shape: ir.StaticShape(x.Shape...)}
	an := &ir.Node{Op: act, Inputs: []*ir.Value{xv}, Outputs: []*ir.Value{yv}, Attrs: ir.Attrs{}}
	in := []*ir.Tensor{x}
	switch act {
	case "Relu", "Sigmoid", "Tanh":
	case "LeakyRelu":
		an.Attrs["alpha"] = ir.FloatAttr(alpha)
	case "HardSigmoid":
		an.Attrs["alpha"] = ir.FloatAttr(alpha)
		an.Attrs["beta"] = ir.FloatAttr(beta)
	case "Clip":
		lo := ir.Float32Tensor([]int{}, []float32{alpha})
		hi := ir.Float32Tensor([]int{}, []float32{beta})
		an.Inputs = append(an.Inputs, &ir.Value{Name: "min", DType: ir.Float32, Shape: ir.Shape{}, Const: lo},
			&ir.Value{Name: "max", DType: ir.Float32, Shape: ir.Shape{}, Const: hi})
		in = append(in, lo, hi)
	default:
		return nil, nil, fmt.Errorf("unknown fused activation %q", act)
	}
	return an, in, nil
}
