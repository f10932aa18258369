package server_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

var mediaMessageSID = regexp.MustCompile(`^MM[0-9a-f]{32}$`)

// TestMMSSids: a message with media has an MM… SID, as on Twilio, whichever way it was
// made (the API, a TwiML reply, a text received); one without media has an SM… SID. Every
// path and parameter that names a message takes both.
func TestMMSSids(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sid := env.Main.Sid
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{9}, 64)...)
	fileURL := servertest.FileServer(t, "image/png", png)
	callbacks := servertest.NewReceiver(t, env.Main.AuthToken)

	plain := send(t, env.Client, sid, text("+14155550100", testSender, "no picture"))
	if !messageSID.MatchString(plain.Sid) {
		t.Errorf("a text without media: sid %s, want SM…", plain.Sid)
	}
	req := withCallback(text("+14155550100", testSender, "a picture"), callbacks.URL)
	req.MediaUrl = &[]string{fileURL}
	mms := send(t, env.Client, sid, req)
	if !mediaMessageSID.MatchString(mms.Sid) || !strings.Contains(mms.Uri, "/Messages/"+mms.Sid+".json") ||
		!strings.Contains(mms.SubresourceUris["media"], "/Messages/"+mms.Sid+"/Media.json") {
		t.Fatalf("a text with media: sid %s, uri %s, subresources %v; want MM…", mms.Sid, mms.Uri, mms.SubresourceUris)
	}
	done := env.WaitForStatus(t, env.Client, sid, mms.Sid, 5*time.Second, "delivered", "failed")
	if done.Status != "delivered" || done.Sid != mms.Sid {
		t.Fatalf("the MMS: %s %s", done.Sid, done.Status)
	}
	// Its status callbacks name it by its MM SID.
	for _, cb := range callbacks.WaitFor(t, 3, 5*time.Second) {
		if cb.Form.Get("MessageSid") != mms.Sid || cb.Form.Get("SmsSid") != mms.Sid {
			t.Errorf("status callback %v: MessageSid and SmsSid must be %s", cb.Form, mms.Sid)
		}
	}
	// Its media, its file, its deliveries, a redaction, a forced status and a delete.
	list, err := env.Client.ListMediaWithResponse(ctx, sid, mms.Sid, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.MediaList) != 1 || list.JSON200.MediaList[0].ParentSid != mms.Sid {
		t.Fatalf("media of %s: %v %s", mms.Sid, err, list.Body)
	}
	md := list.JSON200.MediaList[0]
	if one, err := env.Client.FetchMediaWithResponse(ctx, sid, mms.Sid, md.Sid); err != nil || one.JSON200 == nil {
		t.Errorf("fetch media: %v %s", err, one.Body)
	}
	if file, err := env.Client.FetchMediaContentWithResponse(ctx, sid, mms.Sid, md.Sid); err != nil || !bytes.Equal(file.Body, png) {
		t.Errorf("media file: %v HTTP %d", err, file.StatusCode())
	}
	for _, d := range deliveriesOf(t, env, mms.Sid, 3) {
		if d.ResourceSid != mms.Sid || d.RequestParams["MessageSid"] != mms.Sid {
			t.Errorf("delivery %+v of %s", d, mms.Sid)
		}
	}
	forced, err := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(ctx, sid, mms.Sid, client.ForceStatusRequest{Status: "read"})
	if err != nil || forced.JSON200 == nil || forced.JSON200.Status != "read" {
		t.Errorf("force the status of %s: %v %s", mms.Sid, err, forced.Body)
	}
	redacted, err := env.Client.UpdateMessageWithFormdataBodyWithResponse(ctx, sid, mms.Sid, client.UpdateMessageRequest{Body: ptr("")})
	if err != nil || redacted.JSON200 == nil || redacted.JSON200.Body != "" {
		t.Errorf("redact %s: %v %s", mms.Sid, err, redacted.Body)
	}
	if del, err := env.Client.DeleteMessageWithResponse(ctx, sid, mms.Sid); err != nil || del.StatusCode() != http.StatusNoContent {
		t.Errorf("delete %s: %v %s", mms.Sid, err, del.Body)
	}
	if gone, _ := env.Client.FetchMessageWithResponse(ctx, sid, mms.Sid); gone.StatusCode() != http.StatusNotFound {
		t.Errorf("%s after delete: HTTP %d", mms.Sid, gone.StatusCode())
	}

	// A text received with media is MM, and its webhook says so in all three names; the
	// app's replies are MM with <Media>, SM without.
	app := servertest.NewReceiver(t, env.Main.AuthToken)
	app.Respond(twiml(`<Response><Message>plain reply</Message><Message><Body>picture reply</Body><Media>` + fileURL + `</Media></Message></Response>`))
	buyWithSmsURL(t, env, app.URL+"/sms", "", "")
	in := receive(t, env, "+14155550123", "look", fileURL)
	if !mediaMessageSID.MatchString(in.Sid) {
		t.Fatalf("a text received with media: sid %s, want MM…", in.Sid)
	}
	hook := app.WaitFor(t, 1, 5*time.Second)[0]
	for _, name := range []string{"MessageSid", "SmsSid", "SmsMessageSid"} {
		if got := hook.Form.Get(name); got != in.Sid {
			t.Errorf("incoming-message webhook: %s = %q, want %s", name, got, in.Sid)
		}
	}
	if u := hook.Form.Get("MediaUrl0"); !strings.Contains(u, "/Messages/"+in.Sid+"/Media/ME") {
		t.Errorf("MediaUrl0 %q does not point under %s", u, in.Sid)
	}
	for _, r := range replies(t, env, "+14155550123", 2) {
		want := messageSID
		if r.NumMedia != "0" {
			want = mediaMessageSID
		}
		if !want.MatchString(r.Sid) {
			t.Errorf("reply %q with %s media: sid %s, want %s", r.Body, r.NumMedia, r.Sid, want)
		}
	}
	plainIn := receive(t, env, "+14155550124", "no picture")
	if !messageSID.MatchString(plainIn.Sid) {
		t.Errorf("a text received without media: sid %s, want SM…", plainIn.Sid)
	}
}
