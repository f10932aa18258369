package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

var serviceSID = regexp.MustCompile(`^MG[0-9a-f]{32}$`)

// createService makes a Messaging Service as c's account and fails the test unless it
// is 201.
func createService(t testing.TB, c *client.ClientWithResponses, req client.CreateMessagingServiceRequest) client.MessagingService {
	t.Helper()
	resp, err := c.CreateMessagingServiceWithFormdataBodyWithResponse(context.Background(), req)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create service: %v %s", err, resp.Body)
	}
	return *resp.JSON201
}

// addToPool puts phone number pn into service svc's pool and returns the HTTP status.
func addToPool(t testing.TB, c *client.ClientWithResponses, svc, pn string) int {
	t.Helper()
	resp, err := c.CreateServicePhoneNumberWithFormdataBodyWithResponse(context.Background(), svc, client.CreateServicePhoneNumberRequest{PhoneNumberSid: pn})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON201 == nil && resp.JSON200 == nil {
		t.Fatalf("add %s to %s: HTTP %d %s", pn, svc, resp.StatusCode(), resp.Body)
	}
	return resp.StatusCode()
}

// viaService is a text sent with a Messaging Service and no From.
func viaService(to, svc, body string) client.CreateMessageRequest {
	return client.CreateMessageRequest{To: to, MessagingServiceSid: &svc, Body: &body}
}

func TestMessagingServiceCRUD(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()

	svc := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "Reminders", StatusCallback: ptr("https://example.com/status")})
	base := env.URL + "/v1/Services/" + svc.Sid
	switch {
	case !serviceSID.MatchString(svc.Sid) || svc.AccountSid != env.Main.Sid || svc.FriendlyName != "Reminders":
		t.Errorf("created %+v", svc)
	case deref(svc.StatusCallback) != "https://example.com/status" || svc.InboundRequestUrl != nil || svc.FallbackUrl != nil:
		t.Errorf("urls %+v", svc)
	// Twilio's defaults.
	case !svc.StickySender || !svc.MmsConverter || !svc.SmartEncoding || !svc.FallbackToLongCode || !svc.AreaCodeGeomatch ||
		svc.SynchronousValidation || svc.UseInboundWebhookOnNumber || svc.ValidityPeriod != 36000 || svc.Usecase != "undeclared" ||
		svc.ScanMessageContent != "inherit" || svc.InboundMethod != "POST" || svc.FallbackMethod != "POST":
		t.Errorf("defaults %+v", svc)
	case svc.Url != base || svc.Links["phone_numbers"] != base+"/PhoneNumbers" || svc.Links["alpha_senders"] != base+"/AlphaSenders":
		t.Errorf("url %s links %v", svc.Url, svc.Links)
	case time.Since(svc.DateCreated) > time.Minute || svc.DateCreated.Location() != time.UTC:
		t.Errorf("date_created %v", svc.DateCreated)
	}

	// Update: only what is given changes; "" clears a URL.
	up, err := env.Client.UpdateMessagingServiceWithFormdataBodyWithResponse(ctx, svc.Sid, client.UpdateMessagingServiceRequest{
		StickySender: ptr(false), InboundRequestUrl: ptr("https://example.com/sms"), StatusCallback: ptr(""),
	})
	if err != nil || up.JSON200 == nil {
		t.Fatalf("update: %v %s", err, up.Body)
	}
	if u := up.JSON200; u.StickySender || deref(u.InboundRequestUrl) != "https://example.com/sms" || u.StatusCallback != nil || u.FriendlyName != "Reminders" {
		t.Errorf("updated %+v", u)
	}
	got, err := env.Client.FetchMessagingServiceWithResponse(ctx, svc.Sid)
	if err != nil || got.JSON200 == nil || got.JSON200.StickySender || !got.JSON200.DateUpdated.After(svc.DateCreated.Add(-time.Second)) {
		t.Fatalf("fetch: %v %s", err, got.Body)
	}

	// Errors: a URL that is not absolute http(s), a missing name.
	status, body := env.Do(t, http.MethodPost, "/v1/Services", env.Main.Sid, env.Main.AuthToken, strings.NewReader("FriendlyName=x&InboundRequestUrl=example.com%2Fsms"), formType)
	wantError(t, status, body, 400, 21402)
	status, body = env.Do(t, http.MethodPost, "/v1/Services", env.Main.Sid, env.Main.AuthToken, strings.NewReader("StickySender=true"), formType)
	wantError(t, status, body, 400, 20001)
	status, body = env.Do(t, http.MethodPost, "/v1/Services/"+svc.Sid, env.Main.Sid, env.Main.AuthToken, strings.NewReader("FallbackUrl=ftp%3A%2F%2Fexample.com"), formType)
	wantError(t, status, body, 400, 21402)

	// List: v1 envelope, absolute URLs that page on.
	second := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "Second"})
	size := 1
	page, err := env.Client.ListMessagingServicesWithResponse(ctx, &client.ListMessagingServicesParams{PageSize: &size})
	if err != nil || page.JSON200 == nil {
		t.Fatalf("list: %v %s", err, page.Body)
	}
	meta := page.JSON200.Meta
	if len(page.JSON200.Services) != 1 || page.JSON200.Services[0].Sid != second.Sid || meta.Key != "services" ||
		meta.NextPageUrl == nil || !strings.HasPrefix(*meta.NextPageUrl, env.URL+"/v1/Services?") || !strings.HasPrefix(meta.Url, env.URL) {
		t.Fatalf("page 1: %s", page.Body)
	}
	status, body = env.Do(t, http.MethodGet, strings.TrimPrefix(*meta.NextPageUrl, env.URL), env.Main.Sid, env.Main.AuthToken, nil, "")
	if status != http.StatusOK || !strings.Contains(string(body), svc.Sid) || strings.Contains(string(body), second.Sid) {
		t.Fatalf("page 2: HTTP %d %s", status, body)
	}

	// Another account sees none of it.
	sub := createSubaccount(t, env, "sub")
	sc := env.ClientFor(sub.Sid, sub.AuthToken)
	if r, _ := sc.FetchMessagingServiceWithResponse(ctx, svc.Sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("sub fetches main's service: HTTP %d", r.StatusCode())
	}
	if r, _ := sc.ListMessagingServicesWithResponse(ctx, nil); r.JSON200 == nil || len(r.JSON200.Services) != 0 {
		t.Errorf("sub lists: %s", r.Body)
	}
	if r, _ := sc.DeleteMessagingServiceWithResponse(ctx, svc.Sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("sub deletes main's service: HTTP %d", r.StatusCode())
	}

	del, err := env.Client.DeleteMessagingServiceWithResponse(ctx, svc.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v %s", err, del.Body)
	}
	if r, _ := env.Client.FetchMessagingServiceWithResponse(ctx, svc.Sid); r.StatusCode() != http.StatusNotFound {
		t.Fatalf("fetch after delete: HTTP %d", r.StatusCode())
	}
}

