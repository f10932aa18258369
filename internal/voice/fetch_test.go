package voice

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/callflow"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

// flakyStore is a real store whose next failApply writes fail with failWith, or errDied
// (as if the process died before it could write).
type flakyStore struct {
	*sqlite.DB
	mu        sync.Mutex
	failApply int
	failWith  error
}

var errDied = errors.New("the process died")

func (f *flakyStore) Apply(ctx context.Context, w store.Writes) error {
	f.mu.Lock()
	fail := f.failApply > 0
	f.failApply--
	err := f.failWith
	f.mu.Unlock()
	if fail {
		if err == nil {
			err = errDied
		}
		return err
	}
	return f.DB.Apply(ctx, w)
}

// voiceApp answers every request with doc, and remembers each request's idempotency
// token; hold, when set, is waited on before answering.
type voiceApp struct {
	mu     sync.Mutex
	tokens []string
	doc    string
	status int // 200 when 0
	hold   chan struct{}
}

func (a *voiceApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.tokens = append(a.tokens, r.Header.Get("I-Twilio-Idempotency-Token"))
	hold := a.hold
	a.mu.Unlock()
	if hold != nil {
		<-hold
	}
	w.Header().Set("Content-Type", "text/xml")
	if a.status != 0 {
		w.WriteHeader(a.status)
	}
	w.Write([]byte(a.doc))
}

func (a *voiceApp) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.tokens...)
}

