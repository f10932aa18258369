package messaging

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// mediaServer serves /a.png (8 bytes of PNG), /b.txt (text) and 404 for anything else.
func mediaServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG\r\n\x1a\n"))
		case "/b.txt":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("hello"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func mediaService(st *fakeStore, maxMedia int64) (*Service, *bytes.Buffer) {
	var log bytes.Buffer
	return New(Config{Store: st, Webhook: webhook.NewClient(5*time.Second, 1<<20, webhook.AnyTarget), MaxMediaBytes: maxMedia,
		BaseURL: "http://sb.example", Logger: slog.New(slog.NewTextHandler(&log, nil))}), &log
}

// withMedia puts message SM1 with a media file for each URL in st.
func withMedia(st *fakeStore, status string, urls ...string) store.Message {
	m := store.Message{Sid: "SM1", AccountSid: "AC1", Status: status, To: "+14155550100", From: "+14155550199",
		StatusCallback: "https://app.example/status", NumMedia: len(urls)}
	st.messages["SM1"] = m
	for i, u := range urls {
		st.media["SM1"] = append(st.media["SM1"], store.Media{Sid: "ME" + string(rune('1'+i)), AccountSid: "AC1", MessageSid: "SM1", URL: u})
	}
	return m
}

// TestFetchMedia: every file is stored, then the message goes on: an outbound one to its
// first step, an incoming one to its webhook, which points at the copies.
func TestFetchMedia(t *testing.T) {
	base := mediaServer(t)
	st := newFakeStore()
	m := withMedia(st, statusQueued, base+"/a.png", base+"/b.txt")
	s, _ := mediaService(st, 0)
	step := s.stepJob(m, time.Now())
	out, err := s.fetchMedia(context.Background(), s.mediaJob(m, mediaThen{Step: &step}))
	if err != nil {
		t.Fatal(err)
	}
	w := out.Writes
	if len(w.MediaContents) != 2 || w.MediaContents[0].Sid != "ME1" || w.MediaContents[0].ContentType != "image/png" ||
		string(w.MediaContents[0].Content) != "\x89PNG\r\n\x1a\n" || w.MediaContents[1].ContentType != "text/plain" ||
		w.MediaContents[1].DateUpdated.IsZero() {
		t.Errorf("contents %+v", w.MediaContents)
	}
	if len(w.Jobs) != 1 || w.Jobs[0].Kind != kindStep || len(w.StatusChanges) != 0 {
		t.Errorf("jobs %+v", w.Jobs)
	}

	hook := phone.Webhook{Event: EventIncomingMessage, URL: "https://app.example/sms", Params: map[string]string{"NumMedia": "2"}}
	out, err = s.fetchMedia(context.Background(), s.mediaJob(m, mediaThen{Webhook: &hook}))
	if err != nil {
		t.Fatal(err)
	}
	hooks := decodeJobs(t, out.Writes.Jobs).hooks
	if len(out.Writes.Jobs) != 1 || len(hooks) != 1 {
		t.Fatalf("jobs %+v", out.Writes.Jobs)
	}
	p := hooks[0].Params
	if p["MediaUrl0"] != "http://sb.example/2010-04-01/Accounts/AC1/Messages/SM1/Media/ME1" || p["MediaContentType0"] != "image/png" ||
		p["MediaUrl1"] != "http://sb.example/2010-04-01/Accounts/AC1/Messages/SM1/Media/ME2" || p["MediaContentType1"] != "text/plain" ||
		p["NumMedia"] != "2" || hooks[0].URL != "https://app.example/sms" {
		t.Errorf("webhook %+v", hooks[0])
	}
}

// TestFetchMediaFails: a file that cannot be had fails the message with Twilio's code,
// whatever status it waited in, and its status callback tells the app.
func TestFetchMediaFails(t *testing.T) {
	base := mediaServer(t)
	for _, tt := range []struct {
		name     string
		url      string
		maxMedia int64
		code     int
		message  string
	}{
		{"not found", base + "/missing.png", 0, 11200, "HTTP retrieval failure"},
		{"too large", base + "/b.txt", 4, 11751, "Media exceeds the size limit"},
	} {
		st := newFakeStore()
		m := withMedia(st, statusQueued, base+"/a.png", tt.url)
		s, log := mediaService(st, tt.maxMedia)
		step := s.stepJob(m, time.Now())
		out, err := s.fetchMedia(context.Background(), s.mediaJob(m, mediaThen{Step: &step}))
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Writes.StatusChanges) != 1 || len(out.Writes.MediaContents) != 0 || len(out.Writes.Jobs) != 0 {
			t.Fatalf("%s: %+v", tt.name, out.Writes)
		}
		c := out.Writes.StatusChanges[0]
		hooks := decodeJobs(t, c.Jobs).hooks
		if c.To != statusFailed || c.ErrorCode != tt.code || c.ErrorMessage != tt.message || c.CancelJobsOfKind != kindStep ||
			strings.Join(c.From, ",") != "accepted,queued,scheduled,received" || c.Sid != "SM1" || c.AccountSid != "AC1" ||
			len(hooks) != 1 || hooks[0].Params["MessageStatus"] != statusFailed || c.DateUpdated.IsZero() {
			t.Errorf("%s: change %+v, callbacks %+v", tt.name, c, hooks)
		}
		if !strings.Contains(log.String(), "media fetch failed") {
			t.Errorf("%s: not logged: %q", tt.name, log.String())
		}
	}
}

