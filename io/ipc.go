package io

import (
	"bytes"
	"context"
	stdio "io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// ipcMagic opens (and closes) an Arrow IPC file; streams lack it.
var ipcMagic = []byte("ARROW1")

// readIPC reads an Arrow IPC file, or an IPC stream when the file magic is
// absent, and keeps the projected columns.
func readIPC(ctx context.Context, src *stdio.SectionReader, name string, opt ReadOptions) (arrow.Table, error) {
	var (
		schema  *arrow.Schema
		batches []arrow.RecordBatch
	)
	defer func() { releaseAll(batches) }()

	head := make([]byte, len(ipcMagic))
	isFile := false
	if n, _ := src.ReadAt(head, 0); n == len(head) && bytes.Equal(head, ipcMagic) {
		isFile = true
	}
	if err := checkIPC(src, isFile); err != nil {
		return nil, corrupt(name, FormatIPC, err)
	}
	if isFile {
		r, err := ipc.NewFileReader(src, ipc.WithAllocator(opt.Allocator))
		if err != nil {
			return nil, corrupt(name, FormatIPC, err)
		}
		defer r.Close()
		schema = r.Schema()
		for i := range r.NumRecords() {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b, err := r.RecordBatchAt(i)
			if err != nil {
				return nil, corrupt(name, FormatIPC, err)
			}
			batches = append(batches, b)
		}
	} else {
		r, err := ipc.NewReader(src, ipc.WithAllocator(opt.Allocator))
		if err != nil {
			return nil, corrupt(name, FormatIPC, err)
		}
		defer r.Release()
		schema = r.Schema()
		for r.Next() {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b := r.RecordBatch()
			b.Retain()
			batches = append(batches, b)
		}
		if err := r.Err(); err != nil {
			return nil, corrupt(name, FormatIPC, err)
		}
	}

	idx, err := project(name, fieldNames(schema), opt.Columns)
	if err != nil {
		return nil, err
	}
	return newTable(schema, batches, idx), nil
}
