package mp3

import (
	"errors"
	"fmt"
	"testing"
)

func TestUnsupportedFormats(t *testing.T) {
	for _, tc := range []struct{ rate, channels, kbps int }{
		{44100, 1, 64},  // MPEG-1
		{48000, 2, 128}, // MPEG-1
		{7999, 1, 16},
		{0, 1, 16},
		{8000, 0, 16},
		{8000, 3, 16},
		{8000, -1, 16},
		{8000, 1, 0}, // free format
		{8000, 1, 12},
		{8000, 1, 192}, // MPEG-1's
		{8000, 1, -16},
		{22050, 2, 8}, // frames too small for two channels: see decoderLookahead
		{24000, 2, 8},
	} {
		name := fmt.Sprintf("%d Hz %d ch %d kbps", tc.rate, tc.channels, tc.kbps)
		if _, err := NewEncoder(nil, tc.rate, tc.channels, tc.kbps); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: NewEncoder: %v, want ErrUnsupported", name, err)
		}
		if _, err := NewReader(nil, tc.rate, tc.channels, tc.kbps); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: NewReader: %v, want ErrUnsupported", name, err)
		}
		if _, err := Size(1, tc.rate, tc.channels, tc.kbps); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: Size: %v, want ErrUnsupported", name, err)
		}
	}
	if _, err := Size(-1, 8000, 1, 16); err == nil {
		t.Error("Size of -1 samples: no error")
	}
}

// TestSupportedFormats checks every rate, channel count and bit rate is supported but
// for the two of TestUnsupportedFormats whose frames are too small for two channels.
func TestSupportedFormats(t *testing.T) {
	for _, r := range rates {
		for _, kbps := range bitrates[1:] {
			for channels := 1; channels <= 2; channels++ {
				if channels == 2 && kbps == 8 && r.hz >= 22050 {
					continue
				}
				if _, err := NewEncoder(nil, r.hz, channels, kbps); err != nil {
					t.Errorf("%d Hz %d ch %d kbps: %v", r.hz, channels, kbps, err)
				}
			}
		}
	}
}

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		samples              int64
		rate, channels, kbps int
		want                 int64
	}{
		{0, 8000, 1, 16, 0},
		{1, 8000, 1, 16, 144}, // a frame is 72 ms: 144 bytes at 16 kbit/s
		{576, 8000, 1, 16, 144},
		{577, 8000, 2, 16, 288},
		{8000, 8000, 1, 16, 14 * 144},
		{8000 * 3600, 8000, 1, 32, 50000 * 288}, // an hour: 50,000 frames
		{576, 8000, 1, 160, 1440},
		{576, 24000, 2, 16, 48},
		{576, 16000, 1, 8, 36},
		{576, 12000, 1, 8, 48},
		// 11.025 and 22.05 kHz: frames of 104 or 105 bytes that add up to the bit rate.
		{576, 11025, 1, 16, 104},
		{2 * 576, 11025, 1, 16, 208},
		{3 * 576, 11025, 1, 16, 313},
		{11025 * 60, 11025, 1, 16, 120058}, // a minute at 16 kbit/s (120,000 bytes), rounded up to 1,149 frames
		{576, 22050, 1, 160, 522},
	} {
		got, err := Size(tc.samples, tc.rate, tc.channels, tc.kbps)
		if err != nil || got != tc.want {
			t.Errorf("Size(%d, %d, %d, %d) = %d, %v; want %d", tc.samples, tc.rate, tc.channels, tc.kbps, got, err, tc.want)
		}
	}
}

// TestFrameSizes checks each frame's size is what its header says: the bit rate's
// share, rounded down, plus one byte if the padding bit is set.
func TestFrameSizes(t *testing.T) {
	for _, r := range rates {
		for _, kbps := range bitrates[1:] {
			f, err := newFormat(r.hz, 1, kbps)
			if err != nil {
				t.Fatal(err)
			}
			base := 72000 * kbps / r.hz
			var total int64
			for n := range int64(500) {
				size, padded := f.frameBytes(n)
				if want := base + int(b2u(padded)); size != want {
					t.Fatalf("%d Hz %d kbps: frame %d has %d bytes, padded %v: the header says %d", r.hz, kbps, n, size, padded, want)
				}
				total += int64(size)
			}
			if total != f.bytesBefore(500) {
				t.Errorf("%d Hz %d kbps: 500 frames of %d bytes, want %d", r.hz, kbps, total, f.bytesBefore(500))
			}
		}
	}
}

