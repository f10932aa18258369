package calls

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/store"
)

func TestCallPageWritesWhatTheGeneratedTypeWould(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	envelope := gen.CallList{Uri: "/2010-04-01/Accounts/AC1/Calls.json?PageSize=50&To=%2B1&x=<>", FirstPageUri: "/first", PageSize: 50}
	rows := []store.Call{{Sid: "CA1", AccountSid: "AC1", To: "+15005550006", From: "+15005550001", Status: "queued", Direction: "outbound-api", DateCreated: at, DateUpdated: at}}
	want := gen.ListCalls200JSONResponse(envelope)
	want.Calls = []gen.Call{Out(rows[0])}
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
