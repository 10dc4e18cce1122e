// Package testcsv reads the CSV reference files of the tests: whole files
// as records, gzip-compressed when the name ends in .gz. Any failure stops
// the test.
package testcsv

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"strings"
	"testing"
)

// Read returns the records of the CSV file at path, header first.
func Read(t testing.TB, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = bytes.NewReader(b)
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return Parse(t, r)
}

// Parse returns the records of CSV text, header first.
func Parse(t testing.TB, r io.Reader) [][]string {
	t.Helper()
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("CSV without a header")
	}
	return recs
}