// TestHeaders reads back the header and side information of every frame of streams of
// each format.
func TestHeaders(t *testing.T) {
	for i, r := range rates {
		for j, kbps := range bitrates[1:] {
			channels := 1 + (i+j)%2
			if _, err := newFormat(r.hz, channels, kbps); err != nil {
				channels = 1
			}
			pcm := interleave(sine(r.hz, 0.5, 440, 0.5), sine(r.hz, 0.5, 660, 0.5))
			if channels == 1 {
				pcm = interleave(sine(r.hz, 0.5, 440, 0.5))
			}
			stream := encode(t, pcm, r.hz, channels, kbps)
			frames := parseFrames(t, stream)
			if want := (r.hz/2 + granuleSize - 1) / granuleSize; len(frames) != want {
				t.Errorf("%d Hz %d kbps: %d frames, want %d", r.hz, kbps, len(frames), want)
			}
			for n, fr := range frames {
				want := frameHeader{
					version: r.version, layer: 1, noCRC: true, bitrateIndex: uint32(j + 1), rateIndex: r.index,
					mode: map[int]uint32{1: 3, 2: 0}[channels],
				}
				got := fr.frameHeader
				got.padded = false
				if got != want {
					t.Fatalf("%d Hz %d kbps %d ch: frame %d: header %+v, want %+v", r.hz, kbps, channels, n, got, want)
				}
				if fr.mainDataBegin != 0 {
					t.Errorf("frame %d: main_data_begin %d, want 0 (no bit reservoir)", n, fr.mainDataBegin)
				}
			}
		}
	}
}

// frameHeader is a frame header's fields, but for sync and the constant zeros.
type frameHeader struct {
	version, layer, bitrateIndex, rateIndex, mode uint32
	noCRC, padded                                 bool
}

// frame is what parseFrames reads of a frame.
type frame struct {
	frameHeader
	size          int
	mainDataBegin int
	granules      []granuleInfo // one per channel
}

type granuleInfo struct {
	part23, bigValues, globalGain, scalefacCompress, windowSwitching int
	tables                                                           [3]int
	region0, region1                                                 int
}

// parseFrames reads stream as MPEG-2/2.5 Layer III frames, failing the test at the first
// thing out of place: a header without sync, of another layer or a reserved rate, a
// frame not followed by another (or the end), side information that claims more bits
// than the frame has, or names a table that does not exist.
func parseFrames(t testing.TB, stream []byte) []frame {
	t.Helper()
	var frames []frame
	for len(stream) > 0 {
		if len(stream) < 4 {
			t.Fatalf("frame %d: %d bytes left, not a header", len(frames), len(stream))
		}
		r := bitReader{b: stream}
		if sync := r.read(11); sync != 0x7ff {
			t.Fatalf("frame %d: sync %#x", len(frames), sync)
		}
		var fr frame
		fr.version, fr.layer = r.read(2), r.read(2)
		fr.noCRC = r.read(1) == 1
		fr.bitrateIndex, fr.rateIndex = r.read(4), r.read(2)
		fr.padded = r.read(1) == 1
		r.read(1) // private
		fr.mode = r.read(2)
		if rest := r.read(6); rest != 0 {
			t.Fatalf("frame %d: mode extension, copyright, original and emphasis %#b, want 0", len(frames), rest)
		}
		if fr.version != mpeg2 && fr.version != mpeg25 || fr.layer != 1 || fr.bitrateIndex == 0 || fr.bitrateIndex == 15 || fr.rateIndex == 3 {
			t.Fatalf("frame %d: header %+v", len(frames), fr.frameHeader)
		}
		rate := map[uint32][3]int{mpeg2: {22050, 24000, 16000}, mpeg25: {11025, 12000, 8000}}[fr.version][fr.rateIndex]
		fr.size = 72000*bitrates[fr.bitrateIndex]/rate + int(b2u(fr.padded))
		if fr.size > len(stream) {
			t.Fatalf("frame %d: %d bytes, %d left", len(frames), fr.size, len(stream))
		}
		channels := map[uint32]int{0: 2, 1: 2, 2: 2, 3: 1}[fr.mode]
		fr.mainDataBegin = int(r.read(8))
		r.read(uint(channels)) // private bits
		mainBits := (fr.size - 4 - map[int]int{1: 9, 2: 17}[channels]) * 8
		for range channels {
			var g granuleInfo
			g.part23, g.bigValues, g.globalGain = int(r.read(12)), int(r.read(9)), int(r.read(8))
			g.scalefacCompress, g.windowSwitching = int(r.read(9)), int(r.read(1))
			for i := range g.tables {
				g.tables[i] = int(r.read(5))
				if pairTables[g.tables[i]].size == 0 && g.tables[i] != 0 {
					t.Fatalf("frame %d: table %d", len(frames), g.tables[i])
				}
			}
			g.region0, g.region1 = int(r.read(4)), int(r.read(3))
			r.read(2) // scalefac_scale, count1table_select
			if g.bigValues > 288 || g.windowSwitching != 0 || g.scalefacCompress != 0 {
				t.Fatalf("frame %d: granule %+v", len(frames), g)
			}
			mainBits -= g.part23
			fr.granules = append(fr.granules, g)
		}
		if mainBits < 0 {
			t.Fatalf("frame %d: the granules need %d bits more than the frame's %d bytes", len(frames), -mainBits, fr.size)
		}
		frames = append(frames, fr)
		stream = stream[fr.size:]
	}
	return frames
}

// bitReader reads bits most significant first.
type bitReader struct {
	b   []byte
	pos int // in bits
}

func (r *bitReader) read(n uint) uint32 {
	var v uint32
	for range n {
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8)&1)
		r.pos++
	}
	return v
}
