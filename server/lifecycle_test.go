package server_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// statuses returns the MessageStatus of each request, in the order they arrived.
func statuses(reqs []servertest.Received) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Form.Get("MessageStatus"))
	}
	return out
}

func withCallback(req client.CreateMessageRequest, url string) client.CreateMessageRequest {
	req.StatusCallback = &url
	return req
}

const testSender = "+15005550006" // Twilio's magic sender: any account may use it

func TestDeliveredWithSignedCallbacksInOrder(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)

	m := send(t, env.Client, sid, withCallback(text("+14155550100", testSender, "Hello"), rc.URL+"/status?app=1"))
	if m.Status != "queued" || m.DateSent != nil || m.Price != nil {
		t.Fatalf("created: status %s date_sent %v price %v", m.Status, m.DateSent, m.Price)
	}
	done := env.WaitForStatus(t, env.Client, sid, m.Sid, 5*time.Second, "delivered")
	if done.DateSent == nil || done.Price == nil || *done.Price != "-0.00790" || done.ErrorCode != nil {
		t.Errorf("delivered: date_sent %v price %v error_code %v", done.DateSent, done.Price, done.ErrorCode)
	}

	reqs := rc.WaitFor(t, 3, 5*time.Second)
	if got := statuses(reqs); !slices.Equal(got, []string{"sending", "sent", "delivered"}) {
		t.Fatalf("callbacks %v, want sending, sent, delivered (the first status fires none)", got)
	}
	for _, r := range reqs {
		if !r.Valid || r.Method != http.MethodPost || r.Path != "/status" {
			t.Errorf("callback %s %s signature %q valid=%v", r.Method, r.Path, r.Signature, r.Valid)
		}
		want := map[string]string{"MessageSid": m.Sid, "SmsSid": m.Sid, "AccountSid": sid, "From": testSender,
			"To": "+14155550100", "ApiVersion": "2010-04-01", "SmsStatus": r.Form.Get("MessageStatus")}
		for k, v := range want {
			if r.Form.Get(k) != v {
				t.Errorf("callback %s: %s = %q, want %q", r.Form.Get("MessageStatus"), k, r.Form.Get(k), v)
			}
		}
		if r.Form.Has("ErrorCode") {
			t.Errorf("a successful delivery's callback carries ErrorCode %q", r.Form.Get("ErrorCode"))
		}
		if r.Header.Get("I-Twilio-Idempotency-Token") == "" {
			t.Errorf("no idempotency token")
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(rc.Requests()); n != 3 {
		t.Errorf("receiver got %d callbacks, want exactly 3", n)
	}

	// Every attempt is visible, newest first, with what the receiver answered.
	list, err := env.Client.ListWebhookDeliveriesWithResponse(context.Background(), sid, &client.ListWebhookDeliveriesParams{ResourceSid: &m.Sid})
	if err != nil || list.JSON200 == nil {
		t.Fatalf("list deliveries: %v %s", err, list.Body)
	}
	ds := list.JSON200.WebhookDeliveries
	if len(ds) != 3 || ds[0].RequestParams["MessageStatus"] != "delivered" || ds[2].RequestParams["MessageStatus"] != "sending" {
		t.Fatalf("deliveries %+v", ds)
	}
	for i, d := range ds {
		if d.Event != "message-status" || d.ResponseStatusCode == nil || *d.ResponseStatusCode != 200 || d.ErrorCode != nil ||
			d.Attempt != 1 || d.RequestUrl != rc.URL+"/status?app=1" || d.RequestSignature != reqs[2-i].Signature {
			t.Errorf("delivery %d: %+v", i, d)
		}
	}
	meta := list.JSON200.Meta
	if meta.Key != "webhook_deliveries" || meta.NextPageUrl != nil || meta.Url != env.URL+"/switchboard/v1/Accounts/"+sid+"/WebhookDeliveries?Page=0&PageSize=50&ResourceSid="+m.Sid {
		t.Errorf("meta %+v", meta)
	}
	one, err := env.Client.FetchWebhookDeliveryWithResponse(context.Background(), sid, ds[1].Sid)
	if err != nil || one.JSON200 == nil || one.JSON200.Sid != ds[1].Sid || one.JSON200.Url != env.URL+"/switchboard/v1/Accounts/"+sid+"/WebhookDeliveries/"+ds[1].Sid {
		t.Fatalf("fetch delivery: %v %s", err, one.Body)
	}
}

func TestNoCallbackWithoutStatusCallback(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	m := send(t, env.Client, env.Main.Sid, text("+14155550100", testSender, "quiet"))
	env.WaitForStatus(t, env.Client, env.Main.Sid, m.Sid, 5*time.Second, "delivered")
	list, err := env.Client.ListWebhookDeliveriesWithResponse(context.Background(), env.Main.Sid, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.WebhookDeliveries) != 0 {
		t.Fatalf("deliveries: %v %s", err, list.Body)
	}
}

func TestDestinationFailures(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	tests := []struct {
		to        string
		status    string
		code      int
		callbacks []string
	}{
		{"+15553000003", "undelivered", 30003, []string{"sending", "sent", "undelivered"}},
		{"+15553000005", "undelivered", 30005, []string{"sending", "sent", "undelivered"}},
		{"+15553000006", "failed", 30006, []string{"failed"}},
		{"+15553000007", "undelivered", 30007, []string{"sending", "sent", "undelivered"}},
		{"+15553000008", "failed", 30008, []string{"failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			t.Parallel()
			rc := servertest.NewReceiver(t, env.Main.AuthToken)
			m := send(t, env.Client, sid, withCallback(text(tt.to, testSender, "hi"), rc.URL))
			got := env.WaitForStatus(t, env.Client, sid, m.Sid, 5*time.Second, "delivered", "undelivered", "failed")
			if string(got.Status) != tt.status || got.ErrorCode == nil || *got.ErrorCode != tt.code || got.ErrorMessage == nil {
				t.Fatalf("status %s error_code %v error_message %v, want %s %d", got.Status, got.ErrorCode, got.ErrorMessage, tt.status, tt.code)
			}
			reqs := rc.WaitFor(t, len(tt.callbacks), 5*time.Second)
			if s := statuses(reqs); !slices.Equal(s, tt.callbacks) {
				t.Fatalf("callbacks %v, want %v", s, tt.callbacks)
			}
			last := reqs[len(reqs)-1]
			if last.Form.Get("ErrorCode") != strconv.Itoa(tt.code) {
				t.Errorf("final callback ErrorCode %q, want %d", last.Form.Get("ErrorCode"), tt.code)
			}
		})
	}
}

func TestCallbackRetriedUntilAnswered(t *testing.T) {
	// The simulator never moves: a step that ran before the force below (100 ms after
	// the create, by default, which a loaded machine may take to send the force) would
	// add a "sending" callback ahead of the one this test counts.
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(n int, _ servertest.Received) (int, string, string) {
		if n < 2 {
			return http.StatusInternalServerError, "text/plain", "boom"
		}
		return http.StatusOK, "", ""
	})
	m := send(t, env.Client, sid, withCallback(text("+14155550100", testSender, "retry me"), rc.URL))
	// Force the message straight to delivered: exactly one callback, to be retried.
	forced, err := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(context.Background(), sid, m.Sid,
		client.ForceStatusRequest{Status: client.ForceStatusRequestStatusDelivered})
	if err != nil || forced.JSON200 == nil || forced.JSON200.Status != "delivered" {
		t.Fatalf("force: %v %s", err, forced.Body)
	}
	reqs := rc.WaitFor(t, 3, 5*time.Second)
	for _, r := range reqs {
		if r.Form.Get("MessageStatus") != "delivered" || !r.Valid {
			t.Errorf("request %+v", r)
		}
	}
	if reqs[0].Header.Get("I-Twilio-Idempotency-Token") != reqs[2].Header.Get("I-Twilio-Idempotency-Token") {
		t.Errorf("retries carry different idempotency tokens")
	}
	// The third attempt was answered: the runner must not try again. Wait for its record.
	var ds []client.WebhookDelivery
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		list, err := env.Client.ListWebhookDeliveriesWithResponse(context.Background(), sid, &client.ListWebhookDeliveriesParams{ResourceSid: &m.Sid})
		if err != nil || list.JSON200 == nil {
			t.Fatalf("list: %v", err)
		}
		if ds = list.JSON200.WebhookDeliveries; len(ds) == 3 {
			break
		}
	}
	if len(ds) != 3 {
		t.Fatalf("%d deliveries recorded, want 3", len(ds))
	}
	for i, d := range ds { // newest first
		attempt := 3 - i
		if d.Attempt != attempt || d.ResponseStatusCode == nil {
			t.Fatalf("delivery %d: attempt %d status %v", i, d.Attempt, d.ResponseStatusCode)
		}
		if attempt < 3 && (*d.ResponseStatusCode != 500 || d.ErrorCode == nil || *d.ErrorCode != 11200 || d.ResponseBody == nil || *d.ResponseBody != "boom") {
			t.Errorf("failed attempt %d: %+v", attempt, d)
		}
		if attempt == 3 && (*d.ResponseStatusCode != 200 || d.ErrorCode != nil) {
			t.Errorf("answered attempt: %+v", d)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(rc.Requests()); n != 3 {
		t.Errorf("receiver saw %d requests, want 3", n)
	}
}

func TestCallbackGivesUp(t *testing.T) {
	env := servertest.Start(t, servertest.Options{WebhookAttempts: 2, StepDelay: time.Hour}) // only the forced status calls back
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(int, servertest.Received) (int, string, string) { return http.StatusServiceUnavailable, "", "" })
	m := send(t, env.Client, env.Main.Sid, withCallback(text("+14155550100", testSender, "x"), rc.URL))
	_, err := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, m.Sid,
		client.ForceStatusRequest{Status: client.ForceStatusRequestStatusSent})
	if err != nil {
		t.Fatal(err)
	}
	rc.WaitFor(t, 2, 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.Requests()); n != 2 {
		t.Fatalf("receiver saw %d requests with 2 attempts allowed", n)
	}
	if n, err := env.DB.CountJobs(context.Background(), ""); err != nil || n != 0 {
		t.Fatalf("%d jobs left (%v)", n, err)
	}
}

