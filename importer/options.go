package importer

import (
	"errors"
	"fmt"
	"strings"
)

// Options limit what a model may ask for and say where external data
// lives. The zero value of every field means its default.
type Options struct {
	// MaxFileBytes limits the size of a file that Load, ReadTensor or an
	// external-data reference will read. Default DefaultMaxFileBytes.
	MaxFileBytes int64
	// MaxTensorBytes limits the decoded size of any one tensor (initializer,
	// Constant, attribute or test-data tensor). Default
	// DefaultMaxTensorBytes.
	MaxTensorBytes int64
	// MaxTotalElements limits the number of elements of all the model's
	// tensors together. Default DefaultMaxTotalElements.
	MaxTotalElements int64
	// MaxNodes limits the number of nodes, counted in the file and again
	// after the upgrade to opset 17 (which may add a few nodes). Default
	// DefaultMaxNodes.
	MaxNodes int
	// ExternalDataDir is the directory against which external-data
	// locations are resolved. Load sets it to the model's directory; with
	// Decode it is empty by default, and a model with external data is
	// rejected. A location must be a relative path that stays inside the
	// directory.
	ExternalDataDir string
}

// Default limits: generous for any autoencoder, but finite, so that a small
// hostile file cannot make the importer allocate without bound.
const (
	DefaultMaxFileBytes     = 2 << 30 // protobuf's own limit for one message
	DefaultMaxTensorBytes   = 2 << 30
	DefaultMaxTotalElements = 1 << 31
	DefaultMaxNodes         = 1 << 20
)

func (o Options) withDefaults() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxTensorBytes <= 0 {
		o.MaxTensorBytes = DefaultMaxTensorBytes
	}
	if o.MaxTotalElements <= 0 {
		o.MaxTotalElements = DefaultMaxTotalElements
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = DefaultMaxNodes
	}
	return o
}

func pickOptions(opts []Options) Options {
	var o Options
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	return o.withDefaults()
}

// ErrUnsupported is wrapped by every error about a model that is well
// formed but uses something latent does not support (an operator, an
// operator version's feature, an element type, a domain, external data
// without a directory). Test with errors.Is(err, ErrUnsupported).
var ErrUnsupported = errors.New("not supported by latent")

// An UnsupportedNode describes one node that latent cannot import.
type UnsupportedNode struct {
	Name    string // node name as in the file (may be empty)
	Op      string // operator type
	Domain  string // operator domain, "" for ai.onnx
	Version int64  // the operator version the node resolved to (0 if none)
	Opset   int64  // the model's operator-set version for Domain
	Reason  string // why, e.g. "unknown operator"
}

func (u UnsupportedNode) String() string {
	dom := u.Domain
	if dom == "" {
		dom = "ai.onnx"
	}
	name := u.Name
	if name == "" {
		name = "(unnamed)"
	}
	ver := ""
	if u.Version > 0 {
		ver = fmt.Sprintf("-%d", u.Version)
	}
	return fmt.Sprintf("node %q: %s%s (domain %s, opset %d): %s", name, u.Op, ver, dom, u.Opset, u.Reason)
}

// UnsupportedError lists every node of a model that latent cannot import.
// It wraps ErrUnsupported.
type UnsupportedError struct {
	Nodes []UnsupportedNode
}

// Error lists the nodes, one per line after the first.
func (e *UnsupportedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d node(s) not supported", len(e.Nodes))
	ops := map[string]bool{}
	var list []string
	for _, n := range e.Nodes {
		if !ops[n.Op] {
			ops[n.Op] = true
			list = append(list, n.Op)
		}
	}
	fmt.Fprintf(&b, " (operators %s):", strings.Join(list, ", "))
	for _, n := range e.Nodes {
		b.WriteString("\n\t")
		b.WriteString(n.String())
	}
	return b.String()
}

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// unsupportedf returns an error wrapping ErrUnsupported.
func unsupportedf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrUnsupported)
}
