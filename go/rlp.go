package svm

import (
	"errors"
	"math/big"
)

// RLP, the part the C API's encodings use (docs/FORMATS.md, "C API
// encodings"): byte strings, unsigned integers and lists.

// encoder appends RLP to one buffer: no allocation per item.
type encoder struct{ buf []byte }

// maxHeader is the longest header of an item (a length of up to 8 bytes).
const maxHeader = 9

func appendHeader(buf []byte, n int, base byte) []byte {
	if n < 56 {
		return append(buf, base+byte(n))
	}
	k := 0
	for v := n; v > 0; v >>= 8 {
		k++
	}
	buf = append(buf, base+55+byte(k))
	for i := k - 1; i >= 0; i-- {
		buf = append(buf, byte(n>>(8*i)))
	}
	return buf
}

func (e *encoder) header(n int, base byte) { e.buf = appendHeader(e.buf, n, base) }

func (e *encoder) bytes(b []byte) {
	if len(b) == 1 && b[0] < 0x80 {
		e.buf = append(e.buf, b[0])
		return
	}
	e.header(len(b), 0x80)
	e.buf = append(e.buf, b...)
}

func (e *encoder) uint(v uint64) {
	switch {
	case v == 0:
		e.buf = append(e.buf, 0x80)
	case v < 0x80:
		e.buf = append(e.buf, byte(v))
	default:
		k := 0
		for x := v; x > 0; x >>= 8 {
			k++
		}
		e.buf = append(e.buf, 0x80+byte(k))
		for i := k - 1; i >= 0; i-- {
			e.buf = append(e.buf, byte(v>>(8*i)))
		}
	}
}

func (e *encoder) big(v *big.Int) {
	if v == nil || v.Sign() == 0 {
		e.buf = append(e.buf, 0x80)
		return
	}
	e.bytes(v.Bytes())
}

// list encodes what items appends as one list: the header is written into
// room kept in front, then the payload moved up against it.
func (e *encoder) list(items func()) {
	start := len(e.buf)
	var room [maxHeader]byte
	e.buf = append(e.buf, room[:]...)
	items()
	n := len(e.buf) - start - maxHeader
	h := appendHeader(room[:0], n, 0xc0)
	copy(e.buf[start:], h)
	copy(e.buf[start+len(h):], e.buf[start+maxHeader:])
	e.buf = e.buf[:start+len(h)+n]
}

// rlpItem is one decoded item: a string's bytes or a list's payload.
type rlpItem struct {
	list    bool
	payload []byte
}

var errRLP = errors.New("svm: malformed RLP from the library")

func rlpSplit(in []byte) (rlpItem, []byte, error) {
	if len(in) == 0 {
		return rlpItem{}, nil, errRLP
	}
	b := in[0]
	var list bool
	var hdr, n int
	switch {
	case b < 0x80:
		return rlpItem{payload: in[:1]}, in[1:], nil
	case b <= 0xb7:
		hdr, n = 1, int(b-0x80)
	case b <= 0xbf:
		hdr = 1 + int(b-0xb7)
	case b <= 0xf7:
		list, hdr, n = true, 1, int(b-0xc0)
	default:
		list, hdr = true, 1+int(b-0xf7)
	}
	if hdr > 1 {
		if hdr > len(in) || hdr > 9 {
			return rlpItem{}, nil, errRLP
		}
		var v uint64
		for _, c := range in[1:hdr] {
			v = v<<8 | uint64(c)
		}
		if v > uint64(len(in)) {
			return rlpItem{}, nil, errRLP
		}
		n = int(v)
	}
	if hdr+n > len(in) {
		return rlpItem{}, nil, errRLP
	}
	return rlpItem{list: list, payload: in[hdr : hdr+n]}, in[hdr+n:], nil
}

func rlpOne(in []byte) (rlpItem, error) {
	it, rest, err := rlpSplit(in)
	if err == nil && len(rest) != 0 {
		err = errRLP
	}
	return it, err
}

func rlpItems(it rlpItem) ([]rlpItem, error) {
	if !it.list {
		return nil, errRLP
	}
	var out []rlpItem
	for rest := it.payload; len(rest) > 0; {
		var x rlpItem
		var err error
		x, rest, err = rlpSplit(rest)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// rlpFields splits a list into exactly len(dst) items.
func rlpFields(it rlpItem, dst []rlpItem) error {
	if !it.list {
		return errRLP
	}
	rest := it.payload
	for i := range dst {
		var err error
		if dst[i], rest, err = rlpSplit(rest); err != nil {
			return err
		}
	}
	if len(rest) != 0 {
		return errRLP
	}
	return nil
}

func rlpToUint(it rlpItem) (uint64, error) {
	if it.list || len(it.payload) > 8 {
		return 0, errRLP
	}
	var v uint64
	for _, c := range it.payload {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

func rlpToHash(it rlpItem) (*Hash, error) {
	switch len(it.payload) {
	case 0:
		return nil, nil
	case 32:
		var h Hash
		copy(h[:], it.payload)
		return &h, nil
	}
	return nil, errRLP
}