func TestServiceSenderPool(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main.Sid
	a := buy(t, env.Client, main, number("+14155550101"))
	b := buy(t, env.Client, main, number("+447700900123"))
	landline := buy(t, env.Client, main, number("+442079460018")) // GB local: no SMS
	sub := createSubaccount(t, env, "sub")
	subs := buy(t, env.ClientFor(sub.Sid, sub.AuthToken), sub.Sid, number("+14155550102"))
	svc := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "pool"})
	other := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "other"})

	if s := addToPool(t, env.Client, svc.Sid, a.Sid); s != http.StatusCreated {
		t.Fatalf("first add: HTTP %d", s)
	}
	if s := addToPool(t, env.Client, svc.Sid, a.Sid); s != http.StatusOK {
		t.Fatalf("add again: HTTP %d, want 200", s)
	}
	addToPool(t, env.Client, svc.Sid, b.Sid)

	pool := "/v1/Services/" + svc.Sid + "/PhoneNumbers"
	for _, c := range []struct {
		name, path, pn string
		code           int
	}{
		{"another account's number", pool, subs.Sid, 21421},
		{"an unknown number", pool, "PN" + strings.Repeat("0", 32), 21421},
		{"a number without SMS or MMS", pool, landline.Sid, 21715},
		{"a number of another pool", "/v1/Services/" + other.Sid + "/PhoneNumbers", a.Sid, 21712},
	} {
		status, body := env.Do(t, http.MethodPost, c.path, main, env.Main.AuthToken, strings.NewReader("PhoneNumberSid="+c.pn), formType)
		if status != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d %s", c.name, status, body)
			continue
		}
		wantError(t, status, body, 400, c.code)
	}
	status, body := env.Do(t, http.MethodPost, "/v1/Services/MG"+strings.Repeat("0", 32)+"/PhoneNumbers", main, env.Main.AuthToken, strings.NewReader("PhoneNumberSid="+a.Sid), formType)
	wantError(t, status, body, 404, 20404)

	list, err := env.Client.ListServicePhoneNumbersWithResponse(ctx, svc.Sid, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.PhoneNumbers) != 2 || list.JSON200.Meta.Key != "phone_numbers" {
		t.Fatalf("pool: %v %s", err, list.Body)
	}
	got := list.JSON200.PhoneNumbers[1] // oldest last
	if got.Sid != a.Sid || got.PhoneNumber != "+14155550101" || got.CountryCode != "US" || got.ServiceSid != svc.Sid ||
		!slices.Equal(got.Capabilities, []client.ServicePhoneNumberCapabilities{"Voice", "SMS", "MMS"}) ||
		got.Url != env.URL+pool+"/"+a.Sid {
		t.Errorf("pool number %+v", got)
	}
	if gb := list.JSON200.PhoneNumbers[0]; gb.CountryCode != "GB" || !slices.Equal(gb.Capabilities, []client.ServicePhoneNumberCapabilities{"Voice", "SMS"}) {
		t.Errorf("GB pool number %+v", gb)
	}
	if r, _ := env.Client.FetchServicePhoneNumberWithResponse(ctx, other.Sid, a.Sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("a number under another service: HTTP %d", r.StatusCode())
	}

	// Leaving the pool: removed, released, moved to another account.
	if r, err := env.Client.DeleteServicePhoneNumberWithResponse(ctx, svc.Sid, b.Sid); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("remove: %v", err)
	}
	if r, _ := env.Client.FetchServicePhoneNumberWithResponse(ctx, svc.Sid, b.Sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("removed number: HTTP %d", r.StatusCode())
	}
	addToPool(t, env.Client, other.Sid, b.Sid) // free to join another pool now
	if r, err := env.Client.DeleteIncomingPhoneNumberWithResponse(ctx, main, b.Sid); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("release: %v", err)
	}
	if r, _ := env.Client.FetchServicePhoneNumberWithResponse(ctx, other.Sid, b.Sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("released number still in the pool: HTTP %d", r.StatusCode())
	}
	moved, err := env.Client.UpdateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, main, a.Sid, client.UpdateIncomingPhoneNumberRequest{AccountSid: &sub.Sid})
	if err != nil || moved.JSON200 == nil {
		t.Fatalf("move: %v %s", err, moved.Body)
	}
	if r, _ := env.Client.ListServicePhoneNumbersWithResponse(ctx, svc.Sid, nil); r.JSON200 == nil || len(r.JSON200.PhoneNumbers) != 0 {
		t.Errorf("pool after the move: %s", r.Body)
	}

	// Alphanumeric sender IDs: one a service.
	as, err := env.Client.CreateServiceAlphaSenderWithFormdataBodyWithResponse(ctx, svc.Sid, client.CreateServiceAlphaSenderRequest{AlphaSender: "Reminders"})
	if err != nil || as.JSON201 == nil || as.JSON201.AlphaSender != "Reminders" || !strings.HasPrefix(as.JSON201.Sid, "AI") ||
		!slices.Equal(as.JSON201.Capabilities, []client.ServiceAlphaSenderCapabilities{"SMS"}) {
		t.Fatalf("alpha sender: %v %s", err, as.Body)
	}
	status, body = env.Do(t, http.MethodPost, "/v1/Services/"+svc.Sid+"/AlphaSenders", main, env.Main.AuthToken, strings.NewReader("AlphaSender=Other"), formType)
	wantError(t, status, body, 400, 20001)
	for _, bad := range []string{"12345", "TooLongSender1", "no-dashes"} {
		status, body = env.Do(t, http.MethodPost, "/v1/Services/"+other.Sid+"/AlphaSenders", main, env.Main.AuthToken, strings.NewReader("AlphaSender="+bad), formType)
		wantError(t, status, body, 400, 20001)
	}
	alist, err := env.Client.ListServiceAlphaSendersWithResponse(ctx, svc.Sid, nil)
	if err != nil || alist.JSON200 == nil || len(alist.JSON200.AlphaSenders) != 1 || alist.JSON200.Meta.Key != "alpha_senders" {
		t.Fatalf("alpha senders: %v %s", err, alist.Body)
	}
	if r, _ := env.Client.FetchServiceAlphaSenderWithResponse(ctx, svc.Sid, as.JSON201.Sid); r.JSON200 == nil || r.JSON200.Url != env.URL+"/v1/Services/"+svc.Sid+"/AlphaSenders/"+as.JSON201.Sid {
		t.Errorf("fetch alpha sender: %s", r.Body)
	}
	if r, _ := env.Client.DeleteServiceAlphaSenderWithResponse(ctx, svc.Sid, as.JSON201.Sid); r.StatusCode() != http.StatusNoContent {
		t.Errorf("delete alpha sender: HTTP %d", r.StatusCode())
	}

	// Deleting the service deletes its pool; the number stays the account's.
	c := buy(t, env.Client, main, number("+14155550103"))
	addToPool(t, env.Client, svc.Sid, c.Sid)
	if r, _ := env.Client.DeleteMessagingServiceWithResponse(ctx, svc.Sid); r.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete service: HTTP %d", r.StatusCode())
	}
	if r, _ := env.Client.FetchIncomingPhoneNumberWithResponse(ctx, main, c.Sid); r.JSON200 == nil {
		t.Errorf("number after its service was deleted: HTTP %d", r.StatusCode())
	}
	addToPool(t, env.Client, other.Sid, c.Sid)
}

