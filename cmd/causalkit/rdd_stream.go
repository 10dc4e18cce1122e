package main

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"fmt"
	stdio "io"
	"math"
	"os"
	"sync"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/rdd"
)

// A streamed rdd is an external sort. One pass over the row groups
// validates the rows and writes them, sorted by (x, input row) in runs that
// fit the memory budget, to temporary files; merging the runs feeds the
// rows in rdrobust's order to an rdd.SortedSample, whose columns go to
// memory-mapped temporary files; the bandwidth selection and the estimate
// then walk those columns window by window. The input is read once; the
// temporary files take about twice the rows' size at their peak.

// A record is one row of the sort: these fields, then the covariates.
const (
	fX   = iota
	fRow // position in the plan's rows, for ties (exact below 2⁵³)
	fY
	fT
	fW
	fCluster
	fCovs
)

func compareRecords(a, b []float64) int {
	if c := cmp.Compare(a[fX], b[fX]); c != 0 {
		return c
	}
	return cmp.Compare(a[fRow], b[fRow])
}

// rddSorter collects records into sorted runs.
type rddSorter struct {
	mu      sync.Mutex
	dir     string
	width   int       // numbers per record
	buf     []float64 // records
	segs    []int     // ends (in records) of the sorted segments of buf, one per row group
	maxRows int
	runs    []*os.File
	codes   map[string]float64 // cluster labels seen, in any order: the estimator only groups by them
}

// unitRows are one row group's columns (t, w, labels and covs may be
// nil), the plan positions of its rows, and their order by x (ties in row
// order).
type unitRows struct {
	x, y, t, w []float64
	covs       [][]float64
	labels     []string
	pos        func(i int) int64
	order      []int
}

// add appends a row group's records, sorted, to the buffer as one segment,
// spilling the buffer as a run first if they would not fit.
func (s *rddSorter) add(u unitRows) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		s.buf = make([]float64, 0, s.maxRows*s.width)
	}
	if len(s.buf) > 0 && len(s.buf)+len(u.x)*s.width > cap(s.buf) {
		if err := s.spill(); err != nil {
			return err
		}
	}
	for _, i := range u.order {
		rec := [fCovs]float64{fX: u.x[i], fRow: float64(u.pos(i)), fY: u.y[i], fW: 1}
		if u.t != nil {
			rec[fT] = u.t[i]
		}
		if u.w != nil {
			rec[fW] = u.w[i]
		}
		if u.labels != nil {
			c, ok := s.codes[u.labels[i]]
			if !ok {
				c = float64(len(s.codes))
				s.codes[u.labels[i]] = c
			}
			rec[fCluster] = c
		}
		s.buf = append(s.buf, rec[:]...)
		for _, c := range u.covs {
			s.buf = append(s.buf, c[i])
		}
	}
	s.segs = append(s.segs, len(s.buf)/s.width)
	return nil
}

// segments returns cursors over the sorted segments of the buffer.
func (s *rddSorter) segments() []*runCursor {
	var cs []*runCursor
	lo := 0
	for _, hi := range s.segs {
		cs = append(cs, &runCursor{width: s.width, mem: s.buf[lo*s.width : hi*s.width]})
		lo = hi
	}
	return cs
}

// spill merges the buffer's segments into a run file.
func (s *rddSorter) spill() error {
	f, err := os.CreateTemp(s.dir, "causalkit-rdd-run-*")
	if err != nil {
		return fmt.Errorf("rdd: temporary run file: %w", err)
	}
	s.runs = append(s.runs, f)
	w := bufio.NewWriterSize(f, 1<<20)
	b := make([]byte, 8*s.width)
	err = mergeRuns(s.segments(), func(rec []float64) error {
		for j, v := range rec {
			binary.LittleEndian.PutUint64(b[8*j:], math.Float64bits(v))
		}
		_, err := w.Write(b)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("rdd: writing %s: %w", f.Name(), err)
	}
	s.buf, s.segs = s.buf[:0], s.segs[:0]
	return nil
}

func (s *rddSorter) close() {
	for _, f := range s.runs {
		f.Close()
		os.Remove(f.Name())
	}
	s.runs = nil
}

// runCursor reads one sorted run: a file, or a segment of the buffer.
type runCursor struct {
	width int
	r     *bufio.Reader
	mem   []float64
	cur   []float64
	b     []byte
}

func (c *runCursor) next() (bool, error) {
	if c.r == nil {
		if len(c.mem) == 0 {
			return false, nil
		}
		c.cur, c.mem = c.mem[:c.width], c.mem[c.width:]
		return true, nil
	}
	if c.b == nil {
		c.b, c.cur = make([]byte, 8*c.width), make([]float64, c.width)
	}
	if _, err := stdio.ReadFull(c.r, c.b); err == stdio.EOF {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("rdd: reading a temporary run: %w", err)
	}
	for j := range c.cur {
		c.cur[j] = math.Float64frombits(binary.LittleEndian.Uint64(c.b[8*j:]))
	}
	return true, nil
}

type cursorHeap []*runCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return compareRecords(h[i].cur, h[j].cur) < 0 }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*runCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// merge visits the records of every run and buffered segment in sorted
// order.
func (s *rddSorter) merge(visit func(rec []float64) error) error {
	cs := s.segments()
	// The runs' read buffers share a quarter of the sort buffer's size
	// (many runs must not multiply the memory), between 64 KiB and 1 MiB.
	size := 1 << 20
	if len(s.runs) > 0 {
		size = max(64<<10, min(size, s.maxRows*s.width*8/4/len(s.runs)))
	}
	for _, f := range s.runs {
		if _, err := f.Seek(0, stdio.SeekStart); err != nil {
			return fmt.Errorf("rdd: reading %s: %w", f.Name(), err)
		}
		cs = append(cs, &runCursor{width: s.width, r: bufio.NewReaderSize(f, size)})
	}
	return mergeRuns(cs, visit)
}

