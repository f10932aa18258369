package mp3

import (
	"errors"
	"fmt"
)

// ErrUnsupported is wrapped by the errors of NewEncoder, NewReader, Size and FromWAV for a
// sample rate, channel count or bit rate this encoder does not make.
var ErrUnsupported = errors.New("mp3: unsupported format")

// The low sample rates are coded by MPEG-2 (its "lower sampling frequencies" extension of
// MPEG-1) and by MPEG-2.5 (Fraunhofer's further extension, which every decoder reads).
// Both put one granule in a frame, where MPEG-1 puts two, and share one layout of the side
// information; only the header's version bits and the scalefactor bands differ.
const (
	granuleSize = 576 // samples per channel in a granule; also in a frame, at these rates
	subbands    = 32  // of the polyphase filterbank
	slots       = 18  // subband samples per granule: 18 × 32 = 576

	// The 2-bit version field of the header.
	mpeg25 = 0
	mpeg2  = 2
)

// rates are the supported sample rates with the header's version and rate index, and the
// ends of the 22 scalefactor bands (in spectral lines), which is where the Huffman
// regions of a granule may begin. The bands are those of the decoders (mpg123, FFmpeg):
// they differ from ISO 13818-3's printed table at 24 kHz (332, not 330).
var rates = []struct {
	hz      int
	version uint32
	index   uint32
	bands   *[23]int
}{
	{8000, mpeg25, 2, &bands8000},
	{11025, mpeg25, 0, &bands11025},
	{12000, mpeg25, 1, &bands11025},
	{16000, mpeg2, 2, &bands11025},
	{22050, mpeg2, 0, &bands11025},
	{24000, mpeg2, 1, &bands24000},
}

var (
	bands8000  = [23]int{0, 12, 24, 36, 48, 60, 72, 88, 108, 132, 160, 192, 232, 280, 336, 400, 476, 566, 568, 570, 572, 574, 576}
	bands11025 = [23]int{0, 6, 12, 18, 24, 30, 36, 44, 54, 66, 80, 96, 116, 140, 168, 200, 238, 284, 336, 396, 464, 522, 576}
	bands24000 = [23]int{0, 6, 12, 18, 24, 30, 36, 44, 54, 66, 80, 96, 114, 136, 162, 194, 232, 278, 332, 394, 464, 540, 576}
)

// bitrates are the Layer III bit rates of MPEG-2 and 2.5 in kbit/s, by the header's
// 4-bit index; index 0 ("free format") is not supported.
var bitrates = [15]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}

// format is a stream's parameters, checked, with their header codes.
type format struct {
	rate, channels, kbps int

	version      uint32
	rateIndex    uint32
	bitrateIndex uint32
	bands        *[23]int
}

func newFormat(rate, channels, kbps int) (format, error) {
	f := format{rate: rate, channels: channels, kbps: kbps}
	for _, r := range rates {
		if r.hz == rate {
			f.version, f.rateIndex, f.bands = r.version, r.index, r.bands
		}
	}
	if f.bands == nil {
		return format{}, fmt.Errorf("%w: sample rate %d Hz (supported: 8000, 11025, 12000, 16000, 22050, 24000)", ErrUnsupported, rate)
	}
	if channels != 1 && channels != 2 {
		return format{}, fmt.Errorf("%w: %d channels (supported: 1, 2)", ErrUnsupported, channels)
	}
	for i, b := range bitrates {
		if b == kbps {
			f.bitrateIndex = uint32(i)
		}
	}
	if f.bitrateIndex == 0 { // not a bit rate, or free format
		return format{}, fmt.Errorf("%w: bit rate %d kbit/s (supported: 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)", ErrUnsupported, kbps)
	}
	if main := (f.bytesBefore(1) - 4 - int64(f.sideInfoBytes())) * 8; channels == 2 && main < 2*decoderLookahead {
		return format{}, fmt.Errorf("%w: 2 channels at %d kbit/s and %d Hz (a frame has room for %d bits of audio; two channels need %d)", ErrUnsupported, kbps, rate, main, 2*decoderLookahead)
	}
	return f, nil
}

// decoderLookahead is how far past the code it decodes a decoder may have read, in
// bits: mpg123 fills a 32-bit window a byte at a time (older builds a 64-bit one, 56 bits
// ahead). Past the end of a frame's main data it gets zeros and does not move on, yet
// when it gives back the bits it did not use it counts those zeros too: it lands early,
// and reads the second channel's granule from the wrong bit, if the first channel's ends
// less than this before the frame does. With an equal share per channel, that takes a
// frame with at least twice this much room: two channels at 22.05 and 24 kHz need 16
// kbit/s, since 8 leaves only 3 to 5 bytes.
const decoderLookahead = 56

// bytesBefore is the size of the first n frames. A frame lasts 576/rate seconds, so the
// stream's bytes up to frame n are n × 576/8 × bitrate/rate, which is a whole number at
// 8, 12, 16 and 24 kHz. At 11.025 and 22.05 kHz it is not: a frame is then one byte
// longer (the header's padding bit) whenever that keeps the total at this product,
// rounded down, and so the bit rate exact.
func (f format) bytesBefore(n int64) int64 {
	return n * granuleSize / 8 * int64(f.kbps) * 1000 / int64(f.rate)
}

// frameBytes is the size of frame n (from 0), and whether it is padded.
func (f format) frameBytes(n int64) (size int, padded bool) {
	size = int(f.bytesBefore(n+1) - f.bytesBefore(n))
	return size, int64(size) > f.bytesBefore(1)
}

// sideInfoBytes is the size of the side information that follows the header: where the
// main data begins, private bits, and each channel's granule fields (63 bits each).
func (f format) sideInfoBytes() int {
	if f.channels == 1 {
		return 9
	}
	return 17
}

// Size returns the size in bytes of the MP3 stream that NewEncoder (or NewReader) makes
// of samples samples per channel: one frame per 576 samples or part of them, each of a
// size fixed by the bit rate. So an HTTP handler can send Content-Length before encoding.
func Size(samples int64, rate, channels, kbps int) (int64, error) {
	f, err := newFormat(rate, channels, kbps)
	if err != nil {
		return 0, err
	}
	if samples < 0 {
		return 0, fmt.Errorf("mp3: negative sample count %d", samples)
	}
	frames := (samples + granuleSize - 1) / granuleSize
	return f.bytesBefore(frames), nil
}

// appendHeader appends frame n's 4-byte header.
func (f format) appendHeader(w *bitWriter, n int64) {
	mode := uint32(3) // single channel
	if f.channels == 2 {
		mode = 0 // stereo: two channels coded independently
	}
	_, padded := f.frameBytes(n)
	w.write(0x7ff, 11)    // frame sync
	w.write(f.version, 2) // MPEG-2 or 2.5
	w.write(1, 2)         // Layer III
	w.write(1, 1)         // no CRC
	w.write(f.bitrateIndex, 4)
	w.write(f.rateIndex, 2)
	w.write(b2u(padded), 1)
	w.write(0, 1) // private bit
	w.write(mode, 2)
	w.write(0, 2) // mode extension: neither intensity nor M/S stereo
	w.write(0, 1) // not copyrighted
	w.write(0, 1) // a copy
	w.write(0, 2) // no emphasis
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
