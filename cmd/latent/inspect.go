package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "describe an ONNX model: opset, inputs, outputs, operators, parameters (--ir: the IR text)",
		usage:   "MODEL.onnx",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			showIR := fs.Bool("ir", false, "print the graph in latent's IR text form")
			full := fs.Bool("full", false, "with --ir, print every constant in full")
			return func(args []string, stdout, stderr io.Writer) error {
				if len(args) != 1 {
					return usagef("want one model file, got %d arguments", len(args))
				}
				g, err := importer.Load(args[0])
				if err != nil {
					return err
				}
				describe(stdout, args[0], g)
				if *showIR {
					fmt.Fprintln(stdout)
					max := 8
					if *full {
						max = 0
					}
					return ir.Fprint(stdout, g, ir.PrintOptions{MaxElements: max})
				}
				return nil
			}
		},
	})
}

// describe writes a summary of g.
func describe(w io.Writer, path string, g *ir.Graph) {
	fmt.Fprintf(w, "model:    %s\n", path)
	if g.Name != "" {
		fmt.Fprintf(w, "graph:    %s\n", g.Name)
	}
	fmt.Fprintf(w, "opset:    %d (imported as opset %d)\n", g.SourceOpset, ir.Opset)
	if g.Doc != "" {
		fmt.Fprintf(w, "doc:      %s\n", strings.ReplaceAll(g.Doc, "\n", " "))
	}
	fmt.Fprintf(w, "inputs:\n")
	for _, v := range g.Inputs {
		fmt.Fprintf(w, "  %s\n", v)
	}
	fmt.Fprintf(w, "outputs:\n")
	for _, v := range g.Outputs {
		fmt.Fprintf(w, "  %s\n", v)
	}
	hist := map[string]int{}
	for _, n := range g.Nodes {
		op := n.Op
		if n.Domain != "" {
			op = n.Domain + "." + op
		}
		hist[op]++
	}
	ops := make([]string, 0, len(hist))
	for op := range hist {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if hist[ops[i]] != hist[ops[j]] {
			return hist[ops[i]] > hist[ops[j]]
		}
		return ops[i] < ops[j]
	})
	fmt.Fprintf(w, "nodes:    %d\n", len(g.Nodes))
	for _, op := range ops {
		fmt.Fprintf(w, "  %-24s %d\n", op, hist[op])
	}
	var params, bytes int
	consts := g.Constants()
	for _, v := range consts {
		params += v.Const.Len()
		bytes += v.Const.Bytes()
	}
	fmt.Fprintf(w, "constants: %d tensors, %d elements, %s\n", len(consts), params, humanBytes(bytes))
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}
