package mp3

import (
	"bytes"
	"testing"
)

func TestBitWriter(t *testing.T) {
	type field struct {
		v uint32
		n uint
	}
	for _, tc := range []struct {
		name   string
		fields []field
		want   []byte
		size   int
	}{
		{"nothing", nil, nil, 0},
		{"a frame sync", []field{{0x7ff, 11}, {0, 2}, {1, 2}, {1, 1}}, []byte{0xff, 0xe3}, 16},
		{"padded to a byte", []field{{5, 3}}, []byte{0xa0}, 3},
		{"bits above n are dropped", []field{{0xff, 4}, {0x1ff, 4}}, []byte{0xff}, 8},
		{"no bits", []field{{1, 0}, {1, 1}}, []byte{0x80}, 1},
		{"32 bits", []field{{0xdeadbeef, 32}, {1, 1}}, []byte{0xde, 0xad, 0xbe, 0xef, 0x80}, 33},
		{"across bytes", []field{{1, 1}, {0x1fff, 13}, {0, 3}, {0x7f, 7}}, []byte{0xff, 0xfc, 0x7f}, 24},
	} {
		var w bitWriter
		for _, f := range tc.fields {
			w.write(f.v, f.n)
		}
		if w.size != tc.size {
			t.Errorf("%s: size %d, want %d", tc.name, w.size, tc.size)
		}
		if got := w.bytes(); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: % x, want % x", tc.name, got, tc.want)
		}
	}
}

func TestBitWriterAppends(t *testing.T) {
	w := bitWriter{buf: []byte{1, 2}}
	w.write(0xabc, 12)
	if got, want := w.bytes(), []byte{1, 2, 0xab, 0xc0}; !bytes.Equal(got, want) {
		t.Errorf("% x, want % x", got, want)
	}
}
