package mp3

import (
	"encoding/binary"
	"errors"
	"io"
)

// NewReader returns a reader of the MP3 stream, at kbps kbit/s, of the PCM read from pcm:
// 16-bit little-endian samples at rate Hz, interleaved if there are two channels (a WAV
// file's data), up to EOF. Each frame is encoded when the reader needs it. Its size is
// Size of the number of samples per channel. The error wraps ErrUnsupported if this
// encoder does not make that stream.
func NewReader(pcm io.Reader, rate, channels, kbps int) (io.Reader, error) {
	f, err := newFormat(rate, channels, kbps)
	if err != nil {
		return nil, err
	}
	return &reader{
		src: pcm,
		enc: encoder{f: f},
		in:  make([]byte, 2*granuleSize*channels),
		pcm: make([]int16, granuleSize*channels),
	}, nil
}

type reader struct {
	src io.Reader
	enc encoder
	in  []byte  // a frame's PCM, as read
	pcm []int16 // and as samples
	buf []byte  // the last frame made
	out []byte  // what is left of it to read
	err error   // io.EOF after the last frame, or src's error
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.encodeFrame()
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// encodeFrame reads a frame's samples from src and encodes them. At the end of src, an
// incomplete last frame is completed with silence.
func (r *reader) encodeFrame() {
	n, err := io.ReadFull(r.src, r.in)
	if err == io.ErrUnexpectedEOF { // the last frame, incomplete
		if n%2 != 0 {
			r.err = errors.New("mp3: the PCM ends in the middle of a sample")
			return
		}
		clear(r.in[n:])
		err = io.EOF // after this frame
	} else if err != nil { // io.EOF: no more frames; or src's error
		r.err = err
		return
	}
	r.err = err
	for i := range r.pcm {
		r.pcm[i] = int16(binary.LittleEndian.Uint16(r.in[2*i:]))
	}
	r.buf = r.enc.appendFrame(r.buf[:0], r.pcm)
	r.out = r.buf
}
