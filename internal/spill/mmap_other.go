//go:build !unix

package spill

import (
	"io"
	"os"
)

// mapping reads the file into memory where mmap is not available.
type mapping struct{}

func (m *mapping) open(f *os.File, size int) ([]byte, error) {
	b := make([]byte, size)
	_, err := f.ReadAt(b, 0)
	if err == io.EOF {
		err = nil
	}
	return b, err
}

func (m *mapping) close() error { return nil }

func (m *mapping) bytes() []byte { return nil }
