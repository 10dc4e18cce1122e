package io

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/natural"
)

// Plan is the ordered list of the row groups of one or more Parquet files:
// the units of streaming and sharded estimation. Estimators that stream
// compute one mergeable statistic per unit and merge them in unit order,
// so a result does not depend on how the units were spread over threads,
// processes or machines.
type Plan struct {
	Files []PlanFile
	Units []Unit
	// Fingerprint is the hex SHA-256 of every file's size and Parquet
	// footer (schema, row groups, column-chunk offsets and statistics): it
	// identifies the data of a sharded run without reading it all.
	Fingerprint string
}

// PlanFile is one file of a plan.
type PlanFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Rows int64  `json:"rows"`
}

// Unit is one row group of a plan.
type Unit struct {
	File     int   // index into Plan.Files
	RowGroup int   // row group within the file
	Rows     int64 // rows in the row group
	Offset   int64 // rows of the file before it
}

// NewPlan lists the row groups of the Parquet data named by data: a file, a
// directory (every *.parquet file below it) or a glob pattern such as
// "years/*.parquet". Files are taken in natural name order (part2 before
// part10).
func NewPlan(data string) (*Plan, error) {
	paths, err := planPaths(data)
	if err != nil {
		return nil, err
	}
	p := &Plan{}
	h := sha256.New()
	for fi, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
		}
		st, err := f.Stat()
		if err == nil && st.Size() == 0 {
			err = estimators.InputErrorf("%s is empty (0 bytes); expected Parquet data", path)
		}
		var pq *parquetFile
		if err == nil {
			pq, err = openParquet(f, path, ReadOptions{}.withDefaults())
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		pf := PlanFile{Path: path, Size: st.Size()}
		for rg := range pq.pf.NumRowGroups() {
			n := pq.pf.MetaData().RowGroup(rg).NumRows()
			p.Units = append(p.Units, Unit{File: fi, RowGroup: rg, Rows: n, Offset: pf.Rows})
			pf.Rows += n
		}
		p.Files = append(p.Files, pf)
		footer, err := readFooter(f, st.Size())
		pq.Close()
		f.Close()
		if err != nil {
			return nil, corrupt(path, FormatParquet, err)
		}
		_ = binary.Write(h, binary.LittleEndian, st.Size())
		h.Write(footer)
	}
	p.Fingerprint = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// planPaths expands data into the sorted list of Parquet files.
func planPaths(data string) ([]string, error) {
	var paths []string
	if strings.ContainsAny(data, "*?[") {
		m, err := filepath.Glob(data)
		if err != nil {
			return nil, estimators.InputErrorf("--data %q: bad pattern: %v", data, err)
		}
		paths = m
	} else {
		st, err := os.Stat(data)
		if err != nil {
			return nil, estimators.InputErrorf("cannot open %s: %v", data, pathErr(err))
		}
		if !st.IsDir() {
			return []string{data}, nil
		}
		err = filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".parquet") {
				paths = append(paths, path)
			}
			return nil
		})
		if err != nil {
			return nil, estimators.InputErrorf("reading directory %s: %v", data, err)
		}
	}
	if len(paths) == 0 {
		return nil, estimators.InputErrorf("%s matches no Parquet files", data)
	}
	return natural.Sort(paths), nil
}

// readFooter returns the Parquet footer: the metadata before the final
// 4-byte length and "PAR1".
func readFooter(f *os.File, size int64) ([]byte, error) {
	var tail [8]byte
	if size < 12 {
		return nil, errors.New("file too short")
	}
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return nil, fmt.Errorf("footer length %d exceeds the file", n)
	}
	buf := make([]byte, n)
	_, err := f.ReadAt(buf, size-8-n)
	return buf, err
}

// Rows returns the total number of rows.
func (p *Plan) Rows() int64 {
	var n int64
	for _, f := range p.Files {
		n += f.Rows
	}
	return n
}

// Shard returns the range [lo, hi) of the units of shard i of n (0-based):
// contiguous runs of units whose sizes differ by at most one.
func (p *Plan) Shard(i, n int) (lo, hi int) {
	u := len(p.Units)
	return i * u / n, (i + 1) * u / n
}

// Name describes unit u for messages, such as "a.parquet (row group 3)".
func (p *Plan) Name(u int) string {
	return fmt.Sprintf("%s (row group %d)", p.Files[p.Units[u].File].Path, p.Units[u].RowGroup+1)
}

