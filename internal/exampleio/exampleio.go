// Package exampleio reads the bundled example data sets into tables for
// the example programs. It is apart from exampledata so that the method
// packages' tests, which use the raw bytes, need no Arrow.
package exampleio

import (
	"context"
	"os"
	"path/filepath"

	ckio "github.com/causalkit/causalkit/io"
)

// Read reads a bundled data set (its bytes, named like a file for the
// format: "card.csv") into a table, as ckio.Read reads a file; the example
// programs use it where a user would pass a path.
func Read(ctx context.Context, name string, data []byte, opt ckio.ReadOptions) (*ckio.Table, error) {
	dir, err := os.MkdirTemp("", "causalkit-example-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return nil, err
	}
	return ckio.Read(ctx, path, opt)
}