// TestStickySenderSpreadsAndSticks: a service with two numbers sends to ten recipients
// from both, each recipient always from the same one; each message is accepted with no
// sender, then carries the one picked; the service's StatusCallback gets every callback,
// signed with the auth token although the app authenticates with an API key.
func TestStickySenderSpreadsAndSticks(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: 20 * time.Millisecond})
	ctx := context.Background()
	main := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	k := createKey(t, env, main, env.Main.AuthToken, main, "app")
	app := env.ClientFor(k.Sid, k.Secret)
	pool := []string{"+14155550101", "+14155550102"}
	svc := createService(t, app, client.CreateMessagingServiceRequest{FriendlyName: "sticky", StatusCallback: ptr(rc.URL + "/status")})
	for _, n := range pool {
		addToPool(t, app, svc.Sid, buy(t, app, main, number(n)).Sid)
	}

	senderOf := map[string]string{}
	bySender := map[string]int{}
	var sids []string
	for round := range 2 {
		for i := range 10 {
			to := fmt.Sprintf("+1202555%04d", 100+i)
			m := send(t, app, main, viaService(to, svc.Sid, fmt.Sprintf("round %d", round)))
			if m.Status != "accepted" || m.From != nil || deref(m.MessagingServiceSid) != svc.Sid {
				t.Fatalf("created: status %s from %v service %v", m.Status, m.From, m.MessagingServiceSid)
			}
			sids = append(sids, m.Sid)
			done := env.WaitForStatus(t, app, main, m.Sid, 10*time.Second, "delivered")
			from := deref(done.From)
			if !slices.Contains(pool, from) {
				t.Fatalf("message to %s sent from %q, not a pool number", to, from)
			}
			if round == 0 {
				senderOf[to] = from
				bySender[from]++
			} else if senderOf[to] != from {
				t.Errorf("%s got %s, then %s: not sticky", to, senderOf[to], from)
			}
		}
	}
	if bySender[pool[0]] != 5 || bySender[pool[1]] != 5 {
		t.Errorf("recipients per sender %v, want 5 and 5", bySender)
	}

	// Every status change after accepted, of every message, reached the service's callback,
	// signed with the account's auth token.
	reqs := rc.WaitFor(t, 4*len(sids), 10*time.Second)
	byMessage := map[string][]string{}
	for _, r := range reqs {
		if !r.Valid {
			t.Fatalf("callback signature does not validate with the auth token: %+v", r)
		}
		if r.Form.Get("MessagingServiceSid") != svc.Sid || !slices.Contains(pool, r.Form.Get("From")) {
			t.Errorf("callback params %v", r.Form)
		}
		sid := r.Form.Get("MessageSid")
		byMessage[sid] = append(byMessage[sid], r.Form.Get("MessageStatus"))
	}
	for _, sid := range sids {
		if got := byMessage[sid]; !slices.Equal(got, []string{"queued", "sending", "sent", "delivered"}) {
			t.Errorf("callbacks of %s: %v", sid, got)
		}
	}

	// A message's own StatusCallback wins over the service's.
	own := servertest.NewReceiver(t, env.Main.AuthToken)
	req := viaService("+12025550100", svc.Sid, "own callback")
	req.StatusCallback = &own.URL
	m := send(t, app, main, req)
	own.WaitFor(t, 4, 10*time.Second)
	if n := len(rc.Requests()); n != 4*len(sids) {
		t.Errorf("the service's callback got %d requests, want %d", n, 4*len(sids))
	}
	if r := own.Requests()[0]; r.Form.Get("MessageSid") != m.Sid {
		t.Errorf("own callback %v", r.Form)
	}
	_ = ctx
}

