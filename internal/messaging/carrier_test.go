package messaging

import (
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

func TestNextStep(t *testing.T) {
	tests := []struct {
		status, to string
		want       store.StatusChange
		final, ok  bool
	}{
		{"scheduled", "+14155550100", store.StatusChange{To: "queued"}, false, true},
		{"accepted", "+14155550100", store.StatusChange{To: "queued"}, false, true},
		{"queued", "+14155550100", store.StatusChange{To: "sending"}, false, true},
		{"sending", "+14155550100", store.StatusChange{To: "sent", Price: "-0.01580"}, false, true},
		{"sent", "+14155550100", store.StatusChange{To: "delivered"}, true, true},
		{"queued", "+15553000006", store.StatusChange{To: "failed", ErrorCode: 30006, ErrorMessage: "Landline or unreachable carrier"}, true, true},
		{"queued", "+15553000003", store.StatusChange{To: "sending"}, false, true},
		{"sent", "+15553000003", store.StatusChange{To: "undelivered", ErrorCode: 30003, ErrorMessage: "Unreachable destination handset"}, true, true},
		{"sent", "+15553000008", store.StatusChange{To: "failed", ErrorCode: 30008, ErrorMessage: "Unknown error"}, true, true},
		{"delivered", "+14155550100", store.StatusChange{}, true, false},
		{"canceled", "+14155550100", store.StatusChange{}, true, false},
		{"received", "+14155550100", store.StatusChange{}, true, false},
	}
	for _, tt := range tests {
		got, final, ok := next(store.Message{Status: tt.status, To: tt.to, NumSegments: 2})
		if got.To != tt.want.To || got.ErrorCode != tt.want.ErrorCode || got.ErrorMessage != tt.want.ErrorMessage ||
			got.Price != tt.want.Price || final != tt.final || ok != tt.ok {
			t.Errorf("next(%s to %s) = %+v final=%v ok=%v, want %+v final=%v ok=%v", tt.status, tt.to, got, final, ok, tt.want, tt.final, tt.ok)
		}
	}
}

func TestPrice(t *testing.T) {
	for _, tt := range []struct {
		segments, media int
		want            string
	}{{1, 0, "-0.00790"}, {3, 0, "-0.02370"}, {13, 0, "-0.10270"}, {1, 1, "-0.02000"}, {5, 10, "-0.02000"}} {
		if got := price(tt.segments, tt.media); got != tt.want {
			t.Errorf("price(%d, %d) = %s, want %s", tt.segments, tt.media, got, tt.want)
		}
	}
}

func TestKeyword(t *testing.T) {
	for body, want := range map[string]string{
		"STOP": "STOP", " stop ": "STOP", "Unsubscribe": "STOP", "quit": "STOP", "stopall": "STOP", "cancel": "STOP", "end": "STOP",
		"start": "START", "YES": "START", "unstop": "START", "help": "HELP", "Info": "HELP",
		"stop please": "", "": "", "STOPP": "", "hello": "",
	} {
		if got := keyword(body); got != want {
			t.Errorf("keyword(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	for code, want := range map[int]string{0: "", 30003: "Unreachable destination handset", 11200: "HTTP retrieval failure",
		11751: "Media exceeds the size limit", 21610: "Attempt to send to unsubscribed recipient", 12345: "Error 12345"} {
		if got := errorMessage(code); got != want {
			t.Errorf("errorMessage(%d) = %q, want %q", code, got, want)
		}
	}
}
