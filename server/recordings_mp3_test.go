package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/store"
)

// seedRecording stores a completed call of the main account with one completed
// recording of seconds seconds and channels channels, straight into the store, and
// returns the recording's path (its URI without an extension).
func seedRecording(t *testing.T, env *servertest.Env, seconds, channels int) string {
	t.Helper()
	seq++
	now := time.Now().UTC().Truncate(time.Second)
	c := store.Call{Sid: fmt.Sprintf("CA%032x", seq), AccountSid: env.Main.Sid, To: "+14155550100", From: testSender,
		Status: "completed", Direction: "outbound-api", StartTime: now, EndTime: now, Duration: seconds, Price: "-0.01400",
		Settings: []byte(`{}`), State: []byte(`{}`), DateCreated: now, DateUpdated: now}
	r := store.Recording{Sid: fmt.Sprintf("RE%032x", seq), AccountSid: env.Main.Sid, CallSid: c.Sid, Status: "completed",
		Source: "OutboundAPI", Channels: channels, Duration: seconds, Price: "-0.00250", StartTime: now, DateCreated: now, DateUpdated: now}
	if err := env.DB.Apply(context.Background(), store.Writes{Calls: []store.Call{c}, Recordings: []store.Recording{r}}); err != nil {
		t.Fatal(err)
	}
	return "/2010-04-01/Accounts/" + env.Main.Sid + "/Recordings/" + r.Sid
}

// mpg123Quiet are the lines mpg123 writes to stderr when all is well (it reports a
// damaged stream there but still exits 0, so any other line fails the test).
var mpg123Quiet = regexp.MustCompile(`^(High Performance MPEG|version |free software|Playing MPEG stream 1 of 1|MPEG (2\.0|2\.5) L III cbr\d+ \d+ (mono|stereo)$|\[\d+:\d+\] Decoding of .* finished\.)`)

// decodeMP3 decodes an MP3 stream with mpg123, a decoder nobody here wrote, into a WAV
// file, and returns what decodeWAV reads of it, with mpg123's description of the stream.
func decodeMP3(t *testing.T, stream []byte) (dur time.Duration, channels, frames int, info string) {
	t.Helper()
	path, err := exec.LookPath("mpg123")
	if err != nil {
		t.Fatalf("mpg123 is needed to decode the MP3 recordings: run .ci/install-deps (%v)", err)
	}
	out := filepath.Join(t.TempDir(), "decoded.wav")
	var errs bytes.Buffer
	cmd := exec.Command(path, "--no-resync", "-w", out, "-")
	cmd.Stdin, cmd.Stderr = bytes.NewReader(stream), &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("mpg123: %v\n%s", err, errs.String())
	}
	for line := range strings.Lines(errs.String()) {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case !mpg123Quiet.MatchString(line):
			t.Fatalf("mpg123 reports %q\n%s", line, errs.String())
		case strings.HasPrefix(line, "MPEG "):
			info = line
		}
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	dur, channels, frames = decodeWAV(t, wav)
	return dur, channels, frames, info
}

// TestRecordingAsMP3: RecordingUrl + ".mp3" is the recording as MP3 (as on Twilio),
// with its exact Content-Length; mpg123 decodes it to the recording's duration, mono or
// two channels as it was made. It is 8 kHz audio (Twilio's recording rate) at 32 kbit/s
// a channel.
func TestRecordingAsMP3(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	for _, tt := range []struct {
		seconds, channels int
		info              string
	}{
		{3, 1, "MPEG 2.5 L III cbr32 8000 mono"},
		{7, 2, "MPEG 2.5 L III cbr64 8000 stereo"},
		{0, 1, ""}, // a recording of no length: an empty stream
	} {
		path := seedRecording(t, env, tt.seconds, tt.channels)
		req, _ := http.NewRequest(http.MethodGet, env.URL+path+".mp3", nil)
		req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
		resp, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "audio/mpeg" {
			t.Fatalf("%d s: HTTP %d %s: %.200s", tt.seconds, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if n, err := strconv.Atoi(resp.Header.Get("Content-Length")); err != nil || n != len(body) {
			t.Errorf("%d s: Content-Length %q for %d bytes", tt.seconds, resp.Header.Get("Content-Length"), len(body))
		}
		if tt.seconds == 0 {
			if len(body) != 0 {
				t.Errorf("a recording of no length: %d bytes", len(body))
			}
			continue
		}
		dur, channels, _, info := decodeMP3(t, body)
		// The stream holds whole frames of 576 samples: the duration rounded up to one.
		want := time.Duration(tt.seconds) * time.Second
		if dur < want || dur >= want+72*time.Millisecond || channels != tt.channels || info != tt.info {
			t.Errorf("%d s, %d channels: decoded %s, %d channels (%s); want %s, %d channels (%s)",
				tt.seconds, tt.channels, dur, channels, info, want, tt.channels, tt.info)
		}
		// The same bytes every time, as the WAV file.
		again, _ := http.NewRequest(http.MethodGet, env.URL+path+".mp3", nil)
		again.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
		if resp, err := env.HTTP.Do(again); err != nil || !bytes.Equal(readBody(t, resp), body) {
			t.Errorf("%d s: a second fetch differs (%v)", tt.seconds, err)
		}
	}
}
