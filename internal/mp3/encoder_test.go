package mp3

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDecoderHearsTheInput encodes a known signal, decodes it with mpg123, and checks
// that what comes out is the stream asked for and sounds like what went in: the 440 Hz
// tone of a recording, and in stereo 1 kHz, louder, on the right (so that swapped
// channels show).
func TestDecoderHearsTheInput(t *testing.T) {
	for _, tc := range []struct {
		rate, channels, kbps int
		minSNR               float64 // dB
	}{
		{8000, 1, 8, 20},
		{8000, 1, 16, 40},
		{8000, 1, 32, 40},
		{8000, 2, 32, 40},
		{8000, 2, 64, 40},
		{11025, 1, 24, 40},
		{12000, 2, 48, 40},
		{16000, 1, 32, 40},
		{22050, 2, 64, 40},
		{24000, 1, 160, 40},
	} {
		t.Run(fmt.Sprintf("%d Hz %d ch %d kbps", tc.rate, tc.channels, tc.kbps), func(t *testing.T) {
			in := [][]float64{sine(tc.rate, 2.5, 440, 0.1), sine(tc.rate, 2.5, 1000, 0.3)}[:tc.channels]
			stream := encode(t, interleave(in...), tc.rate, tc.channels, tc.kbps)
			n := len(in[0])
			if size, err := Size(int64(n), tc.rate, tc.channels, tc.kbps); err != nil || size != int64(len(stream)) {
				t.Errorf("Size = %d, %v; the stream has %d bytes", size, err, len(stream))
			}

			d := decode(t, stream)
			version, mode := map[bool]string{true: "2.5", false: "2.0"}[tc.rate <= 12000], map[int]string{1: "mono", 2: "stereo"}[tc.channels]
			if want := fmt.Sprintf("MPEG %s L III cbr%d %d %s", version, tc.kbps, tc.rate, mode); d.info != want {
				t.Errorf("mpg123 reads %q, want %q", d.info, want)
			}
			if d.rate != tc.rate || d.channels != tc.channels {
				t.Fatalf("decoded %d Hz, %d channels; want %d Hz, %d", d.rate, d.channels, tc.rate, tc.channels)
			}
			if frames := (n + granuleSize - 1) / granuleSize; len(d.samples[0]) != frames*granuleSize {
				t.Errorf("decoded %d samples per channel, want %d (%d frames for %d samples)", len(d.samples[0]), frames*granuleSize, frames, n)
			}
			for ch, x := range in {
				y := d.samples[ch]
				hz := []float64{440, 1000}[ch]
				if got := dominant(y, tc.rate); got != hz {
					t.Errorf("channel %d: dominant frequency %v Hz, want %v", ch, got, hz)
				}
				if ratio := rms(y) / rms(x); math.Abs(ratio-1) > 0.05 {
					t.Errorf("channel %d: RMS %.4f, %.3f times the input's", ch, rms(y), ratio)
				}
				if got := snr(x, y); got < tc.minSNR {
					t.Errorf("channel %d: signal to noise %.1f dB, want %v or more", ch, got, tc.minSNR)
				} else {
					t.Logf("channel %d: signal to noise %.1f dB", ch, got)
				}
			}
		})
	}
}

func noise(seed uint64, rate int, seconds, rms float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, int(seconds*float64(rate)))
	for i := range x {
		x[i] = max(-1, min(1, r.NormFloat64()*rms))
	}
	return x
}

// TestDecoderHearsNoise does the same with white noise, which needs every line of the
// spectrum, so large values, every region and many tables: the more bits, the less
// noise the coding adds.
func TestDecoderHearsNoise(t *testing.T) {
	for _, tc := range []struct {
		rate, channels, kbps int
		minSNR               float64 // dB
	}{
		{8000, 1, 16, 6},
		{8000, 1, 64, 30},
		{8000, 2, 160, 30}, // no better than 64: a granule holds at most 4,095 bits
		{11025, 1, 32, 10},
		{16000, 1, 64, 15},
		{24000, 2, 160, 12},
	} {
		t.Run(fmt.Sprintf("%d Hz %d ch %d kbps", tc.rate, tc.channels, tc.kbps), func(t *testing.T) {
			in := [][]float64{noise(1, tc.rate, 1.5, 0.1), noise(2, tc.rate, 1.5, 0.2)}[:tc.channels]
			d := decode(t, encode(t, interleave(in...), tc.rate, tc.channels, tc.kbps))
			for ch, x := range in {
				got := snr(x, d.samples[ch])
				t.Logf("channel %d: signal to noise %.1f dB", ch, got)
				if got < tc.minSNR {
					t.Errorf("channel %d: signal to noise %.1f dB, want %v or more", ch, got, tc.minSNR)
				}
			}
		})
	}
}

// TestDecoderReadsExtremes encodes the loudest signals 16 bits hold: nothing may go
// wrong in the decoder (it clips what it cannot play).
func TestDecoderReadsExtremes(t *testing.T) {
	const rate = 8000
	n := rate * 3 / 2
	signals := map[string][]float64{
		"full-scale square": make([]float64, n),
		"Nyquist":           make([]float64, n),
		"DC":                make([]float64, n),
		"clicks":            make([]float64, n),
		"full-scale noise":  noise(3, rate, 1.5, 2),
	}
	for i := range n {
		signals["full-scale square"][i] = []float64{1, -1}[i/20%2]
		signals["Nyquist"][i] = []float64{1, -1}[i%2]
		signals["DC"][i] = -1
		if i%500 == 0 {
			signals["clicks"][i] = 1
		}
	}
	for name, x := range signals {
		for _, kbps := range []int{8, 32, 160} {
			for channels := 1; channels <= 2; channels++ {
				in := [][]float64{x, x}[:channels]
				d := decode(t, encode(t, interleave(in...), rate, channels, kbps))
				if d.channels != channels || len(d.samples[0]) != (n+granuleSize-1)/granuleSize*granuleSize {
					t.Errorf("%s at %d kbit/s: decoded %d channels of %d samples", name, kbps, d.channels, len(d.samples[0]))
				}
			}
		}
	}
}

// TestSmallestTwoChannelFrames encodes two loud tones in two channels at the lowest bit
// rate each sample rate allows them, so that the first channel's granule fills its share
// and ends as near the frame's end as it can. It must end far enough from it for the
// decoder's look-ahead (see decoderLookahead), and mpg123 must read the stream.
func TestSmallestTwoChannelFrames(t *testing.T) {
	for _, r := range rates {
		kbps := 0
		for _, b := range bitrates[1:] {
			if _, err := newFormat(r.hz, 2, b); err == nil {
				kbps = b
				break
			}
		}
		t.Run(fmt.Sprintf("%d Hz %d kbps", r.hz, kbps), func(t *testing.T) {
			stream := encode(t, interleave(sine(r.hz, 0.5, 440, 0.9), sine(r.hz, 0.5, 1000, 0.9)), r.hz, 2, kbps)
			for n, fr := range parseFrames(t, stream) {
				first := fr.granules[0].part23
				if n > 1 && first == 0 { // the first frames hold the encoder's delay
					t.Fatalf("frame %d: the first channel's granule is empty", n)
				}
				if after := (fr.size-4-17)*8 - first; after < decoderLookahead {
					t.Fatalf("frame %d: the first channel's granule ends %d bits before the frame does, want %d or more", n, after, decoderLookahead)
				}
			}
			decode(t, stream)
		})
	}
}
