package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/whatsapp"
)

const (
	waSandbox = "whatsapp:+14155238886"
	waUser    = "whatsapp:+14155550100"
)

// waInbound is a WhatsApp user's message to to, through the simulator.
func waInbound(t *testing.T, env *servertest.Env, req client.InboundMessageRequest) client.Message {
	t.Helper()
	resp, err := env.Client.CreateInboundMessageWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, req)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("inbound %+v: %v HTTP %d %s", req, err, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

func sandbox(t *testing.T, env *servertest.Env) client.WhatsAppSandbox {
	t.Helper()
	resp, err := env.Client.FetchWhatsAppSandboxWithResponse(context.Background(), env.Main.Sid)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("sandbox: %v %s", err, resp.Body)
	}
	return *resp.JSON200
}

// lastReply is the newest outbound-reply message to to.
func lastReply(t *testing.T, env *servertest.Env, to string) client.Message {
	t.Helper()
	resp, err := env.Client.ListMessagesWithResponse(context.Background(), env.Main.Sid, &client.ListMessagesParams{To: &to})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("list: %v %s", err, resp.Body)
	}
	for _, m := range resp.JSON200.Messages {
		if m.Direction == "outbound-reply" {
			return m
		}
	}
	t.Fatalf("no reply to %s", to)
	return client.Message{}
}

// waitFailed waits for message sid to fail and checks its code.
func waitFailed(t *testing.T, env *servertest.Env, sid string, code int) {
	t.Helper()
	m := env.WaitForStatus(t, env.Client, env.Main.Sid, sid, 5*time.Second, "failed", "delivered", "read")
	if m.Status != "failed" || m.ErrorCode == nil || *m.ErrorCode != code || m.ErrorMessage == nil {
		t.Errorf("message %s: %s %v %v, want failed with %d", sid, m.Status, m.ErrorCode, m.ErrorMessage, code)
	}
}

