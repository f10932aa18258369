package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// These test the lifecycle phases' parts without a server under test: the parsing, the
// figures and the tables, and the receiver and the attack against fakes on loopback.

func TestParseGauge(t *testing.T) {
	exposition := `# HELP switchboard_outbox_depth_max A metric whose name starts with the gauge's.
# TYPE switchboard_outbox_depth_max gauge
switchboard_outbox_depth_max 99
switchboard_outbox_depth{shard="a"} 7
# HELP switchboard_outbox_depth Outbox jobs waiting or running.
# TYPE switchboard_outbox_depth gauge
switchboard_outbox_depth 1234
go_goroutines 42
`
	tests := []struct {
		name, text string
		want       float64
		ok, err    bool
	}{
		{"switchboard_outbox_depth", exposition, 1234, true, false},
		{"go_goroutines", exposition, 42, true, false},
		{"switchboard_outbox_depth", "switchboard_outbox_depth 1.5e+06 1700000000000\n", 1.5e6, true, false}, // with a timestamp
		{"switchboard_outbox_depth", "switchboard_outbox_depth{} 3\n", 3, true, false},
		{"switchboard_outbox_depth", "switchboard_outbox_depth_max 99\n", 0, false, false},
		{"switchboard_outbox_depth", "# switchboard_outbox_depth 5\n", 0, false, false},
		{"switchboard_outbox_depth", "", 0, false, false},
		{"switchboard_outbox_depth", "switchboard_outbox_depth many\n", 0, false, true},
		{"switchboard_outbox_depth", "switchboard_outbox_depth 1 2 3\n", 0, false, true},
	}
	for _, tt := range tests {
		got, ok, err := parseGauge(strings.NewReader(tt.text), tt.name)
		if got != tt.want || ok != tt.ok || (err != nil) != tt.err {
			t.Errorf("parseGauge(%q, %s) = %v, %v, %v; want %v, %v, error %v", tt.text, tt.name, got, ok, err, tt.want, tt.ok, tt.err)
		}
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		xs   []time.Duration
		p    float64
		want time.Duration
	}{
		{ds, 0.50, 50 * time.Millisecond},
		{ds, 0.99, 99 * time.Millisecond},
		{ds, 1, 100 * time.Millisecond},
		{ds[:3], 0.50, 2 * time.Millisecond},
		{ds[:3], 0.99, 3 * time.Millisecond},
		{ds[:1], 0.01, time.Millisecond},
	} {
		if got := percentile(tt.xs, tt.p); got != tt.want {
			t.Errorf("percentile of %d values at %v = %s, want %s", len(tt.xs), tt.p, got, tt.want)
		}
	}
}

func TestFlowFollowsCreatesToTheirFinalCallback(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	creates := []created{ // sent at 0, 100, 200 ms and answered 10 ms later; SM4 never gets its callback
		{"SM2", at(100), at(110)},
		{"SM1", at(0), at(10)},
		{"SM3", at(200), at(210)},
		{"SM4", at(300), at(1000)},
	}
	heard := map[callbackKey]arrival{
		{"SM1", "sent"}:      {at(150), 1},
		{"SM1", "delivered"}: {at(400), 2}, // sent twice
		{"SM2", "delivered"}: {at(600), 1},
		{"SM3", "delivered"}: {at(2000), 1},
		{"SM4", "sent"}:      {at(500), 1},
		{"SM9", "delivered"}: {at(700), 3}, // a create the harness never saw answered
	}
	s := flow(creates, 2, heard, "delivered")
	want := flowStats{
		accepted: 4, failed: 2,
		createRate: 4,   // 4 creates from 0 to 1000 ms
		finalRate:  1.5, // 3 delivered from 0 to 2000 ms
		p50:        500 * time.Millisecond,
		p99:        1800 * time.Millisecond, // latencies 400, 500, 1800 ms
		tail:       time.Second,             // the last create answered at 1000 ms, the last delivered at 2000
		callbacks:  9, duplicates: 3, missing: 1,
	}
	if s != want {
		t.Fatalf("got  %+v\nwant %+v", s, want)
	}

	// Nothing accepted: nothing to follow, no rate.
	if s := flow(nil, 5, nil, "delivered"); s != (flowStats{failed: 5}) {
		t.Fatalf("no creates: %+v", s)
	}
	// Nothing arrived: all missing, the create rate still measured.
	if s := flow(creates[:2], 0, nil, "delivered"); s.missing != 2 || s.finalRate != 0 || s.createRate != 2/0.11 {
		t.Fatalf("no callbacks: %+v", s)
	}
}

