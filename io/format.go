package io

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/causalkit/causalkit/estimators"
)

// Format is a table file format.
type Format int

// The supported formats. The zero value, FormatAuto, means "decide from the
// file name extension".
const (
	FormatAuto    Format = iota
	FormatParquet        // Apache Parquet
	FormatCSV            // comma-separated values with a header row
	FormatIPC            // Arrow IPC file (Feather v2) or stream
)

// String returns the name ParseFormat accepts for f.
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatParquet:
		return "parquet"
	case FormatCSV:
		return "csv"
	case FormatIPC:
		return "arrow"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// ParseFormat parses a format name: "parquet", "csv", or "arrow" (also
// "ipc" and "feather"), ignoring case. The empty string and "auto" give
// FormatAuto.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "parquet", "pq":
		return FormatParquet, nil
	case "csv":
		return FormatCSV, nil
	case "arrow", "ipc", "feather":
		return FormatIPC, nil
	}
	return FormatAuto, estimators.InputErrorf("unknown format %q; use parquet, csv or arrow", s)
}

// FormatFromPath returns the format implied by the extension of path:
// .parquet or .pq, .csv or .csv.gz, and .arrow, .feather or .ipc (any
// case).
func FormatFromPath(path string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".gz" {
		ext = strings.ToLower(filepath.Ext(strings.TrimSuffix(path, filepath.Ext(path))))
		if ext != ".csv" {
			return FormatAuto, estimators.InputErrorf("%s: only gzip-compressed CSV (.csv.gz) is read; decompress the file first", path)
		}
	}
	switch ext {
	case ".parquet", ".pq":
		return FormatParquet, nil
	case ".csv":
		return FormatCSV, nil
	case ".arrow", ".feather", ".ipc":
		return FormatIPC, nil
	}
	return FormatAuto, estimators.InputErrorf(
		"cannot tell the format of %s from its extension; use .parquet, .csv, .csv.gz or .arrow, or name the format explicitly", path)
}

// check reports whether f is one of the defined formats.
func (f Format) check() error {
	if f < FormatAuto || f > FormatIPC {
		return estimators.InputErrorf("invalid format %d; use parquet, csv or arrow", int(f))
	}
	return nil
}

// resolve returns f itself, or the format of path when f is FormatAuto.
func (f Format) resolve(path string) (Format, error) {
	if f == FormatAuto {
		return FormatFromPath(path)
	}
	return f, f.check()
}
