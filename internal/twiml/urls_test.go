package twiml

import "testing"

func TestResolve(t *testing.T) {
	for _, tt := range []struct{ base, ref, want string }{
		{"https://app.example/voice/menu?x=1", "/order", "https://app.example/order"},
		{"https://app.example/voice/menu", "order", "https://app.example/voice/order"},
		{"https://app.example/voice/menu", "?step=2", "https://app.example/voice/menu?step=2"},
		{"https://app.example/voice", "https://other.example/a", "https://other.example/a"},
		{"https://app.example/voice", "", ""},
		{"", "/order", "/order"},                        // inline TwiML: nothing to resolve against
		{"https://app.example/voice", "%zz", "%zz"},     // not a URL: kept for the request to fail on
		{"https://app.example/%zz", "/order", "/order"}, // a base that is not a URL
		{"http://127.0.0.1:8080/a/b", "../c", "http://127.0.0.1:8080/c"},
	} {
		if got := Resolve(tt.base, tt.ref); got != tt.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tt.base, tt.ref, got, tt.want)
		}
	}
}

func TestMethod(t *testing.T) {
	for in, want := range map[string]string{"": "POST", "GET": "GET", "POST": "POST"} {
		if got := Method(in); got != want {
			t.Errorf("Method(%q) = %q, want %q", in, got, want)
		}
	}
}
