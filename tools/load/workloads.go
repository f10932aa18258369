package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The workloads, in the order they run in each round.
var allWorkloads = []string{"create", "fetch", "list"}

// createForm is the body of every create, on every server: the same three fields.
const createForm = "To=%2B14155550100&From=%2B14155550199&Body=Load+test+message"

// seedForm is the body of the messages seeded before the first round: createForm's, or,
// with bodyChars > 0, a body of that many characters outside the GSM alphabet (Cyrillic
// letters, two bytes each in UTF-8), so that the message is sent as UCS-2: the largest
// message Twilio accepts is 1,600 such characters.
func seedForm(bodyChars int) string {
	if bodyChars == 0 {
		return createForm
	}
	letters := []rune("Съешь же ещё этих мягких французских булок, да выпей чаю. ")
	body := make([]rune, bodyChars)
	for i := range body {
		body[i] = letters[i%len(letters)]
	}
	return url.Values{"To": {"+14155550100"}, "From": {"+14155550199"}, "Body": {string(body)}}.Encode()
}

// api is how the harness talks to one server: each workload becomes that server's
// equivalent request.
type api struct {
	name   string
	header http.Header // sent with every request (credentials)
	// setupURL and setupForm, when set, are POSTed once before seeding: Switchboard sends
	// only from a number the account owns, so the harness buys the one createForm uses.
	// A Switchboard from before IncomingPhoneNumbers answers 404, and sends from any
	// number: then there is nothing to buy.
	setupURL, setupForm string
	createURL           string
	fetchURL            func(sid string) string
	// listURL is one page of pageSize messages; "" when the server has no list route.
	// The list workload then fetches one message, and the ratio compares rows per
	// second, i.e. the cost per row returned.
	listURL  string
	pageSize int
	// callsURL and metricsURL are Switchboard's, for the lifecycle phases (lifecycle.go);
	// "" on the baseline, which has neither.
	callsURL, metricsURL string
}

// switchboardAPI is the Twilio-style API, authenticated as the main account; name is
// the server it measures (switchboard or before).
func switchboardAPI(name, base, accountSid, authToken string, pageSize int) *api {
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	req.SetBasicAuth(accountSid, authToken)
	messages := base + "/2010-04-01/Accounts/" + accountSid + "/Messages"
	return &api{
		name:       name,
		header:     http.Header{"Authorization": req.Header["Authorization"]},
		setupURL:   base + "/2010-04-01/Accounts/" + accountSid + "/IncomingPhoneNumbers.json",
		setupForm:  "PhoneNumber=%2B14155550199",
		createURL:  messages + ".json",
		fetchURL:   func(sid string) string { return messages + "/" + sid + ".json" },
		listURL:    fmt.Sprintf("%s.json?PageSize=%d", messages, pageSize),
		pageSize:   pageSize,
		callsURL:   base + "/2010-04-01/Accounts/" + accountSid + "/Calls.json",
		metricsURL: base + "/metrics",
	}
}

// baselineAPI is the reference server's two routes (see its main.go): POST /messages
// and GET /messages/{sid}, no authentication, no list.
func baselineAPI(base string) *api {
	return &api{
		name:      baseline,
		header:    http.Header{},
		createURL: base + "/messages",
		fetchURL:  func(sid string) string { return base + "/messages/" + sid },
	}
}

// rowsPerRequest is how many messages one request of the workload returns.
func (a *api) rowsPerRequest(workload string) int {
	if workload == "list" && a.listURL != "" {
		return a.pageSize
	}
	return 1
}

// targeter returns the workload's requests for vegeta; fetches cycle through sids.
func (a *api) targeter(workload string, sids []string) vegeta.Targeter {
	var next atomic.Uint64
	fetch := func(t *vegeta.Target) error {
		i := next.Add(1) % uint64(len(sids))
		*t = vegeta.Target{Method: http.MethodGet, URL: a.fetchURL(sids[i]), Header: a.header}
		return nil
	}
	switch {
	case workload == "create":
		return a.postTargeter(a.createURL, createForm)
	case workload == "list" && a.listURL != "":
		return func(t *vegeta.Target) error {
			*t = vegeta.Target{Method: http.MethodGet, URL: a.listURL, Header: a.header}
			return nil
		}
	default: // fetch, and list on a server without a list route
		return fetch
	}
}