// TestWhatsAppSandboxConversation: a user who has not joined the Sandbox gets nothing
// (63015) and is told the keyword; once joined, the user's messages reach the app with
// WhatsApp's parameters, the app answers within the window, and a freeform message
// fails once the window has closed on the simulator's clock (63016), while an approved
// template still goes; after 3 days the membership is over (63015).
func TestWhatsAppSandboxConversation(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	app.Respond(func(int, servertest.Received) (int, string, string) {
		return http.StatusOK, "text/xml", "<Response><Message>We open at 9.</Message></Response>"
	})
	status := servertest.NewReceiver(t, env.Main.AuthToken)
	up, err := env.Client.UpdateWhatsAppSandboxWithFormdataBodyWithResponse(ctx, env.Main.Sid, client.UpdateWhatsAppSandboxRequest{
		InboundUrl: ptr(app.URL), StatusCallback: ptr(status.URL)})
	if err != nil || up.JSON200 == nil {
		t.Fatalf("sandbox settings: %v %s", err, up.Body)
	}
	sb := *up.JSON200
	keyword := whatsapp.Keyword(env.Main.Sid)
	if sb.PhoneNumber != waSandbox || sb.Keyword != keyword || sb.JoinMessage != "join "+keyword || *sb.InboundUrl != app.URL ||
		sb.InboundMethod != "POST" || *sb.StatusCallback != status.URL || len(sb.Members) != 0 ||
		sb.Url != env.URL+"/switchboard/v1/Accounts/"+env.Main.Sid+"/WhatsApp/Sandbox" {
		t.Errorf("sandbox %+v", sb)
	}

	// Not joined: the message is accepted, then fails.
	first := send(t, env.Client, env.Main.Sid, text(waUser, waSandbox, "Your order shipped"))
	if first.Status != "queued" || first.To != waUser || *first.From != waSandbox || first.NumSegments != "1" {
		t.Errorf("created %+v", first)
	}
	waitFailed(t, env, first.Sid, whatsapp.CodeNotJoined)

	// A stranger's message gets the Sandbox's reply, naming the keyword, and reaches no app.
	waInbound(t, env, client.InboundMessageRequest{From: waUser, To: waSandbox, Body: ptr("hello")})
	if r := lastReply(t, env, waUser); r.Body != whatsapp.NotJoinedReply(env.Main.Sid) || r.Status != "delivered" ||
		!strings.Contains(r.Body, "join "+keyword) {
		t.Errorf("reply to a stranger: %+v", r)
	}
	// The join.
	before := env.Clock.Now().Truncate(time.Second)
	waInbound(t, env, client.InboundMessageRequest{From: waUser, To: waSandbox, Body: ptr("join " + keyword)})
	after := env.Clock.Now()
	if r := lastReply(t, env, waUser); r.Body != whatsapp.JoinedReply() {
		t.Errorf("reply to a join: %+v", r)
	}
	sb = sandbox(t, env)
	if len(sb.Members) != 1 || sb.Members[0].User != waUser || !sb.Members[0].MembershipEndsAt.Equal(sb.Members[0].JoinedAt.Add(72*time.Hour)) ||
		sb.Members[0].JoinedAt.Before(before) || sb.Members[0].JoinedAt.After(after) || sb.Members[0].WindowClosesAt == nil {
		t.Errorf("members %+v", sb.Members)
	}
	if got := app.Requests(); len(got) != 0 {
		t.Fatalf("the app got the Sandbox's own messages: %+v", got)
	}

	// A member's message reaches the app, which answers on WhatsApp.
	in := waInbound(t, env, client.InboundMessageRequest{From: waUser, To: waSandbox, Body: ptr("When do you open?"), ProfileName: ptr("Ana")})
	if in.Status != "received" || in.From == nil || *in.From != waUser || in.To != waSandbox {
		t.Errorf("inbound %+v", in)
	}
	hook := app.WaitFor(t, 1, 5*time.Second)[0]
	f := hook.Form
	if !hook.Valid || f.Get("From") != waUser || f.Get("To") != waSandbox || f.Get("WaId") != "14155550100" || f.Get("ProfileName") != "Ana" ||
		f.Get("MessageType") != "text" || f.Get("Body") != "When do you open?" || f.Get("SmsStatus") != "received" {
		t.Errorf("webhook %v (valid %v)", f, hook.Valid)
	}
	reply := replies(t, env, waUser, 3)[2]
	if reply.Body != "We open at 9." || *reply.From != waSandbox {
		t.Errorf("the app's reply: %+v", reply)
	}
	env.WaitForStatus(t, env.Client, env.Main.Sid, reply.Sid, 5*time.Second, "read")

	// Freeform inside the window: delivered, then read, with WhatsApp's callbacks.
	m := send(t, env.Client, env.Main.Sid, text(waUser, waSandbox, "See you"))
	env.WaitForStatus(t, env.Client, env.Main.Sid, m.Sid, 5*time.Second, "read")
	var events []string
	for _, r := range status.WaitFor(t, 5, 5*time.Second) { // first's failure, then m's four
		if r.Form.Get("MessageSid") != m.Sid {
			continue
		}
		events = append(events, r.Form.Get("MessageStatus")+"/"+r.Form.Get("EventType"))
		if r.Form.Get("ChannelPrefix") != "whatsapp" || r.Form.Get("ChannelToAddress") != "+14155550100" ||
			r.Form.Get("StructuredMessage") != "false" || !strings.HasPrefix(r.Form.Get("ChannelInstallSid"), "XE") {
			t.Errorf("callback %v", r.Form)
		}
	}
	if strings.Join(events, " ") != "sending/ sent/ delivered/DELIVERED read/READ" {
		t.Errorf("callbacks %v", events)
	}

	// 25 hours later on the simulator's clock: freeform fails, an approved template goes.
	env.Advance(t, 25*time.Hour)
	late := send(t, env.Client, env.Main.Sid, text(waUser, waSandbox, "Still there?"))
	if late.Status != "queued" {
		t.Errorf("a freeform message after the window is created %s", late.Status)
	}
	waitFailed(t, env, late.Sid, whatsapp.CodeOutsideWindow)
	hx := createContent(t, env, `{"language":"en","types":{"twilio/text":{"body":"Your table for {{1}} is ready."}}}`)
	approve(t, env, hx.Sid, "table_ready")
	tpl := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: waUser, From: ptr(waSandbox), ContentSid: ptr(hx.Sid),
		ContentVariables: ptr(`{"1":"two"}`)})
	if tpl.Body != "Your table for two is ready." {
		t.Errorf("template body %q", tpl.Body)
	}
	env.WaitForStatus(t, env.Client, env.Main.Sid, tpl.Sid, 5*time.Second, "read")

	// Three days after the join, the membership is over.
	env.Advance(t, 72*time.Hour-25*time.Hour)
	over := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: waUser, From: ptr(waSandbox), ContentSid: ptr(hx.Sid),
		ContentVariables: ptr(`{"1":"two"}`)})
	waitFailed(t, env, over.Sid, whatsapp.CodeNotJoined)
	if sb := sandbox(t, env); len(sb.Members) != 0 {
		t.Errorf("members after 3 days: %+v", sb.Members)
	}
	// Joining again opens both the membership and the window.
	waInbound(t, env, client.InboundMessageRequest{From: waUser, To: waSandbox, Body: ptr("JOIN " + strings.ToUpper(keyword))})
	again := send(t, env.Client, env.Main.Sid, text(waUser, waSandbox, "Welcome back"))
	env.WaitForStatus(t, env.Client, env.Main.Sid, again.Sid, 5*time.Second, "read")
	// stop leaves.
	waInbound(t, env, client.InboundMessageRequest{From: waUser, To: waSandbox, Body: ptr("stop")})
	if r := lastReply(t, env, waUser); r.Body != whatsapp.LeftReply(env.Main.Sid) {
		t.Errorf("reply to stop: %+v", r)
	}
	gone := send(t, env.Client, env.Main.Sid, text(waUser, waSandbox, "Bye"))
	waitFailed(t, env, gone.Sid, whatsapp.CodeNotJoined)
}

