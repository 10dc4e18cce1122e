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

// rddRow is one row of the sort.
type rddRow struct {
	x    float64
	row  int64 // position in the plan's rows, for ties
	y, t float64
	w    float64
	cl   int64
}

func compareRows(a, b *rddRow) int {
	if c := cmp.Compare(a.x, b.x); c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}

const rddRecord = 6 * 8 // bytes per row in a run file

// rddSorter collects rows into sorted runs.
type rddSorter struct {
	mu      sync.Mutex
	dir     string
	buf     []rddRow
	segs    []int // ends of the sorted segments of buf (one per row group)
	maxRows int
	runs    []*os.File
	codes   map[string]int64 // cluster labels seen, in any order: the estimator only groups by them
	err     error
}

// unitRows are one row group's columns (t, w and labels may be nil), the
// plan positions of its rows, and their order by x (ties in row order).
type unitRows struct {
	x, y, t, w []float64
	labels     []string
	pos        func(i int) int64
	order      []int
}

// add appends a row group's rows, sorted, to the buffer as one segment,
// spilling the buffer as a run first if they would not fit.
func (s *rddSorter) add(u unitRows) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf == nil {
		s.buf = make([]rddRow, 0, s.maxRows)
	}
	if len(s.buf) > 0 && len(s.buf)+len(u.x) > cap(s.buf) {
		if err := s.spill(); err != nil {
			return err
		}
	}
	for _, i := range u.order {
		r := rddRow{x: u.x[i], y: u.y[i], w: 1, row: u.pos(i)}
		if u.t != nil {
			r.t = u.t[i]
		}
		if u.w != nil {
			r.w = u.w[i]
		}
		if u.labels != nil {
			c, ok := s.codes[u.labels[i]]
			if !ok {
				c = int64(len(s.codes))
				s.codes[u.labels[i]] = c
			}
			r.cl = c
		}
		s.buf = append(s.buf, r)
	}
	s.segs = append(s.segs, len(s.buf))
	return nil
}

// segments returns cursors over the sorted segments of the buffer.
func (s *rddSorter) segments() []*runCursor {
	var cs []*runCursor
	lo := 0
	for _, hi := range s.segs {
		cs = append(cs, &runCursor{mem: s.buf[lo:hi]})
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
	var rec [rddRecord]byte
	err = mergeRuns(s.segments(), func(r *rddRow) error {
		for j, v := range [...]uint64{math.Float64bits(r.x), uint64(r.row), math.Float64bits(r.y), math.Float64bits(r.t), math.Float64bits(r.w), uint64(r.cl)} {
			binary.LittleEndian.PutUint64(rec[8*j:], v)
		}
		_, err := w.Write(rec[:])
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

// runCursor reads one sorted run; the in-memory remainder is a run too.
type runCursor struct {
	r   *bufio.Reader
	mem []rddRow
	cur rddRow
	rec [rddRecord]byte
}

func (c *runCursor) next() (bool, error) {
	if c.r == nil {
		if len(c.mem) == 0 {
			return false, nil
		}
		c.cur, c.mem = c.mem[0], c.mem[1:]
		return true, nil
	}
	if _, err := stdio.ReadFull(c.r, c.rec[:]); err == stdio.EOF {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("rdd: reading a temporary run: %w", err)
	}
	u := func(j int) uint64 { return binary.LittleEndian.Uint64(c.rec[8*j:]) }
	c.cur = rddRow{x: math.Float64frombits(u(0)), row: int64(u(1)), y: math.Float64frombits(u(2)),
		t: math.Float64frombits(u(3)), w: math.Float64frombits(u(4)), cl: int64(u(5))}
	return true, nil
}

type cursorHeap []*runCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return compareRows(&h[i].cur, &h[j].cur) < 0 }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*runCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// merge visits the rows of every run and buffered segment in sorted
// order.
func (s *rddSorter) merge(visit func(r *rddRow) error) error {
	cs := s.segments()
	for _, f := range s.runs {
		if _, err := f.Seek(0, stdio.SeekStart); err != nil {
			return fmt.Errorf("rdd: reading %s: %w", f.Name(), err)
		}
		cs = append(cs, &runCursor{r: bufio.NewReaderSize(f, 1<<20)})
	}
	return mergeRuns(cs, visit)
}

// mergeRuns visits the rows of sorted runs in sorted order.
func mergeRuns(cs []*runCursor, visit func(r *rddRow) error) error {
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
		if err := visit(&c.cur); err != nil {
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
	if len(f.covs) > 0 {
		return nil, input, usagef("--covs: covariate adjustment reads the data into memory, and %s does not fit --memory-limit; raise it or drop --covs", f.data)
	}
	if f.plot != "" {
		return nil, input, usagef("--plot: the RD plot reads the data into memory, and %s does not fit --memory-limit; raise it or draw the plot from a sample", f.data)
	}
	limit := st.limit
	s := &rddSorter{maxRows: int(max(1<<10, limit/4/int64(rddRecord+8))), codes: map[string]int64{}}
	defer s.close()
	start := make([]int64, len(st.plan.Units)+1)
	for u, unit := range st.plan.Units {
		start[u+1] = start[u] + unit.Rows
	}
	numeric := []string{f.y, f.x}
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
		return unitResult{}, s.add(ur)
	})
	if err != nil {
		return nil, input, err
	}
	input = st.input(f.data, states)
	if input.Dropped > 0 {
		st.notef("dropped %d of %d rows with missing values (use --na error to stop instead)", input.Dropped, input.Rows)
	}
	ss, err := rdd.NewSortedSample(opt, input.Used, rdd.SampleColumns{Fuzzy: f.fuzzy != "", Weights: f.weights != "", Cluster: f.cluster != ""}, os.TempDir())
	if err != nil {
		return nil, input, err
	}
	defer ss.Close()
	err = s.merge(func(r *rddRow) error { return ss.Add(int(r.row), r.x, r.y, r.t, r.w, int(r.cl)) })
	if err != nil {
		return nil, input, err
	}
	s.close() // the sample holds the rows now
	s.buf = nil
	r, err := ss.Estimate()
	return r, input, err
}
