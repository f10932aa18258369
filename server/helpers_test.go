package server_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/servertest"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/store"
)

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

// readBody reads and closes a response body, failing the test on error.
func readBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}