// receiving sets up a service over a real store, an app, and an incoming call waiting for
// its first document; it returns the call and the fetch job the call wrote.
func receiving(t *testing.T, app *voiceApp) (*Service, *flakyStore, store.Call, store.Job) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "voice.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	now := time.Now().UTC().Truncate(time.Second)
	account, err := db.CreateAccount(ctx, store.Account{Sid: "AC00000000000000000000000000000001", FriendlyName: "test", Status: "active",
		AuthToken: "token", DateCreated: now, DateUpdated: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreatePhoneNumber(ctx, store.PhoneNumber{Sid: "PN00000000000000000000000000000001", AccountSid: account.Sid,
		PhoneNumber: "+14155550199", Capabilities: store.Capabilities{Voice: true},
		PhoneNumberSettings: store.PhoneNumberSettings{VoiceURL: srv.URL + "/voice"}, DateCreated: now, DateUpdated: now}); err != nil {
		t.Fatal(err)
	}
	st := &flakyStore{DB: db}
	s := New(Config{Store: st, Webhook: webhook.NewClient(5*time.Second, 1<<20, webhook.AnyTarget), Speed: 100})
	c, err := s.Receive(ctx, account, Inbound{From: "+14155550100", To: "+14155550199"})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := db.ClaimJobs(ctx, store.Claim{Owner: "test", Now: time.Now().Add(time.Second), Leases: map[string]time.Duration{kindFetch: time.Minute}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Kind == kindFetch && j.ResourceSid == c.Sid {
			return s, st, c, j
		}
	}
	t.Fatalf("no fetch job among %+v", jobs)
	return nil, nil, store.Call{}, store.Job{}
}

// TestFetchRunsAgainAfterADeath: a fetch whose answer could not be written (the process
// died) runs again: the request is made again with the same idempotency token, and its
// answer runs once.
func TestFetchRunsAgainAfterADeath(t *testing.T) {
	app := &voiceApp{doc: `<Response><Say>Hello.</Say></Response>`}
	s, st, c, job := receiving(t, app)
	st.failApply = 1
	if _, err := s.fetch(context.Background(), job); !errors.Is(err, errDied) {
		t.Fatalf("first run: %v, want the write's failure", err)
	}
	if _, err := s.fetch(context.Background(), job); err != nil {
		t.Fatalf("second run: %v", err)
	}
	tokens := app.requests()
	if len(tokens) != 2 || tokens[0] != tokens[1] || tokens[0] != c.Sid+"-1-1" {
		t.Errorf("requests with tokens %v, want two with %s-1-1", tokens, c.Sid)
	}
	row, err := st.GetCall(context.Background(), c.AccountSid, c.Sid)
	if err != nil {
		t.Fatal(err)
	}
	call, err := callOf(row)
	if err != nil {
		t.Fatal(err)
	}
	if row.Status != callflow.StatusInProgress || call.State.Fetch != nil || call.State.Wait != "verb" {
		t.Errorf("after the answer: %s, fetch %+v, wait %q", row.Status, call.State.Fetch, call.State.Wait)
	}
	// The wait is a step job, due when the <Say> ends.
	jobs, err := st.ClaimJobs(context.Background(), store.Claim{Owner: "test", Now: time.Now().Add(time.Hour), Leases: map[string]time.Duration{kindStep: time.Minute}, Limit: 10})
	if err != nil || !slices.ContainsFunc(jobs, func(j store.Job) bool { return j.Kind == kindStep && j.ResourceSid == c.Sid }) {
		t.Errorf("no step job for the call's wait among %+v (%v)", jobs, err)
	}
	// Once applied, the job has nothing left to do: a third run requests nothing.
	if _, err := s.fetch(context.Background(), job); err != nil || len(app.requests()) != 2 {
		t.Errorf("a third run: %v, %d requests", err, len(app.requests()))
	}
}

// TestFetchOfACallThatMovedOn: a fetch the call no longer waits for when its job starts
// requests nothing; one whose call ended while the app answered keeps the delivery and
// leaves the call as it ended.
func TestFetchOfACallThatMovedOn(t *testing.T) {
	ctx := context.Background()
	app := &voiceApp{doc: `<Response><Say>Hello.</Say></Response>`}
	s, _, c, job := receiving(t, app)
	account := store.Account{Sid: c.AccountSid}
	if _, err := s.HangUp(ctx, account, c.Sid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.fetch(ctx, job); err != nil || len(app.requests()) != 0 {
		t.Errorf("the fetch of a call that ended: %v, %d requests", err, len(app.requests()))
	}

	app2 := &voiceApp{doc: `<Response><Say>Hello.</Say></Response>`, hold: make(chan struct{})}
	s, st, c, job := receiving(t, app2)
	done := make(chan error, 1)
	go func() {
		_, err := s.fetch(ctx, job)
		done <- err
	}()
	for len(app2.requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	ended, err := s.HangUp(ctx, account, c.Sid)
	if err != nil {
		t.Fatal(err)
	}
	close(app2.hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	row, err := st.GetCall(ctx, c.AccountSid, c.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if row.Status != callflow.StatusCanceled || row.Version != ended.Version {
		t.Errorf("the call after the late answer: %s version %d, want canceled at version %d", row.Status, row.Version, ended.Version)
	}
	ds, _, err := st.ListDeliveries(ctx, store.DeliveryFilter{AccountSid: c.AccountSid, ResourceSid: c.Sid}, store.Page{Size: 10})
	if err != nil || len(ds) != 1 || ds[0].ResponseStatus != 200 || ds[0].Event != callflow.EventCallTwiML {
		t.Errorf("deliveries %+v, %v; want the late answer's", ds, err)
	}
}

// TestConflictsRetried: a change of a call, and a fetch's answer, written while another
// writer changed the call are computed again from the call as it is now, up to 20 times;
// then the conflict is the caller's.
func TestConflictsRetried(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		what      string
		conflicts int
		fails     bool
	}{
		{"hang up", 19, false},
		{"hang up", 20, true},
		{"fetch", 19, false},
		{"fetch", 20, true},
	} {
		app := &voiceApp{doc: `<Response><Say>Hello.</Say></Response>`}
		s, st, c, job := receiving(t, app)
		st.failApply, st.failWith = tt.conflicts, store.ErrConflict
		var err error
		if tt.what == "hang up" {
			_, err = s.HangUp(ctx, store.Account{Sid: c.AccountSid}, c.Sid)
		} else {
			_, err = s.fetch(ctx, job)
		}
		if got := errors.Is(err, store.ErrConflict); got != tt.fails || (!tt.fails && err != nil) {
			t.Errorf("%s after %d conflicts: %v, want a conflict: %t", tt.what, tt.conflicts, err, tt.fails)
		}
	}
}

// TestFetchWithoutFallback: a call's request that fails, with no fallback URL, is made
// once and recorded once.
func TestFetchWithoutFallback(t *testing.T) {
	ctx := context.Background()
	app := &voiceApp{doc: `oops`, status: http.StatusInternalServerError}
	s, st, c, job := receiving(t, app)
	if _, err := s.fetch(ctx, job); err != nil {
		t.Fatal(err)
	}
	ds, _, err := st.ListDeliveries(ctx, store.DeliveryFilter{AccountSid: c.AccountSid, ResourceSid: c.Sid}, store.Page{Size: 10})
	if err != nil || len(ds) != 1 || ds[0].ResponseStatus != http.StatusInternalServerError || len(app.requests()) != 1 {
		t.Errorf("deliveries %+v (%v), %d requests; want the one failed request", ds, err, len(app.requests()))
	}
}

// TestReceiveRefusesAnotherAccountsNumber: a call to a number of another account is
// refused (20001), as to a number nobody owns.
func TestReceiveRefusesAnotherAccountsNumber(t *testing.T) {
	s, _, _, _ := receiving(t, &voiceApp{})
	other := store.Account{Sid: "AC00000000000000000000000000000002", AuthToken: "other"}
	for _, to := range []string{"+14155550199", "+14155550198"} {
		_, err := s.Receive(context.Background(), other, Inbound{From: "+14155550100", To: to})
		var rule *phone.RuleError
		if !errors.As(err, &rule) || rule.Code != 20001 {
			t.Errorf("a call to %s of another account: %v, want 20001", to, err)
		}
	}
}

// TestPlaceFrom: a call is placed from a number of the account's that can take calls, or
// from Twilio's magic sender, or by the network itself from a number nobody owns; from
// any other number it is refused with 21210. Unset, Timeout and TimeLimit are the
// defaults.
func TestPlaceFrom(t *testing.T) {
	ctx := context.Background()
	s, st, c, _ := receiving(t, &voiceApp{})
	now := time.Now().UTC().Truncate(time.Second)
	if _, err := st.CreateAccount(ctx, store.Account{Sid: "AC00000000000000000000000000000002", FriendlyName: "other", Status: "active",
		AuthToken: "other", DateCreated: now, DateUpdated: now}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []store.PhoneNumber{
		{Sid: "PN00000000000000000000000000000002", AccountSid: c.AccountSid, PhoneNumber: "+14155550198", Capabilities: store.Capabilities{SMS: true}},
		{Sid: "PN00000000000000000000000000000003", AccountSid: "AC00000000000000000000000000000002", PhoneNumber: "+14155550197", Capabilities: store.Capabilities{Voice: true}},
	} {
		n.DateCreated, n.DateUpdated = now, now
		if _, err := st.CreatePhoneNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	account := store.Account{Sid: c.AccountSid}
	for _, tt := range []struct {
		from      string
		network   bool
		refused   bool
		numberSid string
	}{
		{from: "+14155550199", numberSid: "PN00000000000000000000000000000001"},
		{from: phone.MagicFrom},
		{from: "+14155550196", network: true},
		{from: "+14155550196", refused: true}, // nobody's
		{from: "+14155550198", refused: true}, // the account's, without voice
		{from: "+14155550197", refused: true}, // another account's
		{from: "+14155550197", network: true, numberSid: ""},
	} {
		row, err := s.Place(ctx, account, Outbound{To: "+14155550100", From: tt.from, URL: "http://app.example/voice", Network: tt.network})
		var rule *phone.RuleError
		switch {
		case tt.refused:
			if !errors.As(err, &rule) || rule.Code != 21210 {
				t.Errorf("from %s: %v, want 21210", tt.from, err)
			}
			continue
		case err != nil:
			t.Errorf("from %s (network %t): %v", tt.from, tt.network, err)
			continue
		}
		call, err := callOf(row)
		if err != nil {
			t.Fatal(err)
		}
		if row.PhoneNumberSid != tt.numberSid || call.Settings.Timeout != DefaultTimeout || call.Settings.TimeLimit != DefaultTimeLimit {
			t.Errorf("from %s: number %q, timeout %d, limit %d; want %q and the defaults", tt.from, row.PhoneNumberSid,
				call.Settings.Timeout, call.Settings.TimeLimit, tt.numberSid)
		}
	}
	row, err := s.Place(ctx, account, Outbound{To: "+14155550100", From: phone.MagicFrom, URL: "http://app.example/voice", Timeout: 7, TimeLimit: 60})
	if err != nil {
		t.Fatal(err)
	}
	if call, err := callOf(row); err != nil || call.Settings.Timeout != 7 || call.Settings.TimeLimit != 60 {
		t.Errorf("Timeout 7, TimeLimit 60: %+v (%v)", call.Settings, err)
	}
}
