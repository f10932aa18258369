package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

const formType = "application/x-www-form-urlencoded"

var (
	messageSID = regexp.MustCompile(`^SM[0-9a-f]{32}$`)
	accountSID = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
)

// wantError checks that body is the documented error object with this status and code.
func wantError(t *testing.T, gotStatus int, body []byte, wantStatus, wantCode int) {
	t.Helper()
	var e client.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if gotStatus != wantStatus || e.Status != wantStatus || e.Code != wantCode {
		t.Fatalf("got HTTP %d, body status %d, code %d; want %d and code %d (body %s)", gotStatus, e.Status, e.Code, wantStatus, wantCode, body)
	}
	if e.Message == "" || e.MoreInfo != fmt.Sprintf("https://www.twilio.com/docs/errors/%d", wantCode) {
		t.Fatalf("error body lacks message or more_info: %s", body)
	}
}

// send creates a message through the generated client and fails the test unless it is 201.
func send(t testing.TB, c *client.ClientWithResponses, account string, req client.CreateMessageRequest) client.Message {
	t.Helper()
	resp, err := c.CreateMessageWithFormdataBodyWithResponse(context.Background(), account, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON201 == nil {
		t.Fatalf("create message: HTTP %d %s", resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

func text(to, from, body string) client.CreateMessageRequest {
	return client.CreateMessageRequest{To: to, From: &from, Body: &body}
}

func TestCreateAndFetchMessage(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sid := env.Main.Sid

	m := send(t, env.Client, sid, text("+14155550100", testSender, "Hello there"))
	if !messageSID.MatchString(m.Sid) {
		t.Errorf("sid %q does not match %s", m.Sid, messageSID)
	}
	created, err := time.Parse(time.RFC1123Z, m.DateCreated)
	if err != nil || !strings.HasSuffix(m.DateCreated, " +0000") {
		t.Errorf("date_created %q is not RFC 2822 in GMT: %v", m.DateCreated, err)
	}
	if d := time.Since(created); d < -time.Minute || d > time.Minute {
		t.Errorf("date_created %s is not now", created)
	}
	want := client.Message{
		AccountSid: sid, ApiVersion: "2010-04-01", Body: "Hello there", Direction: "outbound-api",
		NumMedia: "0", NumSegments: "1", PriceUnit: "USD", Status: "queued", To: "+14155550100",
		Uri: "/2010-04-01/Accounts/" + sid + "/Messages/" + m.Sid + ".json",
	}
	if m.AccountSid != want.AccountSid || m.ApiVersion != want.ApiVersion || m.Body != want.Body ||
		m.Direction != want.Direction || m.NumMedia != want.NumMedia || m.NumSegments != want.NumSegments ||
		m.PriceUnit != want.PriceUnit || m.Status != want.Status || m.To != want.To || m.Uri != want.Uri {
		t.Errorf("created message:\n got %+v\nwant %+v", m, want)
	}
	if m.From == nil || *m.From != testSender || m.DateSent != nil || m.ErrorCode != nil || m.Price != nil {
		t.Errorf("from/date_sent/error_code/price: %v %v %v %v", m.From, m.DateSent, m.ErrorCode, m.Price)
	}
	if m.SubresourceUris["media"] != strings.TrimSuffix(want.Uri, ".json")+"/Media.json" {
		t.Errorf("subresource_uris = %v", m.SubresourceUris)
	}

	got, err := env.Client.FetchMessageWithResponse(ctx, sid, m.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if got.JSON200 == nil || got.JSON200.Sid != m.Sid || got.JSON200.Body != m.Body || got.JSON200.DateCreated != m.DateCreated {
		t.Fatalf("fetch: HTTP %d %s", got.StatusCode(), got.Body)
	}

	// Media: repeated MediaUrl keys, counted in num_media; a media-only message is one segment.
	media := []string{"https://example.com/a.png", "https://example.com/b.png"}
	from := testSender
	mm := send(t, env.Client, sid, client.CreateMessageRequest{To: "+14155550100", From: &from, MediaUrl: &media})
	if mm.NumMedia != "2" || mm.NumSegments != "1" || mm.Body != "" {
		t.Errorf("media message: num_media %s num_segments %s body %q", mm.NumMedia, mm.NumSegments, mm.Body)
	}

	// A messaging service instead of From: accepted, from null until the service picks.
	svcResp, err := env.Client.CreateMessagingServiceWithFormdataBodyWithResponse(ctx, client.CreateMessagingServiceRequest{FriendlyName: "api test"})
	if err != nil || svcResp.JSON201 == nil {
		t.Fatalf("create service: %v %s", err, svcResp.Body)
	}
	svc := svcResp.JSON201.Sid
	body := "via service"
	sm := send(t, env.Client, sid, client.CreateMessageRequest{To: "+14155550100", MessagingServiceSid: &svc, Body: &body})
	if sm.Status != "accepted" || sm.From != nil || sm.MessagingServiceSid == nil || *sm.MessagingServiceSid != svc {
		t.Errorf("service message: status %s from %v service %v", sm.Status, sm.From, sm.MessagingServiceSid)
	}
}

func TestFormEncodingFromCurl(t *testing.T) {
	// What curl --data-urlencode and the Node SDK send: %20 for spaces, %2B for plus.
	env := servertest.Start(t, servertest.Options{})
	form := "To=%2B14155550100&From=%2B15005550006&Body=two%20words+and+more&MediaUrl=https%3A%2F%2Fexample.com%2F1.png&MediaUrl=https%3A%2F%2Fexample.com%2F2.png&UnknownParam=ignored"
	status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json", env.Main.Sid, env.Main.AuthToken, strings.NewReader(form), formType)
	if status != http.StatusCreated {
		t.Fatalf("HTTP %d %s", status, body)
	}
	var m client.Message
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Body != "two words and more" || m.NumMedia != "2" || m.To != "+14155550100" {
		t.Errorf("got body %q num_media %s to %s", m.Body, m.NumMedia, m.To)
	}

	// curl -d "To=+1415…": the unencoded '+' arrives as a space; the error says why.
	status, body = env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json", env.Main.Sid, env.Main.AuthToken,
		strings.NewReader("To=+14155550100&From=%2B15005550006&Body=hi"), formType)
	wantError(t, status, body, 400, 21211)
	if !strings.Contains(string(body), "%2B") {
		t.Errorf("no hint about encoding '+': %s", body)
	}
}

func TestErrors(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	main := env.Main

	// A subaccount's own message, to probe cross-account access from the main account's path.
	sub := createSubaccount(t, env, "probe")
	subMsg := send(t, env.ClientFor(sub.Sid, sub.AuthToken), sub.Sid, text("+14155550100", testSender, "sub secret"))
	mine := send(t, env.Client, main.Sid, text("+14155550100", testSender, "mine"))

	messages := "/2010-04-01/Accounts/" + main.Sid + "/Messages.json"
	msgPath := func(sid string) string { return "/2010-04-01/Accounts/" + main.Sid + "/Messages/" + sid + ".json" }
	unknownSMS := "SM" + strings.Repeat("0", 32)
	long := strings.Repeat("a", 1601)
	var elevenMedia []string
	for i := range 11 {
		elevenMedia = append(elevenMedia, fmt.Sprintf("MediaUrl=https%%3A%%2F%%2Fexample.com%%2F%d.png", i))
	}

	tests := []struct {
		name        string
		method      string
		path        string
		form        string
		sid, token  string // "-" sid: no credentials
		wantStatus  int
		wantCode    int
		wantWWWAuth bool
	}{
		{"missing To", "POST", messages, "From=%2B15005550006&Body=hi", "", "", 400, 21604, false},
		{"empty body", "POST", messages, "", "", "", 400, 21604, false},
		{"bad To", "POST", messages, "To=%2B1555&From=%2B15005550006&Body=hi", "", "", 400, 21211, false},
		{"To not E.164", "POST", messages, "To=4155550100&From=%2B15005550006&Body=hi", "", "", 400, 21211, false},
		{"missing From", "POST", messages, "To=%2B14155550100&Body=hi", "", "", 400, 21603, false},
		{"bad From", "POST", messages, "To=%2B14155550100&From=not+a+valid+sender&Body=hi", "", "", 400, 21212, false},
		{"missing Body", "POST", messages, "To=%2B14155550100&From=%2B15005550006", "", "", 400, 21602, false},
		{"1601-char body", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=" + long, "", "", 400, 21617, false},
		{"11 media URLs", "POST", messages, "To=%2B14155550100&From=%2B15005550006&" + strings.Join(elevenMedia, "&"), "", "", 400, 21623, false},
		{"bad media URL", "POST", messages, "To=%2B14155550100&From=%2B15005550006&MediaUrl=ftp%3A%2F%2Fx", "", "", 400, 21620, false},
		{"StatusCallback javascript:", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&StatusCallback=javascript%3Aalert(1)", "", "", 400, 21609, false},
		{"StatusCallback ftp:", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&StatusCallback=ftp%3A%2F%2Fx%2Fy", "", "", 400, 21609, false},
		{"StatusCallback file:", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&StatusCallback=file%3A%2F%2F%2Fetc%2Fpasswd", "", "", 400, 21609, false},
		{"StatusCallback not a URL", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&StatusCallback=notaurl", "", "", 400, 21609, false},
		{"StatusCallback host with _", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&StatusCallback=https%3A%2F%2Fmy_app.example.com%2Fs", "", "", 400, 21609, false},
		{"StatusCallback over 4,000", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&StatusCallback=https%3A%2F%2Fexample.com%2F" + strings.Repeat("a", 4000), "", "", 400, 21609, false},
		{"bad SendAt", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&ScheduleType=fixed&SendAt=tomorrow", "", "", 400, 20001, false},
		{"bad boolean", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&SendAsMms=maybe", "", "", 400, 20001, false},
		{"SendAt without ScheduleType", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&SendAt=2099-01-01T00%3A00%3A00Z", "", "", 400, 20001, false},
		{"ScheduleType without SendAt", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&ScheduleType=fixed", "", "", 400, 20001, false},
		{"SendAt in the past", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=hi&ScheduleType=fixed&SendAt=2001-01-01T00%3A00%3A00Z", "", "", 400, 35114, false},
		{"body over 1 MB", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=" + strings.Repeat("a", 1<<20), "", "", 413, 20001, false},
		{"bad credentials", "GET", messages, "", main.Sid, "wrongtoken", 401, 20003, true},
		{"unknown account credentials", "GET", messages, "", "AC" + strings.Repeat("1", 32), main.AuthToken, 401, 20003, true},
		{"no credentials", "GET", messages, "", "-", "", 401, 20003, true},
		{"another account's message", "GET", msgPath(subMsg.Sid), "", "", "", 404, 20404, false},
		{"unknown SID", "GET", msgPath(unknownSMS), "", "", "", 404, 20404, false},
		{"malformed SID", "GET", msgPath("SMnope"), "", "", "", 404, 20404, false},
		{"path without .json", "GET", strings.TrimSuffix(msgPath(mine.Sid), ".json"), "", "", "", 404, 20404, false},
		{"unknown route", "GET", "/2010-04-01/Nope.json", "", "", "", 404, 20404, false},
		{"wrong method", "PUT", messages, "", "", "", 405, 20004, false},
		{"page size zero", "GET", messages + "?PageSize=0", "", "", "", 400, 20001, false},
		{"bad page token", "GET", messages + "?PageToken=zzz", "", "", "", 400, 20001, false},
		{"bad date filter", "GET", messages + "?DateSent=yesterday", "", "", "", 400, 20001, false},
		{"non-empty Body update", "POST", msgPath(mine.Sid), "Body=new+text", "", "", 400, 20001, false},
		{"cancel a queued message", "POST", msgPath(mine.Sid), "Status=canceled", "", "", 400, 20001, false},
		{"empty update", "POST", msgPath(mine.Sid), "", "", "", 400, 20001, false},
		{"update with only unknown parameters", "POST", msgPath(mine.Sid), "Other=1", "", "", 400, 20001, false},
		{"impossible date", "GET", messages + "?DateSent=2026-02-30", "", "", "", 400, 20001, false},
		{"delete unknown", "DELETE", msgPath(unknownSMS), "", "", "", 404, 20404, false},
		{"subaccount creates subaccount", "POST", "/2010-04-01/Accounts.json", "FriendlyName=x", sub.Sid, sub.AuthToken, 403, 20403, false},
		{"main changes own status", "POST", "/2010-04-01/Accounts/" + main.Sid + ".json", "Status=suspended", "", "", 403, 20403, false},
	}
	// The wording of each error, in part: clients show it to people, and a code alone
	// does not say which parameter was wrong.
	wording := map[string]string{
		"missing To":                          "A 'To' phone number is required.",
		"empty body":                          "A 'To' phone number is required.",
		"bad To":                              "The 'To' number +1555 is not a valid phone number.",
		"To not E.164":                        "The 'To' number 4155550100 is not a valid phone number.",
		"missing From":                        "A 'From' phone number is required.",
		"bad From":                            "The 'From' number not a valid sender is not a valid phone number, shortcode, or alphanumeric sender ID.",
		"missing Body":                        "Message body is required.",
		"bad media URL":                       "Media URL ftp://x is not a valid http or https URL.",
		"StatusCallback javascript:":          `The StatusCallback URL "javascript:alert(1)" is not a valid URL`,
		"StatusCallback ftp:":                 `The StatusCallback URL "ftp://x/y" is not a valid URL`,
		"StatusCallback file:":                `The StatusCallback URL "file:///etc/passwd" is not a valid URL`,
		"StatusCallback not a URL":            `The StatusCallback URL "notaurl" is not a valid URL`,
		"StatusCallback host with _":          "whose host name has no underscores",
		"StatusCallback over 4,000":           "at most 4,000 characters",
		"bad SendAt":                          `Invalid parameter SendAt: string doesn't match the format "date-time"`,
		"1601-char body":                      "The concatenated message body exceeds the 1600 character limit.",
		"11 media URLs":                       "The number of media URLs exceeds the limit of 10.",
		"unknown SID":                         "/Messages/SM" + strings.Repeat("0", 32) + ".json was not found",
		"path without .json":                  "/Messages/" + mine.Sid + " was not found",
		"delete unknown":                      "/Messages/SM" + strings.Repeat("0", 32) + ".json was not found",
		"bad boolean":                         "Invalid parameter SendAsMms:",
		"SendAt without ScheduleType":         "ScheduleType=fixed is required when SendAt is set.",
		"ScheduleType without SendAt":         "SendAt is required when ScheduleType is fixed.",
		"SendAt in the past":                  "Scheduling does not support this timestamp",
		"body over 1 MB":                      "Request body too large (limit 1 MB)",
		"bad credentials":                     "Authenticate",
		"unknown account credentials":         "Authenticate",
		"no credentials":                      "Authenticate",
		"another account's message":           "The requested resource /2010-04-01/Accounts/" + main.Sid + "/Messages/" + subMsg.Sid + ".json was not found",
		"malformed SID":                       "/Messages/SMnope.json was not found",
		"unknown route":                       "The requested resource /2010-04-01/Nope.json was not found",
		"wrong method":                        "Method not allowed",
		"page size zero":                      "Invalid parameter PageSize:",
		"bad page token":                      "Invalid parameter PageToken:",
		"bad date filter":                     "Invalid parameter DateSent: string doesn't match the regular expression",
		"non-empty Body update":               "Invalid parameter Body:",
		"cancel a queued message":             "is not scheduled; only scheduled messages can be canceled.",
		"empty update":                        "Invalid request: value is required but missing",
		"update with only unknown parameters": "Nothing to update: set Body to the empty string to redact, or Status to canceled.",
		"impossible date":                     `Invalid parameter DateSent: "2026-02-30" is neither a date (YYYY-MM-DD) nor an RFC 3339 date-time.`,
		"subaccount creates subaccount":       "A subaccount cannot create subaccounts.",
		"main changes own status":             "An account cannot change its own status; its parent account can.",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sid, token := tt.sid, tt.token
			switch sid {
			case "":
				sid, token = main.Sid, main.AuthToken
			case "-":
				sid = ""
			}
			var contentType string
			if tt.method == "POST" {
				contentType = formType
			}
			req, err := http.NewRequest(tt.method, env.URL+tt.path, strings.NewReader(tt.form))
			if err != nil {
				t.Fatal(err)
			}
			if sid != "" {
				req.SetBasicAuth(sid, token)
			}
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			resp, err := env.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			wantError(t, resp.StatusCode, body, tt.wantStatus, tt.wantCode)
			var e client.Error
			_ = json.Unmarshal(body, &e)
			if want, ok := wording[tt.name]; !ok || !strings.Contains(e.Message, want) {
				t.Errorf("message %q, want it to contain %q", e.Message, want)
			}
			if got := resp.Header.Get("WWW-Authenticate"); tt.wantWWWAuth && got != `Basic realm="Twilio API"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}

	// Nothing was half-written by the failures above: only the one message exists.
	list, err := env.Client.ListMessagesWithResponse(context.Background(), main.Sid, nil)
	if err != nil || list.JSON200 == nil {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	if n := len(list.JSON200.Messages); n != 1 {
		t.Errorf("main account has %d messages after the failed requests, want 1", n)
	}
}

func TestNumSegments(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	tests := []struct {
		body string
		want string
	}{
		{strings.Repeat("a", 160), "1"},
		{strings.Repeat("a", 161), "2"},
		{strings.Repeat("a", 306), "2"},
		{strings.Repeat("a", 307), "3"},
		{strings.Repeat("é", 160), "1"},      // in the GSM-7 basic set
		{strings.Repeat("€", 80), "1"},       // extension: two septets each
		{strings.Repeat("€", 81), "2"},       // 162 septets
		{strings.Repeat("ж", 70), "1"},       // UCS-2
		{strings.Repeat("ж", 71), "2"},       // 71 > 70
		{strings.Repeat("ж", 134), "2"},      // 2 × 67
		{strings.Repeat("ж", 135), "3"},      // 135 > 134
		{strings.Repeat("a", 69) + "ж", "1"}, // one non-GSM char makes it all UCS-2
		{strings.Repeat("a", 70) + "ж", "2"}, // 71 UTF-16 units
		{strings.Repeat("😀", 35), "1"},       // 70 UTF-16 units (surrogate pairs)
		{strings.Repeat("😀", 36), "2"},       // 72 units
	}
	for _, tt := range tests {
		m := send(t, env.Client, env.Main.Sid, text("+14155550100", testSender, tt.body))
		if m.NumSegments != tt.want {
			t.Errorf("body of %d runes starting %q: num_segments %s, want %s", len([]rune(tt.body)), []rune(tt.body)[0], m.NumSegments, tt.want)
		}
	}
}

func TestRedactCancelDelete(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sid := env.Main.Sid

	m := send(t, env.Client, sid, text("+14155550100", testSender, "secret code 1234"))
	empty := ""
	red, err := env.Client.UpdateMessageWithFormdataBodyWithResponse(ctx, sid, m.Sid, client.UpdateMessageRequest{Body: &empty})
	if err != nil || red.JSON200 == nil {
		t.Fatalf("redact: %v %s", err, red.Body)
	}
	if red.JSON200.Body != "" || red.JSON200.NumSegments != m.NumSegments {
		t.Errorf("redacted: body %q num_segments %s", red.JSON200.Body, red.JSON200.NumSegments)
	}
	got, _ := env.Client.FetchMessageWithResponse(ctx, sid, m.Sid)
	if got.JSON200 == nil || got.JSON200.Body != "" {
		t.Fatalf("fetch after redact: %s", got.Body)
	}

	// Schedule, then cancel.
	sendAt := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	fixed := client.CreateMessageRequestScheduleTypeFixed
	body := "later"
	from := testSender
	s := send(t, env.Client, sid, client.CreateMessageRequest{To: "+14155550100", From: &from, Body: &body, ScheduleType: &fixed, SendAt: &sendAt})
	if s.Status != "scheduled" {
		t.Fatalf("status %s, want scheduled", s.Status)
	}
	canceled := client.UpdateMessageRequestStatusCanceled
	c, err := env.Client.UpdateMessageWithFormdataBodyWithResponse(ctx, sid, s.Sid, client.UpdateMessageRequest{Status: &canceled})
	if err != nil || c.JSON200 == nil || c.JSON200.Status != "canceled" {
		t.Fatalf("cancel: %v %s", err, c.Body)
	}
	again, _ := env.Client.UpdateMessageWithFormdataBodyWithResponse(ctx, sid, s.Sid, client.UpdateMessageRequest{Status: &canceled})
	wantError(t, again.StatusCode(), again.Body, 400, 20001)

	// Delete once delivered, then 404 for fetch and for a second delete.
	env.WaitForStatus(t, env.Client, sid, m.Sid, 5*time.Second, "delivered")
	del, err := env.Client.DeleteMessageWithResponse(ctx, sid, m.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent || len(del.Body) != 0 {
		t.Fatalf("delete: %v HTTP %d %q", err, del.StatusCode(), del.Body)
	}
	gone, _ := env.Client.FetchMessageWithResponse(ctx, sid, m.Sid)
	wantError(t, gone.StatusCode(), gone.Body, 404, 20404)
	del2, _ := env.Client.DeleteMessageWithResponse(ctx, sid, m.Sid)
	wantError(t, del2.StatusCode(), del2.Body, 404, 20404)
}

func createSubaccount(t testing.TB, env *servertest.Env, name string) client.Account {
	t.Helper()
	resp, err := env.Client.CreateAccountWithFormdataBodyWithResponse(context.Background(), client.CreateAccountRequest{FriendlyName: &name})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create subaccount: %v %s", err, resp.Body)
	}
	return *resp.JSON201
}

func TestIsolation(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main
	a := createSubaccount(t, env, "A")
	b := createSubaccount(t, env, "B")
	ca, cb := env.ClientFor(a.Sid, a.AuthToken), env.ClientFor(b.Sid, b.AuthToken)

	mainMsg := send(t, env.Client, main.Sid, text("+14155550100", testSender, "main"))
	aMsg := send(t, ca, a.Sid, text("+14155550101", testSender, "a"))
	// The parent acts on its subaccount's path.
	aMsg2 := send(t, env.Client, a.Sid, text("+14155550102", testSender, "a by parent"))

	// Parent reads the subaccount's messages; the subaccount sees the parent's write too.
	for _, c := range []*client.ClientWithResponses{env.Client, ca} {
		l, err := c.ListMessagesWithResponse(ctx, a.Sid, nil)
		if err != nil || l.JSON200 == nil || len(l.JSON200.Messages) != 2 {
			t.Fatalf("list A's messages: %v %s", err, l.Body)
		}
	}
	got, _ := env.Client.FetchMessageWithResponse(ctx, a.Sid, aMsg.Sid)
	if got.JSON200 == nil {
		t.Fatalf("parent fetch of subaccount message: %s", got.Body)
	}

	// Upward and sideways: 401 20003, the same as for an account that does not exist.
	for name, probe := range map[string]func() (int, []byte){
		"A lists main": func() (int, []byte) {
			r, _ := ca.ListMessagesWithResponse(ctx, main.Sid, nil)
			return r.StatusCode(), r.Body
		},
		"A fetches main's": func() (int, []byte) {
			r, _ := ca.FetchMessageWithResponse(ctx, main.Sid, mainMsg.Sid)
			return r.StatusCode(), r.Body
		},
		"B lists A": func() (int, []byte) {
			r, _ := cb.ListMessagesWithResponse(ctx, a.Sid, nil)
			return r.StatusCode(), r.Body
		},
		"B deletes A's": func() (int, []byte) {
			r, _ := cb.DeleteMessageWithResponse(ctx, a.Sid, aMsg.Sid)
			return r.StatusCode(), r.Body
		},
		"B fetches account A": func() (int, []byte) { r, _ := cb.FetchAccountWithResponse(ctx, a.Sid); return r.StatusCode(), r.Body },
		"A fetches main account": func() (int, []byte) {
			r, _ := ca.FetchAccountWithResponse(ctx, main.Sid)
			return r.StatusCode(), r.Body
		},
		"B sends as A": func() (int, []byte) {
			r, _ := cb.CreateMessageWithFormdataBodyWithResponse(ctx, a.Sid, text("+14155550100", testSender, "x"))
			return r.StatusCode(), r.Body
		},
		"nonexistent account": func() (int, []byte) {
			r, _ := env.Client.ListMessagesWithResponse(ctx, "AC"+strings.Repeat("9", 32), nil)
			return r.StatusCode(), r.Body
		},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := probe()
			wantError(t, status, body, 401, 20003)
		})
	}

	// A resource SID under the wrong account's path is simply not found, even for the parent.
	r, _ := env.Client.FetchMessageWithResponse(ctx, main.Sid, aMsg.Sid)
	wantError(t, r.StatusCode(), r.Body, 404, 20404)
	r, _ = env.Client.FetchMessageWithResponse(ctx, b.Sid, aMsg2.Sid)
	wantError(t, r.StatusCode(), r.Body, 404, 20404)
	r, _ = ca.FetchMessageWithResponse(ctx, a.Sid, mainMsg.Sid)
	wantError(t, r.StatusCode(), r.Body, 404, 20404)

	// Nothing leaked into lists either.
	l, _ := cb.ListMessagesWithResponse(ctx, b.Sid, nil)
	if l.JSON200 == nil || len(l.JSON200.Messages) != 0 {
		t.Errorf("B sees messages it does not own: %s", l.Body)
	}
	l, _ = env.Client.ListMessagesWithResponse(ctx, main.Sid, nil)
	if l.JSON200 == nil || len(l.JSON200.Messages) != 1 {
		t.Errorf("main's own list holds %s", l.Body)
	}
}

func TestAccounts(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main

	me, _ := env.Client.FetchAccountWithResponse(ctx, main.Sid)
	if me.JSON200 == nil || me.JSON200.OwnerAccountSid != main.Sid || me.JSON200.Status != "active" || me.JSON200.Type != "Full" {
		t.Fatalf("fetch main: %s", me.Body)
	}
	sub := createSubaccount(t, env, "Staging")
	if !accountSID.MatchString(sub.Sid) || sub.OwnerAccountSid != main.Sid || sub.FriendlyName != "Staging" ||
		sub.Uri != "/2010-04-01/Accounts/"+sub.Sid+".json" || sub.SubresourceUris["messages"] != "/2010-04-01/Accounts/"+sub.Sid+"/Messages.json" {
		t.Fatalf("subaccount: %+v", sub)
	}
	unnamed, _ := env.Client.CreateAccountWithFormdataBodyWithResponse(ctx, client.CreateAccountRequest{})
	if unnamed.JSON201 == nil || !strings.HasPrefix(unnamed.JSON201.FriendlyName, "SubAccount Created at ") {
		t.Fatalf("unnamed subaccount: %s", unnamed.Body)
	}

	all, _ := env.Client.ListAccountsWithResponse(ctx, nil)
	if all.JSON200 == nil || len(all.JSON200.Accounts) != 3 || all.JSON200.Accounts[2].Sid != main.Sid {
		t.Fatalf("main lists accounts: %s", all.Body)
	}
	name := "Staging"
	byName, _ := env.Client.ListAccountsWithResponse(ctx, &client.ListAccountsParams{FriendlyName: &name})
	if byName.JSON200 == nil || len(byName.JSON200.Accounts) != 1 || byName.JSON200.Accounts[0].Sid != sub.Sid {
		t.Fatalf("filter by name: %s", byName.Body)
	}
	cs := env.ClientFor(sub.Sid, sub.AuthToken)
	own, _ := cs.ListAccountsWithResponse(ctx, nil)
	if own.JSON200 == nil || len(own.JSON200.Accounts) != 1 || own.JSON200.Accounts[0].Sid != sub.Sid {
		t.Fatalf("subaccount lists accounts: %s", own.Body)
	}

	// Rename (the subaccount itself may), suspend (only the parent may).
	newName := "Staging 2"
	ren, _ := cs.UpdateAccountWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountRequest{FriendlyName: &newName})
	if ren.JSON200 == nil || ren.JSON200.FriendlyName != newName {
		t.Fatalf("rename: %s", ren.Body)
	}
	suspended := client.AccountStatusSuspended
	self, _ := cs.UpdateAccountWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountRequest{Status: &suspended})
	wantError(t, self.StatusCode(), self.Body, 403, 20403)
	sus, _ := env.Client.UpdateAccountWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountRequest{Status: &suspended})
	if sus.JSON200 == nil || sus.JSON200.Status != "suspended" {
		t.Fatalf("suspend: %s", sus.Body)
	}
	// The suspended account's own credentials stop working; its parent cannot send for it.
	r, _ := cs.ListMessagesWithResponse(ctx, sub.Sid, nil)
	wantError(t, r.StatusCode(), r.Body, 401, 20005)
	c, _ := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, sub.Sid, text("+14155550100", testSender, "x"))
	wantError(t, c.StatusCode(), c.Body, 403, 20005)

	active := client.AccountStatusActive
	back, _ := env.Client.UpdateAccountWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountRequest{Status: &active})
	if back.JSON200 == nil || back.JSON200.Status != "active" {
		t.Fatalf("reactivate: %s", back.Body)
	}
	if r, _ := cs.ListMessagesWithResponse(ctx, sub.Sid, nil); r.JSON200 == nil {
		t.Fatalf("reactivated account: %s", r.Body)
	}

	closed := client.AccountStatusClosed
	if cl, _ := env.Client.UpdateAccountWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountRequest{Status: &closed}); cl.JSON200 == nil {
		t.Fatalf("close: %s", cl.Body)
	}
	re, _ := env.Client.UpdateAccountWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountRequest{Status: &active})
	wantError(t, re.StatusCode(), re.Body, 400, 20001)
	if f, _ := env.Client.FetchAccountWithResponse(ctx, sub.Sid); f.JSON200 == nil || f.JSON200.Status != "closed" {
		t.Fatalf("closed account after refused reopen: %s", f.Body)
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	m := send(t, env.Client, env.Main.Sid, text("+14155550100", testSender, "survives"))
	path, main := env.DBPath, env.Main
	env.Stop()

	again := servertest.Start(t, servertest.Options{DBPath: path})
	if again.Main.Sid != main.Sid || again.Main.AuthToken != main.AuthToken {
		t.Fatalf("main account changed across restart: %s -> %s", main.Sid, again.Main.Sid)
	}
	got, err := again.Client.FetchMessageWithResponse(context.Background(), main.Sid, m.Sid)
	if err != nil || got.JSON200 == nil || got.JSON200.Body != "survives" || got.JSON200.DateCreated != m.DateCreated {
		t.Fatalf("after restart: %v %s", err, got.Body)
	}
}

func TestServiceEndpoints(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	for _, tt := range []struct {
		path, contains string
	}{
		{"/healthz", `"status":"ok"`},
		{"/openapi.yaml", "openapi: 3.0"},
		{"/openapi.json", `"openapi":"3.0`},
		{"/docs/", "swagger"},
	} {
		status, body := env.Do(t, http.MethodGet, tt.path, "", "", nil, "")
		if status != http.StatusOK || !strings.Contains(string(body), tt.contains) {
			t.Errorf("GET %s: HTTP %d, body lacks %q: %.200s", tt.path, status, tt.contains, body)
		}
	}
}

func TestRateLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{RateLimit: 0.001, RateBurst: 2})
	path := "/2010-04-01/Accounts/" + env.Main.Sid + "/Messages.json"
	for i := range 2 {
		if status, body := env.Do(t, http.MethodGet, path, env.Main.Sid, env.Main.AuthToken, nil, ""); status != http.StatusOK {
			t.Fatalf("request %d within the burst: HTTP %d %s", i, status, body)
		}
	}
	status, body := env.Do(t, http.MethodGet, path, env.Main.Sid, env.Main.AuthToken, nil, "")
	wantError(t, status, body, 429, 20429)
	// Health checks are not rate limited.
	if status, _ := env.Do(t, http.MethodGet, "/healthz", "", "", nil, ""); status != http.StatusOK {
		t.Errorf("healthz under rate limit: HTTP %d", status)
	}

	// A burst of 1 is one request, not replaced by a default (a second's worth, here 3).
	one := servertest.Start(t, servertest.Options{RateLimit: 3, RateBurst: 1})
	path = "/2010-04-01/Accounts/" + one.Main.Sid + "/Messages.json"
	if status, body := one.Do(t, http.MethodGet, path, one.Main.Sid, one.Main.AuthToken, nil, ""); status != http.StatusOK {
		t.Fatalf("the one request of the burst: HTTP %d %s", status, body)
	}
	status, body = one.Do(t, http.MethodGet, path, one.Main.Sid, one.Main.AuthToken, nil, "")
	wantError(t, status, body, 429, 20429)
	// No burst given: a second's worth, here 1; a huge rate still works.
	huge := servertest.Start(t, servertest.Options{RateLimit: 1e300})
	for range 3 {
		if status, body := huge.Do(t, http.MethodGet, "/2010-04-01/Accounts.json", huge.Main.Sid, huge.Main.AuthToken, nil, ""); status != http.StatusOK {
			t.Fatalf("rate 1e300: HTTP %d %s", status, body)
		}
	}
}

// listPage GETs a page URI exactly as given (relative to the server), as the SDKs do.
func listPage(t *testing.T, env *servertest.Env, uri string) client.MessageList {
	t.Helper()
	status, body := env.Do(t, http.MethodGet, uri, env.Main.Sid, env.Main.AuthToken, nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", uri, status, body)
	}
	var page client.MessageList
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page
}

func TestPaging(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	const total = 250
	var sids []string // newest first
	for i := range total {
		to := "+14155550100"
		if i%2 == 1 {
			to = "+14155550111"
		}
		m := send(t, env.Client, sid, text(to, testSender, fmt.Sprintf("message %d", i)))
		sids = append([]string{m.Sid}, sids...)
	}

	walk := func(t *testing.T, first string, pageSize int) []string {
		var seen []string
		uri := first
		for page := 0; ; page++ {
			p := listPage(t, env, uri)
			if p.Page != page || p.PageSize != pageSize || p.Start != page*pageSize {
				t.Fatalf("page %d: page %d page_size %d start %d", page, p.Page, p.PageSize, p.Start)
			}
			if len(p.Messages) > 0 && p.End != p.Start+len(p.Messages)-1 {
				t.Fatalf("page %d: end %d with start %d and %d messages", page, p.End, p.Start, len(p.Messages))
			}
			if (page == 0) != (p.PreviousPageUri == nil) {
				t.Fatalf("page %d: previous_page_uri %v", page, p.PreviousPageUri)
			}
			if !strings.HasPrefix(p.FirstPageUri, "/2010-04-01/Accounts/"+sid+"/Messages.json?") {
				t.Fatalf("first_page_uri %q", p.FirstPageUri)
			}
			for _, m := range p.Messages {
				seen = append(seen, m.Sid)
			}
			if p.NextPageUri == nil {
				return seen
			}
			if !strings.HasPrefix(*p.NextPageUri, "/2010-04-01/") {
				t.Fatalf("next_page_uri %q is not a server-relative path", *p.NextPageUri)
			}
			uri = *p.NextPageUri
			if page > total {
				t.Fatal("paging does not end")
			}
		}
	}

	t.Run("all", func(t *testing.T) {
		got := walk(t, "/2010-04-01/Accounts/"+sid+"/Messages.json?PageSize=50", 50)
		if strings.Join(got, ",") != strings.Join(sids, ",") {
			t.Fatalf("walked %d messages, want all %d newest first without gaps or duplicates", len(got), len(sids))
		}
	})
	t.Run("filtered by To", func(t *testing.T) {
		got := walk(t, "/2010-04-01/Accounts/"+sid+"/Messages.json?PageSize=50&To=%2B14155550111", 50)
		var want []string
		for i, s := range sids { // sids is newest first: index i is message total-1-i
			if (total-1-i)%2 == 1 {
				want = append(want, s)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("walked %d messages to +14155550111, want %d", len(got), len(want))
		}
	})
	t.Run("backwards", func(t *testing.T) {
		p0 := listPage(t, env, "/2010-04-01/Accounts/"+sid+"/Messages.json?PageSize=100")
		p1 := listPage(t, env, *p0.NextPageUri)
		p2 := listPage(t, env, *p1.NextPageUri)
		if p2.NextPageUri != nil || len(p2.Messages) != 50 || p2.End != 249 {
			t.Fatalf("last page: next %v, %d messages, end %d", p2.NextPageUri, len(p2.Messages), p2.End)
		}
		back := listPage(t, env, *p2.PreviousPageUri)
		if back.Page != 1 || back.Messages[0].Sid != p1.Messages[0].Sid || back.Messages[99].Sid != p1.Messages[99].Sid {
			t.Fatalf("previous of page 2 is not page 1")
		}
		front := listPage(t, env, *back.PreviousPageUri)
		if front.Page != 0 || front.PreviousPageUri != nil || front.Messages[0].Sid != sids[0] {
			t.Fatalf("previous of page 1 is not page 0")
		}
	})
	t.Run("Page without token", func(t *testing.T) {
		p := listPage(t, env, "/2010-04-01/Accounts/"+sid+"/Messages.json?PageSize=50&Page=2")
		if p.Start != 100 || p.Messages[0].Sid != sids[100] {
			t.Fatalf("Page=2 starts at %d with %s", p.Start, p.Messages[0].Sid)
		}
	})
	t.Run("page size above 1000 is served as 1000", func(t *testing.T) {
		// twilio-node sends its list limit as PageSize, however large.
		p := listPage(t, env, "/2010-04-01/Accounts/"+sid+"/Messages.json?PageSize=5000")
		if p.PageSize != 1000 || len(p.Messages) != total || !strings.Contains(p.Uri, "PageSize=1000") {
			t.Fatalf("page_size %d with %d messages, uri %s", p.PageSize, len(p.Messages), p.Uri)
		}
	})
	t.Run("empty", func(t *testing.T) {
		p := listPage(t, env, "/2010-04-01/Accounts/"+sid+"/Messages.json?To=%2B19999999999")
		if len(p.Messages) != 0 || p.Start != 0 || p.End != 0 || p.NextPageUri != nil || p.PreviousPageUri != nil {
			t.Fatalf("empty page: %+v", p)
		}
	})
}

func TestDateFilters(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	// Seed messages one per hour across three days straight into the store, so that dates
	// are known; the filters are then exercised over HTTP.
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	env.SeedHourly(t, sid, day, 72)

	count := func(query string) int {
		t.Helper()
		n := 0
		uri := "/2010-04-01/Accounts/" + sid + "/Messages.json?PageSize=20&" + query
		for {
			p := listPage(t, env, uri)
			n += len(p.Messages)
			if p.NextPageUri == nil {
				return n
			}
			uri = *p.NextPageUri
		}
	}
	q := url.QueryEscape
	tests := []struct {
		query string
		want  int
	}{
		{"DateSent=2026-11-21", 24},
		{"DateSent=2026-11-19", 0},
		{"DateSent" + q("<") + "=2026-11-20", 24},                   // on or before that day
		{"DateSent" + q(">") + "=2026-11-22", 24},                   // on or after that day
		{"DateSent" + q(">") + "=" + q("2026-11-21T12:00:00Z"), 36}, // from 12:00 on the 21st
		{"DateSent" + q("<") + "=" + q("2026-11-20T05:00:00Z"), 6},  // 00:00..05:00 inclusive
		{"DateSent" + q(">") + "=2026-11-21&DateSent" + q("<") + "=2026-11-21", 24},
		{"DateSent=2026-11-21&To=" + q("+14155550100"), 12},
		// Bounds past every message match none, however far: Unix nanoseconds wrapped
		// outside 1678-2262 and turned these into "everything".
		{"DateSent" + q(">") + "=3000-01-01", 0},
		{"DateSent" + q(">") + "=9999-12-31", 0},
		{"DateSent" + q(">") + "=" + q("9999-12-31T23:59:59-23:59"), 0},
		{"DateSent" + q("<") + "=1000-01-01", 0},
		{"DateSent" + q("<") + "=0000-01-01", 0},
		{"DateSent" + q("<") + "=" + q("0000-01-01T00:00:00+23:59"), 0},
		{"DateSent=3000-01-01", 0},
		{"DateSent=1000-01-01", 0},
		{"DateSent" + q(">") + "=1000-01-01", 72},
		{"DateSent" + q("<") + "=9999-12-31", 72},
		{"DateSent" + q(">") + "=0000-01-01&DateSent" + q("<") + "=9999-12-31", 72},
	}
	for _, tt := range tests {
		if got := count(tt.query); got != tt.want {
			t.Errorf("%s: %d messages, want %d", tt.query, got, tt.want)
		}
	}
}

// TestJSONIsNotHTMLEscaped: "&", "<" and ">" go out as they are, as Twilio writes them,
// in the generated handlers' answers and in the error objects alike.
func TestJSONIsNotHTMLEscaped(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	sid := env.Main.Sid
	status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+sid+"/Messages.json", sid, env.Main.AuthToken,
		strings.NewReader(url.Values{"To": {"+14155550100"}, "From": {testSender}, "Body": {"a<b>&c"}}.Encode()), formType)
	if status != http.StatusCreated || !bytes.Contains(body, []byte(`"body":"a<b>&c"`)) {
		t.Fatalf("HTTP %d %s", status, body)
	}
	status, body = env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/Messages.json?PageSize=1&To=%2B14155550100", sid, env.Main.AuthToken, nil, "")
	if status != http.StatusOK || !bytes.Contains(body, []byte(`Messages.json?Page=0&PageSize=1&To=%2B14155550100`)) || bytes.Contains(body, []byte(`\u00`)) {
		t.Fatalf("list: HTTP %d %s", status, body)
	}
	status, body = env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+sid+"/Messages.json", sid, env.Main.AuthToken,
		strings.NewReader("To=%2B14155550100&From=Bad%26Sender%3C%3E&Body=x"), formType)
	if status != http.StatusBadRequest || !bytes.Contains(body, []byte(`Bad&Sender<>`)) {
		t.Fatalf("error object: HTTP %d %s", status, body)
	}
}