// postTargeter POSTs form to target, every time.
func (a *api) postTargeter(target, form string) vegeta.Targeter {
	header := a.header.Clone()
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	body := []byte(form)
	return func(t *vegeta.Target) error {
		*t = vegeta.Target{Method: http.MethodPost, URL: target, Header: header, Body: body}
		return nil
	}
}

// messageForm is createForm with a StatusCallback, for the lifecycle phases.
func messageForm(statusCallback string) string {
	return createForm + "&StatusCallback=" + url.QueryEscape(statusCallback)
}

// callForm is a call from the number the harness buys to createForm's To, with more
// fields (Url or Twiml, StatusCallback).
func callForm(fields url.Values) string {
	v := url.Values{"To": {"+14155550100"}, "From": {"+14155550199"}}
	for k, vs := range fields {
		v[k] = vs
	}
	return v.Encode()
}

// errNotFound is an answer 404 to a request that wanted another status.
var errNotFound = errors.New("HTTP 404")

// do sends one request and decodes a JSON answer into v, failing on any other status
// than want.
func (a *api) do(ctx context.Context, client *http.Client, method, target, body string, want int, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if err != nil {
		return err
	}
	for k, vs := range a.header {
		req.Header[k] = vs
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound && want != http.StatusNotFound {
		return fmt.Errorf("%s %s %s: %w, want %d: %s", a.name, method, target, errNotFound, want, data)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s %s: HTTP %d, want %d: %s", a.name, method, target, resp.StatusCode, want, data)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s %s %s: %w", a.name, method, target, err)
	}
	return nil
}

// seed creates n messages from form with 8 concurrent clients and returns their SIDs.
// It first buys the sender's number where the server sells numbers; log hears when it
// does not.
func (a *api) seed(ctx context.Context, client *http.Client, n int, form string, log io.Writer) ([]string, error) {
	if a.setupURL != "" {
		var bought struct{ Sid string }
		err := a.do(ctx, client, http.MethodPost, a.setupURL, a.setupForm, http.StatusCreated, &bought)
		switch {
		case errors.Is(err, errNotFound):
			fmt.Fprintf(log, "%s has no IncomingPhoneNumbers (404): sending from an unowned number\n", a.name)
		case err != nil:
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	sids := make([]string, n)
	errs := make(chan error, 8)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				var m struct{ Sid string }
				if err := a.do(ctx, client, http.MethodPost, a.createURL, form, http.StatusCreated, &m); err != nil {
					errs <- err
					return
				}
				sids[i] = m.Sid
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return sids, nil
}

// check sends the workload's request once and checks the answer, so that a mistake in
// the mapping fails before any number is measured.
func (a *api) check(ctx context.Context, client *http.Client, workload string, sids []string) error {
	switch {
	case workload == "create":
		var m struct{ Sid, Body string }
		if err := a.do(ctx, client, http.MethodPost, a.createURL, createForm, http.StatusCreated, &m); err != nil {
			return err
		}
		if m.Sid == "" || m.Body != "Load test message" {
			return fmt.Errorf("%s create: answer has sid %q, body %q", a.name, m.Sid, m.Body)
		}
	case workload == "list" && a.listURL != "":
		var page struct{ Messages []json.RawMessage }
		if err := a.do(ctx, client, http.MethodGet, a.listURL, "", http.StatusOK, &page); err != nil {
			return err
		}
		if len(page.Messages) != a.pageSize {
			return fmt.Errorf("%s list: %d messages, want a full page of %d", a.name, len(page.Messages), a.pageSize)
		}
	default:
		var m struct{ Sid string }
		if err := a.do(ctx, client, http.MethodGet, a.fetchURL(sids[0]), "", http.StatusOK, &m); err != nil {
			return err
		}
		if m.Sid != sids[0] {
			return fmt.Errorf("%s fetch %s: answer has sid %q", a.name, sids[0], m.Sid)
		}
	}
	return nil
}