// TestSenderChoice: an alphanumeric sender for destinations outside +1, a number of the
// recipient's country before another, a failure (21606) when nothing in the pool can
// send, and without Sticky Sender still a pool number.
func TestSenderChoice(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: 20 * time.Millisecond})
	ctx := context.Background()
	main := env.Main.Sid
	us := buy(t, env.Client, main, number("+14155550101"))
	gb := buy(t, env.Client, main, number("+447700900123"))
	svc := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "choice", StickySender: ptr(false)})
	addToPool(t, env.Client, svc.Sid, us.Sid)
	addToPool(t, env.Client, svc.Sid, gb.Sid)

	fromOf := func(to string) client.Message {
		t.Helper()
		m := send(t, env.Client, main, viaService(to, svc.Sid, "which sender?"))
		return env.WaitForStatus(t, env.Client, main, m.Sid, 10*time.Second, "delivered", "failed")
	}
	for to, want := range map[string]string{"+12025550100": us.PhoneNumber, "+447700900999": gb.PhoneNumber} {
		for range 3 {
			if got := fromOf(to); deref(got.From) != want {
				t.Errorf("to %s: from %v, want %s (the number of its country)", to, got.From, want)
			}
		}
	}

	if r, err := env.Client.CreateServiceAlphaSenderWithFormdataBodyWithResponse(ctx, svc.Sid, client.CreateServiceAlphaSenderRequest{AlphaSender: "Acme"}); err != nil || r.JSON201 == nil {
		t.Fatalf("alpha sender: %v", err)
	}
	if got := fromOf("+447700900999"); deref(got.From) != "Acme" {
		t.Errorf("to GB with an alpha sender: from %v", got.From)
	}
	if got := fromOf("+12025550100"); deref(got.From) != us.PhoneNumber {
		t.Errorf("to the US with an alpha sender: from %v, want a number (no alpha senders on +1)", got.From)
	}

	// A pool that cannot reach the destination fails the message, with its callback.
	empty := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "empty"})
	got := send(t, env.Client, main, viaService("+12025550100", empty.Sid, "nobody to send it"))
	got = env.WaitForStatus(t, env.Client, main, got.Sid, 10*time.Second, "failed")
	if deref(got.ErrorCode) != 21606 || got.From != nil {
		t.Errorf("empty pool: error %v from %v", got.ErrorCode, got.From)
	}
	// Media need an MMS-capable number: the GB mobile is not.
	gbOnly := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "gb only"})
	gb2 := buy(t, env.Client, main, number("+447700900124"))
	addToPool(t, env.Client, gbOnly.Sid, gb2.Sid)
	media := []string{servertest.FileServer(t, "image/png", []byte("\x89PNG\r\n\x1a\n"))}
	mreq := viaService("+447700900999", gbOnly.Sid, "")
	mreq.Body, mreq.MediaUrl = nil, &media
	mm := send(t, env.Client, main, mreq)
	mm = env.WaitForStatus(t, env.Client, main, mm.Sid, 10*time.Second, "failed", "delivered")
	if mm.Status != "failed" || deref(mm.ErrorCode) != 21606 {
		t.Errorf("media with no MMS number: status %s error %v", mm.Status, mm.ErrorCode)
	}
}

