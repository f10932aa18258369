package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/store"
)

// panickingStore fails the way a bug would: by panicking in the middle of a request.
type panickingStore struct{ messages.Store }

// panicking makes ListMessages panic.
func panicking(s server.Stores) server.Stores {
	s.Messages = panickingStore{s.Messages}
	return s
}

func (panickingStore) ListMessages(context.Context, store.MessageFilter, store.Page) ([]store.Message, bool, error) {
	panic("boom")
}

func TestPanicBecomesTwilioError(t *testing.T) {
	var logs lockedBuffer
	env := servertest.Start(t, servertest.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		WrapStores: panicking})
	status, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json", env.Main.Sid, env.Main.AuthToken, nil, "")
	wantError(t, status, body, 500, 20500)
	// A 500 is logged at error level with its cause, beside the panic's stack.
	if got := logs.String(); !strings.Contains(got, `"level":"ERROR","msg":"request failed"`) || !strings.Contains(got, "boom") ||
		!strings.Contains(got, `"level":"ERROR","msg":"request","method":"GET"`) {
		t.Errorf("the 500 was not logged as a failed request:\n%s", got)
	}
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

// secondTenant creates another main account, straight in the store (the API creates only
// subaccounts), with one message whose body is "other tenant's secret".
func secondTenant(t testing.TB, env *servertest.Env) (client.Account, string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	a, err := env.DB.CreateAccount(ctx, store.Account{Sid: "AC" + strings.Repeat("7e", 16), FriendlyName: "other tenant",
		Status: "active", AuthToken: "otherTenantToken1", DateCreated: now, DateUpdated: now})
	if err != nil {
		t.Fatal(err)
	}
	m := send(t, env.ClientFor(a.Sid, a.AuthToken), a.Sid, text("+14155550100", testSender, "other tenant's secret"))
	return client.Account{Sid: a.Sid, AuthToken: a.AuthToken, FriendlyName: a.FriendlyName}, m.Sid
}