// TestWhatsAppSender: a number of the account made a WhatsApp sender receives its users'
// messages at its SmsUrl and answers them within the window; a number that is none
// fails (63007); a Messaging Service sends from its pool's WhatsApp senders.
func TestWhatsAppSender(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	buyWithSmsURL(t, env, app.URL, "", "")
	pn := ownNumber(t, env, ourNumber)
	sender := "whatsapp:" + ourNumber

	// Not a sender yet: a user's message is refused, an outbound one fails on its way.
	resp, err := env.Client.CreateInboundMessageWithFormdataBodyWithResponse(ctx, env.Main.Sid,
		client.InboundMessageRequest{From: waUser, To: sender, Body: ptr("hi")})
	if err != nil || resp.StatusCode() != http.StatusBadRequest || !strings.Contains(string(resp.Body), "is not a WhatsApp sender of this account") {
		t.Errorf("a message to a number that is no sender: %v %s", err, resp.Body)
	}
	get, err := env.Client.FetchWhatsAppSenderWithResponse(ctx, env.Main.Sid, pn)
	if err != nil || get.JSON200 == nil || get.JSON200.WhatsappEnabled || get.JSON200.Sender != sender || get.JSON200.PhoneNumber != ourNumber {
		t.Errorf("fetch sender: %v %s", err, get.Body)
	}
	no := send(t, env.Client, env.Main.Sid, text(waUser, sender, "Hi"))
	waitFailed(t, env, no.Sid, whatsapp.CodeNoSender)

	on, err := env.Client.UpdateWhatsAppSenderWithFormdataBodyWithResponse(ctx, env.Main.Sid, pn, client.UpdateWhatsAppSenderRequest{Enabled: true})
	if err != nil || on.JSON200 == nil || !on.JSON200.WhatsappEnabled || on.JSON200.PhoneNumberSid != pn ||
		on.JSON200.Url != env.URL+"/switchboard/v1/Accounts/"+env.Main.Sid+"/IncomingPhoneNumbers/"+pn+"/WhatsApp" {
		t.Fatalf("enable: %v %s", err, on.Body)
	}
	// The user has never written: freeform fails (63016).
	cold := send(t, env.Client, env.Main.Sid, text(waUser, sender, "Hi"))
	waitFailed(t, env, cold.Sid, whatsapp.CodeOutsideWindow)

	// A location and a button reach the app with their parameters.
	waInbound(t, env, client.InboundMessageRequest{From: waUser, To: sender, Latitude: ptr("37.7749"), Longitude: ptr("-122.4194"),
		Label: ptr("Office"), Address: ptr("1 Main St")})
	waInbound(t, env, client.InboundMessageRequest{From: waUser, To: sender, Body: ptr("Yes"), ButtonText: ptr("Yes"), ButtonPayload: ptr("confirm")})
	// Two messages, two webhooks, each on its own: they may arrive in either order (on
	// PostgreSQL they do), as Twilio's may.
	byType := map[string]servertest.Received{}
	for _, r := range app.WaitFor(t, 2, 5*time.Second) {
		byType[r.Form.Get("MessageType")] = r
	}
	if f := byType["location"].Form; f.Get("MessageType") != "location" || f.Get("Latitude") != "37.7749" || f.Get("Label") != "Office" ||
		f.Get("Address") != "1 Main St" || f.Get("To") != sender {
		t.Errorf("location webhook %v", f)
	}
	if f := byType["button"].Form; f.Get("MessageType") != "button" || f.Get("ButtonText") != "Yes" || f.Get("ButtonPayload") != "confirm" {
		t.Errorf("button webhook %v", f)
	}
	warm := send(t, env.Client, env.Main.Sid, text(waUser, sender, "Thanks"))
	env.WaitForStatus(t, env.Client, env.Main.Sid, warm.Sid, 5*time.Second, "read")

	// A Messaging Service with the number in its pool sends to WhatsApp from it.
	svc := createService(t, env.Client, client.CreateMessagingServiceRequest{FriendlyName: "wa"}).Sid
	if status := addToPool(t, env.Client, svc, pn); status != http.StatusCreated {
		t.Fatalf("add to pool: HTTP %d", status)
	}
	viaService := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: waUser, MessagingServiceSid: ptr(svc), Body: ptr("From the service")})
	if viaService.Status != "accepted" {
		t.Errorf("created %s", viaService.Status)
	}
	done := env.WaitForStatus(t, env.Client, env.Main.Sid, viaService.Sid, 5*time.Second, "read", "failed")
	if done.Status != "read" || done.From == nil || *done.From != sender {
		t.Errorf("sent by the service: %+v", done)
	}

	off, err := env.Client.UpdateWhatsAppSenderWithFormdataBodyWithResponse(ctx, env.Main.Sid, pn, client.UpdateWhatsAppSenderRequest{Enabled: false})
	if err != nil || off.JSON200 == nil || off.JSON200.WhatsappEnabled {
		t.Fatalf("disable: %v %s", err, off.Body)
	}
	after := send(t, env.Client, env.Main.Sid, text(waUser, sender, "Hi again"))
	waitFailed(t, env, after.Sid, whatsapp.CodeNoSender)
}