// ReadUnit reads the named columns of unit u. Messages about its rows count
// rows from the start of the file. The caller must Release the table.
func (p *Plan) ReadUnit(ctx context.Context, u int, columns []string) (*Table, error) {
	batches, err := p.readUnit(ctx, u, ReadOptions{Columns: columns}.withDefaults())
	if err != nil {
		return nil, err
	}
	defer releaseAll(batches)
	unit := p.Units[u]
	path := p.Files[unit.File].Path
	var tbl arrow.Table
	if len(batches) > 0 {
		tbl = newTable(batches[0].Schema(), batches, nil)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
		}
		defer f.Close()
		pq, err := openParquet(f, path, ReadOptions{Columns: columns}.withDefaults())
		if err != nil {
			return nil, err
		}
		defer pq.Close()
		tbl = pq.table(nil)
	}
	return &Table{tbl: tbl, src: Source{Path: path, Rows: int(unit.Rows)}, offset: int(unit.Offset)}, nil
}

// readUnit reads the projected columns of unit u as record batches, which
// the caller releases.
func (p *Plan) readUnit(ctx context.Context, u int, opt ReadOptions) ([]arrow.RecordBatch, error) {
	unit := p.Units[u]
	path := p.Files[unit.File].Path
	f, err := os.Open(path)
	if err != nil {
		return nil, estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
	}
	defer f.Close()
	pq, err := openParquet(f, path, opt)
	if err != nil {
		return nil, err
	}
	defer pq.Close()
	if pq.pf.NumRowGroups() <= unit.RowGroup || pq.pf.MetaData().RowGroup(unit.RowGroup).NumRows() != unit.Rows {
		return nil, estimators.InputErrorf("%s changed while it was being read (its row groups differ from the plan); run again", path)
	}
	return pq.rowGroup(ctx, unit.RowGroup)
}

// PhysicalMemory returns the machine's RAM in bytes, or 0 where it is not
// known (it reads /proc/meminfo).
func PhysicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if n, _ := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); n == 1 {
			return kb << 10
		}
	}
	return 0
}

// Describe returns the name, Arrow type and null count of every column of
// the plan's files (which must share their columns), from the Parquet
// footers' statistics where they hold null counts and otherwise by reading
// that column one row group at a time: memory stays bounded by a row group
// of one column.
func (p *Plan) Describe(ctx context.Context) ([]ColumnInfo, error) {
	var info []ColumnInfo
	for fi, pf := range p.Files {
		f, err := os.Open(pf.Path)
		if err != nil {
			return nil, estimators.InputErrorf("cannot open %s: %v", pf.Path, pathErr(err))
		}
		cols, err := describeFile(ctx, f, pf.Path)
		f.Close()
		if err != nil {
			return nil, err
		}
		if fi == 0 {
			info = cols
			continue
		}
		if len(cols) != len(info) {
			return nil, estimators.InputErrorf("%s has %d columns, %s %d; the files of one data set must share their columns", pf.Path, len(cols), p.Files[0].Path, len(info))
		}
		for j, c := range cols {
			if c.Name != info[j].Name || c.Type != info[j].Type {
				return nil, estimators.InputErrorf("%s: column %d is %s %s, in %s %s %s; the files of one data set must share their columns",
					pf.Path, j+1, c.Name, c.Type, p.Files[0].Path, info[j].Name, info[j].Type)
			}
			info[j].Nulls += c.Nulls
		}
	}
	return info, nil
}

// describeFile describes the columns of one Parquet file.
func describeFile(ctx context.Context, f *os.File, path string) ([]ColumnInfo, error) {
	pq, err := openParquet(f, path, ReadOptions{}.withDefaults())
	if err != nil {
		return nil, err
	}
	defer pq.Close()
	md := pq.pf.MetaData()
	info := make([]ColumnInfo, len(pq.idx))
	for k, i := range pq.idx {
		field := pq.schema.Field(i)
		info[k] = ColumnInfo{Name: field.Name, Type: typeName(field.Type)}
		sf := pq.fr.Manifest.Fields[i]
		known := sf.IsLeaf()
		var nulls int64
		for rg := 0; known && rg < md.NumRowGroups(); rg++ {
			cc, err := md.RowGroup(rg).ColumnChunk(sf.ColIndex)
			if err != nil {
				return nil, corrupt(path, FormatParquet, err)
			}
			st, err := cc.Statistics()
			if err != nil || st == nil || !st.HasNullCount() {
				known = false
				break
			}
			nulls += st.NullCount()
		}
		if !known {
			// Count by reading the column, a row group at a time.
			one, err := openParquet(f, path, ReadOptions{Columns: []string{field.Name}}.withDefaults())
			if err != nil {
				return nil, err
			}
			nulls = 0
			for rg := range md.NumRowGroups() {
				batches, err := one.rowGroup(ctx, rg)
				if err != nil {
					one.Close()
					return nil, err
				}
				for _, b := range batches {
					nulls += int64(b.Column(0).NullN())
				}
				releaseAll(batches)
			}
			one.Close()
		}
		info[k].Nulls = int(nulls)
	}
	return info, nil
}