func TestSlope(t *testing.T) {
	if got := slope([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7}); got != 2 {
		t.Errorf("a line of slope 2: got %v", got)
	}
	if got := slope([]float64{0, 1, 2, 3}, []float64{5, 9, 5, 9}); got > 0.81 || got < 0.79 {
		t.Errorf("a zigzag: got %v, want 0.8", got)
	}
	for _, xs := range [][]float64{nil, {1}, {2, 2}} {
		if got := slope(xs, make([]float64, len(xs))); got != 0 {
			t.Errorf("slope over %v = %v, want 0", xs, got)
		}
	}
}

func TestDepthOf(t *testing.T) {
	d := 10 * time.Second
	// samples reads f every 250 ms from 0 to d, then once more after the drain.
	samples := func(f func(sec float64) float64, afterDrain float64) []depthSample {
		var out []depthSample
		for at := time.Duration(0); at <= d; at += depthInterval {
			out = append(out, depthSample{at, f(at.Seconds())})
		}
		return append(out, depthSample{d + 3*time.Second, afterDrain})
	}
	// A queue that keeps up: it rises in the first second and then swings around 500.
	steady := depthOf(samples(func(s float64) float64 {
		if s < 1 {
			return 500 * s
		}
		return 500 + 60*float64(int(s*4)%2*2-1)
	}, 0), d)
	if !steady.bounded || steady.max != 560 || steady.final != 0 || steady.samples != 42 || steady.rise > 10 || steady.rise < -10 {
		t.Errorf("steady: %+v", steady)
	}
	// One that falls behind by 100 jobs a second: 500 more over the second half.
	growing := depthOf(samples(func(s float64) float64 { return 100 * s }, 20), d)
	if growing.bounded || growing.rise < 499 || growing.rise > 501 || growing.atEnd != 1000 || growing.max != 1000 || growing.final != 20 {
		t.Errorf("growing: %+v", growing)
	}
	// A small queue may rise by 10 jobs.
	small := depthOf(samples(func(s float64) float64 { return s }, 0), d)
	if !small.bounded || small.rise < 4.9 || small.rise > 5.1 {
		t.Errorf("small: %+v", small)
	}
	// No gauge, or too few readings to judge.
	if none := depthOf(nil, d); none != (depthFigures{}) {
		t.Errorf("no samples: %+v", none)
	}
	if few := depthOf([]depthSample{{0, 5}, {time.Second, 9}}, d); few.bounded || few.max != 9 || few.atEnd != 9 {
		t.Errorf("two samples in the first half: %+v", few)
	}
}

