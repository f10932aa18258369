package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/servertest"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/store"
)

// seedHourly stores n messages for account, one an hour from start, alternating between
// two recipients, straight into the database. Tests use it where the dates must be known.
func seedHourly(tb testing.TB, env *servertest.Env, account string, start time.Time, n int) {
	tb.Helper()
	ms := make([]store.Message, n)
	for i := range ms {
		t := start.Add(time.Duration(i) * time.Hour)
		to := "+14155550100"
		if i%2 == 1 {
			to = "+14155550111"
		}
		ms[i] = store.Message{
			Sid: fmt.Sprintf("SM%032x", i+1), AccountSid: account, To: to, From: "+14155550199",
			Body: fmt.Sprintf("seeded %d", i), Status: "delivered", Direction: "outbound-api",
			NumSegments: 1, DateCreated: t, DateUpdated: t, DateSent: t,
		}
	}
	if err := env.DB.ImportMessages(context.Background(), ms); err != nil {
		tb.Fatal(err)
	}
}

// panickingStore fails the way a bug would: by panicking in the middle of a request.
type panickingStore struct{ server.Store }

func (panickingStore) ListMessages(context.Context, store.MessageFilter, store.Page) ([]store.Message, bool, error) {
	panic("boom")
}

func TestPanicBecomesTwilioError(t *testing.T) {
	env := servertest.Start(t, servertest.Options{WrapStore: func(s server.Store) server.Store { return panickingStore{s} }})
	status, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json", env.Main.Sid, env.Main.AuthToken, nil, "")
	wantError(t, status, body, 500, 20500)
	// The server is still up.
	if status, _ := env.Do(t, http.MethodGet, "/healthz", "", "", nil, ""); status != http.StatusOK {
		t.Fatalf("healthz after panic: HTTP %d", status)
	}
}