// ownNumber is the SID of the main account's number e164.
func ownNumber(t *testing.T, env *servertest.Env, e164 string) string {
	t.Helper()
	resp, err := env.Client.ListIncomingPhoneNumbersWithResponse(context.Background(), env.Main.Sid,
		&client.ListIncomingPhoneNumbersParams{PhoneNumber: &e164})
	if err != nil || resp.JSON200 == nil || len(resp.JSON200.IncomingPhoneNumbers) != 1 {
		t.Fatalf("find %s: %v %s", e164, err, resp.Body)
	}
	return resp.JSON200.IncomingPhoneNumbers[0].Sid
}

// TestWhatsAppRefusals: what Twilio refuses at once.
func TestWhatsAppRefusals(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	if err := env.BuyNumber(env.Main.Sid, env.Main.AuthToken, ourNumber); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		form   string
		status int
		code   int
	}{
		{"SMS to WhatsApp", "To=whatsapp:%2B14155550100&From=%2B14155550199&Body=hi", 400, 21910},
		{"WhatsApp to SMS", "To=%2B14155550100&From=whatsapp:%2B14155238886&Body=hi", 400, 21910},
		{"to itself", "To=whatsapp:%2B14155238886&From=whatsapp:%2B14155238886&Body=hi", 400, 63031},
		{"a WhatsApp number too short", "To=whatsapp:%2B1415&From=whatsapp:%2B14155238886&Body=hi", 400, 21211},
		{"another channel", "To=messenger:%2B14155550100&From=whatsapp:%2B14155238886&Body=hi", 400, 21211},
		{"a WhatsApp sender that is no number", "To=whatsapp:%2B14155550100&From=whatsapp:Acme&Body=hi", 400, 21212},
		{"no body", "To=whatsapp:%2B14155550100&From=whatsapp:%2B14155238886", 400, 21602},
		{"variables without a template", "To=whatsapp:%2B14155550100&From=whatsapp:%2B14155238886&Body=hi&ContentVariables=%7B%7D", 400, 21654},
		{"no such template", "To=whatsapp:%2B14155550100&From=whatsapp:%2B14155238886&ContentSid=HX00000000000000000000000000000000", 400, 21655},
		{"a template SID that is none", "To=whatsapp:%2B14155550100&From=whatsapp:%2B14155238886&ContentSid=MG00000000000000000000000000000000", 400, 20001},
	} {
		status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json", env.Main.Sid, env.Main.AuthToken,
			strings.NewReader(tc.form), formType)
		t.Run(tc.name, func(t *testing.T) { wantError(t, status, body, tc.status, tc.code) })
	}
	// The simulator's WhatsApp users write from WhatsApp addresses.
	for _, tc := range []struct {
		name, form string
		code       int
	}{
		{"from a phone to the Sandbox", "From=%2B14155550100&To=whatsapp:%2B14155238886&Body=hi", 20001},
		{"two photos", "From=whatsapp:%2B14155550100&To=whatsapp:%2B14155238886&MediaUrl=https://x.example/1.png&MediaUrl=https://x.example/2.png", 20001},
		{"nothing in it", "From=whatsapp:%2B14155550100&To=whatsapp:%2B14155238886", 21602},
		{"half a location", "From=whatsapp:%2B14155550100&To=whatsapp:%2B14155238886&Latitude=1", 20001},
	} {
		status, body := env.Do(t, http.MethodPost, "/switchboard/v1/Accounts/"+env.Main.Sid+"/InboundMessages", env.Main.Sid, env.Main.AuthToken,
			strings.NewReader(tc.form), formType)
		t.Run("inbound "+tc.name, func(t *testing.T) { wantError(t, status, body, 400, tc.code) })
	}
	// A URL the Sandbox could not call is refused.
	status, body := env.Do(t, http.MethodPost, "/switchboard/v1/Accounts/"+env.Main.Sid+"/WhatsApp/Sandbox", env.Main.Sid, env.Main.AuthToken,
		strings.NewReader("InboundUrl=ftp://x"), formType)
	wantError(t, status, body, 400, 21402)
}