// TestServiceOfAnotherAccountRefused: MessagingServiceSid must name a service of the
// account the message is sent for (21701), whoever asks.
func TestServiceOfAnotherAccountRefused(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	main := env.Main.Sid
	sub := createSubaccount(t, env, "sub")
	subSvc := createService(t, env.ClientFor(sub.Sid, sub.AuthToken), client.CreateMessagingServiceRequest{FriendlyName: "sub's"})
	mainSvc := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "main's"})

	for _, c := range []struct {
		name, account, svc string
	}{
		{"the subaccount's service on the main account", main, subSvc.Sid},
		{"the main account's service on the subaccount", sub.Sid, mainSvc.Sid},
		{"a service that does not exist", main, "MG" + strings.Repeat("0", 32)},
	} {
		form := "To=%2B14155550100&Body=hi&MessagingServiceSid=" + c.svc
		status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+c.account+"/Messages.json", main, env.Main.AuthToken, strings.NewReader(form), formType)
		if status != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d %s", c.name, status, body)
			continue
		}
		wantError(t, status, body, 400, 21701)
	}
	// The subaccount's own service works for it, through its parent's credentials too.
	m := send(t, env.Client, sub.Sid, viaService("+14155550100", subSvc.Sid, "ok"))
	if m.Status != "accepted" || m.AccountSid != sub.Sid {
		t.Errorf("sub's message %+v", m)
	}
}

