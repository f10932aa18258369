package server

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/store"
)

// TestPageStreamWritesWhatTheGeneratedTypeWould: written item by item, a page is what the
// generated response would have written, byte for byte, for an empty page, one item, and
// items whose text JSON would escape.
func TestPageStreamWritesWhatTheGeneratedTypeWould(t *testing.T) {
	next := "/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&Page=1&PageToken=x\"y"
	envelope := gen.MessageList{Uri: "/2010-04-01/Accounts/AC1/Messages.json?PageSize=2", FirstPageUri: "/first", NextPageUri: &next, PageSize: 2, End: 1}
	at := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	message := func(sid, body string) store.Message {
		return store.Message{Sid: sid, AccountSid: "AC1", To: "+15005550006", From: "+15005550001", Body: body,
			Status: "queued", Direction: "outbound-api", NumSegments: 1, DateCreated: at, DateUpdated: at}
	}
	for name, rows := range map[string][]store.Message{
		"empty": nil,
		"one":   {message("SM1", "hello")},
		"escapes": {message("SM1", `<b>"quoted" & \ back</b> `+"\u2028 Привет \x01"),
			message("SM2", `"messages":null`)},
	} {
		t.Run(name, func(t *testing.T) {
			want := gen.ListMessages200JSONResponse(envelope)
			want.Messages = make([]gen.Message, len(rows))
			for i, m := range rows {
				want.Messages[i] = messageOut(m)
			}
			wantRec, gotRec := httptest.NewRecorder(), httptest.NewRecorder()
			if err := want.VisitListMessagesResponse(wantRec); err != nil {
				t.Fatal(err)
			}
			if err := newMessagePage(envelope, rows).VisitListMessagesResponse(gotRec); err != nil {
				t.Fatal(err)
			}
			if gotRec.Code != wantRec.Code || gotRec.Header().Get("Content-Type") != wantRec.Header().Get("Content-Type") {
				t.Errorf("status %d %q, want %d %q", gotRec.Code, gotRec.Header().Get("Content-Type"), wantRec.Code, wantRec.Header().Get("Content-Type"))
			}
			if !bytes.Equal(gotRec.Body.Bytes(), wantRec.Body.Bytes()) {
				t.Errorf("streamed:\n%s\ngenerated:\n%s", gotRec.Body, wantRec.Body)
			}
		})
	}
}

func TestCallPageWritesWhatTheGeneratedTypeWould(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	envelope := gen.CallList{Uri: "/2010-04-01/Accounts/AC1/Calls.json?PageSize=50&To=%2B1&x=<>", FirstPageUri: "/first", PageSize: 50}
	rows := []store.Call{{Sid: "CA1", AccountSid: "AC1", To: "+15005550006", From: "+15005550001", Status: "queued", Direction: "outbound-api", DateCreated: at, DateUpdated: at}}
	want := gen.ListCalls200JSONResponse(envelope)
	want.Calls = []gen.Call{callOut(rows[0])}
	wantRec, gotRec := httptest.NewRecorder(), httptest.NewRecorder()
	if err := want.VisitListCallsResponse(wantRec); err != nil {
		t.Fatal(err)
	}
	if err := newCallPage(envelope, rows).VisitListCallsResponse(gotRec); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotRec.Body.Bytes(), wantRec.Body.Bytes()) {
		t.Errorf("streamed:\n%s\ngenerated:\n%s", gotRec.Body, wantRec.Body)
	}
}