func TestForceStatus(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour}) // the simulator never moves
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	m := send(t, env.Client, sid, withCallback(text("+14155550100", testSender, "x"), rc.URL))

	code := 30003
	resp, err := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(context.Background(), sid, m.Sid,
		client.ForceStatusRequest{Status: client.ForceStatusRequestStatusUndelivered, ErrorCode: &code})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("force: %v %s", err, resp.Body)
	}
	got := resp.JSON200
	if got.Status != "undelivered" || got.ErrorCode == nil || *got.ErrorCode != 30003 || got.ErrorMessage == nil ||
		*got.ErrorMessage != "Unreachable destination handset" || got.DateSent == nil || got.Price == nil {
		t.Fatalf("forced: %+v", got)
	}
	reqs := rc.WaitFor(t, 1, 5*time.Second)
	if reqs[0].Form.Get("MessageStatus") != "undelivered" || reqs[0].Form.Get("ErrorCode") != "30003" || !reqs[0].Valid {
		t.Errorf("callback %v", reqs[0].Form)
	}

	// ErrorCode only with a failing status; statuses outside the list are refused by the spec.
	bad, _ := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(context.Background(), sid, m.Sid,
		client.ForceStatusRequest{Status: client.ForceStatusRequestStatusDelivered, ErrorCode: &code})
	wantError(t, bad.StatusCode(), bad.Body, 400, 20001)
	status, body := env.Do(t, http.MethodPost, "/switchboard/v1/Accounts/"+sid+"/Messages/"+m.Sid+"/Status", sid, env.Main.AuthToken,
		bytes.NewBufferString("Status=queued"), formType)
	wantError(t, status, body, 400, 20001)
	missing, _ := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(context.Background(), sid, "SM00000000000000000000000000000000",
		client.ForceStatusRequest{Status: client.ForceStatusRequestStatusDelivered})
	wantError(t, missing.StatusCode(), missing.Body, 404, 20404)
}

