package svm

import (
	"errors"
	"math/big"
)

// RLP, the part the C API's encodings use (docs/FORMATS.md, "C API
// encodings"): byte strings, unsigned integers and lists.

func rlpHeader(n int, base byte) []byte {
	if n < 56 {
		return []byte{base + byte(n)}
	}
	var be []byte
	for v := uint64(n); v > 0; v >>= 8 {
		be = append([]byte{byte(v)}, be...)
	}
	return append([]byte{base + 55 + byte(len(be))}, be...)
}

func rlpBytes(b []byte) []byte {
	if len(b) == 1 && b[0] < 0x80 {
		return []byte{b[0]}
	}
	return append(rlpHeader(len(b), 0x80), b...)
}

func rlpUint(v uint64) []byte {
	var be []byte
	for ; v > 0; v >>= 8 {
		be = append([]byte{byte(v)}, be...)
	}
	return rlpBytes(be)
}

func rlpBig(v *big.Int) []byte {
	if v == nil {
		return rlpBytes(nil)
	}
	return rlpBytes(v.Bytes())
}

func rlpList(items ...[]byte) []byte {
	n := 0
	for _, it := range items {
		n += len(it)
	}
	out := rlpHeader(n, 0xc0)
	for _, it := range items {
		out = append(out, it...)
	}
	return out
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
