package io

import (
	"encoding/binary"
	"errors"
	stdio "io"
)

// arrow-go decodes the flatbuffer metadata of Arrow IPC files without
// verifying it, and sizes slices from the counts it reads: a corrupt count
// makes it allocate until the process dies, which no recover can catch.
// checkIPC walks the metadata first — every schema, field, key-value list
// and record-batch header — and rejects counts and offsets that do not fit
// the bytes they claim, so that a damaged file is an input error.

var errFlatbuffer = errors.New("corrupt metadata (an offset or count points outside the file)")

// fb is a flatbuffer under verification.
type fb struct {
	b      []byte
	budget int // tables left to visit, against shared-subtable blow-ups
}

func (f *fb) u32(p int) (int, bool) {
	if p < 0 || p+4 > len(f.b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(f.b[p:])), true
}

func (f *fb) u16(p int) (int, bool) {
	if p < 0 || p+2 > len(f.b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(f.b[p:])), true
}

// table checks the table at t and its vtable.
func (f *fb) table(t int) bool {
	f.budget--
	so, ok := f.u32(t)
	if !ok || f.budget < 0 {
		return false
	}
	v := t - int(int32(uint32(so)))
	vs, ok := f.u16(v)
	if !ok || vs < 4 || vs%2 != 0 || v+vs > len(f.b) {
		return false
	}
	ts, ok := f.u16(v + 2)
	return ok && t+ts <= len(f.b)
}

// field returns the position of slot's field in table t (0: absent).
func (f *fb) field(t, slot int) int {
	so, _ := f.u32(t)
	v := t - int(int32(uint32(so)))
	vs, _ := f.u16(v)
	if 4+2*slot >= vs {
		return 0
	}
	off, _ := f.u16(v + 4 + 2*slot)
	if off == 0 {
		return 0
	}
	return t + off
}

// ref follows the offset in slot of table t (0: absent, -1: bad).
func (f *fb) ref(t, slot int) int {
	p := f.field(t, slot)
	if p == 0 {
		return 0
	}
	o, ok := f.u32(p)
	if !ok || o == 0 || p+o >= len(f.b) {
		return -1
	}
	return p + o
}

// vector returns the start and length of the vector in slot of table t
// with elements of elem bytes, checking that it fits.
func (f *fb) vector(t, slot, elem int) (start, n int, ok bool) {
	p := f.ref(t, slot)
	if p <= 0 {
		return 0, 0, p == 0
	}
	n, ok = f.u32(p)
	if !ok || n > (len(f.b)-p-4)/elem {
		return 0, 0, false
	}
	return p + 4, n, true
}

// subtable checks the table in slot of table t, if present.
func (f *fb) subtable(t, slot int, check func(int) bool) bool {
	p := f.ref(t, slot)
	return p == 0 || p > 0 && f.table(p) && (check == nil || check(p))
}

// tables checks each table of the vector in slot of table t.
func (f *fb) tables(t, slot int, check func(int) bool) bool {
	start, n, ok := f.vector(t, slot, 4)
	for i := 0; ok && i < n; i++ {
		p := start + 4*i
		o, _ := f.u32(p)
		ok = o > 0 && p+o < len(f.b) && f.table(p+o) && (check == nil || check(p+o))
	}
	return ok
}

func (f *fb) keyValues(t, slot int) bool {
	return f.tables(t, slot, func(kv int) bool {
		_, _, ok1 := f.vector(kv, 0, 1)
		_, _, ok2 := f.vector(kv, 1, 1)
		return ok1 && ok2
	})
}

// schema checks a Schema table: fields (recursively) and metadata.
func (f *fb) schema(s int) bool {
	return f.fields(s, 1, 0) && f.keyValues(s, 2)
}

func (f *fb) fields(t, slot, depth int) bool {
	if depth > 64 {
		return false
	}
	return f.tables(t, slot, func(fl int) bool {
		_, _, okName := f.vector(fl, 0, 1)
		typeOK := f.subtable(fl, 3, func(ty int) bool {
			var kind byte
			if p := f.field(fl, 2); p > 0 && p < len(f.b) {
				kind = f.b[p]
			}
			switch kind {
			case 10: // Timestamp: the time zone string
				_, _, ok := f.vector(ty, 1, 1)
				return ok
			case 14: // Union: the type ids
				_, _, ok := f.vector(ty, 1, 4)
				return ok
			}
			return true
		})
		dictOK := f.subtable(fl, 4, func(d int) bool { return f.subtable(d, 1, nil) })
		return okName && typeOK && dictOK && f.fields(fl, 5, depth+1) && f.keyValues(fl, 6)
	})
}

// recordBatch checks a RecordBatch table.
func (f *fb) recordBatch(r int) bool {
	_, _, ok1 := f.vector(r, 1, 16) // FieldNode structs
	_, _, ok2 := f.vector(r, 2, 16) // Buffer structs
	_, _, ok3 := f.vector(r, 4, 8)  // variadic buffer counts
	return ok1 && ok2 && ok3 && f.subtable(r, 3, nil)
}

