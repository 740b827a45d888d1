package train

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
)

// onnxChecker returns a command prefix that runs onnx.checker on a file,
// or nil when Debian's python3-onnx is not installed.
func onnxChecker() []string {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		return nil
	}
	if exec.Command(py, "-c", "import onnx").Run() != nil {
		return nil
	}
	return []string{py, "-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)"}
}

// ortRunner returns the command that runs tools/ort/run.js in ONNX Runtime
// (onnxruntime-node from tools/ort/install.sh), or nil when node or the
// package is missing.
func ortRunner() []string {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil
	}
	dir := os.Getenv("LATENT_ORT_DIR")
	if dir == "" {
		dir = "/work/.cache/ort"
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node")); err != nil {
		return nil
	}
	script, err := filepath.Abs("../tools/ort/run.js")
	if err != nil {
		return nil
	}
	if _, err := os.Stat(script); err != nil {
		return nil
	}
	return []string{node, script}
}

// TestExportImportCompile takes every lowered model through the rest of
// the pipeline: the exporter writes ONNX (which onnx.checker accepts, when
// python3-onnx is installed), the importer reads the same graph back, and
// the compiled runtime program gives the trainer's outputs within 1e-5.
func TestExportImportCompile(t *testing.T) {
	var checker, ort []string
	switch {
	case testing.Short():
		t.Log("-short: skipping onnx.checker and ONNX Runtime")
	default:
		if checker = onnxChecker(); checker == nil {
			t.Log("python3-onnx not installed: skipping onnx.checker")
		}
		if ort = ortRunner(); ort == nil {
			t.Log("node or onnxruntime-node (tools/ort/install.sh) missing: skipping ONNX Runtime")
		}
	}
	x := testInput(9, 20)
	dir := t.TempDir()
	for _, m := range trainedModels(t) {
		t.Run(m.name, func(t *testing.T) {
			g, err := m.lower()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, m.name+".onnx")
			if err := exporter.Save(g, path); err != nil {
				t.Fatal(err)
			}
			if checker != nil {
				cmd := exec.Command(checker[0], append(checker[1:], path)...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("onnx.checker rejects the export: %v\n%s", err, out)
				}
			}
			back, err := importer.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := ir.Format(g, 0), ir.Format(back, 0); a != b {
				t.Fatalf("import of the export differs from the lowered graph:\n%s\n---\n%s", a, b)
			}
			model, err := compiler.Compile(back, compiler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sess := runtime.NewSession(model, runtime.Options{Threads: 2})
			defer sess.Close()
			out, err := sess.Run(context.Background(), []*ir.Tensor{ir.Float32Tensor([]int{x.Rows, x.Cols}, x.Data)})
			if err != nil {
				t.Fatal(err)
			}
			want, err := m.forward(x)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || len(out[0].F32) != len(want.Data) {
				t.Fatalf("runtime output shape %v, want %dx%d", out[0].Shape, want.Rows, want.Cols)
			}
			if worst := maxAbsDiff(out[0].F32, want.Data); worst > 1e-5 {
				t.Fatalf("max |compiled runtime - trainer| = %g, want <= 1e-5", worst)
			}
			if ort != nil {
				// ONNX Runtime must give the trainer's outputs within 1e-5.
				td := filepath.Join(dir, m.name+"_data")
				os.MkdirAll(td, 0o755)
				if err := exporter.WriteTensor(ir.Float32Tensor([]int{x.Rows, x.Cols}, x.Data), g.Inputs[0].Name, filepath.Join(td, "input_0.pb")); err != nil {
					t.Fatal(err)
				}
				if err := exporter.WriteTensor(ir.Float32Tensor([]int{want.Rows, want.Cols}, want.Data), g.Outputs[0].Name, filepath.Join(td, "output_0.pb")); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(ort[0], append(ort[1:], path, td, "--check", td, "--rtol", "0", "--atol", "1e-5", "-q")...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("ONNX Runtime outputs differ from the trainer's by more than 1e-5: %v\n%s", err, out)
				}
			}
		})
	}
}