func TestWriteLifecycleTables(t *testing.T) {
	lr := &lifecycleResults{
		settings:   lifecycleSettings{messages: defaultE2EMessages, calls: 1000, callSpeed: 100, sustain: 30 * time.Second, sustainFraction: 0.8},
		createRate: map[string]float64{switchboard: 4000},
		messages: map[string]flowStats{
			switchboard: {accepted: 5000, createRate: 3500, finalRate: 3000, p50: 412 * time.Millisecond, p99: 800 * time.Millisecond,
				tail: 350 * time.Millisecond, callbacks: 15001, duplicates: 1, cpu: cpuCost{1500 * time.Microsecond, 250 * time.Microsecond, true}},
			before: {accepted: 4990, failed: 10, createRate: 3000, finalRate: 2000, missing: 2},
		},
		calls: map[string]callStats{switchboard: {createOnly: 2000, flowStats: flowStats{accepted: 1000, createRate: 1900,
			finalRate: 1500, p50: 90 * time.Millisecond, p99: 200 * time.Millisecond, tail: 120 * time.Millisecond, callbacks: 1000}}},
		sustain: map[string]sustainStats{
			switchboard: {target: 3200, achieved: 3190, flowStats: flowStats{accepted: 95700, p50: 330 * time.Millisecond,
				p99: 700 * time.Millisecond, tail: 400 * time.Millisecond},
				depth: depthFigures{samples: 130, max: 2500, atEnd: 1900, final: 0, rise: 12, bounded: true}},
			before: {target: 2400, achieved: 2400, flowStats: flowStats{accepted: 72000, missing: 72000}},
		},
		notes: []string{"End to end, calls: before skipped: its --help has no --call-speed (a build from before calls)."},
	}
	var b strings.Builder
	writeLifecycleTables(&b, lr, []string{switchboard, before, baseline})
	out := b.String()
	for _, want := range []string{
		"End to end, messages: 20000 created at 32 connections",
		"| messages, end to end | created | creates/s | delivered/s | / create | CPU/msg | p50 | p99 | tail | callbacks | duplicates | missing | failed creates |",
		"| switchboard | 5000 | 3500 | 3000 | 0.75 | 1.50 + 0.25 ms | 412 ms | 800 ms | 350 ms | 15001 | 1 | 0 | 0 |",
		"| before | 4990 | 3000 | 2000 | – | ? | 0 ms | 0 ms | 0 ms | 0 | 0 | 2 | 10 |", // no create workload measured for before
		"| before | 2400 | 2400 | – | – | – | – | – | – | no gauge | – | 72000 | 0 |",   // nothing delivered
		"End to end, calls: 1000 created at 32 connections",
		"at --call-speed 100: a call rings 2 s (--call-answer-delay's default) and says Hi for 0.4 s in simulated time, 24 ms of wall time at the least.",
		"| switchboard | 1000 | 2000 | 1900 | 1500 | 0.75 | ? | 90 ms | 200 ms | 120 ms | 1000 | 0 | 0 | 0 |",
		"Sustained: creates with a StatusCallback at a fixed rate (0.80 × the same server's create workload at 32 connections) for 30s",
		"| switchboard | 3200 | 3190 | 330 ms | 700 ms | 2500 | 1900 | 0 | +12 | yes | 400 ms | 0 | 0 |",
		"\n- End to end, calls: before skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "| baseline |") {
		t.Errorf("a row for the baseline in:\n%s", out)
	}
	if got := strings.Join(lr.problems(), "\n"); got != "end to end, messages on before: 2 of 4990 accepted creates had no delivered callback\n"+
		"sustained on before: 72000 of 72000 accepted creates had no delivered callback" {
		t.Errorf("problems: %q", got)
	}

	lr.settings.sustainRate = 2500
	b.Reset()
	writeLifecycleTables(&b, &lifecycleResults{settings: lr.settings, sustain: lr.sustain}, []string{switchboard})
	if out := b.String(); !strings.Contains(out, "at a fixed rate (2500 per second)") || strings.Contains(out, "End to end") {
		t.Errorf("a fixed rate, only the sustained phase:\n%s", out)
	}
}

