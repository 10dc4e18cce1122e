//go:build unix

package spill

import (
	"os"
	"syscall"
)

// mapping is a read-only shared mapping of a file.
type mapping struct{ b []byte }

func (m *mapping) open(f *os.File, size int) ([]byte, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	m.b = b
	return b, nil
}

func (m *mapping) close() error {
	if m.b == nil {
		return nil
	}
	err := syscall.Munmap(m.b)
	m.b = nil
	return err
}

func (m *mapping) bytes() []byte { return m.b }
