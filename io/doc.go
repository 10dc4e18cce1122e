// Package io moves tables in and results out of causalkit: it reads Parquet,
// CSV and Arrow IPC (Feather v2) files into memory, turns their columns into
// the plain Go values that the estimators take, and writes results as JSON,
// CSV, Parquet or Arrow IPC. It is the only causalkit package that imports
// Arrow; callers import it as
//
//	ckio "github.com/causalkit/causalkit/io"
//
// # Reading
//
// Read opens a file (format from the extension or ReadOptions.Format),
// optionally projects columns by name, and returns a *Table that holds Arrow
// memory until Release is called. Parquet row groups are read in parallel
// and assembled in row-group order, so the result never depends on the
// number of workers. CSV column types are inferred from a sample of rows
// (not only the first row, as Arrow's own inferring reader does), or set
// explicitly with ReadOptions.Schema. Every table records its Source: the
// path, the SHA-256 of the file bytes and the row count, for provenance.
//
// # Columns and frames
//
// Table.Float64, Table.Categorical and Table.List copy one column out of
// Arrow into caller-owned slices, with nulls reported separately (Arrow null
// slots hold arbitrary values; here they are zeroed). Table.Frame gathers
// the columns of one analysis and applies listwise deletion (or reports the
// first missing value), rejecting NaN and ±Inf outright, so that estimators
// receive complete, finite data and the caller knows which rows were used.
//
// # Writing
//
// Every file writer is atomic: output goes to a temporary file in the
// target directory that is synced and renamed over the destination only
// when it is complete, so a failed run never leaves a half-written file.
//
// # Errors
//
// Problems caused by the data or the options (a missing column, a value
// that does not parse, a truncated file) are returned as errors that match
// estimators.ErrInput, with a message that names the file, column and row
// and says what to do. Malformed input never panics.
package io