func TestLifecycleOptions(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.lifecycle != (lifecycleSettings{messages: defaultE2EMessages, calls: 1000, callSpeed: 100, sustain: 30 * time.Second, sustainFraction: 0.8}) {
		t.Fatalf("defaults: %+v", o.lifecycle)
	}
	if got := loadFlags(o); strings.Contains(got, "e2e") || strings.Contains(got, "sustain") || strings.Contains(got, "call-speed") {
		t.Fatalf("loadFlags gives the defaults: %s", got)
	}
	o, err = parseOptions([]string{"-e2e-messages", "300", "-e2e-calls", "50", "-call-speed", "1000", "-sustain", "5s", "-sustain-fraction", "0.5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := loadFlags(o); !strings.HasSuffix(got, " -e2e-messages 300 -e2e-calls 50 -call-speed 1000 -sustain 5s -sustain-fraction 0.5") {
		t.Fatalf("loadFlags: %s", got)
	}
	o, err = parseOptions([]string{"-e2e-calls", "0", "-call-speed", "1000", "-sustain-rate", "2500", "-switchboard-args", "--call-speed 5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := loadFlags(o); !strings.HasSuffix(got, " -e2e-calls 0 -sustain-rate 2500") {
		t.Fatalf("loadFlags: %s", got)
	}
	for _, bad := range [][]string{
		{"-e2e-messages", "-1"},
		{"-e2e-calls", "-1"},
		{"-sustain", "-1s"},
		{"-sustain-rate", "-5"},
		{"-sustain-fraction", "0"},
		{"-sustain-fraction", "11"},
		{"-call-speed", "0"},
		{"-switchboard-args", "--call-speed 5"},
		{"-before", "/tmp/old", "-before-args", "--call-speed=5"},
	} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestHasFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{[]string{"--call-speed", "5"}, true},
		{[]string{"-call-speed=5"}, true},
		{[]string{"--log-level", "warn", "--call-speed=5"}, true},
		{[]string{"--call-speed-up", "5"}, false},
		{nil, false},
	} {
		if got := hasFlag(tt.args, "call-speed"); got != tt.want {
			t.Errorf("hasFlag(%q) = %v", tt.args, got)
		}
	}
}

func TestLifecycleForms(t *testing.T) {
	form, err := url.ParseQuery(messageForm("http://127.0.0.1:9/status"))
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("StatusCallback") != "http://127.0.0.1:9/status" || form.Get("Body") != "Load test message" || form.Get("From") != "+14155550199" {
		t.Fatalf("message form: %v", form)
	}
	form, err = url.ParseQuery(callForm(url.Values{"Twiml": {sayHi}}))
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("Twiml") != sayHi || form.Get("To") != "+14155550100" || form.Get("From") != "+14155550199" || len(form) != 3 {
		t.Fatalf("call form: %v", form)
	}
	sb := switchboardAPI(switchboard, "http://sb", accountSid, authToken, 50)
	if sb.callsURL != "http://sb/2010-04-01/Accounts/"+accountSid+"/Calls.json" || sb.metricsURL != "http://sb/metrics" {
		t.Fatalf("calls %s, metrics %s", sb.callsURL, sb.metricsURL)
	}
}

// openServer is a server whose one process has not exited, for the functions that check.
func openServer() *server {
	return &server{name: "fake", procs: []*process{{name: "fake", done: make(chan struct{})}}}
}

func TestReceiverCountsCallbacksAndDuplicates(t *testing.T) {
	rcv, err := startReceiver()
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.close()
	post := func(path string, form url.Values) int {
		t.Helper()
		resp, err := http.PostForm(rcv.url+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if path == "/twiml" && string(body) != sayHi {
			t.Errorf("TwiML %q", body)
		}
		return resp.StatusCode
	}
	before := time.Now()
	for _, f := range []url.Values{
		{"MessageSid": {"SM1"}, "MessageStatus": {"sent"}},
		{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}, "SmsStatus": {"delivered"}},
		{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}},
		{"CallSid": {"CA1"}, "CallStatus": {"completed"}},
	} {
		if code := post("/status", f); code != http.StatusOK {
			t.Errorf("%v: HTTP %d", f, code)
		}
	}
	if code := post("/status", url.Values{"MessageSid": {"SM2"}}); code != http.StatusBadRequest {
		t.Errorf("no status: HTTP %d", code)
	}
	if code := post("/twiml", url.Values{"CallSid": {"CA1"}}); code != http.StatusOK {
		t.Errorf("twiml: HTTP %d", code)
	}
	heard := rcv.snapshot()
	if len(heard) != 3 || heard[callbackKey{"SM1", "delivered"}].count != 2 || heard[callbackKey{"SM1", "sent"}].count != 1 ||
		heard[callbackKey{"CA1", "completed"}].count != 1 || heard[callbackKey{"SM1", "sent"}].first.Before(before) {
		t.Fatalf("heard %v", heard)
	}
	if got := strings.Join(rcv.oddities("Calls", "x", 2), " "); got != "Calls, x: 1 status callbacks without a SID or a status. Calls, x: 1 requests for TwiML for 2 calls." {
		t.Errorf("oddities: %q", got)
	}

	// await returns as soon as every create has its final callback.
	start := time.Now()
	creates := []created{{sid: "SM1"}}
	if err := rcv.await(context.Background(), openServer(), creates, "delivered"); err != nil || time.Since(start) > 5*time.Second {
		t.Fatalf("await: %v after %s", err, time.Since(start))
	}
	// A missing one is waited for, until the context ends here (callbackQuiet otherwise).
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := rcv.await(ctx, openServer(), append(creates, created{sid: "SM2"}), "delivered"); err == nil {
		t.Fatal("await returned without SM2's callback")
	}
}

