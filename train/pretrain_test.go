package train

import (
	"context"
	"slices"
	"testing"
)

// TestPretrainFollowsPseudoCode re-does the lecture's loop by hand — train
// the greedy module on x, map x through its hidden layer, train the next
// module on that — and requires Pretrain to produce exactly the same
// layers, for every kind of greedy module.
func TestPretrainFollowsPseudoCode(t *testing.T) {
	data := prototypes(41, 300, 24, 4, 0.1)
	parts, _ := data.Split(250, 50)
	tc := Config{Epochs: 3, BatchSize: 10, Optimizer: &SGD{LR: 0.1, Momentum: 0.5}, Seed: 3}
	for _, m := range []Module{ModuleAutoencoder, ModuleDenoising, ModuleRBM} {
		t.Run(m.String(), func(t *testing.T) {
			cfg := PretrainConfig{Sizes: []int{24, 16, 8}, Module: m, Hidden: Sigmoid, Noise: Noise{Kind: MaskNoise, Level: 0.2},
				K: 1, Train: tc, Seed: 10}
			st, err := Pretrain(context.Background(), parts[0], nil, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Layers) != 2 || len(st.Decoders) != 2 || len(st.Histories) != 2 {
				t.Fatalf("stack has %d layers", len(st.Layers))
			}
			// By hand.
			d := parts[0]
			for l := 1; l <= 2; l++ {
				c := tc
				c.Optimizer = &SGD{LR: 0.1, Momentum: 0.5}
				var enc *Dense
				if m == ModuleRBM {
					r, _ := NewRBM(RBMConfig{Visible: cfg.Sizes[l-1], Hidden: cfg.Sizes[l], K: 1, Seed: 10 + uint64(l)})
					if _, err := r.Fit(context.Background(), d, nil, c); err != nil {
						t.Fatal(err)
					}
					enc = r.Encoder()
				} else {
					ac := AutoencoderConfig{Sizes: []int{cfg.Sizes[l-1], cfg.Sizes[l]}, Hidden: Sigmoid, Output: Sigmoid, Loss: CrossEntropy, Seed: 10 + uint64(l)}
					if m == ModuleDenoising {
						ac.Noise = cfg.Noise
					}
					a, _ := NewAutoencoder(ac)
					if _, err := a.Fit(context.Background(), d, nil, c); err != nil {
						t.Fatal(err)
					}
					enc = a.Net.Layers[0]
				}
				got := st.Layers[l-1]
				if got.In != enc.In || got.Out != enc.Out || got.Act != enc.Act {
					t.Fatalf("level %d: layer %d->%d %v, want %d->%d %v", l, got.In, got.Out, got.Act, enc.In, enc.Out, enc.Act)
				}
				if !slices.Equal(got.Weight().Data, enc.Weight().Data) || !slices.Equal(got.B.Data, enc.B.Data) {
					t.Fatalf("level %d: pre-trained layer differs from the greedy module trained by hand", l)
				}
				d, err = applyLayers([]*Dense{enc}, d, 1)
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestPretrainThenFineTune(t *testing.T) {
	data := prototypes(42, 1400, 32, 6, 0.15)
	parts, _ := data.Split(1000, 200, 200)
	for _, m := range []Module{ModuleAutoencoder, ModuleDenoising, ModuleRBM} {
		t.Run(m.String(), func(t *testing.T) {
			st, err := Pretrain(context.Background(), parts[0], parts[1], PretrainConfig{Sizes: []int{32, 24, 16}, Module: m,
				Hidden: Sigmoid, Noise: Noise{Kind: MaskNoise, Level: 0.25}, Train: Config{Epochs: 5, BatchSize: 20, Optimizer: &SGD{LR: 0.1, Momentum: 0.5}}})
			if err != nil {
				t.Fatal(err)
			}
			// (a) supervised fine-tuning with a random softmax layer.
			clf, err := st.Classifier(6, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := clf.Fit(context.Background(), parts[0], parts[1], Config{Epochs: 10, BatchSize: 20, Optimizer: &SGD{LR: 0.1, Momentum: 0.9}}); err != nil {
				t.Fatal(err)
			}
			e, _ := clf.ErrorRate(parts[2])
			if e > 0.03 {
				t.Errorf("fine-tuned classifier test error %v, want <= 0.03", e)
			}
			// The stack's layers were copied, not shared.
			if &clf.Net.Layers[0].W.Data[0] == &st.Layers[0].W.Data[0] {
				t.Fatal("classifier shares weights with the stack")
			}

			// (b) unroll into a deep autoencoder: before fine-tuning it
			// computes dec1(dec2(enc2(enc1(x)))) with the greedy modules'
			// layers; fine-tuning lowers the reconstruction error.
			ae, err := st.DeepAutoencoder()
			if err != nil {
				t.Fatal(err)
			}
			if len(ae.Net.Layers) != 4 || ae.Code != 1 || ae.Net.Layers[3].Out != 32 {
				t.Fatalf("unrolled network has %d layers", len(ae.Net.Layers))
			}
			x := MatrixOf(parts[2])
			manual, err := (&Network{Layers: []*Dense{st.Layers[0], st.Layers[1], st.Decoders[1], st.Decoders[0]}, Loss: ae.Net.Loss}).Forward(x)
			if err != nil {
				t.Fatal(err)
			}
			rec, _ := ae.Reconstruct(x)
			if !slices.Equal(manual.Data, rec.Data) {
				t.Fatal("unrolled autoencoder differs from the composed greedy modules")
			}
			before, _ := ae.SquaredError(x)
			if _, err := ae.Fit(context.Background(), parts[0], parts[1], Config{Epochs: 10, BatchSize: 20, Optimizer: &SGD{LR: 0.05, Momentum: 0.9}}); err != nil {
				t.Fatal(err)
			}
			after, _ := ae.SquaredError(x)
			t.Logf("deep autoencoder test squared error %.3f -> %.3f after fine-tuning", before, after)
			if !(after < before) {
				t.Errorf("fine-tuning did not lower the reconstruction error: %v -> %v", before, after)
			}
		})
	}
}
