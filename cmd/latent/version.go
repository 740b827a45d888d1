package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/latent-go/latent/asm"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the build and the kernel instruction-set tier in use",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			return func(args []string, stdout, stderr io.Writer) error {
				if len(args) > 0 {
					return usagef("takes no arguments")
				}
				version, rev := "(devel)", ""
				if bi, ok := debug.ReadBuildInfo(); ok {
					if bi.Main.Version != "" {
						version = bi.Main.Version
					}
					for _, s := range bi.Settings {
						if s.Key == "vcs.revision" {
							rev = s.Value
						}
						if s.Key == "vcs.modified" && s.Value == "true" {
							rev += "+dirty"
						}
					}
				}
				fmt.Fprintf(stdout, "latent %s", version)
				if rev != "" {
					fmt.Fprintf(stdout, " (%s)", rev)
				}
				fmt.Fprintf(stdout, " %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
				fmt.Fprintf(stdout, "kernels: %s (supported: %v)\n", asm.Active(), asm.Tiers())
				if err := asm.ActiveErr(); err != nil {
					fmt.Fprintf(stderr, "warning: %v\n", err)
				}
				return nil
			}
		},
	})
}