// TestInboundToPooledNumber: a text to a number of a pool goes to the service's
// InboundRequestUrl, not the number's SmsUrl, unless the service defers to its numbers.
func TestInboundToPooledNumber(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main.Sid
	serviceHook := servertest.NewReceiver(t, env.Main.AuthToken)
	numberHook := servertest.NewReceiver(t, env.Main.AuthToken)
	serviceHook.Respond(twiml(`<Response><Message>Thanks, the service got it</Message></Response>`))
	p := buy(t, env.Client, main, client.CreateIncomingPhoneNumberRequest{PhoneNumber: ptr(ourNumber), SmsUrl: ptr(numberHook.URL + "/number")})
	svc := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "inbound",
		InboundRequestUrl: ptr(serviceHook.URL + "/service"), InboundMethod: ptr(client.HttpMethodGET)})
	addToPool(t, env.Client, svc.Sid, p.Sid)

	in := receive(t, env, "+14155550100", "Hello service")
	if deref(in.MessagingServiceSid) != svc.Sid {
		t.Errorf("inbound message's service: %v", in.MessagingServiceSid)
	}
	h := serviceHook.WaitFor(t, 1, 5*time.Second)[0]
	if !h.Valid || h.Method != http.MethodGet || h.Path != "/service" || h.Form.Get("Body") != "Hello service" ||
		h.Form.Get("MessagingServiceSid") != svc.Sid || h.Form.Get("To") != ourNumber {
		t.Errorf("service webhook %+v", h)
	}
	reply := replies(t, env, "+14155550100", 1)[0]
	if reply.Body != "Thanks, the service got it" || deref(reply.From) != ourNumber {
		t.Errorf("reply %+v", reply)
	}

	// Deferring to the number: its own SmsUrl gets the next text.
	if r, err := env.Client.UpdateMessagingServiceWithFormdataBodyWithResponse(ctx, svc.Sid, client.UpdateMessagingServiceRequest{UseInboundWebhookOnNumber: ptr(true)}); err != nil || r.JSON200 == nil {
		t.Fatalf("update: %v", err)
	}
	receive(t, env, "+14155550100", "Hello number")
	n := numberHook.WaitFor(t, 1, 5*time.Second)[0]
	if !n.Valid || n.Path != "/number" || n.Form.Get("Body") != "Hello number" || n.Form.Get("MessagingServiceSid") != svc.Sid {
		t.Errorf("number webhook %+v", n)
	}
	if got := len(serviceHook.Requests()); got != 1 {
		t.Errorf("service webhook got %d requests, want 1", got)
	}
	// Only the first text reached the service, only the second the number.
	if got := len(numberHook.Requests()); got != 1 {
		t.Errorf("number webhook got %d requests, want 1", got)
	}
}

// TestScheduledServiceMessage: a scheduled message of a service has no sender until
// SendAt, when the service picks one.
func TestScheduledServiceMessage(t *testing.T) {
	env := servertest.Start(t, servertest.Options{ScheduleMinLead: ptr(time.Duration(0))})
	main := env.Main.Sid
	p := buy(t, env.Client, main, number("+14155550101"))
	svc := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "scheduled"})
	addToPool(t, env.Client, svc.Sid, p.Sid)
	sendAt := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second).Add(time.Second)
	fixed := client.CreateMessageRequestScheduleTypeFixed
	at := sendAt.Format(time.RFC3339)
	req := viaService("+14155550100", svc.Sid, "later")
	req.ScheduleType, req.SendAt = &fixed, &at
	m := send(t, env.Client, main, req)
	if m.Status != "scheduled" || m.From != nil {
		t.Fatalf("created: status %s from %v", m.Status, m.From)
	}
	done := env.WaitForStatus(t, env.Client, main, m.Sid, 10*time.Second, "delivered")
	if deref(done.From) != p.PhoneNumber {
		t.Errorf("from %v, want %s", done.From, p.PhoneNumber)
	}
	if sent, err := time.Parse(time.RFC1123Z, deref(done.DateSent)); err != nil || sent.Before(sendAt) {
		t.Errorf("date_sent %v before SendAt %s", done.DateSent, at)
	}
}
