// Package compiler turns an ir.Graph into an executable runtime program.
//
// Compilation has two stages. Optimize runs a fixed, documented list of
// graph passes (shape inference, constant folding, identity and dead-code
// elimination, fusion) on the graph with its symbolic dimensions. Plan then
// specialises the optimised graph to concrete input shapes — one plan per
// batch size — folds what became constant, chooses kernels, pre-packs
// weights, assigns every intermediate tensor an offset in one arena by
// liveness, and emits the step list that the runtime executes.
//
// Each pass is a plain func(*ir.Graph) error with a name. With
// Options.Debug, ir.Verify runs after every pass; Options.Dump receives the
// graph after each pass for inspection (latent compile --dump-passes).
package compiler
