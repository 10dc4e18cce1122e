package spill

import (
	"math"
	"os"
	"testing"
)

func TestColumnRoundTrip(t *testing.T) {
	dir := t.TempDir()
	f, err := New[float64](dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New[int32](dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100003 // several buffers
	for i := range n {
		f.Append(math.Sqrt(float64(i)) - 7)
		g.Append(int32(-i))
	}
	fv, err := f.Map()
	if err != nil {
		t.Fatal(err)
	}
	gv, err := g.Map()
	if err != nil {
		t.Fatal(err)
	}
	if len(fv) != n || len(gv) != n || f.Len() != n {
		t.Fatalf("lengths %d, %d; want %d", len(fv), len(gv), n)
	}
	for i := range n {
		if fv[i] != math.Sqrt(float64(i))-7 || gv[i] != int32(-i) {
			t.Fatalf("row %d: %g, %d", i, fv[i], gv[i])
		}
	}
	for _, c := range []interface{ Close() error }{f, g} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("files left after Close: %v", ents)
	}
}

func TestEmptyColumn(t *testing.T) {
	c, err := New[int](t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, err := c.Map()
	if err != nil || len(v) != 0 {
		t.Fatalf("empty column: %v, %v", v, err)
	}
}