// TestWhatsAppListsAndThreads: WhatsApp addresses filter lists and make threads.
func TestWhatsAppListsAndThreads(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	ctx := context.Background()
	m := send(t, env.Client, env.Main.Sid, text(waUser, waSandbox, "Hi"))
	send(t, env.Client, env.Main.Sid, text("+14155550100", testSender, "Hi"))
	to := waUser
	list, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, &client.ListMessagesParams{To: &to})
	if err != nil || list.JSON200 == nil || len(list.JSON200.Messages) != 1 || list.JSON200.Messages[0].Sid != m.Sid {
		t.Errorf("filtered by a WhatsApp To: %v %s", err, list.Body)
	}
	from := waSandbox
	list, err = env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, &client.ListMessagesParams{From: &from})
	if err != nil || list.JSON200 == nil || len(list.JSON200.Messages) != 1 {
		t.Errorf("filtered by a WhatsApp From: %v %s", err, list.Body)
	}
	threads, err := env.Client.ListThreadsWithResponse(ctx, env.Main.Sid, &client.ListThreadsParams{})
	if err != nil || threads.JSON200 == nil {
		t.Fatalf("threads: %v", err)
	}
	found := false
	for _, th := range threads.JSON200.Threads {
		found = found || (th.Number == waSandbox && th.Party == waUser)
	}
	if !found {
		t.Errorf("no WhatsApp thread in %+v", threads.JSON200.Threads)
	}
}
