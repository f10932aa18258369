// Package mp3 is a small MPEG audio Layer III (MP3) encoder in pure Go, for the audio
// Switchboard makes itself, such as a recording's tone: 16-bit PCM in, a constant bit
// rate MP3 stream out. It encodes as it goes, a frame (576 samples per channel) at a
// time, so a long recording costs no memory, and the same input gives the same bytes:
// the signal path is integer arithmetic, but for the quantiser's power 3/4, made of
// float64 operations that IEEE 754 rounds exactly (a test holds the output to known
// hashes).
//
// Its design is Shine's (github.com/toots/shine), the fixed-point encoder for machines
// without a floating-point unit: the standard's polyphase filterbank and MDCT, no
// psychoacoustic model, so no scalefactors and one quantiser step per granule, the
// finest whose Huffman codes (the standard's tables) fit in the frame, and no bit
// reservoir. The pipeline reads top to bottom in encode.go. The tests check its
// streams with a decoder, mpg123.
//
// Its limits:
//   - Only the low sample rates, those of MPEG-2 and MPEG-2.5, which hold one granule per
//     frame: 8, 11.025, 12, 16, 22.05 and 24 kHz. Their bit rates: 8 to 160 kbit/s, but
//     two channels at 22.05 and 24 kHz take 16 kbit/s or more (see decoderLookahead).
//     MPEG-2.5 (8 to 12 kHz) is Fraunhofer's extension, not ISO's: mpg123 and FFmpeg
//     (and the players built on them) read it, but a strict ISO decoder need not.
//   - 1 or 2 channels; two are coded independently (plain stereo, no joint stereo).
//   - Long blocks only, and no noise shaping: a tone comes out clean (65 dB of signal
//     to noise at 8 kHz and 8 kbit/s), broadband sound much less so (white noise at 8
//     kHz: 8 dB at 16 kbit/s, 34 at 64). Not for music.
//   - The decoded audio lags the input by 1,057 samples (the filterbanks' and the MDCT's
//     delay), and the stream has no more frames than the input fills: it begins with
//     that much near-silence, and the input's last 1,057 samples are not heard. Its
//     length is the input's, rounded up to a whole frame.
package mp3

import (
	"errors"
	"io"
)

// ErrClosed is returned by an Encoder's Write and Close after Close.
var ErrClosed = errors.New("mp3: encoder closed")

// Encoder writes the MP3 stream of the samples written to it to an io.Writer, a frame
// at a time.
type Encoder struct {
	w       io.Writer
	enc     encoder
	pending []int16 // the samples of a frame not yet complete
	out     []byte
	err     error // the first error, returned from then on
}

// NewEncoder returns an Encoder of PCM at rate Hz with channels channels into an MP3
// stream of kbps kbit/s written to w. The error wraps ErrUnsupported if this encoder does
// not make that stream.
func NewEncoder(w io.Writer, rate, channels, kbps int) (*Encoder, error) {
	f, err := newFormat(rate, channels, kbps)
	if err != nil {
		return nil, err
	}
	return &Encoder{w: w, enc: encoder{f: f}, pending: make([]int16, 0, granuleSize*channels)}, nil
}

// Write encodes pcm, interleaved left, right, left, … if there are two channels, and
// writes the frames it completes. The rest waits for the next Write, or Close.
func (e *Encoder) Write(pcm []int16) error {
	if e.err != nil {
		return e.err
	}
	for len(pcm) > 0 && e.err == nil {
		n := min(cap(e.pending)-len(e.pending), len(pcm))
		e.pending = append(e.pending, pcm[:n]...)
		pcm = pcm[n:]
		if len(e.pending) == cap(e.pending) {
			e.writeFrame(e.pending)
			e.pending = e.pending[:0]
		}
	}
	return e.err
}

// Close completes the last frame with silence, if Write left one incomplete, and writes
// it. It does not close the io.Writer.
func (e *Encoder) Close() error {
	if e.err != nil {
		return e.err
	}
	if n := len(e.pending); n > 0 {
		e.pending = e.pending[:cap(e.pending)]
		clear(e.pending[n:])
		e.writeFrame(e.pending)
	}
	if e.err == nil {
		e.err = ErrClosed
		return nil
	}
	return e.err
}

func (e *Encoder) writeFrame(pcm []int16) {
	e.out = e.enc.appendFrame(e.out[:0], pcm)
	_, e.err = e.w.Write(e.out)
}
