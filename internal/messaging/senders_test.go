package messaging

import (
	"slices"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

func TestStickyChoice(t *testing.T) {
	pool := []string{"+14155550101", "+14155550102", "+14155550103"}
	tests := []struct {
		name    string
		current string
		load    map[string]int
		want    string
	}{
		{"a recipient keeps its sender", "+14155550103", map[string]int{"+14155550103": 9}, "+14155550103"},
		{"a new recipient gets the least used", "", map[string]int{"+14155550101": 2, "+14155550102": 1, "+14155550103": 2}, "+14155550102"},
		{"ties go to the first in pool order", "", map[string]int{"+14155550101": 1, "+14155550102": 1, "+14155550103": 1}, "+14155550101"},
		{"an unused number counts as zero", "", map[string]int{"+14155550101": 1}, "+14155550102"},
		{"a sender that left the pool is replaced", "+14155550199", map[string]int{"+14155550199": 1, "+14155550101": 1}, "+14155550102"},
	}
	for _, tt := range tests {
		if got := stickyChoice(pool, tt.current, tt.load); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	// Ten new recipients in a row spread evenly.
	load := map[string]int{}
	for range 10 {
		load[stickyChoice(pool[:2], "", load)]++
	}
	if load[pool[0]] != 5 || load[pool[1]] != 5 {
		t.Errorf("ten recipients over two numbers: %v", load)
	}
}

func TestCarriers(t *testing.T) {
	sms := store.Capabilities{Voice: true, SMS: true}
	mms := store.Capabilities{Voice: true, SMS: true, MMS: true}
	pool := []store.ServiceNumber{
		{PhoneNumber: "+14155550101", IsoCountry: "US", Capabilities: mms},
		{PhoneNumber: "+447700900123", IsoCountry: "GB", Capabilities: sms},
		{PhoneNumber: "+442079460018", IsoCountry: "GB", Capabilities: store.Capabilities{Voice: true}},
		{PhoneNumber: "+14155550102", IsoCountry: "US", Capabilities: mms},
	}
	tests := []struct {
		name string
		m    store.Message
		want []string
	}{
		{"numbers of the recipient's country", store.Message{To: "+12025550100"}, []string{"+14155550101", "+14155550102"}},
		{"GB, by calling code for a drama-range number", store.Message{To: "+447700900999"}, []string{"+447700900123"}},
		{"any SMS number when none is local", store.Message{To: "+4915112345678"}, []string{"+14155550101", "+447700900123", "+14155550102"}},
		{"media need MMS", store.Message{To: "+447700900999", NumMedia: 1}, []string{"+14155550101", "+14155550102"}},
	}
	for _, tt := range tests {
		if got := carriers(pool, tt.m); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