func TestDeleteWaitsForDelivery(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: 200 * time.Millisecond})
	sid := env.Main.Sid
	m := send(t, env.Client, sid, text("+14155550100", testSender, "in flight"))
	del, err := env.Client.DeleteMessageWithResponse(context.Background(), sid, m.Sid)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, del.StatusCode(), del.Body, 400, 20009)
	if still, _ := env.Client.FetchMessageWithResponse(context.Background(), sid, m.Sid); still.JSON200 == nil {
		t.Fatalf("a refused delete removed the message: %s", still.Body)
	}
	env.WaitForStatus(t, env.Client, sid, m.Sid, 5*time.Second, "delivered")
	del, err = env.Client.DeleteMessageWithResponse(context.Background(), sid, m.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete after delivery: %v HTTP %d %s", err, del.StatusCode(), del.Body)
	}
}

func TestMagicNumbers(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	tests := []struct {
		to, from string
		code     int
	}{
		{"+15005550001", testSender, 21211},
		{"+15005550002", testSender, 21612},
		{"+15005550003", testSender, 21408},
		{"+15005550004", testSender, 21610},
		{"+15005550009", testSender, 21614},
		{"+14155550100", "+15005550001", 21212},
		{"+14155550100", "+15005550007", 21606},
		{"+14155550100", "+15005550008", 21611},
	}
	for _, tt := range tests {
		resp, err := env.Client.CreateMessageWithFormdataBodyWithResponse(context.Background(), sid, text(tt.to, tt.from, "magic"))
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, resp.StatusCode(), resp.Body, 400, tt.code)
	}
	// An alphanumeric sender ID is any account's to use.
	m := send(t, env.Client, sid, text("+14155550100", "Switchbrd", "from a name"))
	if m.From == nil || *m.From != "Switchbrd" {
		t.Errorf("from %v", m.From)
	}
}

