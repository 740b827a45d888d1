// Command latent trains, compiles, runs and exchanges autoencoder models.
//
// Usage:
//
//	latent <command> [flags] [arguments]
//
// Run "latent help" for the list of commands and "latent <command> --help"
// for each command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// A command is one subcommand of latent.
type command struct {
	name    string
	summary string
	usage   string // arguments after the flags, e.g. "MODEL"
	// run parses args with fs (already holding the command's flags) and
	// does the work; stdout is for results, stderr for progress.
	setup func(fs *flag.FlagSet) func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// usageError marks errors that should be followed by the command's usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain runs latent with args and returns the exit status; tests call it
// directly.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fs := newFlagSet(c, stderr)
				c.setup(fs)
				fs.SetOutput(stdout)
				fs.Usage()
				return 0
			}
		}
		topUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "latent: unknown command %q (run \"latent help\")\n", args[0])
		return 2
	}
	fs := newFlagSet(c, stderr)
	run := c.setup(fs)
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := run(pos, stdout, stderr); err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		fmt.Fprintf(stderr, "latent %s: %s\n", c.name, msg)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "usage: latent %s [flags] %s (see latent %s --help)\n", c.name, c.usage, c.name)
			return 2
		}
		return 1
	}
	return 0
}

func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("latent "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: latent %s [flags] %s\n\n%s\n", c.name, c.usage, c.summary)
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(w, "\nflags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

func topUsage(w io.Writer) {
	fmt.Fprintf(w, "latent: a model compiler and inference runtime for autoencoders (ONNX in and out)\n\nusage: latent <command> [flags] [arguments]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun \"latent <command> --help\" for a command's flags.\n")
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments ("latent run M x.pb -o out"), and returns the
// positional ones. "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// reparse is parseInterleaved for commands that parse their arguments
// again themselves.
func reparse(fs *flag.FlagSet, args []string) ([]string, error) { return parseInterleaved(fs, args) }
