package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/latent-go/latent/train"
)

// reporter shows training progress on stderr: on a terminal, a progress
// bar per epoch (loss, samples/s, ETA) that gives way to a one-line
// summary when the epoch ends; otherwise only the one-line summaries.
type reporter struct {
	w     io.Writer
	tty   bool
	quiet bool
	label string // stage shown before each line, e.g. "level 2/3 rbm"
	bar   *progressbar.ProgressBar
	epoch int // epoch the bar belongs to
	last  time.Time
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newReporter(w io.Writer, quiet bool) *reporter {
	return &reporter{w: w, tty: isTerminal(w), quiet: quiet}
}

// stage starts a new training stage (a pre-training level, fine-tuning).
func (r *reporter) stage(label string) {
	r.finishBar()
	r.label = label
	r.epoch = 0
}

// printf writes a message line, above any bar.
func (r *reporter) printf(format string, args ...any) {
	if r.quiet {
		return
	}
	r.finishBar()
	fmt.Fprintf(r.w, format, args...)
}

func (r *reporter) finishBar() {
	if r.bar != nil {
		r.bar.Finish()
		r.bar = nil
	}
}

// eta estimates the time left in the stage from the current epoch's
// throughput (an upper bound when early stopping ends training sooner).
func eta(p train.Progress) time.Duration {
	if p.Batch == 0 || p.Elapsed <= 0 {
		return 0
	}
	perBatch := p.Elapsed / time.Duration(p.Batch)
	left := (p.Batches - p.Batch) + (p.Epochs-p.Epoch)*p.Batches
	return perBatch * time.Duration(left)
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func (r *reporter) prefix() string {
	if r.label == "" {
		return ""
	}
	return "[" + r.label + "] "
}

// progress is the train.Config.Progress callback.
func (r *reporter) progress(p train.Progress) {
	if r.quiet {
		return
	}
	if p.EpochDone {
		r.finishBar()
		line := fmt.Sprintf("%sepoch %*d/%d  loss %.5g", r.prefix(), len(fmt.Sprint(p.Epochs)), p.Epoch, p.Epochs, p.Loss)
		if !math.IsNaN(p.ValLoss) {
			line += fmt.Sprintf("  val loss %.5g", p.ValLoss)
		}
		if !math.IsNaN(p.ValError) {
			line += fmt.Sprintf("  val err %.2f%%", 100*p.ValError)
		}
		line += fmt.Sprintf("  %.0f samples/s  %s", p.SamplesPerSec, shortDuration(p.Elapsed))
		if p.Epoch < p.Epochs {
			line += "  eta " + shortDuration(eta(p))
		}
		fmt.Fprintln(r.w, line)
		return
	}
	if !r.tty {
		return
	}
	if r.bar == nil || r.epoch != p.Epoch {
		r.finishBar()
		r.epoch = p.Epoch
		r.bar = progressbar.NewOptions(p.Batches,
			progressbar.OptionSetWriter(r.w),
			progressbar.OptionSetWidth(25),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(false))
	}
	now := time.Now()
	if now.Sub(r.last) < 100*time.Millisecond && p.Batch < p.Batches {
		return
	}
	r.last = now
	r.bar.Describe(fmt.Sprintf("%sepoch %d/%d  loss %.5g  %.0f samples/s  eta %s", r.prefix(), p.Epoch, p.Epochs, p.Loss, p.SamplesPerSec, shortDuration(eta(p))))
	r.bar.Set(p.Batch)
}