func TestScheduledMessageIsSentAtSendAt(t *testing.T) {
	env := servertest.Start(t, servertest.Options{ScheduleMinLead: ptr(time.Duration(0))})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	sendAt := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second).Add(time.Second)
	fixed := client.CreateMessageRequestScheduleTypeFixed
	at := sendAt.Format(time.RFC3339)
	req := withCallback(text("+14155550100", testSender, "later"), rc.URL)
	req.ScheduleType, req.SendAt = &fixed, &at
	m := send(t, env.Client, sid, req)
	if m.Status != "scheduled" {
		t.Fatalf("status %s", m.Status)
	}
	done := env.WaitForStatus(t, env.Client, sid, m.Sid, 10*time.Second, "delivered")
	sent, err := time.Parse(time.RFC1123Z, *done.DateSent)
	if err != nil || sent.Before(sendAt) {
		t.Errorf("date_sent %v before SendAt %s (%v)", done.DateSent, at, err)
	}
	if got := statuses(rc.WaitFor(t, 4, 5*time.Second)); !slices.Equal(got, []string{"queued", "sending", "sent", "delivered"}) {
		t.Errorf("callbacks %v", got)
	}
}

func TestCancelFiresCallbackAndStopsDelivery(t *testing.T) {
	env := servertest.Start(t, servertest.Options{ScheduleMinLead: ptr(time.Duration(0))})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	fixed := client.CreateMessageRequestScheduleTypeFixed
	at := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
	req := withCallback(text("+14155550100", testSender, "never"), rc.URL)
	req.ScheduleType, req.SendAt = &fixed, &at
	m := send(t, env.Client, sid, req)
	canceled := client.UpdateMessageRequestStatusCanceled
	c, err := env.Client.UpdateMessageWithFormdataBodyWithResponse(context.Background(), sid, m.Sid, client.UpdateMessageRequest{Status: &canceled})
	if err != nil || c.JSON200 == nil || c.JSON200.Status != "canceled" {
		t.Fatalf("cancel: %v %s", err, c.Body)
	}
	if got := statuses(rc.WaitFor(t, 1, 5*time.Second)); !slices.Equal(got, []string{"canceled"}) {
		t.Errorf("callbacks %v", got)
	}
	time.Sleep(2500 * time.Millisecond) // past SendAt: nothing more happens
	if got := env.WaitForStatus(t, env.Client, sid, m.Sid, time.Second, "canceled"); got.DateSent != nil {
		t.Errorf("canceled message was sent: %+v", got)
	}
	if n := len(rc.Requests()); n != 1 {
		t.Errorf("%d callbacks after cancel, want 1", n)
	}
}