// mergeRuns visits the records of sorted runs in sorted order.
func mergeRuns(cs []*runCursor, visit func(rec []float64) error) error {
	h := cursorHeap{}
	for _, c := range cs {
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		c := h[0]
		if err := visit(c.cur); err != nil {
			return err
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

// streamRD estimates from the plan's row groups without holding the rows
// in memory.
func (f *rddFlags) streamRD(st *streamer, opt rdd.Options) (*rdd.Result, estimators.Input, error) {
	var input estimators.Input
	if f.plot != "" {
		return nil, input, usagef("--plot: the RD plot reads the data into memory, and %s does not fit --memory-limit; raise it or draw the plot from a sample", f.data)
	}
	width := fCovs + len(f.covs)
	s := &rddSorter{width: width, maxRows: int(max(1<<10, st.limit/4/int64(8*width+8))), codes: map[string]float64{}}
	defer s.close()
	start := make([]int64, len(st.plan.Units)+1)
	for u, unit := range st.plan.Units {
		start[u+1] = start[u] + unit.Rows
	}
	numeric := append([]string{f.y, f.x}, f.covs...)
	for _, c := range []string{f.fuzzy, f.weights} {
		if c != "" {
			numeric = append(numeric, c)
		}
	}
	spec := ckio.FrameSpec{Numeric: numeric, NA: f.naPolicy()}
	if f.cluster != "" {
		spec.Categorical = []string{f.cluster}
	}
	states, err := st.pass(1, spec, func(u int, t *ckio.Table, fr *ckio.Frame) (unitResult, error) {
		ur := unitRows{x: fr.Float64(f.x), y: fr.Float64(f.y), pos: func(i int) int64 { return start[u] + int64(fr.Rows[i]) }}
		ur.order = estimators.Argsort(ur.x)
		if f.fuzzy != "" {
			ur.t = fr.Float64(f.fuzzy)
		}
		if f.weights != "" {
			ur.w = fr.Float64(f.weights)
			for i, v := range ur.w {
				if v < 0 {
					return unitResult{}, estimators.InputErrorf("rdd: --weights %s is %g at %s; weights must be non-negative", f.weights, v, t.RowName(fr.Rows[i]))
				}
			}
		}
		if f.cluster != "" {
			codes, levels := fr.Codes(f.cluster)
			ur.labels = make([]string, len(codes))
			for i, c := range codes {
				ur.labels[i] = levels[c]
			}
		}
		for _, c := range f.covs {
			ur.covs = append(ur.covs, fr.Float64(c))
		}
		return unitResult{}, s.add(ur)
	})
	if err != nil {
		return nil, input, err
	}
	input = st.input(f.data, states)
	if input.Dropped > 0 {
		st.notef("dropped %d of %d rows with missing values (use --na error to stop instead)", input.Dropped, input.Rows)
	}
	cols := rdd.SampleColumns{Fuzzy: f.fuzzy != "", Weights: f.weights != "", Cluster: f.cluster != "", Covs: f.covs}
	ss, err := rdd.NewSortedSample(opt, input.Used, cols, os.TempDir())
	if err != nil {
		return nil, input, err
	}
	defer ss.Close()
	err = s.merge(func(r []float64) error {
		return ss.Add(int(r[fRow]), r[fX], r[fY], r[fT], r[fW], int(r[fCluster]), r[fCovs:])
	})
	if err != nil {
		return nil, input, err
	}
	s.close() // the sample holds the rows now
	s.buf = nil
	r, err := ss.Estimate()
	return r, input, err
}
