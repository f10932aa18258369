package phone

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// accounts is an Accounts of one account, or of an error.
type accounts struct {
	account store.Account
	err     error
	reads   int
}

func (a *accounts) GetAccount(_ context.Context, sid string) (store.Account, error) {
	a.reads++
	if a.err != nil {
		return store.Account{}, a.err
	}
	if sid != a.account.Sid {
		return store.Account{}, store.ErrNotFound
	}
	return a.account, nil
}

// app answers webhook requests by path: /ok 200 with a TwiML body, /fail 500, and
// remembers each request.
type app struct {
	mu   sync.Mutex
	got  []*http.Request
	form []map[string]string
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a.mu.Lock()
	form := map[string]string{}
	for k := range r.Form {
		form[k] = r.Form.Get(k)
	}
	a.got, a.form = append(a.got, r), append(a.form, form)
	a.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, "/fail") {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write([]byte("<Response/>"))
}

func newHandler(t *testing.T, acct *accounts, on AnswerFunc) (*Webhooks, *app, string, *bytes.Buffer) {
	t.Helper()
	a := &app{}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	var log bytes.Buffer
	h := &Webhooks{Accounts: acct, Client: webhook.NewClient(5*time.Second, 1<<20, webhook.AnyTarget),
		Log: slog.New(slog.NewTextHandler(&log, nil)), OnAnswer: on}
	return h, a, srv.URL, &log
}

func TestWebhookJob(t *testing.T) {
	now := time.Now()
	p := Webhook{Event: "call-status", URL: "https://app.example/status", Method: "POST", Params: map[string]string{"CallSid": "CA1"}}
	j := p.Job("call.webhook", "AC1", "CA1", "call-webhook:CA1", now)
	var back Webhook
	if err := outbox.Decode(j, &back); err != nil {
		t.Fatal(err)
	}
	if j.Kind != "call.webhook" || j.AccountSid != "AC1" || j.ResourceSid != "CA1" || j.Queue != "call-webhook:CA1" ||
		!j.DueAt.Equal(now) || !j.DateCreated.Equal(now) || back.URL != p.URL || back.Params["CallSid"] != "CA1" {
		t.Errorf("job %+v, payload %+v", j, back)
	}
}