func TestMediaFetchedStoredAndServed(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)
	fileURL := servertest.FileServer(t, "image/png", png)
	req := text("+14155550100", testSender, "")
	req.Body = nil
	req.MediaUrl = &[]string{fileURL, fileURL}
	m := send(t, env.Client, sid, req)
	if m.NumMedia != "2" {
		t.Fatalf("num_media %s", m.NumMedia)
	}
	done := env.WaitForStatus(t, env.Client, sid, m.Sid, 5*time.Second, "delivered", "failed")
	if done.Status != "delivered" || done.Price == nil || *done.Price != "-0.02000" {
		t.Fatalf("media message: status %s price %v error %v", done.Status, done.Price, done.ErrorMessage)
	}

	ctx := context.Background()
	list, err := env.Client.ListMediaWithResponse(ctx, sid, m.Sid, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.MediaList) != 2 {
		t.Fatalf("list media: %v %s", err, list.Body)
	}
	md := list.JSON200.MediaList[0]
	if md.ContentType == nil || *md.ContentType != "image/png" || md.ParentSid != m.Sid ||
		md.Uri != "/2010-04-01/Accounts/"+sid+"/Messages/"+m.Sid+"/Media/"+md.Sid+".json" {
		t.Errorf("media %+v", md)
	}
	// The DateCreated filters of Twilio's media list, carried by the page's links.
	today, tomorrow := time.Now().UTC().Format(time.DateOnly), time.Now().UTC().Add(24*time.Hour).Format(time.DateOnly)
	for _, c := range []struct {
		params client.ListMediaParams
		want   int
	}{
		{client.ListMediaParams{DateCreated: &today}, 2},
		{client.ListMediaParams{DateCreated: &tomorrow}, 0},
		{client.ListMediaParams{DateCreatedAfter: &today}, 2},
		{client.ListMediaParams{DateCreatedAfter: &tomorrow}, 0},
		{client.ListMediaParams{DateCreatedBefore: &tomorrow}, 2},
		{client.ListMediaParams{DateCreatedBefore: ptr("2000-01-01")}, 0},
	} {
		got, err := env.Client.ListMediaWithResponse(ctx, sid, m.Sid, &c.params)
		if err != nil || got.JSON200 == nil || len(got.JSON200.MediaList) != c.want {
			t.Errorf("list media %s: %v %s, want %d", got.HTTPResponse.Request.URL.RawQuery, err, got.Body, c.want)
			continue
		}
		if q := got.HTTPResponse.Request.URL.Query().Encode(); !strings.Contains(got.JSON200.Uri, q) || !strings.Contains(got.JSON200.FirstPageUri, q) {
			t.Errorf("uri %s, first_page_uri %s: the filter %s is lost", got.JSON200.Uri, got.JSON200.FirstPageUri, q)
		}
	}
	bad, _ := env.Client.ListMediaWithResponse(ctx, sid, m.Sid, &client.ListMediaParams{DateCreated: ptr("yesterday")})
	wantError(t, bad.StatusCode(), bad.Body, 400, 20001)

	one, err := env.Client.FetchMediaWithResponse(ctx, sid, m.Sid, md.Sid)
	if err != nil || one.JSON200 == nil || one.JSON200.Sid != md.Sid {
		t.Fatalf("fetch media: %v %s", err, one.Body)
	}
	content, err := env.Client.FetchMediaContentWithResponse(ctx, sid, m.Sid, md.Sid)
	if err != nil || content.StatusCode() != 200 || !bytes.Equal(content.Body, png) || content.HTTPResponse.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("media content: %v HTTP %d %q %s", err, content.StatusCode(), content.HTTPResponse.Header.Get("Content-Type"), content.Body)
	}

	// Another account sees none of it; without credentials the file is served, as
	// Twilio serves it (TestFilesWithoutCredentials), its resource is not.
	other := createSubaccount(t, env, "other")
	oc := env.ClientFor(other.Sid, other.AuthToken)
	if r, _ := oc.FetchMediaContentWithResponse(ctx, other.Sid, m.Sid, md.Sid); r.StatusCode() != 404 {
		t.Errorf("another account's path: HTTP %d", r.StatusCode())
	}
	status, file := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/Messages/"+m.Sid+"/Media/"+md.Sid, "", "", nil, "")
	if status != http.StatusOK || !bytes.Equal(file, png) {
		t.Errorf("media content without credentials: HTTP %d", status)
	}
	if status, _ := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/Messages/"+m.Sid+"/Media/"+md.Sid+".json", "", "", nil, ""); status != http.StatusUnauthorized {
		t.Errorf("media resource without credentials: HTTP %d", status)
	}
	// An extension no operation serves is not found.
	status, _ = env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/Messages/"+m.Sid+"/Media/"+md.Sid+".xml", sid, env.Main.AuthToken, nil, "")
	if status != http.StatusNotFound {
		t.Errorf("media .xml: HTTP %d", status)
	}

	del, err := env.Client.DeleteMediaWithResponse(ctx, sid, m.Sid, md.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete media: %v %s", err, del.Body)
	}
	after, _ := env.Client.FetchMessageWithResponse(ctx, sid, m.Sid)
	if after.JSON200 == nil || after.JSON200.NumMedia != "1" {
		t.Errorf("num_media after delete: %s", after.Body)
	}
	gone, _ := env.Client.FetchMediaWithResponse(ctx, sid, m.Sid, md.Sid)
	wantError(t, gone.StatusCode(), gone.Body, 404, 20404)
}

