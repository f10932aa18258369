package voice

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/twiml"
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

func TestPrice(t *testing.T) {
	for _, tt := range []struct {
		seconds, rate int
		want          string
	}{
		{0, priceOutboundMinute, "0.00000"}, {1, priceOutboundMinute, "-0.01400"}, {60, priceOutboundMinute, "-0.01400"},
		{61, priceOutboundMinute, "-0.02800"}, {125, priceInboundMinute, "-0.02550"}, {3, priceRecordingMinute, "-0.00250"},
		{6000, priceOutboundMinute, "-1.40000"},
	} {
		if got := price(tt.seconds, tt.rate); got != tt.want {
			t.Errorf("price(%d, %d) = %s, want %s", tt.seconds, tt.rate, got, tt.want)
		}
	}
}

func TestSeconds(t *testing.T) {
	for ms, want := range map[int64]int{-5: 0, 0: 0, 1: 1, 999: 1, 1000: 1, 1001: 2, 3000: 3} {
		if got := seconds(ms); got != want {
			t.Errorf("seconds(%d) = %d, want %d", ms, got, want)
		}
	}
}

func TestPromptLength(t *testing.T) {
	verb := func(doc string) twiml.Verb {
		v, err := twiml.ParseVoice([]byte("<Response>" + doc + "</Response>"))
		if err != nil {
			t.Fatal(err)
		}
		return v.Verbs[0]
	}
	for doc, want := range map[string]int64{
		`<Say>one two three</Say>`:              1200,
		`<Say loop="2">one two  three</Say>`:    2400,
		`<Say loop="0">forever and ever</Say>`:  forever,
		`<Say loop="0"></Say>`:                  0,
		`<Play>https://x/a.mp3</Play>`:          5000,
		`<Play loop="3">https://x/a.mp3</Play>`: 15000,
		`<Play digits="12w3"/>`:                 2000,
		`<Pause/>`:                              1000,
		`<Pause length="7"/>`:                   7000,
	} {
		if got := promptLength(verb(doc)); got != want {
			t.Errorf("%s: %d ms, want %d", doc, got, want)
		}
	}
}

func TestTakeKeys(t *testing.T) {
	tests := []struct {
		name              string
		spec              twiml.Gather
		had, keys         string
		digits, rest, key string
		done              bool
	}{
		{"numDigits reached, rest kept", twiml.Gather{NumDigits: 2, FinishOnKey: "#"}, "", "123", "12", "3", "", true},
		{"finish key not in the digits", twiml.Gather{FinishOnKey: "#"}, "4", "21#9", "421", "9", "#", true},
		{"not complete yet", twiml.Gather{NumDigits: 4, FinishOnKey: "#"}, "", "12", "12", "", "", false},
		{"no finish key", twiml.Gather{FinishOnKey: ""}, "", "1#2", "1#2", "", "", false},
		{"star as finish key", twiml.Gather{FinishOnKey: "*"}, "", "9*", "9", "", "*", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &gatherRun{Digits: tt.had}
			rest, key, done := takeKeys(g, &tt.spec, tt.keys)
			if g.Digits != tt.digits || rest != tt.rest || key != tt.key || done != tt.done {
				t.Errorf("digits %q rest %q key %q done %v; want %q %q %q %v", g.Digits, rest, key, done, tt.digits, tt.rest, tt.key, tt.done)
			}
		})
	}
}

// A wait never runs past the time limit or the far end's hang-up, and the wait asked for
// is remembered for when the limit changes.
func TestSchedule(t *testing.T) {
	tr := &turn{s: New(Config{}), st: state{LimitAt: 10_000, HangupAt: 8_000}}
	tr.schedule("verb", 5_000)
	if tr.st.Wait != "verb" || tr.st.Due != 5_000 {
		t.Errorf("within limits: %s at %d", tr.st.Wait, tr.st.Due)
	}
	tr.schedule("gather", 9_000)
	if tr.st.Wait != "far-hangup" || tr.st.Due != 8_000 || tr.st.Wanted != "gather" || tr.st.WantedDue != 9_000 {
		t.Errorf("past the hang-up: %+v", tr.st)
	}
	tr.st.HangupAt = 0
	tr.schedule("bridged", forever)
	if tr.st.Wait != "limit" || tr.st.Due != 10_000 {
		t.Errorf("forever: %s at %d", tr.st.Wait, tr.st.Due)
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
	tr := &turn{st: state{Epoch: epoch}}
	if got := tr.simTime(90_500); !got.Equal(time.Date(2026, 1, 1, 0, 1, 30, 0, time.UTC)) {
		t.Errorf("simTime = %s", got)
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

// TestScheduleBounds: a wait due exactly at the hang-up or the limit is cut there; with
// neither set, any wait stands.
func TestScheduleBounds(t *testing.T) {
	tr := &turn{s: New(Config{}), st: state{LimitAt: 10_000, HangupAt: 8_000}}
	tr.schedule("verb", 8_000)
	if tr.st.Wait != "far-hangup" || tr.st.Due != 8_000 {
		t.Errorf("due at the hang-up: %s at %d", tr.st.Wait, tr.st.Due)
	}
	tr.st.HangupAt = 0
	tr.schedule("verb", 10_000)
	if tr.st.Wait != "limit" || tr.st.Due != 10_000 {
		t.Errorf("due at the limit: %s at %d", tr.st.Wait, tr.st.Due)
	}
	tr.st.LimitAt = 0
	tr.schedule("verb", 5_000)
	if tr.st.Wait != "verb" || tr.st.Due != 5_000 {
		t.Errorf("no limit, no hang-up: %s at %d", tr.st.Wait, tr.st.Due)
	}
}

// TestDefaults: a zero Config runs at real speed, answers after 2 s and logs somewhere.
func TestDefaults(t *testing.T) {
	s := New(Config{})
	if s.speed != 1 || s.answerDelay != 2*time.Second || s.log == nil {
		t.Errorf("defaults: speed %v, answer delay %s, log %v", s.speed, s.answerDelay, s.log)
	}
	s = New(Config{Speed: 0.5, AnswerDelay: time.Millisecond})
	if s.speed != 0.5 || s.answerDelay != time.Millisecond {
		t.Errorf("set values: speed %v, answer delay %s", s.speed, s.answerDelay)
	}
}
