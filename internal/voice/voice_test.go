package voice

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/mp3"
)

func TestWAV(t *testing.T) {
	for _, tt := range []struct{ seconds, channels, wantChannels int }{{0, 1, 1}, {1, 1, 1}, {3, 2, 2}, {2, 5, 2}} {
		r, size := WAV(tt.seconds, tt.channels)
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		data := tt.seconds * 8000 * 2 * tt.wantChannels
		if int64(len(b)) != size || len(b) != 44+data {
			t.Fatalf("%d s, %d channels: %d bytes (size %d), want %d", tt.seconds, tt.channels, len(b), size, 44+data)
		}
		le := binary.LittleEndian
		if string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[36:40]) != "data" ||
			le.Uint32(b[4:]) != uint32(36+data) || le.Uint16(b[22:]) != uint16(tt.wantChannels) ||
			le.Uint32(b[24:]) != 8000 || le.Uint16(b[34:]) != 16 || le.Uint32(b[40:]) != uint32(data) {
			t.Errorf("header % x", b[:44])
		}
		// The same bytes every time: the file is made, not stored.
		again, _ := WAV(tt.seconds, tt.channels)
		if b2, _ := io.ReadAll(again); !bytes.Equal(b, b2) {
			t.Errorf("two requests for the same recording differ")
		}
	}
	// A tone, not silence, and the same on both channels.
	r, _ := WAV(1, 2)
	b, _ := io.ReadAll(r)
	loud := 0
	for i := 44; i+4 <= len(b); i += 4 {
		left, right := int16(binary.LittleEndian.Uint16(b[i:])), int16(binary.LittleEndian.Uint16(b[i+2:]))
		if left != right {
			t.Fatalf("frame %d: channels differ (%d, %d)", (i-44)/4, left, right)
		}
		if left > 3000 || left < -3000 {
			loud++
		}
	}
	if loud == 0 {
		t.Error("the file is silent")
	}
}

// The simulated clock: a step due at simulated time at runs at epoch + at / speed.
func TestClock(t *testing.T) {
	s := New(Config{Speed: 10})
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	if got := s.realAt(epoch, 16_000); !got.Equal(time.UnixMilli(epoch + 1600)) {
		t.Errorf("realAt = %s", got)
	}
	now := time.Now().UnixMilli()
	if got := s.simNow(now - 500); got < 5000 || got > 6000 {
		t.Errorf("half a real second at speed 10 reads %d simulated ms", got)
	}
}

// TestWAVTone: every second of a recording is the same quiet 440 Hz tone (880 zero
// crossings a second, peaks at a tenth of full scale), and the header's byte rate and
// frame size match the channels.
func TestWAVTone(t *testing.T) {
	le := binary.LittleEndian
	for _, channels := range []int{1, 2} {
		r, _ := WAV(3, channels)
		b, _ := io.ReadAll(r)
		frame := 2 * channels
		if got := le.Uint32(b[28:]); got != uint32(8000*frame) {
			t.Errorf("%d channels: %d bytes per second", channels, got)
		}
		if got := le.Uint16(b[32:]); got != uint16(frame) {
			t.Errorf("%d channels: %d bytes per frame", channels, got)
		}
		data := b[44:]
		second := 8000 * frame
		for s := 1; s < 3; s++ {
			if !bytes.Equal(data[s*second:(s+1)*second], data[:second]) {
				t.Errorf("%d channels: second %d differs from the first", channels, s+1)
			}
		}
	}
	r, _ := WAV(1, 1)
	b, _ := io.ReadAll(r)
	crossings, peak := 0, 0
	prev := int16(0)
	for i := 44; i+2 <= len(b); i += 2 {
		v := int16(binary.LittleEndian.Uint16(b[i:]))
		if (prev < 0) != (v < 0) {
			crossings++
		}
		prev = v
		peak = max(peak, int(v), -int(v))
	}
	if crossings < 870 || crossings > 890 {
		t.Errorf("%d zero crossings in a second, want about 880 (440 Hz)", crossings)
	}
	if peak < 3200 || peak > 3277 {
		t.Errorf("peak %d, want about 3277 (a tenth of full scale)", peak)
	}
}

// TestDefaults: a zero Config runs at real speed, answers after 2 s and logs somewhere.
func TestDefaults(t *testing.T) {
	for _, tt := range []struct {
		cfg         Config
		speed       float64
		answerDelay int64
	}{
		{Config{}, 1, 2000},
		{Config{Speed: -1, AnswerDelay: -time.Second}, 1, 2000},
		{Config{Speed: 0.5, AnswerDelay: time.Millisecond}, 0.5, 1},
		{Config{Speed: 100, AnswerDelay: 30 * time.Second, BaseURL: "http://sb.example"}, 100, 30_000},
	} {
		s := New(tt.cfg)
		n := s.network
		if n.Speed != tt.speed || n.AnswerDelay != tt.answerDelay || n.BaseURL != tt.cfg.BaseURL || n.NewSid == nil || s.log == nil {
			t.Errorf("%+v: network %+v, log %v; want speed %v, answer delay %d ms", tt.cfg, n, s.log, tt.speed, tt.answerDelay)
		}
	}
}

// TestMP3: a recording's MP3 file is its WAV file encoded, of the size announced (whole
// frames of 576 samples, 72 ms), 32 kbit/s a channel, the same bytes every time.
func TestMP3(t *testing.T) {
	for _, tt := range []struct{ seconds, channels, wantChannels int }{{0, 1, 1}, {1, 1, 1}, {3, 2, 2}, {2, 5, 2}, {2, 0, 1}} {
		r, size, err := MP3(tt.seconds, tt.channels)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		want, err := mp3.Size(int64(tt.seconds)*8000, 8000, tt.wantChannels, 32*tt.wantChannels)
		if err != nil || int64(len(b)) != size || size != want {
			t.Fatalf("%d s, %d channels: %d bytes, size %d, want %d (%v)", tt.seconds, tt.channels, len(b), size, want, err)
		}
		// 576 samples (72 ms) a frame at 8 kHz, 32 kbit/s a channel: 288 bytes a channel a frame.
		frames := (tt.seconds*8000 + 575) / 576
		if len(b) != frames*288*tt.wantChannels {
			t.Errorf("%d s, %d channels: %d bytes, want %d frames of %d", tt.seconds, tt.channels, len(b), frames, 288*tt.wantChannels)
		}
		again, _, _ := MP3(tt.seconds, tt.channels)
		if b2, _ := io.ReadAll(again); !bytes.Equal(b, b2) {
			t.Errorf("two requests for the same recording differ")
		}
	}
}
