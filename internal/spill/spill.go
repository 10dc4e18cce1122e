// Package spill keeps append-only numeric columns in temporary files and
// maps them back into memory when they are complete, so that an estimator
// can index columns larger than the memory budget: the pages are the
// operating system's file cache, evicted under pressure, not Go heap.
package spill

import (
	"bufio"
	"fmt"
	"os"
	"unsafe"
)

// Number is a column element type.
type Number interface {
	~float64 | ~int | ~int32 | ~int64
}

// Column is an append-only column of T written to a temporary file.
type Column[T Number] struct {
	f   *os.File
	w   *bufio.Writer
	n   int
	err error
	buf [8]byte
	m   mapping
}

// New creates an empty column in a temporary file under dir ("" for the
// system's temporary directory). The file is removed when the column is
// closed.
func New[T Number](dir string) (*Column[T], error) {
	f, err := os.CreateTemp(dir, "causalkit-spill-*")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	return &Column[T]{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// Append adds v. A write error is kept and returned by Map.
func (c *Column[T]) Append(v T) {
	if c.err != nil {
		return
	}
	size := int(unsafe.Sizeof(v))
	*(*T)(unsafe.Pointer(&c.buf[0])) = v
	_, c.err = c.w.Write(c.buf[:size])
	c.n++
}

// Len returns the number of values appended.
func (c *Column[T]) Len() int { return c.n }

// Map flushes the column and returns its values, backed by the file; they
// stay valid until Close.
func (c *Column[T]) Map() ([]T, error) {
	if c.err == nil {
		c.err = c.w.Flush()
	}
	if c.err != nil {
		return nil, fmt.Errorf("spill: writing %s: %w", c.f.Name(), c.err)
	}
	if c.n == 0 {
		return []T{}, nil
	}
	var zero T
	b, err := c.m.open(c.f, c.n*int(unsafe.Sizeof(zero)))
	if err != nil {
		return nil, fmt.Errorf("spill: mapping %s: %w", c.f.Name(), err)
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), c.n), nil
}

// Release hints that the mapped values [lo, hi) will not be read again
// soon, so that their pages need not stay resident; reading them again is
// still correct (they come back from the file cache).
func (c *Column[T]) Release(lo, hi int) {
	b := c.m.bytes()
	if b == nil {
		return
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	page := os.Getpagesize()
	from := (lo*size + page - 1) / page * page // whole pages inside the range
	to := hi * size / page * page
	if from < to {
		release(b[from:to])
	}
}

// Close unmaps and removes the file.
func (c *Column[T]) Close() error {
	err := c.m.close()
	name := c.f.Name()
	if e := c.f.Close(); err == nil {
		err = e
	}
	if e := os.Remove(name); err == nil {
		err = e
	}
	return err
}