// checkMessage checks a Message flatbuffer and returns the position of its
// record batch (0 for other messages).
func checkMessage(f *fb) (rb int, ok bool) {
	root, ok := f.u32(0)
	if !ok || !f.table(root) || !f.keyValues(root, 4) {
		return 0, false
	}
	hp := f.field(root, 1)
	typ := 0
	if hp > 0 && hp < len(f.b) {
		typ = int(f.b[hp])
	}
	switch typ {
	case 1:
		return 0, f.subtable(root, 2, f.schema)
	case 2:
		ok = f.subtable(root, 2, func(d int) bool {
			return f.subtable(d, 1, func(r int) bool { rb = r; return f.recordBatch(r) })
		})
		return rb, ok
	case 3:
		ok = f.subtable(root, 2, func(r int) bool { rb = r; return f.recordBatch(r) })
		return rb, ok
	}
	return 0, true
}

// checkBody checks that the buffers of record batch rb lie in the body
// and, when compressed, claim no more uncompressed bytes than memory
// holds (arrow-go allocates what the prefix claims).
func checkBody(f *fb, rb int, src *stdio.SectionReader, body, bodyLen int64) error {
	start, n, _ := f.vector(rb, 2, 16)
	compressed := f.ref(rb, 3) > 0
	var claimed int64
	for i := range n {
		off := int64(binary.LittleEndian.Uint64(f.b[start+16*i:]))
		length := int64(binary.LittleEndian.Uint64(f.b[start+16*i+8:]))
		if off < 0 || length < 0 || off > bodyLen || length > bodyLen-off {
			return errFlatbuffer
		}
		if !compressed || length < 8 {
			continue
		}
		var prefix [8]byte
		if _, err := src.ReadAt(prefix[:], body+off); err != nil {
			return errFlatbuffer
		}
		if size := int64(binary.LittleEndian.Uint64(prefix[:])); size != -1 {
			if size < 0 || size > maxDecompressed-claimed {
				return errors.New("a compressed buffer claims more bytes than this machine's memory; the file is corrupt")
			}
			claimed += size
		}
	}
	return nil
}

// maxDecompressed bounds the bytes one record batch may decompress to.
var maxDecompressed = func() int64 {
	if m := PhysicalMemory(); m > 0 {
		return m
	}
	return 1 << 40
}()

// checkIPC verifies the metadata of an Arrow IPC file (file: the footer
// and every block's message) or stream (every message) in src.
func checkIPC(src *stdio.SectionReader, file bool) error {
	size := src.Size()
	readAt := func(off, n int64) ([]byte, error) {
		if off < 0 || n < 0 || off+n > size {
			return nil, errFlatbuffer
		}
		buf := make([]byte, n)
		_, err := src.ReadAt(buf, off)
		return buf, err
	}
	// message reads the encapsulated message at off and returns the offset
	// after its metadata and body length.
	message := func(off int64) (next int64, bodyLen int64, err error) {
		head, err := readAt(off, 8)
		if err != nil {
			return 0, 0, err
		}
		n := int64(binary.LittleEndian.Uint32(head[4:]))
		meta := off + 8
		if binary.LittleEndian.Uint32(head) != 0xFFFFFFFF { // pre-1.0 format: no continuation marker
			n, meta = int64(binary.LittleEndian.Uint32(head)), off+4
		}
		if n == 0 {
			return -1, 0, nil // end of stream
		}
		b, err := readAt(meta, n)
		if err != nil {
			return 0, 0, err
		}
		f := &fb{b: b, budget: len(b)}
		rb, ok := checkMessage(f)
		if !ok {
			return 0, 0, errFlatbuffer
		}
		root, _ := f.u32(0)
		if p := f.field(root, 3); p > 0 && p+8 <= len(b) {
			bodyLen = int64(binary.LittleEndian.Uint64(b[p:]))
		}
		if bodyLen < 0 || bodyLen > size-(meta+n) {
			return 0, 0, errFlatbuffer
		}
		if rb > 0 {
			if err := checkBody(f, rb, src, meta+n, bodyLen); err != nil {
				return 0, 0, err
			}
		}
		return meta + n, bodyLen, nil
	}
	if !file {
		for off := int64(0); off < size; {
			next, body, err := message(off)
			if err != nil || next < 0 {
				return err
			}
			off = next + body
		}
		return nil
	}
	tail, err := readAt(size-10, 10)
	if err != nil {
		return err
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	footer, err := readAt(size-10-n, n)
	if err != nil {
		return err
	}
	f := &fb{b: footer, budget: len(footer)}
	root, ok := f.u32(0)
	if !ok || !f.table(root) || !f.subtable(root, 1, f.schema) || !f.keyValues(root, 4) {
		return errFlatbuffer
	}
	for _, slot := range []int{2, 3} { // dictionary and record-batch blocks
		start, k, ok := f.vector(root, slot, 24)
		if !ok {
			return errFlatbuffer
		}
		for i := range k {
			off := int64(binary.LittleEndian.Uint64(footer[start+24*i:]))
			if _, _, err := message(off); err != nil {
				return err
			}
		}
	}
	return nil
}
