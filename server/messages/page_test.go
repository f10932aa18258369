package messages

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"sync"
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
	sent := message("SM1", "failed")
	sent.DateSent, sent.ErrorCode, sent.ErrorMessage, sent.Price, sent.MessagingServiceSid = at, 30003, "Unreachable", "-0.0075", "MG1"
	for name, rows := range map[string][]store.Message{
		"empty": nil,
		"one":   {message("SM1", "hello")},
		"escapes": {message("SM1", `<b>"quoted" & \ back</b> `+"\u2028 Привет \x01"),
			message("SM2", `"messages":null`)},
		// Items are encoded through one variable: nothing of one may stay for the next.
		"optional fields, then none": {sent, message("SM2", "plain")},
	} {
		t.Run(name, func(t *testing.T) {
			want := gen.ListMessages200JSONResponse(envelope)
			want.Messages = make([]gen.Message, len(rows))
			for i, m := range rows {
				want.Messages[i] = Out(m)
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

// TestPagesWrittenAtOnce: pages written concurrently, through the pooled buffers, each
// come out whole and alone.
func TestPagesWrittenAtOnce(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	pages := make([][]store.Message, 8)
	for p := range pages {
		for i := range 20 + p*300 { // past the 32 KiB buffer for most
			pages[p] = append(pages[p], store.Message{Sid: fmt.Sprintf("SM%d-%d", p, i), AccountSid: "AC1", To: "+15005550006",
				From: "+15005550001", Body: fmt.Sprintf("page %d item %d", p, i), Status: "queued", Direction: "outbound-api",
				NumSegments: 1, DateCreated: at, DateUpdated: at})
		}
	}
	envelope := gen.MessageList{Uri: "/2010-04-01/Accounts/AC1/Messages.json", FirstPageUri: "/first", PageSize: 50}
	want := make([][]byte, len(pages))
	for p, rows := range pages {
		rec := httptest.NewRecorder()
		if err := newMessagePage(envelope, rows).VisitListMessagesResponse(rec); err != nil {
			t.Fatal(err)
		}
		want[p] = rec.Body.Bytes()
	}
	var wg sync.WaitGroup
	for p, rows := range pages {
		wg.Go(func() {
			for range 20 {
				rec := httptest.NewRecorder()
				if err := newMessagePage(envelope, rows).VisitListMessagesResponse(rec); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(rec.Body.Bytes(), want[p]) {
					t.Errorf("page %d written at once with others differs from alone (%d bytes, want %d)", p, rec.Body.Len(), len(want[p]))
					return
				}
			}
		})
	}
	wg.Wait()
}
