package voice

import (
	"encoding/binary"
	"io"
	"math"

	"github.com/switchboard-dev/switchboard/internal/mp3"
)

// Recordings keep no audio: their WAV file is made on request from the duration, the
// same bytes every time. It holds a quiet 440 Hz tone, so that a player shows (and plays)
// something, in Twilio's recording format: PCM, 16-bit, 8 kHz.
const (
	wavRate       = 8000
	wavBits       = 16
	wavHeader     = 44
	toneHz        = 440
	toneAmplitude = 0.1 // of full scale: quiet
)

// oneSecond is one channel's second of the tone; 440 whole cycles fit in it, so seconds
// follow one another without a click.
var oneSecond = func() []byte {
	b := make([]byte, wavRate*wavBits/8)
	for i := range wavRate {
		v := int16(toneAmplitude * math.MaxInt16 * math.Sin(2*math.Pi*toneHz*float64(i)/wavRate))
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}()

// WAV returns a WAV file of seconds seconds with channels channels (1 or 2), and its size
// in bytes. The samples are produced as they are read, so a long recording costs no
// memory.
func WAV(seconds, channels int) (io.Reader, int64) {
	channels = max(1, min(channels, 2))
	seconds = max(seconds, 0)
	frame := channels * wavBits / 8
	data := int64(seconds) * wavRate * int64(frame)

	h := make([]byte, wavHeader)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+data))
	copy(h[8:], "WAVE")
	copy(h[12:], "fmt ")
	binary.LittleEndian.PutUint32(h[16:], 16) // size of the fmt chunk
	binary.LittleEndian.PutUint16(h[20:], 1)  // PCM
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], wavRate)
	binary.LittleEndian.PutUint32(h[28:], uint32(wavRate*frame)) // bytes per second
	binary.LittleEndian.PutUint16(h[32:], uint16(frame))         // bytes per frame
	binary.LittleEndian.PutUint16(h[34:], wavBits)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(data))

	second := oneSecond
	if channels == 2 { // the same tone on both channels, sample by sample
		second = make([]byte, 2*len(oneSecond))
		for i := 0; i < len(oneSecond); i += 2 {
			copy(second[2*i:], oneSecond[i:i+2])
			copy(second[2*i+2:], oneSecond[i:i+2])
		}
	}
	return io.MultiReader(bytesReader(h), &toneReader{second: second, left: data}), wavHeader + data
}

func bytesReader(b []byte) io.Reader { return &toneReader{second: b, left: int64(len(b))} }

// toneReader reads left bytes of second, over and over.
type toneReader struct {
	second []byte
	pos    int
	left   int64
}

func (r *toneReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := copy(p, r.second[r.pos:])
	r.pos = (r.pos + n) % len(r.second)
	r.left -= int64(n)
	return n, nil
}

// mp3KbpsPerChannel is the bit rate of a recording's MP3 file, a channel: 32 kbit/s, as
// Twilio's MP3 recordings of 8 kHz calls.
const mp3KbpsPerChannel = 32

// MP3 returns a recording's MP3 file: its WAV file (WAV) encoded by internal/mp3 as it is
// read, 8 kHz at 32 kbit/s a channel, and its size in bytes. Its length is the WAV
// file's, rounded up to a whole MP3 frame (72 ms).
func MP3(seconds, channels int) (io.Reader, int64, error) {
	channels = max(1, min(channels, 2))
	wav, _ := WAV(seconds, channels)
	return mp3.FromWAV(wav, mp3KbpsPerChannel*channels)
}
