package train

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

// loweredModel is a trained model with its lowering and forward pass.
type loweredModel struct {
	name    string
	lower   func() (*ir.Graph, error)
	forward func(*Matrix) (*Matrix, error)
	ops     []string // op types the graph must contain
}

// trainedModels trains one small model of every kind the package lowers.
func trainedModels(t *testing.T) []loweredModel {
	t.Helper()
	data := prototypes(51, 300, 20, 4, 0.1)
	ctx := context.Background()
	tc := Config{Epochs: 2, BatchSize: 20, Optimizer: &Adam{LR: 0.01}}

	ae, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{20, 12, 6}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy, Seed: 1})
	tied, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{20, 8}, Hidden: Tanh, Output: Linear, Loss: SquaredError, Tied: true, Seed: 2})
	leaky, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{20, 16, 4}, Hidden: LeakyReLU, CodeLinear: true, Output: Sigmoid, Loss: CrossEntropy, Seed: 3})
	relu, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{20, 30}, Hidden: ReLU, Output: Sigmoid, Loss: CrossEntropy, Seed: 4})
	for _, a := range []*Autoencoder{ae, tied, leaky, relu} {
		if _, err := a.Fit(ctx, data, nil, tc); err != nil {
			t.Fatal(err)
		}
	}
	clf, _ := NewClassifier(ClassifierConfig{Sizes: []int{20, 10, 4}, Hidden: Sigmoid, Seed: 5})
	if _, err := clf.Fit(ctx, data, nil, tc); err != nil {
		t.Fatal(err)
	}
	st, err := Pretrain(ctx, data, nil, PretrainConfig{Sizes: []int{20, 10, 5}, Module: ModuleRBM, Train: tc})
	if err != nil {
		t.Fatal(err)
	}
	deep, _ := st.DeepAutoencoder()
	rbm, _ := NewRBM(RBMConfig{Visible: 20, Hidden: 7})
	if _, err := rbm.Fit(ctx, data, nil, tc); err != nil {
		t.Fatal(err)
	}
	return []loweredModel{
		{"autoencoder", ae.Lower, ae.Reconstruct, []string{"Gemm", "Sigmoid"}},
		{"encoder", ae.LowerEncoder, ae.Encode, []string{"Gemm", "Sigmoid"}},
		{"tied-tanh-linear", tied.Lower, tied.Reconstruct, []string{"Gemm", "Tanh"}},
		{"leaky-linear-code", leaky.Lower, leaky.Reconstruct, []string{"Gemm", "LeakyRelu", "Sigmoid"}},
		{"relu", relu.Lower, relu.Reconstruct, []string{"Gemm", "Relu", "Sigmoid"}},
		{"classifier", clf.Lower, clf.Probabilities, []string{"Gemm", "Sigmoid", "Softmax"}},
		{"stacked-encoder", st.Lower, st.Transform, []string{"Gemm", "Sigmoid"}},
		{"deep-autoencoder", deep.Lower, deep.Reconstruct, []string{"Gemm", "Sigmoid"}},
		{"rbm", rbm.Lower, rbm.HiddenMeans, []string{"Gemm", "Sigmoid"}},
	}
}

func testInput(rows, cols int) *Matrix {
	src := rand.NewPCG(8, 9)
	x := NewMatrix(rows, cols)
	for i := range x.Data {
		x.Data[i] = uniform32(src)
	}
	return x
}

// maxAbsDiff returns max |a - b| over two equally long slices.
func maxAbsDiff(a, b []float32) float64 {
	var worst float64
	for i, v := range a {
		worst = math.Max(worst, math.Abs(float64(v)-float64(b[i])))
	}
	return worst
}

// TestLowerMatchesForward lowers every kind of trained model to an
// ir.Graph and checks that the reference evaluator's outputs match the
// trainer's own forward pass within 1e-5.
func TestLowerMatchesForward(t *testing.T) {
	x := testInput(13, 20)
	for _, m := range trainedModels(t) {
		t.Run(m.name, func(t *testing.T) {
			g, err := m.lower()
			if err != nil {
				t.Fatal(err)
			}
			text := g.String()
			for _, op := range m.ops {
				if !strings.Contains(text, op+"(") {
					t.Errorf("graph lacks %s:\n%s", op, text)
				}
			}
			want, err := m.forward(x)
			if err != nil {
				t.Fatal(err)
			}
			out, err := reference.Run(context.Background(), g, []*ir.Tensor{ir.Float32Tensor([]int{x.Rows, x.Cols}, x.Data)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || len(out[0].F32) != len(want.Data) || out[0].Shape[0] != x.Rows || out[0].Shape[1] != want.Cols {
				t.Fatalf("reference output shape %v, want %dx%d", out[0].Shape, x.Rows, want.Cols)
			}
			if worst := maxAbsDiff(out[0].F32, want.Data); worst > 1e-5 {
				t.Fatalf("max |reference - trainer| = %g, want <= 1e-5", worst)
			}
		})
	}
}

func TestLowerTiedSharesWeight(t *testing.T) {
	a, _ := NewAutoencoder(AutoencoderConfig{Sizes: []int{6, 3}, Hidden: Sigmoid, Output: Sigmoid, Tied: true})
	g, err := a.Lower()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Constants()) != 3 { // one W, two biases
		t.Fatalf("tied autoencoder lowered to %d constants, want 3 (W shared)", len(g.Constants()))
	}
	if g.Nodes[0].Inputs[1] != g.Nodes[2].Inputs[1] || g.Nodes[2].Attrs.Int("transB", 1) != 0 {
		t.Fatal("decoder Gemm does not reuse the encoder weight with transB = 0")
	}
}
