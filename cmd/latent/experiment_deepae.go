package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/train"
	"github.com/latent-go/latent/train/viz"
)

// deepAERow is one line of the deep autoencoder comparison.
type deepAERow struct {
	Model string `json:"model"`
	// SquaredError is the test squared reconstruction error per image,
	// from the native model and through the compiled runtime.
	SquaredError  float64 `json:"squared_error"`
	CompiledError float64 `json:"squared_error_compiled"`
	Seconds       float64 `json:"seconds"`
	Detail        string  `json:"detail"`
}

func defineDeepAE(fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) error {
	var o dataOptions
	registerDataFlags(fs, &o)
	fs.Lookup("val-size").DefValue = "5000"
	o.valSize = 5000
	sizesFlag := fs.String("sizes", "784,1000,500,250,30", "encoder sizes, input first; the last is the (linear) code")
	preEpochs := fs.Int("pre-epochs", 10, "RBM pre-training epochs per level")
	preLR := fs.Float64("pre-lr", 0.1, "RBM learning rate (sgd), Bernoulli-hidden levels")
	topLR := fs.Float64("top-lr", 0.001, "RBM learning rate of the top level (Gaussian hidden units: the linear code)")
	preMom := fs.Float64("pre-momentum", 0.5, "RBM momentum")
	preBatch := fs.Int("pre-batch", 100, "RBM mini-batch size")
	epochs := fs.Int("epochs", 30, "maximum fine-tuning epochs (deep and linear autoencoders)")
	patience := fs.Int("patience", 5, "stop fine-tuning after this many epochs without a better validation loss")
	ftLR := fs.Float64("ft-lr", 0.0003, "fine-tuning learning rate (adam) of the deep autoencoder")
	linLR := fs.Float64("linear-lr", 0.001, "learning rate (adam) of the linear autoencoder")
	batch := fs.Int("batch", 100, "fine-tuning mini-batch size")
	seed := fs.Uint64("seed", 1, "seed")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	outDir := fs.String("out-dir", "", "directory for recon.png (inputs, PCA, linear and deep reconstructions), loss curves and results.json")
	out := fs.String("o", "", "write the fine-tuned deep autoencoder as ONNX")
	cache := fs.String("cache", "", "directory for the pre-trained stack (default: a latent directory in the user cache)")
	quiet := fs.Bool("quiet", false, "no per-epoch progress")
	return func(ctx context.Context, stdout, stderr io.Writer) error {
		var err error
		sizes, err := parseSizes(*sizesFlag)
		if err != nil {
			return err
		}
		if len(sizes) < 2 {
			return usagef("--sizes needs an input and at least one layer size")
		}
		th := threadCount(*threads)
		if *cache == "" {
			dir, err := os.UserCacheDir()
			if err != nil {
				dir = os.TempDir()
			}
			*cache = filepath.Join(dir, "latent", "experiments")
		}
		for _, dir := range []string{*cache, *outDir} {
			if dir != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
			}
		}
		d, err := loadData(ctx, o, stderr)
		if err != nil {
			return err
		}
		if d.test == nil || d.valid == nil {
			return usagef("%s: the experiment needs validation and test data", d.name)
		}
		if sizes[0] != d.train.Dim {
			return usagef("--sizes %s: the input size must be %d", *sizesFlag, d.train.Dim)
		}
		if !inUnitInterval(d.train) {
			return usagef("%s: the deep autoencoder's RBMs need data in [0, 1]", d.name)
		}
		fmt.Fprintf(stderr, "%s\n", d.describe())
		code := sizes[len(sizes)-1]
		xTest := train.MatrixOf(d.test)
		rep := newReporter(stderr, *quiet)
		var rows []deepAERow
		var recon [][][]float32
		pick := pickExamples(d.test, 10)
		sample := rowsOf(d.test, pick)
		recon = append(recon, cells(sample))
		labels := []string{"input"}
		compiled := func(g *ir.Graph) (float64, error) {
			res, err := evalGraph(ctx, g, d.test, evalOptions{kind: "autoencoder", threads: th, batch: 500})
			if err != nil {
				return 0, err
			}
			return res.SquaredError, nil
		}

		// PCA.
		start := time.Now()
		p, err := train.FitPCA(train.MatrixOf(d.train), code)
		if err != nil {
			return err
		}
		pa, err := pcaAutoencoder(p)
		if err != nil {
			return err
		}
		row := deepAERow{Model: fmt.Sprintf("PCA, %d components", code), Detail: "gonum EigenSym of the training covariance"}
		if row.SquaredError, err = p.SquaredError(xTest); err != nil {
			return err
		}
		row.Seconds = time.Since(start).Seconds()
		g, err := pa.Lower()
		if err != nil {
			return err
		}
		if row.CompiledError, err = compiled(g); err != nil {
			return err
		}
		rows = append(rows, row)
		fmt.Fprintf(stderr, "%s: %.3f per image\n", row.Model, row.SquaredError)
		if y, err := p.Reconstruct(sample); err == nil {
			recon, labels = append(recon, cells(y)), append(labels, "PCA")
		}

		// Linear autoencoder.
		start = time.Now()
		lin, err := train.NewAutoencoder(train.AutoencoderConfig{Sizes: []int{sizes[0], code}, Hidden: train.Linear, Output: train.Linear, Loss: train.SquaredError, Seed: *seed})
		if err != nil {
			return err
		}
		rep.stage("linear ae")
		linHist, err := lin.Fit(ctx, d.train, d.valid, train.Config{Epochs: *epochs, BatchSize: *batch, Optimizer: &train.Adam{LR: float32(*linLR)},
			Seed: *seed, Threads: th, Patience: *patience, Progress: rep.progress})
		if err != nil {
			return err
		}
		row = deepAERow{Model: fmt.Sprintf("linear autoencoder %d-%d-%d", sizes[0], code, sizes[0]),
			Detail: fmt.Sprintf("squared error, adam lr %g, batch %d, %d epochs (best %d)", *linLR, *batch, len(linHist.Epochs), linHist.BestEpoch)}
		if row.SquaredError, err = lin.SquaredError(xTest); err != nil {
			return err
		}
		row.Seconds = time.Since(start).Seconds()
		if g, err = lin.Lower(); err != nil {
			return err
		}
		if row.CompiledError, err = compiled(g); err != nil {
			return err
		}
		rows = append(rows, row)
		fmt.Fprintf(stderr, "%s: %.3f per image\n", row.Model, row.SquaredError)
		if y, err := lin.Reconstruct(sample); err == nil {
			recon, labels = append(recon, cells(y)), append(labels, "linear")
		}

		// Deep autoencoder: RBM pre-training, unrolling, fine-tuning.
		start = time.Now()
		pc := train.PretrainConfig{Sizes: sizes, Module: train.ModuleRBM, Hidden: train.Sigmoid, LinearCode: true, Seed: *seed,
			Train: train.Config{Epochs: *preEpochs, BatchSize: *preBatch, Optimizer: &train.SGD{LR: float32(*preLR), Momentum: float32(*preMom)}, Seed: *seed, Threads: th}}
		preDesc := fmt.Sprintf("RBM pre-training %d epochs per level, sgd lr %g (top %g) momentum %g, batch %d", *preEpochs, *preLR, *topLR, *preMom, *preBatch)
		key := cacheKey(d.name, *sizesFlag, preDesc, *seed, o.subset, o.valSize)
		stackPath := filepath.Join(*cache, "deepae-stack-"+key+".ckpt")
		var a *train.Autoencoder
		var preSec float64
		if ck, err := train.LoadCheckpoint(stackPath); err == nil {
			if m, ok := ck.Model.(*train.Autoencoder); ok {
				a = m
				fmt.Fprintf(stderr, "pre-trained stack from %s\n", stackPath)
				if b, err := os.ReadFile(stackPath + ".seconds"); err == nil {
					fmt.Sscan(string(b), &preSec)
				}
			}
		}
		var preCurves []curve
		if a == nil {
			st, err := pretrainStack(ctx, d.train, d.valid, pc, "", "", &train.SGD{LR: float32(*topLR), Momentum: float32(*preMom)}, 1, th, rep)
			if err != nil {
				return err
			}
			for l, h := range st.Histories {
				preCurves = append(preCurves, historyCurves(h, fmt.Sprintf("level %d ", l+1), "training")...)
			}
			if a, err = st.DeepAutoencoder(); err != nil {
				return err
			}
			preSec = time.Since(start).Seconds()
			if err := train.SaveModel(stackPath, a); err != nil {
				fmt.Fprintf(stderr, "warning: could not cache the stack: %v\n", err)
			} else {
				atomicWriteFile(stackPath+".seconds", []byte(fmt.Sprintf("%.1f\n", preSec)))
			}
		}
		preSE, err := a.SquaredError(xTest)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "unrolled stack before fine-tuning: %.3f per image\n", preSE)
		rep.stage("deep ae fine-tune")
		start = time.Now()
		deepHist, err := a.Fit(ctx, d.train, d.valid, train.Config{Epochs: *epochs, BatchSize: *batch, Optimizer: &train.Adam{LR: float32(*ftLR)},
			Seed: *seed, Threads: th, Patience: *patience, Progress: rep.progress})
		if err != nil {
			return err
		}
		row = deepAERow{Model: "deep autoencoder " + sizesString(sizes, true),
			Detail: fmt.Sprintf("%s; unrolled, fine-tuned with %v, adam lr %g, batch %d, %d epochs (best %d); before fine-tuning %.2f",
				preDesc, a.Net.Loss, *ftLR, *batch, len(deepHist.Epochs), deepHist.BestEpoch, preSE)}
		if row.SquaredError, err = a.SquaredError(xTest); err != nil {
			return err
		}
		row.Seconds = preSec + time.Since(start).Seconds()
		if g, err = a.Lower(); err != nil {
			return err
		}
		if row.CompiledError, err = compiled(g); err != nil {
			return err
		}
		rows = append(rows, row)
		if y, err := a.Reconstruct(sample); err == nil {
			recon, labels = append(recon, cells(y)), append(labels, "deep")
		}
		if *out != "" {
			if err := exporter.Save(g, *out); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", *out)
		}

		fmt.Fprintf(stdout, "| model | test squared error per image | (compiled runtime) | time | training |\n|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(stdout, "| %s | %.2f | %.2f | %s | %s |\n", r.Model, r.SquaredError, r.CompiledError, shortDuration(time.Duration(r.Seconds*float64(time.Second))), r.Detail)
		}
		ratio := rows[2].SquaredError / rows[0].SquaredError
		fmt.Fprintf(stdout, "deep / PCA = %.3f, deep / linear = %.3f (%s: %d training, %d validation, %d test images)\n",
			ratio, rows[2].SquaredError/rows[1].SquaredError, d.name, d.train.N, d.valid.N, d.test.N)
		if *outDir != "" {
			img, err := viz.ImageGrid(recon, d.test.Rows, d.test.Cols, &viz.GridOptions{Scale: 3, RowLabels: labels})
			if err != nil {
				return err
			}
			paths := []string{filepath.Join(*outDir, "recon.png")}
			if err := viz.WritePNG(paths[0], img); err != nil {
				return err
			}
			if p, err := writeCurves(*outDir, "loss.png", "deep autoencoder fine-tuning on "+d.name, "loss per image ("+a.Net.Loss.String()+")", historyCurves(deepHist, "", "training")); err != nil {
				return err
			} else if p != "" {
				paths = append(paths, p)
			}
			if p, err := writeCurves(*outDir, "linear-loss.png", "linear autoencoder on "+d.name, "loss per image (½ squared error)", historyCurves(linHist, "", "training")); err != nil {
				return err
			} else if p != "" {
				paths = append(paths, p)
			}
			if p, err := writeCurves(*outDir, "pretrain.png", "RBM pre-training on "+d.name, "mean-field ½ squared reconstruction error", preCurves); err != nil {
				return err
			} else if p != "" {
				paths = append(paths, p)
			}
			res := filepath.Join(*outDir, "results.json")
			if err := writeJSONFile(res, jsonSafe(map[string]any{"rows": rows, "deep_history": deepHist, "linear_history": linHist})); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", strings.Join(append(paths, res), ", "))
		}
		return nil
	}
}
