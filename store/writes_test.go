package store

import (
	"reflect"
	"testing"
)

// TestWritesEmpty: Writes with anything in them, of one kind or two, is not empty (Apply
// skips empty ones), whichever kinds they are.
func TestWritesEmpty(t *testing.T) {
	if !(Writes{}).Empty() {
		t.Fatal("Writes{} is not empty")
	}
	// A rule alone is a check with nothing to write.
	if !(Writes{Sender: &SenderRule{}}).Empty() {
		t.Fatal("Writes with only a sender rule is not empty")
	}
	typ := reflect.TypeOf(Writes{})
	one := func(w *Writes, i int) {
		f := reflect.ValueOf(w).Elem().Field(i)
		f.Set(reflect.MakeSlice(f.Type(), 1, 1))
	}
	for i := range typ.NumField() {
		if typ.Field(i).Type.Kind() != reflect.Slice {
			continue
		}
		for j := i; j < typ.NumField(); j++ {
			if typ.Field(j).Type.Kind() != reflect.Slice {
				continue
			}
			var w Writes
			one(&w, i)
			one(&w, j)
			if w.Empty() {
				t.Errorf("Writes with one %s and one %s is empty", typ.Field(i).Name, typ.Field(j).Name)
			}
		}
	}
}

// TestWritesSchedulesAndChangesCall: what a backend asks of Writes to signal the runner
// and to refuse a call's events or recordings without a change of the call.
func TestWritesSchedulesAndChangesCall(t *testing.T) {
	for _, tt := range []struct {
		name string
		w    Writes
		want bool
	}{
		{"nothing", Writes{}, false},
		{"a message", Writes{Messages: []Message{{}}}, false},
		{"a delivery", Writes{Deliveries: []WebhookDelivery{{}}}, false},
		{"a job", Writes{Jobs: []Job{{}}}, true},
		{"a status change", Writes{StatusChanges: []StatusChange{{}}}, true},
		{"a call change", Writes{CallChanges: []CallChange{{}}}, true},
	} {
		if got := tt.w.Schedules(); got != tt.want {
			t.Errorf("%s: Schedules() = %v, want %v", tt.name, got, tt.want)
		}
	}
	w := Writes{Calls: []Call{{Sid: "CA1"}}, CallChanges: []CallChange{{Call: Call{Sid: "CA2"}}}, CallEvents: []CallEvent{{CallSid: "CA3"}}}
	for sid, want := range map[string]bool{"CA1": true, "CA2": true, "CA3": false, "": false} {
		if got := w.ChangesCall(sid); got != want {
			t.Errorf("ChangesCall(%q) = %v, want %v", sid, got, want)
		}
	}
}
