package mp3

import (
	"fmt"
	"math"
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
