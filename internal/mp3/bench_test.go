package mp3

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkEncode measures the encoding speed in seconds of audio per second (on one
// core): of a recording's tone, and of noise, which is the most work for the quantiser.
func BenchmarkEncode(b *testing.B) {
	for _, tc := range []struct {
		signal               string
		rate, channels, kbps int
	}{
		{"tone", 8000, 1, 16},
		{"tone", 8000, 2, 32},
		{"noise", 8000, 1, 16},
		{"noise", 24000, 2, 160},
	} {
		b.Run(fmt.Sprintf("%s %d Hz %d ch %d kbps", tc.signal, tc.rate, tc.channels, tc.kbps), func(b *testing.B) {
			const seconds = 10
			x := sine(tc.rate, seconds, 440, 0.1)
			if tc.signal == "noise" {
				x = noise(1, tc.rate, seconds, 0.1)
			}
			pcm := interleave([][]float64{x, x}[:tc.channels]...)
			for b.Loop() {
				e, err := NewEncoder(io.Discard, tc.rate, tc.channels, tc.kbps)
				if err != nil {
					b.Fatal(err)
				}
				if err := e.Write(pcm); err != nil {
					b.Fatal(err)
				}
				if err := e.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*seconds/b.Elapsed().Seconds(), "audio-s/s")
		})
	}
}