// TestFetchMediaCannotRun: a payload that cannot be read is dropped; a message deleted
// meanwhile is left alone; failures of Switchboard's own retry the job.
func TestFetchMediaCannotRun(t *testing.T) {
	st := newFakeStore()
	s, log := mediaService(st, 0)
	if out, err := s.fetchMedia(context.Background(), store.Job{Kind: kindMedia, Payload: []byte("[")}); err != nil ||
		len(out.Writes.Jobs) != 0 || !strings.Contains(log.String(), "media fetch dropped") {
		t.Errorf("bad payload: %+v, %v, log %q", out, err, log.String())
	}
	job := s.mediaJob(store.Message{AccountSid: "AC1", Sid: "SM1"}, mediaThen{})
	if out, err := s.fetchMedia(context.Background(), job); err != nil || len(out.Writes.StatusChanges)+len(out.Writes.Jobs) != 0 {
		t.Errorf("deleted meanwhile: %+v, %v", out, err)
	}
	withMedia(st, statusQueued, "https://x/a.png")
	for _, method := range []string{"GetMessage", "MessageMedia"} {
		st.fail = map[string]error{method: errDisk}
		if _, err := s.fetchMedia(context.Background(), job); !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "fetch media: ") {
			t.Errorf("%s failing: %v", method, err)
		}
	}
	if j := s.mediaJob(store.Message{AccountSid: "AC1", Sid: "SM1"}, mediaThen{}); j.Kind != kindMedia || j.ResourceSid != "SM1" ||
		j.AccountSid != "AC1" || j.DueAt.IsZero() || time.Since(j.DueAt) > time.Minute || !j.DueAt.Equal(j.DateCreated) {
		t.Errorf("media job %+v", j)
	}
}

func TestValidMediaURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://x.example/a.png": true, "http://x.example": true, "ftp://x.example/a": false, "/a.png": false,
		"https://": false, "x.example/a.png": false, "http://%zz": false, "": false,
	} {
		if got := ValidMediaURL(u); got != want {
			t.Errorf("ValidMediaURL(%q) = %v, want %v", u, got, want)
		}
	}
}

// TestMediaQuota: an account at its media quota gets no new media, sent or received
// (413, 11751); below it, a file that would take it past the quota fails its message
// with 11751 and nothing of it is stored; without a quota nothing is counted.
func TestMediaQuota(t *testing.T) {
	base := mediaServer(t)
	ctx := context.Background()
	quotaService := func(st *fakeStore, quota int64) *Service {
		return New(Config{Store: st, Webhook: webhook.NewClient(5*time.Second, 1<<20, webhook.AnyTarget), MediaQuota: quota})
	}

	st := newFakeStore()
	st.own("AC1", ourNumber)
	st.numbers[ourNumber] = store.PhoneNumber{Sid: "PN1", AccountSid: "AC1", PhoneNumber: ourNumber, Capabilities: store.Capabilities{SMS: true}}
	st.mediaUsage["AC1"] = 100
	s := quotaService(st, 100)
	out := Outbound{To: aPhone, From: ourNumber, MediaURLs: []string{base + "/a.png"}}
	var rule *phone.RuleError
	if _, err := s.Send(ctx, account, out); !errors.As(err, &rule) || rule.Code != 11751 || rule.Status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(rule.Message, "quota of 100 bytes") {
		t.Fatalf("send at the quota: %v, want 413 11751", err)
	}
	if _, err := s.Receive(ctx, account, Inbound{From: aPhone, To: ourNumber, MediaURLs: []string{base + "/a.png"}}); !errors.As(err, &rule) || rule.Code != 11751 {
		t.Fatalf("receive at the quota: %v, want 11751", err)
	}
	if len(st.applied) != 0 {
		t.Fatalf("refused messages wrote %+v", st.applied)
	}
	// A text without media is not counted against it.
	if _, err := s.Send(ctx, account, Outbound{To: aPhone, From: ourNumber, Body: "no media"}); err != nil {
		t.Fatalf("text at the media quota: %v", err)
	}
	if _, err := s.Receive(ctx, account, Inbound{From: aPhone, To: ourNumber, Body: "no media either"}); err != nil {
		t.Fatalf("incoming text at the media quota: %v", err)
	}
	// A failure to read the usage is Switchboard's, not a rule.
	st.fail["MediaUsage"] = errors.New("disk on fire")
	if _, err := s.Send(ctx, account, out); err == nil || errors.As(err, &rule) {
		t.Fatalf("send when the usage cannot be read: %v", err)
	}

	// Below the quota, the fetch that would pass it fails the message, storing nothing.
	st = newFakeStore()
	m := withMedia(st, statusQueued, base+"/a.png", base+"/b.txt") // 8 and 5 bytes
	st.mediaUsage["AC1"] = 90
	step := s.stepJob(m, time.Now())
	fetched, err := quotaService(st, 100).fetchMedia(ctx, s.mediaJob(m, mediaThen{Step: &step}))
	if err != nil {
		t.Fatal(err)
	}
	if len(fetched.Writes.MediaContents) != 0 || len(fetched.Writes.StatusChanges) != 1 || fetched.Writes.StatusChanges[0].ErrorCode != 11751 {
		t.Fatalf("fetch past the quota: %+v", fetched.Writes)
	}
	// Exactly at the quota is fine.
	st.mediaUsage["AC1"] = 87
	if fetched, err = quotaService(st, 100).fetchMedia(ctx, s.mediaJob(m, mediaThen{Step: &step})); err != nil || len(fetched.Writes.MediaContents) != 2 {
		t.Fatalf("fetch up to the quota: %+v (%v)", fetched.Writes, err)
	}
	// Without a quota the usage is not even read.
	st.fail["MediaUsage"] = errors.New("not to be read")
	if fetched, err = quotaService(st, 0).fetchMedia(ctx, s.mediaJob(m, mediaThen{Step: &step})); err != nil || len(fetched.Writes.MediaContents) != 2 {
		t.Fatalf("fetch without a quota: %+v (%v)", fetched.Writes, err)
	}
}
