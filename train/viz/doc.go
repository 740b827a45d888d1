// Package viz draws the pictures people look at while training latent's
// models: grids of grayscale images (inputs, corrupted inputs and
// reconstructions, one row each), first-layer filters shown as images, and
// loss curves. Every function returns an image.Image; EncodePNG writes one to
// an io.Writer and WritePNG to a file, atomically.
package viz
