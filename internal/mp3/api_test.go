package mp3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func pcmBytes(pcm []int16) []byte {
	b := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func randomPCM(seed uint64, n int) []int16 {
	r := rand.New(rand.NewPCG(seed, 2))
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(r.NormFloat64() * 3000)
	}
	return pcm
}

// TestReaderMatchesEncoder checks NewReader makes the bytes an Encoder makes, as many as
// Size says, and behaves as an io.Reader should.
func TestReaderMatchesEncoder(t *testing.T) {
	for _, channels := range []int{1, 2} {
		for _, samples := range []int{0, 1, 575, 576, 577, 5000} {
			name := fmt.Sprintf("%d samples of %d channels", samples, channels)
			pcm := randomPCM(uint64(samples), samples*channels)
			want := encode(t, pcm, 8000, channels, 24)
			if size, err := Size(int64(samples), 8000, channels, 24); err != nil || size != int64(len(want)) {
				t.Errorf("%s: Size %d, %v; the Encoder wrote %d bytes", name, size, err, len(want))
			}
			r, err := NewReader(iotest.HalfReader(bytes.NewReader(pcmBytes(pcm))), 8000, channels, 24)
			if err != nil {
				t.Fatal(err)
			}
			if err := iotest.TestReader(r, want); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

func TestReaderErrors(t *testing.T) {
	r, err := NewReader(bytes.NewReader(make([]byte, 2*576+3)), 8000, 1, 16)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); err == nil {
		t.Error("PCM that ends in the middle of a sample: no error")
	}

	broken := errors.New("broken")
	r, err = NewReader(io.MultiReader(bytes.NewReader(make([]byte, 3000)), iotest.ErrReader(broken)), 8000, 1, 16)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if !errors.Is(err, broken) {
		t.Errorf("reading after an error of the PCM's reader: %v, want it", err)
	}
	if len(b) != 288 {
		t.Errorf("read %d bytes before the error, want the two whole frames' 288", len(b))
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || !errors.Is(err, broken) {
		t.Errorf("reading again: %d, %v; want 0, the same error", n, err)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestEncoderErrors(t *testing.T) {
	e, err := NewEncoder(&failingWriter{after: 1}, 8000, 1, 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Write(make([]int16, 576)); err != nil {
		t.Fatalf("first frame: %v", err)
	}
	if err := e.Write(make([]int16, 1000)); err == nil {
		t.Fatal("second frame to a failing writer: no error")
	}
	if err := e.Write(make([]int16, 1)); err == nil {
		t.Error("writing after an error: no error")
	}
	if err := e.Close(); err == nil {
		t.Error("closing after an error: no error")
	}

	var buf bytes.Buffer
	e, err = NewEncoder(&buf, 8000, 2, 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Write(make([]int16, 3)); err != nil || buf.Len() != 0 {
		t.Fatalf("3 samples: %v, %d bytes written; want no error, and nothing yet", err, buf.Len())
	}
	if err := e.Close(); err != nil || buf.Len() != 144 {
		t.Fatalf("Close: %v, %d bytes written; want no error, a frame of 144 bytes", err, buf.Len())
	}
	if err := e.Write(make([]int16, 2)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if err := e.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("Close after Close: %v, want ErrClosed", err)
	}
	if buf.Len() != 144 {
		t.Errorf("%d bytes written after Close", buf.Len()-144)
	}
}

// wavFile makes a WAV file of pcm, with a chunk of another kind before the data.
func wavFile(pcm []int16, rate, channels int, format, bits uint16) []byte {
	return wavFileWith(pcm, rate, channels, format, bits, 0)
}

// wavFileWith makes a WAV file whose fmt chunk has extra bytes after the 16 of PCM.
func wavFileWith(pcm []int16, rate, channels int, format, bits uint16, extra int) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	data := pcmBytes(pcm)
	b.WriteString("RIFF")
	le(uint32(4 + 24 + extra + extra%2 + 8 + 6 + 8 + len(data)))
	b.WriteString("WAVEfmt ")
	le(uint32(16 + extra))
	le(format)
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(rate * channels * 2))
	le(uint16(channels * 2))
	le(bits)
	b.Write(make([]byte, extra+extra%2)) // a chunk of an odd size is followed by a pad byte
	b.WriteString("LIST")
	le(uint32(5)) // odd: a pad byte follows
	b.WriteString("abcde\x00")
	b.WriteString("data")
	le(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestFromWAV(t *testing.T) {
	for _, channels := range []int{1, 2} {
		for _, extra := range []int{0, 2, 3} { // bytes after the 16 of PCM in fmt, as some writers put
			pcm := randomPCM(7, 3000*channels)
			mp3, size, err := FromWAV(bytes.NewReader(wavFileWith(pcm, 12000, channels, 1, 16, extra)), 32)
			if err != nil {
				t.Fatal(err)
			}
			want := encode(t, pcm, 12000, channels, 32)
			if got, err := io.ReadAll(mp3); err != nil || !bytes.Equal(got, want) || size != int64(len(want)) {
				t.Errorf("%d channels, fmt of %d bytes: %d bytes, %v, size %d; want the Encoder's %d bytes", channels, 16+extra, len(got), err, size, len(want))
			}
		}
	}
}

func TestFromWAVErrors(t *testing.T) {
	good := wavFile(randomPCM(1, 100), 8000, 1, 1, 16)
	for _, tc := range []struct {
		name        string
		wav         []byte
		unsupported bool
	}{
		{"empty", nil, false},
		{"not RIFF", append([]byte("RIFX"), good[4:]...), false},
		{"not WAVE", append(append([]byte{}, good[:8]...), append([]byte("AVI "), good[12:]...)...), false},
		{"no data", good[:36], false},
		{"cut in a chunk", good[:40], false},
		{"a short fmt", append(append([]byte{}, good[:16]...), 15, 0, 0, 0), false},
		{"a fmt cut short", good[:30], false},
		{"cut in fmt's extra bytes", wavFileWith(nil, 8000, 1, 1, 16, 20)[:40], false},
		{"data first", append(append([]byte{}, good[:12]...), []byte("data\x02\x00\x00\x00\x00\x00")...), false},
		{"float samples", wavFile(nil, 8000, 1, 3, 32), true},
		{"8-bit samples", wavFile(nil, 8000, 1, 1, 8), true},
		{"44.1 kHz", wavFile(nil, 44100, 2, 1, 16), true},
		{"3 channels", wavFile(nil, 8000, 3, 1, 16), true},
	} {
		_, _, err := FromWAV(bytes.NewReader(tc.wav), 16)
		if err == nil || errors.Is(err, ErrUnsupported) != tc.unsupported {
			t.Errorf("%s: %v (unsupported: %v)", tc.name, err, tc.unsupported)
		}
	}
	if _, _, err := FromWAV(bytes.NewReader(good), 17); !errors.Is(err, ErrUnsupported) {
		t.Errorf("17 kbit/s: %v, want ErrUnsupported", err)
	}
}
