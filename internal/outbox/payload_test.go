package outbox

import (
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

type examplePayload struct {
	Event  string            `json:"event"`
	Params map[string]string `json:"params,omitempty"`
	Count  int               `json:"count,omitempty"`
}

// TestPayloadRoundTrip: a payload decodes to the value encoded.
func TestPayloadRoundTrip(t *testing.T) {
	in := examplePayload{Event: "call-status", Params: map[string]string{"CallSid": "CA1"}, Count: 3}
	b := Payload(in)
	if string(b) != `{"event":"call-status","params":{"CallSid":"CA1"},"count":3}` {
		t.Errorf("encoded %s", b)
	}
	var out examplePayload
	if err := Decode(store.Job{Payload: b}, &out); err != nil || out.Event != in.Event || out.Params["CallSid"] != "CA1" || out.Count != 3 {
		t.Errorf("decoded %+v, %v", out, err)
	}
}

// TestDecodeNamesTheJob: a payload that cannot be read is an error naming its job.
func TestDecodeNamesTheJob(t *testing.T) {
	var out examplePayload
	err := Decode(store.Job{ID: 42, Kind: "call.step", Payload: []byte(`{"event": 7}`)}, &out)
	if err == nil || !strings.Contains(err.Error(), "job 42 (call.step): payload: ") {
		t.Errorf("error %v, want one naming job 42 (call.step)", err)
	}
}

// TestPayloadPanicsOnWhatIsNoPayload: a value JSON cannot encode is a programming error.
func TestPayloadPanicsOnWhatIsNoPayload(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "outbox: encode a job's payload") {
			t.Errorf("recovered %v, want the encode panic", r)
		}
	}()
	Payload(make(chan int))
}
