module github.com/latent-go/latent/bench/blas

go 1.26.8

require (
	github.com/latent-go/latent v0.0.0
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/sys v0.50.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace github.com/latent-go/latent => ../..