// TestWebhooks: what a webhook job records, retries and hands on, for each way its
// requests can end.
func TestWebhooks(t *testing.T) {
	tests := []struct {
		name             string
		path, fallback   string
		fallbackMethod   string
		wantDeliveries   []int // the status of each attempt recorded
		wantRetry        bool
		wantAnswered     bool
		wantMethods      []string
		wantFallbackUsed bool
	}{
		{"answered", "/ok", "", "", []int{200}, false, true, []string{"POST"}, false},
		{"failed, no fallback", "/fail", "", "", []int{500}, true, false, []string{"POST"}, false},
		{"failed, the fallback answered", "/fail", "/ok-fallback", "GET", []int{500, 200}, false, true, []string{"POST", "GET"}, true},
		{"failed, the fallback too", "/fail", "/fail-again", "POST", []int{500, 500}, true, false, []string{"POST", "POST"}, true},
		{"answered, the fallback unused", "/ok", "/fail", "POST", []int{200}, false, true, []string{"POST"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := &accounts{account: store.Account{Sid: "AC1", AuthToken: "token-1"}}
			var answered []webhook.Result
			h, a, base, _ := newHandler(t, acct, func(_ context.Context, account store.Account, job store.Job, p Webhook, res webhook.Result, w *store.Writes) error {
				if account.AuthToken != "token-1" || job.ID != 7 || p.Event != "message-status" || len(w.Deliveries) != len(tt.wantDeliveries) {
					t.Errorf("answer handed %+v, job %d, %+v, %d deliveries", account, job.ID, p, len(w.Deliveries))
				}
				answered = append(answered, res)
				w.Jobs = append(w.Jobs, store.Job{Kind: "next"})
				return nil
			})
			p := Webhook{Event: "message-status", URL: base + tt.path, Method: "POST", Params: map[string]string{"MessageSid": "SM1"},
				ReplayOf: "WH0"}
			if tt.fallback != "" {
				p.FallbackURL, p.FallbackMethod = base+tt.fallback, tt.fallbackMethod
			}
			job := p.Job("webhook", "AC1", "SM1", "webhook:SM1", time.Now())
			job.ID, job.Attempts = 7, 2
			out, err := h.Handle(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			if out.Retry != tt.wantRetry {
				t.Errorf("retry %v, want %v", out.Retry, tt.wantRetry)
			}
			if got := len(answered) == 1; got != tt.wantAnswered || len(answered) > 1 {
				t.Errorf("answer acted on %d times, want it %v", len(answered), tt.wantAnswered)
			}
			if tt.wantAnswered != (len(out.Writes.Jobs) == 1) {
				t.Errorf("the answer's writes: %+v", out.Writes.Jobs)
			}
			ds := out.Writes.Deliveries
			if len(ds) != len(tt.wantDeliveries) || len(a.got) != len(tt.wantDeliveries) {
				t.Fatalf("%d deliveries, %d requests; want %d", len(ds), len(a.got), len(tt.wantDeliveries))
			}
			for i, d := range ds {
				r := a.got[i]
				if d.ResponseStatus != tt.wantDeliveries[i] || d.Method != tt.wantMethods[i] || r.Method != tt.wantMethods[i] {
					t.Errorf("attempt %d: %d %s (request %s), want %d %s", i, d.ResponseStatus, d.Method, r.Method, tt.wantDeliveries[i], tt.wantMethods[i])
				}
				if (d.ErrorCode == 0) != (d.ResponseStatus == 200) || (d.ErrorCode != 0 && d.ErrorCode != webhook.CodeRetrievalFailure) {
					t.Errorf("attempt %d: error %d %q", i, d.ErrorCode, d.ErrorMessage)
				}
				if d.AccountSid != "AC1" || d.ResourceSid != "SM1" || d.Event != "message-status" || d.Attempt != 2 ||
					d.ReplayOf != "WH0" || d.Params["MessageSid"] != "SM1" || !strings.HasPrefix(d.Sid, "WH") || d.Latency <= 0 ||
					time.Since(d.DateCreated) > time.Minute {
					t.Errorf("attempt %d recorded as %+v", i, d)
				}
				if want := webhook.Sign("token-1", d.URL, map[string]string{"MessageSid": "SM1"}); d.Method == "POST" && d.Signature != want {
					t.Errorf("attempt %d signed %q, want %q (the account's token)", i, d.Signature, want)
				}
				if got := r.Header.Get("I-Twilio-Idempotency-Token"); got != "SM1-7" {
					t.Errorf("attempt %d: idempotency token %q, want SM1-7 (every attempt of the job the same)", i, got)
				}
				if a.form[i]["MessageSid"] != "SM1" {
					t.Errorf("attempt %d sent %v", i, a.form[i])
				}
			}
			if want := base + tt.fallback; tt.wantFallbackUsed && !strings.HasPrefix(ds[1].URL, want) {
				t.Errorf("fallback attempt to %s, want %s", ds[1].URL, want)
			}
			if tt.wantAnswered && ds[len(ds)-1].ResponseBody != "<Response/>" {
				t.Errorf("answer body recorded as %q", ds[len(ds)-1].ResponseBody)
			}
		})
	}
}

// TestWebhooksWithoutAnAnswerHandler: a status callback's answer is only recorded.
func TestWebhooksWithoutAnAnswerHandler(t *testing.T) {
	h, _, base, _ := newHandler(t, &accounts{account: store.Account{Sid: "AC1"}}, nil)
	out, err := h.Handle(context.Background(), Webhook{Event: "call-status", URL: base + "/ok"}.Job("call.webhook", "AC1", "CA1", "", time.Now()))
	if err != nil || out.Retry || len(out.Writes.Deliveries) != 1 || len(out.Writes.Jobs) != 0 {
		t.Errorf("outcome %+v, %v", out, err)
	}
}

// TestWebhooksThatCannotRun: a payload that cannot be read is dropped (logged, never
// retried); an account that is gone takes its webhooks with it; an account that cannot
// be read, or an answer that cannot be acted on, retries the job with nothing written.
func TestWebhooksThatCannotRun(t *testing.T) {
	t.Run("payload", func(t *testing.T) {
		acct := &accounts{account: store.Account{Sid: "AC1"}}
		h, a, _, log := newHandler(t, acct, nil)
		out, err := h.Handle(context.Background(), store.Job{ID: 3, Kind: "webhook", AccountSid: "AC1", Payload: []byte("{")})
		if err != nil || out.Retry || len(out.Writes.Deliveries) != 0 || len(a.got) != 0 || acct.reads != 0 {
			t.Errorf("outcome %+v, %v, %d requests, %d account reads", out, err, len(a.got), acct.reads)
		}
		if !strings.Contains(log.String(), "webhook dropped") || !strings.Contains(log.String(), "job 3 (webhook)") {
			t.Errorf("log %q", log.String())
		}
	})
	t.Run("account gone", func(t *testing.T) {
		h, a, base, _ := newHandler(t, &accounts{account: store.Account{Sid: "AC1"}}, nil)
		out, err := h.Handle(context.Background(), Webhook{URL: base + "/ok"}.Job("webhook", "AC2", "SM1", "", time.Now()))
		if err != nil || out.Retry || len(out.Writes.Deliveries) != 0 || len(a.got) != 0 {
			t.Errorf("outcome %+v, %v, %d requests", out, err, len(a.got))
		}
	})
	t.Run("account unreadable", func(t *testing.T) {
		boom := errors.New("disk on fire")
		h, a, base, _ := newHandler(t, &accounts{err: boom}, nil)
		_, err := h.Handle(context.Background(), Webhook{URL: base + "/ok"}.Job("call.webhook", "AC1", "CA1", "", time.Now()))
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "call.webhook: ") || len(a.got) != 0 {
			t.Errorf("error %v, %d requests", err, len(a.got))
		}
	})
	t.Run("answer fails", func(t *testing.T) {
		boom := errors.New("cannot send the replies")
		h, _, base, _ := newHandler(t, &accounts{account: store.Account{Sid: "AC1"}},
			func(context.Context, store.Account, store.Job, Webhook, webhook.Result, *store.Writes) error {
				return boom
			})
		out, err := h.Handle(context.Background(), Webhook{URL: base + "/ok"}.Job("webhook", "AC1", "SM1", "", time.Now()))
		if !errors.Is(err, boom) || len(out.Writes.Deliveries) != 0 {
			t.Errorf("outcome %+v, %v", out, err)
		}
	})
}

func TestRuleError(t *testing.T) {
	e := RuleErrorf(21610, "Attempt to send to %s", "+14155550100")
	if e.Code != 21610 || e.Message != "Attempt to send to +14155550100" || e.Error() != "21610: Attempt to send to +14155550100" {
		t.Errorf("%+v: %q", e, e.Error())
	}
}