// attackCreates sends exactly n creates from at most 32 connections, and counts the
// answers without a SID as failed.
func TestAttackCreatesSendsNAtMostConnsAtOnce(t *testing.T) {
	var n, inFlight, peak atomic.Int64
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		r.ParseForm() //nolint:errcheck // checked below
		mu.Lock()
		seen[r.PostForm.Get("StatusCallback")] = true
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		i := n.Add(1)
		if i%10 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid":"SM%d"}`, i)
	}))
	defer srv.Close()
	a := switchboardAPI(switchboard, srv.URL, accountSid, authToken, 50)
	creates, failed, err := attackCreates(context.Background(), openServer(), a.postTargeter(a.createURL, messageForm("http://cb/status")),
		countPacer{200}, 0, lifecycleConns)
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 200 || len(creates) != 180 || failed != 20 || peak.Load() > lifecycleConns {
		t.Fatalf("%d requests, %d accepted, %d failed, %d at once", n.Load(), len(creates), failed, peak.Load())
	}
	if len(seen) != 1 || !seen["http://cb/status"] {
		t.Fatalf("StatusCallbacks %v", seen)
	}
	sids := map[string]bool{}
	for _, c := range creates {
		if c.sid == "" || sids[c.sid] || !c.answered.After(c.sent) {
			t.Fatalf("create %+v", c)
		}
		sids[c.sid] = true
	}
}

func TestDepthSamplerReadsUntilStopped(t *testing.T) {
	var depth atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "# TYPE switchboard_outbox_depth gauge\nswitchboard_outbox_depth %d\n", depth.Add(1))
	}))
	defer srv.Close()
	s := startDepthSampler(context.Background(), srv.URL+"/metrics", time.Now())
	time.Sleep(3 * depthInterval)
	samples, err := s.stop(context.Background())
	if err != nil || len(samples) < 2 {
		t.Fatalf("%d samples, %v", len(samples), err)
	}
	for i, x := range samples {
		if x.depth != float64(i+1) || (i > 0 && x.at <= samples[i-1].at) {
			t.Fatalf("samples %v", samples)
		}
	}
	if last := samples[len(samples)-1]; last.depth != float64(depth.Load()) {
		t.Fatalf("the last reading, after stop, is %v of %d", last, depth.Load())
	}
}

// A build from before calls has no --call-speed: its calls phase is skipped rather than
// its start failing on an unknown flag.
func TestKnowsFlagReadsHelp(t *testing.T) {
	dir := t.TempDir()
	script := func(name, usage string, exit int) string {
		path := dir + "/" + name
		body := fmt.Sprintf("#!/bin/sh\ncat >&2 <<'END'\n%s\nEND\nexit %d\n", usage, exit)
		if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	now := script("now", "Flags:\n  -call-answer-delay duration\n  -call-speed float\n    \thow many times faster", 0)
	old := script("old", "Flags:\n  -delivery-delay duration\n  -call-speedy float\n    \tnot -call-speed", 2)
	boolFlag := script("bool", "Flags:\n  -call-speed\n    \ta bool flag", 0)
	if !knowsFlag(context.Background(), now, "call-speed") || knowsFlag(context.Background(), old, "call-speed") || !knowsFlag(context.Background(), boolFlag, "call-speed") {
		t.Fatal("knowsFlag misread --help")
	}
	if knowsFlag(context.Background(), dir+"/missing", "call-speed") {
		t.Fatal("a missing binary knows the flag")
	}
}

func TestLifecycleText(t *testing.T) {
	lc := lifecycleSettings{messages: defaultE2EMessages, calls: 1000, callSpeed: 100, sustain: 30 * time.Second, sustainFraction: 0.8}
	if got := lifecycleText(lc); got != "20000 messages end to end; 1000 calls end to end (Switchboard started with --call-speed 100); "+
		"30s of creates at 0.80 × the create workload at 32 connections" {
		t.Errorf("got %q", got)
	}
	lc.messages, lc.calls, lc.sustainRate = 0, 0, 2500
	if got := lifecycleText(lc); got != "30s of creates at 2500 per second" {
		t.Errorf("got %q", got)
	}
}
