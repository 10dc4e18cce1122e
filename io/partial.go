package io

import (
	"context"
	"fmt"
	stdio "io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/causalkit/causalkit/estimators"
)

// PartialState is the mergeable statistic of one unit of a Plan in one
// pass over the data: numbers kept exactly, and names (cluster levels,
// say) where the statistic needs them.
type PartialState struct {
	Round   int // the pass, from 1
	Unit    int // index into Plan.Units
	Rows    int // rows used
	Dropped int // rows dropped for missing values
	Vals    []float64
	Keys    []string
}

// partialMetaKey is the schema metadata key that holds a partial's header.
const partialMetaKey = "causalkit.partial"

var partialSchema = arrow.NewSchema([]arrow.Field{
	{Name: "round", Type: arrow.PrimitiveTypes.Int32},
	{Name: "unit", Type: arrow.PrimitiveTypes.Int64},
	{Name: "rows", Type: arrow.PrimitiveTypes.Int64},
	{Name: "dropped", Type: arrow.PrimitiveTypes.Int64},
	{Name: "vals", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
	{Name: "keys", Type: arrow.ListOf(arrow.BinaryTypes.String)},
}, nil)

// WritePartial writes a partial result (an Arrow IPC file: one row per
// state, the header in the schema metadata) atomically to path.
func WritePartial(path string, header []byte, states []PartialState) error {
	md := arrow.NewMetadata([]string{partialMetaKey}, []string{string(header)})
	schema := arrow.NewSchema(partialSchema.Fields(), &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	vals := b.Field(4).(*array.ListBuilder)
	keys := b.Field(5).(*array.ListBuilder)
	for _, s := range states {
		b.Field(0).(*array.Int32Builder).Append(int32(s.Round))
		b.Field(1).(*array.Int64Builder).Append(int64(s.Unit))
		b.Field(2).(*array.Int64Builder).Append(int64(s.Rows))
		b.Field(3).(*array.Int64Builder).Append(int64(s.Dropped))
		vals.Append(true)
		vals.ValueBuilder().(*array.Float64Builder).AppendValues(s.Vals, nil)
		keys.Append(true)
		keys.ValueBuilder().(*array.StringBuilder).AppendValues(s.Keys, nil)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return WriteFileAtomic(path, func(w stdio.Writer) error {
		fw, err := ipc.NewFileWriter(w, ipc.WithSchema(schema))
		if err != nil {
			return fmt.Errorf("io: writing %s: %w", path, err)
		}
		if err := fw.Write(rec); err != nil {
			return fmt.Errorf("io: writing %s: %w", path, err)
		}
		if err := fw.Close(); err != nil {
			return fmt.Errorf("io: writing %s: %w", path, err)
		}
		return nil
	})
}

// ReadPartial reads a file written by WritePartial.
func ReadPartial(path string) (header []byte, states []PartialState, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
	}
	notPartial := func() error {
		return estimators.InputErrorf("%s is not a causalkit partial result (written by a --shard run)", path)
	}
	defer recoverCorrupt(path, FormatIPC, &err)
	tbl, err := readIPC(context.Background(), stdio.NewSectionReader(f, 0, st.Size()), path, ReadOptions{}.withDefaults())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", notPartial(), err)
	}
	defer tbl.Release()
	md := tbl.Schema().Metadata()
	i := md.FindKey(partialMetaKey)
	if i < 0 || !tbl.Schema().Equal(partialSchema) {
		return nil, nil, notPartial()
	}
	header = []byte(md.Values()[i])
	rr := array.NewTableReader(tbl, 0)
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		round := rec.Column(0).(*array.Int32)
		unit, rows, dropped := rec.Column(1).(*array.Int64), rec.Column(2).(*array.Int64), rec.Column(3).(*array.Int64)
		vals, keys := rec.Column(4).(*array.List), rec.Column(5).(*array.List)
		fv := vals.ListValues().(*array.Float64)
		kv := keys.ListValues().(*array.String)
		for r := range int(rec.NumRows()) {
			s := PartialState{Round: int(round.Value(r)), Unit: int(unit.Value(r)), Rows: int(rows.Value(r)), Dropped: int(dropped.Value(r))}
			lo, hi := vals.ValueOffsets(r)
			s.Vals = append([]float64{}, fv.Float64Values()[lo:hi]...)
			lo, hi = keys.ValueOffsets(r)
			for j := lo; j < hi; j++ {
				s.Keys = append(s.Keys, kv.Value(int(j)))
			}
			states = append(states, s)
		}
	}
	return header, states, nil
}
