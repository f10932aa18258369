package mp3

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The encoder is checked against a standard decoder, mpg123, run as a subprocess:
// .ci/install-deps installs it.

// decoded is what mpg123 made of a stream.
type decoded struct {
	info     string      // its description of the stream, e.g. "MPEG 2.5 L III cbr16 8000 mono"
	rate     int         // of the WAV file it wrote
	channels int         // likewise
	samples  [][]float64 // by channel, 1.0 = full scale
}

// mpg123Lines are the lines mpg123 writes to stderr when all is well. It reports a
// damaged stream on stderr but still exits 0, so any other line fails the test.
var mpg123Lines = regexp.MustCompile(`^(High Performance MPEG|version |free software|Playing MPEG stream 1 of 1|Note: forcing output encoding f32$|MPEG (2\.0|2\.5) L III cbr\d+ \d+ (mono|stereo)$|\[\d+:\d+\] Decoding of .* finished\.)`)

// mpg123 runs mpg123 with args on stream (its standard input) and returns its standard
// output. It fails the test if mpg123 is missing, fails, or has anything to report.
func mpg123(t testing.TB, stream []byte, args ...string) (stdout []byte, info string) {
	t.Helper()
	path, err := exec.LookPath("mpg123")
	if err != nil {
		t.Fatalf("mpg123 is needed to check the encoder's output: run .ci/install-deps (%v)", err)
	}
	var out, errs bytes.Buffer
	cmd := exec.Command(path, append([]string{"--no-resync"}, append(args, "-")...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stream), &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("mpg123: %v\n%s", err, errs.String())
	}
	for line := range strings.Lines(errs.String()) {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case !mpg123Lines.MatchString(line):
			t.Fatalf("mpg123 reports: %q\n(all it wrote to stderr:)\n%s", line, errs.String())
		case strings.HasPrefix(line, "MPEG "):
			info = line
		}
	}
	return out.Bytes(), info
}

// decode decodes stream with mpg123 into 16-bit samples, which it checks are all there.
func decode(t testing.TB, stream []byte) decoded {
	t.Helper()
	wav := filepath.Join(t.TempDir(), "out.wav") // a file, so that mpg123 writes the data's size
	_, info := mpg123(t, stream, "-w", wav)
	b, err := os.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	d := decoded{info: info}
	var data []byte
	for b = b[12:]; len(b) >= 8; { // the chunks after "RIFF", size, "WAVE"
		name, size := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:]))
		body := b[8:min(8+size, len(b))]
		switch name {
		case "fmt ":
			if f := binary.LittleEndian.Uint16(body[0:]); f != 1 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				t.Fatalf("mpg123 wrote a WAV file of format %d, not 16-bit PCM", f)
			}
			d.channels = int(binary.LittleEndian.Uint16(body[2:]))
			d.rate = int(binary.LittleEndian.Uint32(body[4:]))
		case "data":
			data = body
		}
		b = b[min(8+size+size%2, len(b)):]
	}
	if d.channels == 0 || len(data)%(2*d.channels) != 0 {
		t.Fatalf("mpg123 wrote a WAV file of %d channels with %d bytes of data", d.channels, len(data))
	}
	d.samples = make([][]float64, d.channels)
	for i := 0; i < len(data); i += 2 {
		ch := i / 2 % d.channels
		d.samples[ch] = append(d.samples[ch], float64(int16(binary.LittleEndian.Uint16(data[i:])))/32768)
	}
	return d
}

// decodeFloat decodes stream with mpg123 into 32-bit floats, which keep differences far
// below a 16-bit sample's step.
func decodeFloat(t testing.TB, stream []byte) []float32 {
	t.Helper()
	out, _ := mpg123(t, stream, "-e", "f32", "-O", "-")
	f := make([]float32, len(out)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.NativeEndian.Uint32(out[4*i:]))
	}
	return f
}

// The signals of the tests, as float64 samples (1.0 = full scale) and as PCM.

func sine(rate int, seconds float64, hz, amplitude float64) []float64 {
	x := make([]float64, int(seconds*float64(rate)))
	for i := range x {
		x[i] = amplitude * math.Sin(2*math.Pi*hz*float64(i)/float64(rate))
	}
	return x
}

// interleave makes PCM of one signal per channel, rounding and clipping as a WAV
// writer would.
func interleave(chans ...[]float64) []int16 {
	pcm := make([]int16, len(chans[0])*len(chans))
	for i := range chans[0] {
		for c, x := range chans {
			pcm[i*len(chans)+c] = int16(max(-32768, min(32767, math.Round(x[i]*32768))))
		}
	}
	return pcm
}

// encode encodes pcm with an Encoder, writing it in pieces of odd sizes.
func encode(t testing.TB, pcm []int16, rate, channels, kbps int) []byte {
	t.Helper()
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, rate, channels, kbps)
	if err != nil {
		t.Fatal(err)
	}
	for len(pcm) > 0 {
		n := min(len(pcm), 1001)
		if err := e.Write(pcm[:n]); err != nil {
			t.Fatal(err)
		}
		pcm = pcm[n:]
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Measures of the decoded signal.

// delay is the decoded signal's lag behind the input: 512-32+1 samples of the analysis
// and synthesis filterbanks, 576 of the MDCT's overlap.
const delay = 481 + granuleSize

// snr is the ratio in dB of the input's power to that of the difference between the
// input and the output (lagging by delay), over the input after its first and before its
// last 2,000 samples.
func snr(in, out []float64) float64 {
	var signal, noise float64
	for i := 2000; i < len(in)-2000; i++ {
		d := out[i+delay] - in[i]
		signal += in[i] * in[i]
		noise += d * d
	}
	return 10 * math.Log10(signal/noise)
}

// rms is the root mean square of x after its first 2,000 samples.
func rms(x []float64) float64 {
	var sum float64
	for _, v := range x[2000:] {
		sum += v * v
	}
	return math.Sqrt(sum / float64(len(x)-2000))
}

// dominant is the frequency, in steps of 10 Hz from 50 Hz, where x has the most power.
func dominant(x []float64, rate int) float64 {
	best, bestPower := 0.0, -1.0
	for hz := 50.0; hz < float64(rate)/2-50; hz += 10 {
		if p := power(x, rate, hz); p > bestPower {
			best, bestPower = hz, p
		}
	}
	return best
}

// power is x's power at hz, by Goertzel's algorithm (a DFT's single bin).
func power(x []float64, rate int, hz float64) float64 {
	c := 2 * math.Cos(2*math.Pi*hz/float64(rate))
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+c*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(x)*len(x))
}
