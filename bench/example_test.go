package bench_test

import (
	"context"
	"fmt"
	"log"

	"github.com/latent-go/latent/bench"
)

// Time a model at batch 8 on one thread: load and compile it, make seeded
// inputs, and summarise 50 timed runs after 5 untimed ones.
func Example() {
	m, err := bench.Load("../testdata/models/dense_ae/model.onnx")
	if err != nil {
		log.Fatal(err)
	}
	shapes, err := bench.InputShapes(m.Graph, 8, nil)
	if err != nil {
		log.Fatal(err)
	}
	inputs, err := bench.RandomInputs(m.Graph, shapes, 1)
	if err != nil {
		log.Fatal(err)
	}
	r, err := m.NewLatentRunner(inputs, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	samples, err := bench.Measure(context.Background(), []bench.Runner{r}, bench.Options{Warmup: 5, Iters: 50})
	if err != nil {
		log.Fatal(err)
	}
	s := bench.Summarize(samples[0].Wall)
	fmt.Println("model:", m.Name, "input:", shapes[0], "runs:", s.N, "median > 0:", s.Median > 0)
	// Output: model: dense_ae input: [8 784] runs: 50 median > 0: true
}
