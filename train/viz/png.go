package viz

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
)

// EncodePNG writes img to w as a PNG.
func EncodePNG(w io.Writer, img image.Image) error {
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("viz: encoding PNG: %w", err)
	}
	return nil
}

// WritePNG writes img as a PNG file at path atomically: it writes a
// temporary file in the same directory, syncs it and renames it over path,
// so readers see either the old file or the complete new one.
func WritePNG(path string, img image.Image) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("viz: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := png.Encode(f, img); err != nil {
		return fmt.Errorf("viz: writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("viz: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("viz: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("viz: writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("viz: writing %s: %w", path, err)
	}
	return nil
}
