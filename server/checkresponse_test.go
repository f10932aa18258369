package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/store"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// offSpecStore answers fetches with a message whose status the spec does not allow.
type offSpecStore struct{ messages.Store }

func (s offSpecStore) GetMessage(ctx context.Context, account, sid string) (store.Message, error) {
	m, err := s.Store.GetMessage(ctx, account, sid)
	m.Status = "teleported"
	return m, err
}

func TestCheckResponsesLogsMismatches(t *testing.T) {
	var logs lockedBuffer
	env := servertest.Start(t, servertest.Options{
		CheckResponses: true,
		NoSpecCheck:    true, // the client side would flag the broken response itself
		Logger:         slog.New(slog.NewJSONHandler(&logs, nil)),
		WrapStores:     func(s server.Stores) server.Stores { s.Messages = offSpecStore{s.Messages}; return s },
	})
	sid, token := env.Main.Sid, env.Main.AuthToken
	messages := "/2010-04-01/Accounts/" + sid + "/Messages.json"

	// Responses that match the spec, success and errors alike, log nothing.
	status, body := env.Do(t, http.MethodPost, messages, sid, token, strings.NewReader("To=%2B14155550100&From=%2B15005550006&Body=hi"), formType)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	env.Do(t, http.MethodGet, messages, sid, "wrong", nil, "")
	env.Do(t, http.MethodGet, messages+"?PageSize=0", sid, token, nil, "")
	if strings.Contains(logs.String(), server.MsgResponseMismatch) {
		t.Fatalf("mismatch logged for conforming responses:\n%s", logs.String())
	}

	// A response off the spec is logged, with what is wrong.
	msgSid := strings.Split(strings.Split(string(body), `"sid":"`)[1], `"`)[0]
	env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/Messages/"+msgSid+".json", sid, token, nil, "")
	got := logs.String()
	if !strings.Contains(got, server.MsgResponseMismatch) || !strings.Contains(got, "teleported") {
		t.Fatalf("no mismatch logged for an off-spec status:\n%s", got)
	}
}
