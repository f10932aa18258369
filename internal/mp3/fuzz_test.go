package mp3

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
)

// FuzzEncode encodes any PCM, made loud up to clipping, in any supported format: the
// encoder must not panic, and its stream must be as many frames as Size says, each with
// the format's header, a size that agrees with it, and side information that fits it;
// and mpg123 must read it without complaint.
func FuzzEncode(f *testing.F) {
	f.Add(uint8(0), uint8(1), uint8(0), []byte{})
	f.Add(uint8(0), uint8(1), uint8(0), []byte{1})
	f.Add(uint8(7), uint8(13), uint8(15), []byte{0xff, 0x7f, 0x00, 0x80})
	f.Add(uint8(3), uint8(0), uint8(4), []byte("the quick brown fox jumps over the lazy dog"))
	f.Add(uint8(10), uint8(6), uint8(0), make([]byte, 5000))
	f.Add(uint8(9), uint8(0), uint8(15), []byte("00")) // 16 kHz, 2 ch, 8 kbit/s: the smallest frames of two channels, full scale
	f.Fuzz(func(t *testing.T, formatIndex, bitrateIndex, loudness uint8, data []byte) {
		r := rates[int(formatIndex)%len(rates)]
		channels := 1 + int(formatIndex)/len(rates)%2
		kbps := bitrates[1+int(bitrateIndex)%(len(bitrates)-1)]
		if _, err := newFormat(r.hz, channels, kbps); err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatal(err)
			}
			return // two channels in frames too small for them: TestUnsupportedFormats
		}
		// The bytes as samples, repeated to make a few frames, amplified by up to 2^15
		// (and clipped).
		pcm := make([]int16, (3*granuleSize+len(data)/2)*channels)
		for i := range pcm {
			if len(data) >= 2 {
				j := 2 * i % (len(data) - len(data)%2)
				v := int64(int16(binary.LittleEndian.Uint16(data[j:]))) << (loudness % 16)
				pcm[i] = int16(max(-32768, min(32767, v)))
			}
		}
		stream := encode(t, pcm, r.hz, channels, kbps)
		frames := parseFrames(t, stream)
		samples := len(pcm) / channels
		if want := (samples + granuleSize - 1) / granuleSize; len(frames) != want {
			t.Fatalf("%d frames for %d samples, want %d", len(frames), samples, want)
		}
		if size, err := Size(int64(samples), r.hz, channels, kbps); err != nil || size != int64(len(stream)) {
			t.Fatalf("Size %d, %v; the stream has %d bytes", size, err, len(stream))
		}
		for n, fr := range frames {
			if fr.version != r.version || fr.rateIndex != r.index || bitrates[fr.bitrateIndex] != kbps || len(fr.granules) != channels {
				t.Fatalf("frame %d: %+v, want %d Hz, %d kbit/s, %d channels", n, fr.frameHeader, r.hz, kbps, channels)
			}
		}
		decode(t, stream)
	})
}

// TestSameInputSameBytes checks the encoder gives the bytes it gave when this test was
// written, for PCM made of integers only: the same on every platform. (A change to the
// encoder that changes its output must change these hashes too.)
func TestSameInputSameBytes(t *testing.T) {
	for _, tc := range []struct {
		rate, channels, kbps int
		sha256               string
	}{
		{8000, 1, 16, "b757474167b42c53b6d628fbf954b8d2c26eb1bc196048851f128e056c4d67e8"},
		{8000, 2, 32, "fa3c6c40492a0209ad627229c899c83c9cdcea8e089eec1c3011ffd534109abb"},
		{22050, 2, 96, "a09171c45e5457e3ec4f369188801412af34c6febe4f2fedb6e283e2af484a29"},
	} {
		pcm := make([]int16, 2*tc.rate*tc.channels)
		x := uint64(1)
		for i := range pcm {
			x = x*6364136223846793005 + 1442695040888963407                  // Knuth's MMIX generator
			pcm[i] = int16(int64(x>>33)%int64(1+i%30000) - int64(i%30000/2)) // noise, louder and quieter
		}
		sum := sha256.Sum256(encode(t, pcm, tc.rate, tc.channels, tc.kbps))
		if got := hex.EncodeToString(sum[:]); got != tc.sha256 {
			t.Errorf("%d Hz, %d ch, %d kbit/s: SHA-256 %s, want %s", tc.rate, tc.channels, tc.kbps, got, tc.sha256)
		}
	}
}
