// Package train trains the dense autoencoders of the lecture natively in
// Go and lowers them to ir graphs.
//
// # Models
//
// A Network is a stack of Dense layers, h(k) = g(b(k) + W(k) h(k-1)), with
// one of the lecture's losses on its output: CrossEntropy (the sum of
// Bernoulli cross-entropies, computed stably from the output
// pre-activations), SquaredError (half the sum of squared differences,
// with a Linear output for real-valued data) or SoftmaxCrossEntropy for
// classification. Activations are Linear, Sigmoid, Tanh, ReLU, LeakyReLU
// and (output only) Softmax.
//
// Autoencoder builds undercomplete or overcomplete, shallow or deep,
// tied or untied autoencoders; a Noise makes it a denoising autoencoder
// (masking noise with probability nu, additive Gaussian or
// salt-and-pepper; the loss is always against the clean input) and a
// Sparsity penalty (KL divergence to a target activation rho, or L1) makes
// it sparse. Classifier is a feed-forward network with a softmax output.
// RBM is a Bernoulli-Bernoulli or Gaussian-Bernoulli restricted Boltzmann
// machine trained with CD-k or persistent CD.
//
// Pretrain runs greedy layer-wise pre-training with autoencoders,
// denoising autoencoders or RBMs as the greedy modules, following the
// lecture's pseudo-code; the resulting Stack becomes a Classifier (a
// random softmax layer on top, then supervised fine-tuning) or an
// unrolled deep autoencoder (Hinton and Salakhutdinov 2006) fine-tuned on
// reconstruction.
//
// # Training
//
// Every model's Fit runs mini-batch training with shuffling, validation,
// early stopping (Config.Patience) and a progress callback; the library
// never prints. Optimizers are SGD (with momentum) and Adam, both with L2
// weight decay. Training is deterministic: the same Config.Seed, model,
// data and instruction set give bit-identical weights, whatever the
// thread count. Plain SGD is fused into the backward pass (the weight
// update is the weight-gradient matrix product itself).
//
// Matrix products go through the asm package's SGEMM with the bias fused
// into the product and activations applied by asm's vectorised kernels;
// a warm mini-batch step on one thread allocates nothing.
//
// # Checkpoints
//
// With Config.Checkpoint set, Fit writes the weights, optimizer state,
// epoch, random stream state, history and early-stopping state after
// every epoch, atomically (temporary file, fsync, rename), in the format
// documented in checkpoint.go; Config.ResumeFrom continues a run exactly
// as if it had not stopped. LoadCheckpoint and SaveModel read and write
// models.
//
// # Lowering
//
// Lower turns every trained model into an ir.Graph of standard ONNX
// operators (Gemm followed by Sigmoid, Tanh, Relu, LeakyRelu or Softmax)
// with a symbolic batch dimension, ready for the compiler and exporter.
package train