func TestUnreachableMediaFailsTheMessage(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	missing := servertest.FileServer(t, "image/png", nil) + "-missing" // 404
	req := withCallback(text("+14155550100", testSender, "pic"), rc.URL)
	req.MediaUrl = &[]string{missing}
	m := send(t, env.Client, sid, req)
	got := env.WaitForStatus(t, env.Client, sid, m.Sid, 5*time.Second, "failed", "delivered")
	if got.Status != "failed" || got.ErrorCode == nil || *got.ErrorCode != 11200 {
		t.Fatalf("status %s error_code %v", got.Status, got.ErrorCode)
	}
	if s := statuses(rc.WaitFor(t, 1, 5*time.Second)); !slices.Equal(s, []string{"failed"}) {
		t.Errorf("callbacks %v", s)
	}
}

func TestSenderMustBeOwnedAndSMSCapable(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid, token := env.Main.Sid, env.Main.AuthToken
	sendFrom := func(c *client.ClientWithResponses, account, from string) (int, []byte) {
		resp, err := c.CreateMessageWithFormdataBodyWithResponse(context.Background(), account, text("+14155550100", from, "hi"))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode(), resp.Body
	}
	// Not owned by anyone yet.
	status, body := sendFrom(env.Client, sid, "+14155550199")
	wantError(t, status, body, 400, 21606)
	if err := env.BuyNumber(sid, token, "+14155550199"); err != nil {
		t.Fatal(err)
	}
	if status, body := sendFrom(env.Client, sid, "+14155550199"); status != 201 {
		t.Fatalf("from an owned number: HTTP %d %s", status, body)
	}
	// A subaccount may not use its parent's number, and the parent acting on the
	// subaccount's path may not either: the number belongs to the parent account.
	sub := createSubaccount(t, env, "sub")
	status, body = sendFrom(env.ClientFor(sub.Sid, sub.AuthToken), sub.Sid, "+14155550199")
	wantError(t, status, body, 400, 21606)
	status, body = sendFrom(env.Client, sub.Sid, "+14155550199")
	wantError(t, status, body, 400, 21606)
	// A UK landline cannot send texts.
	if err := env.BuyNumber(sid, token, "+442079460100"); err != nil {
		t.Fatal(err)
	}
	status, body = sendFrom(env.Client, sid, "+442079460100")
	wantError(t, status, body, 400, 21606)
	// A released number is nobody's to send from.
	list, err := env.Client.ListIncomingPhoneNumbersWithResponse(context.Background(), sid, &client.ListIncomingPhoneNumbersParams{PhoneNumber: ptr("+14155550199")})
	if err != nil || list.JSON200 == nil || len(list.JSON200.IncomingPhoneNumbers) != 1 {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	if del, err := env.Client.DeleteIncomingPhoneNumberWithResponse(context.Background(), sid, list.JSON200.IncomingPhoneNumbers[0].Sid); err != nil || del.StatusCode() != 204 {
		t.Fatalf("release: %v", err)
	}
	status, body = sendFrom(env.Client, sid, "+14155550199")
	wantError(t, status, body, 400, 21606)
}

// TestMediaQuota: an account's stored media is bounded (--media-quota-mb): a file that
// would pass the quota fails its message (11751) and is not stored; at the quota, a new
// message with media is refused with 413 (11751) and nothing is written; deleting media
// frees room. Metrics count the bytes stored.
func TestMediaQuota(t *testing.T) {
	env := servertest.Start(t, servertest.Options{MediaQuota: 250})
	sid := env.Main.Sid
	ctx := context.Background()
	file := servertest.FileServer(t, "image/png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 92)...)) // 100 bytes
	withMedia := func(n int) client.CreateMessageRequest {
		req := text("+14155550100", testSender, "")
		req.Body = nil
		urls := make([]string, n)
		for i := range urls {
			urls[i] = file
		}
		req.MediaUrl = &urls
		return req
	}
	first := send(t, env.Client, sid, withMedia(2)) // 200 bytes: within the quota
	if got := env.WaitForStatus(t, env.Client, sid, first.Sid, 5*time.Second, "delivered", "failed"); got.Status != "delivered" {
		t.Fatalf("first: %s %v", got.Status, got.ErrorCode)
	}
	second := send(t, env.Client, sid, withMedia(1)) // would be 300: failed, not stored
	if got := env.WaitForStatus(t, env.Client, sid, second.Sid, 5*time.Second, "delivered", "failed"); got.Status != "failed" || got.ErrorCode == nil || *got.ErrorCode != 11751 {
		t.Fatalf("second: %s %v, want failed 11751", got.Status, got.ErrorCode)
	}
	if list, _ := env.Client.ListMediaWithResponse(ctx, sid, second.Sid, nil); list.JSON200 == nil || len(list.JSON200.MediaList) != 1 ||
		list.JSON200.MediaList[0].ContentType != nil {
		t.Fatalf("the failed message's media: %s", list.Body)
	}
	third := send(t, env.Client, sid, withMedia(1)) // 300 would pass: failed too
	env.WaitForStatus(t, env.Client, sid, third.Sid, 5*time.Second, "failed")

	// Fill it exactly: 250 = 200 + 50. A 50-byte file goes through, then nothing more.
	small := servertest.FileServer(t, "image/png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 42)...))
	req := text("+14155550100", testSender, "")
	req.Body, req.MediaUrl = nil, &[]string{small}
	fourth := send(t, env.Client, sid, req)
	env.WaitForStatus(t, env.Client, sid, fourth.Sid, 5*time.Second, "delivered")
	before, _ := env.Client.ListMessagesWithResponse(ctx, sid, nil)
	refused, err := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, sid, withMedia(1))
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, refused.StatusCode(), refused.Body, http.StatusRequestEntityTooLarge, 11751)
	if !strings.Contains(string(refused.Body), "its quota of 250 bytes") {
		t.Errorf("refusal: %s", refused.Body)
	}
	after, _ := env.Client.ListMessagesWithResponse(ctx, sid, nil)
	if len(after.JSON200.Messages) != len(before.JSON200.Messages) {
		t.Fatalf("a refused message was written: %d messages, then %d", len(before.JSON200.Messages), len(after.JSON200.Messages))
	}
	// A text without media still goes.
	send(t, env.Client, sid, text("+14155550100", testSender, "just words"))
	metrics := func() string {
		t.Helper()
		_, body := env.Do(t, http.MethodGet, "/metrics", "", "", nil, "")
		return string(body)
	}
	if m := metrics(); !strings.Contains(m, "switchboard_media_bytes 250") {
		t.Errorf("metrics lack switchboard_media_bytes 250")
	}

	// Deleting a file of the first message frees its 100 bytes: media goes again.
	list, _ := env.Client.ListMediaWithResponse(ctx, sid, first.Sid, nil)
	if del, err := env.Client.DeleteMediaWithResponse(ctx, sid, first.Sid, list.JSON200.MediaList[0].Sid); err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete media: %v", err)
	}
	again := send(t, env.Client, sid, withMedia(1))
	if got := env.WaitForStatus(t, env.Client, sid, again.Sid, 5*time.Second, "delivered", "failed"); got.Status != "delivered" {
		t.Fatalf("after deleting media: %s %v", got.Status, got.ErrorCode)
	}
}
