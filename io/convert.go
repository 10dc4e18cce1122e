package io

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// This file holds the one conversion path from Arrow arrays to Go slices,
// shared by Table, Frame and the writers.

// errType reports that an array's type does not fit the requested view.
var errType = errors.New("unsupported Arrow type")

// kind groups Arrow value types by how causalkit can use them.
type kind int

const (
	kindOther kind = iota
	kindString
	kindBool
	kindSigned
	kindUnsigned
	kindFloat
	kindList
)

// kindOf classifies dt, looking through dictionary encoding.
func kindOf(dt arrow.DataType) kind {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dt = d.ValueType
	}
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return kindString
	case arrow.BOOL:
		return kindBool
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return kindSigned
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return kindUnsigned
	case arrow.FLOAT32, arrow.FLOAT64:
		return kindFloat
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW:
		return kindList
	}
	return kindOther
}

// typeName is the short type name used in messages and Describe: float64,
// int64, bool, string, dictionary<string>, list<float64>, ...
func typeName(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		return "dictionary<" + typeName(t.ValueType) + ">"
	case arrow.ListLikeType:
		return t.Name() + "<" + typeName(t.Elem()) + ">"
	}
	if kindOf(dt) == kindString {
		return "string"
	}
	return dt.Name()
}

type number interface {
	~int64 | ~uint64 | ~float64
}

type arrowNumber interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// decode converts the chunks of one column with conv and gathers their
// validity: valid is nil when no slot is null, and null slots hold the
// zero value (in Arrow they hold arbitrary bytes).
func decode[T any](chunks []arrow.Array, conv func([]T, arrow.Array) ([]T, error)) (vals []T, valid []bool, err error) {
	n := 0
	for _, c := range chunks {
		n += c.Len()
	}
	vals = make([]T, 0, n)
	for _, c := range chunks {
		start := len(vals)
		if vals, err = conv(vals, c); err != nil {
			return nil, nil, err
		}
		valid = appendValidity(valid, start, n, c)
	}
	var zero T
	for i, ok := range valid {
		if !ok {
			vals[i] = zero
		}
	}
	return vals, valid, nil
}

// appendValidity appends one flag per slot of arr to valid, which covers
// the start slots before arr and stays nil until a null appears; n is the
// total length. A dictionary slot is null when its index or its value is.
func appendValidity(valid []bool, start, n int, arr arrow.Array) []bool {
	d, isDict := arr.(*array.Dictionary)
	if arr.NullN() == 0 && (!isDict || d.Dictionary().NullN() == 0) {
		if valid != nil {
			for range arr.Len() {
				valid = append(valid, true)
			}
		}
		return valid
	}
	if valid == nil {
		valid = make([]bool, start, n)
		for i := range valid {
			valid[i] = true
		}
	}
	for i := range arr.Len() {
		ok := arr.IsValid(i)
		if ok && isDict {
			ok = d.Dictionary().IsValid(d.GetValueIndex(i))
		}
		valid = append(valid, ok)
	}
	return valid
}

// appendNumbers appends the values of a numeric, boolean (0/1) or
// dictionary-of-numeric array to dst, converted to T.
func appendNumbers[T number](dst []T, arr arrow.Array) ([]T, error) {
	switch a := arr.(type) {
	case *array.Float64:
		return appendCast(dst, a.Float64Values()), nil
	case *array.Float32:
		return appendCast(dst, a.Float32Values()), nil
	case *array.Int64:
		return appendCast(dst, a.Int64Values()), nil
	case *array.Int32:
		return appendCast(dst, a.Int32Values()), nil
	case *array.Int16:
		return appendCast(dst, a.Int16Values()), nil
	case *array.Int8:
		return appendCast(dst, a.Int8Values()), nil
	case *array.Uint64:
		return appendCast(dst, a.Uint64Values()), nil
	case *array.Uint32:
		return appendCast(dst, a.Uint32Values()), nil
	case *array.Uint16:
		return appendCast(dst, a.Uint16Values()), nil
	case *array.Uint8:
		return appendCast(dst, a.Uint8Values()), nil
	case *array.Boolean:
		for i := range a.Len() {
			var v T
			if a.Value(i) {
				v = 1
			}
			dst = append(dst, v)
		}
		return dst, nil
	case *array.Dictionary:
		return appendDict(dst, a, appendNumbers[T])
	}
	return dst, errType
}

func appendCast[T number, S arrowNumber](dst []T, src []S) []T {
	if same, ok := any(src).([]T); ok { // no conversion: copy with memmove
		return append(dst, same...)
	}
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	out := dst[n:]
	for i, v := range src {
		out[i] = T(v)
	}
	return dst
}

// appendStrings appends the values of a string-like or dictionary-of-string
// array to dst. The strings share Arrow's memory: clone what must outlive
// the array.
func appendStrings(dst []string, arr arrow.Array) ([]string, error) {
	switch a := arr.(type) {
	case interface{ Value(int) string }: // String, LargeString, StringView
		for i := range arr.Len() {
			dst = append(dst, a.Value(i))
		}
		return dst, nil
	case *array.Dictionary:
		return appendDict(dst, a, appendStrings)
	}
	return dst, errType
}

// appendDict decodes a dictionary array through conv of its dictionary.
func appendDict[T any](dst []T, d *array.Dictionary, conv func([]T, arrow.Array) ([]T, error)) ([]T, error) {
	dict, err := conv(nil, d.Dictionary())
	if err != nil {
		return dst, err
	}
	var zero T
	for i := range d.Len() {
		if d.IsNull(i) {
			dst = append(dst, zero)
			continue
		}
		k := d.GetValueIndex(i)
		if k < 0 || k >= len(dict) {
			return dst, fmt.Errorf("dictionary index %d out of range [0, %d)", k, len(dict))
		}
		dst = append(dst, dict[k])
	}
	return dst, nil
}

// categorize codes vals by level: in order of first appearance, or sorted
// by value. Null slots get code -1. NaN cannot be a level.
func categorize[T cmp.Ordered](vals []T, valid []bool, format func(T) string, order LevelOrder) (CategoricalColumn, int) {
	codes := make([]int, len(vals))
	index := make(map[T]int)
	var keys []T
	for i, v := range vals {
		if valid != nil && !valid[i] {
			codes[i] = -1
			continue
		}
		if v != v { // NaN
			return CategoricalColumn{}, i
		}
		c, ok := index[v]
		if !ok {
			c = len(keys)
			index[v] = c
			keys = append(keys, v)
		}
		codes[i] = c
	}
	if order == Sorted {
		perm := seq(len(keys))
		slices.SortFunc(perm, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
		recode := make([]int, len(keys))
		for newCode, old := range perm {
			recode[old] = newCode
		}
		for i, c := range codes {
			if c >= 0 {
				codes[i] = recode[c]
			}
		}
		sorted := make([]T, len(keys))
		for newCode, old := range perm {
			sorted[newCode] = keys[old]
		}
		keys = sorted
	}
	levels := make([]string, len(keys))
	for i, k := range keys {
		levels[i] = format(k)
	}
	return CategoricalColumn{Codes: codes, Levels: levels}, -1
}
