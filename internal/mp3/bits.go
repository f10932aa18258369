package mp3

// bitWriter appends bits to a byte slice, most significant bit first, which is how MPEG
// audio writes both its fixed-width fields and its Huffman codes.
type bitWriter struct {
	buf  []byte
	acc  uint64 // bits not yet in buf, in the low n bits
	n    uint
	size int // bits written in all
}

// write appends the low n bits of v (n ≤ 32).
func (w *bitWriter) write(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)&(1<<n-1)
	w.n += n
	w.size += int(n)
	for w.n >= 8 {
		w.n -= 8
		w.buf = append(w.buf, byte(w.acc>>w.n))
	}
}

// bytes pads the last byte with zero bits and returns what was written.
func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		w.write(0, 8-w.n)
	}
	return w.buf
}
