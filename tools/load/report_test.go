package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// These test the harness's pure parts; the load itself is run by hand (make load), never
// by the test suite.

func TestParseConcurrencies(t *testing.T) {
	got, err := parseConcurrencies("1, 8,32")
	if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 8 || got[2] != 32 {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "-1", "8,x", "8,8", "1.5"} {
		if _, err := parseConcurrencies(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseWorkloads(t *testing.T) {
	got, err := parseWorkloads("list,create", allWorkloads)
	if err != nil || strings.Join(got, " ") != "list create" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "delete", "fetch,fetch"} {
		if _, err := parseWorkloads(bad, allWorkloads); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseVmHWM(t *testing.T) {
	status := "Name:\tswitchboard\nVmPeak:\t 1300000 kB\nVmHWM:\t   45120 kB\nVmRSS:\t   30000 kB\n"
	if kb, err := parseVmHWM(strings.NewReader(status)); err != nil || kb != 45120 {
		t.Fatalf("got %d, %v; want 45120", kb, err)
	}
	for _, bad := range []string{"Name:\tx\n", "VmHWM:\t12 MB\n", "VmHWM:\tlots kB\n"} {
		if _, err := parseVmHWM(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nprocessor\t: 1\nmodel name\t: other\n"
	if got := cpuModel(strings.NewReader(info)); got != "Intel(R) Xeon(R) Processor" {
		t.Fatalf("got %q", got)
	}
	if got := cpuModel(strings.NewReader("")); got != "unknown" {
		t.Fatalf("empty cpuinfo: got %q", got)
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := append([]float64(nil), tt.in...)
		if got := median(in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Errorf("median reordered its input: %v", in)
			}
		}
	}
}

func TestRatiosArePerRoundInRows(t *testing.T) {
	sb := &cell{reqPerSec: []float64{100, 200, 300}, rowsPerReq: 50}
	base := &cell{reqPerSec: []float64{10000, 5000}, rowsPerReq: 1}
	got := ratios(sb, base) // the third round has no baseline: left out
	if len(got) != 2 || got[0] != 0.5 || got[1] != 2 {
		t.Fatalf("got %v, want [0.5 2]", got)
	}
	if got := ratios(&cell{reqPerSec: []float64{1}, rowsPerReq: 1}, &cell{reqPerSec: []float64{0}, rowsPerReq: 1}); len(got) != 0 {
		t.Fatalf("a zero baseline gave %v", got)
	}
}

func TestWriteTables(t *testing.T) {
	res := results{
		{switchboard, "create", 8}: {reqPerSec: []float64{1000, 1200, 900}, rowsPerReq: 1, p50: 1500 * time.Microsecond, p99: 9 * time.Millisecond, peakRSSKB: []int64{45 * 1024}, failures: 2,
			cpu: []cpuCost{{370 * time.Microsecond, 80 * time.Microsecond, true}, {300 * time.Microsecond, 90 * time.Microsecond, true}, {400 * time.Microsecond, 10 * time.Microsecond, true}}},
		{baseline, "create", 8}:  {reqPerSec: []float64{4000, 3000, 3000}, rowsPerReq: 1, p50: 400 * time.Microsecond, p99: 3 * time.Millisecond, peakRSSKB: []int64{25 * 1024}},
		{switchboard, "list", 8}: {reqPerSec: []float64{100}, rowsPerReq: 50, p50: 4 * time.Millisecond, p99: 20 * time.Millisecond, peakRSSKB: []int64{50 * 1024}},
		{baseline, "list", 8}:    {reqPerSec: []float64{10000}, rowsPerReq: 1, p50: 100 * time.Microsecond, p99: time.Millisecond, peakRSSKB: []int64{25 * 1024}},
	}
	var b strings.Builder
	writeTables(&b, res, []string{switchboard, baseline}, []string{"create", "list"}, []int{8, 32})
	out := b.String()
	for _, want := range []string{
		"| create | 8 | switchboard | 1000 | 1000 | 1.50 ms | 9.00 ms | 45 MB | 0.37 + 0.08 ms | 2 |", // each median on its own
		"| create | 8 | baseline | 3000 | 3000 | 0.40 ms | 3.00 ms | 25 MB | ? | 0 |",
		"| list | 8 | switchboard | 100 | 5000 | 4.00 ms | 20.00 ms | 50 MB | ? | 0 |",
		"| list → fetch | 8 | baseline | 10000 | 10000 |",
		"| Switchboard / baseline | 8 conns | 32 conns |",
		"| create | 0.30 (0.25–0.40) | – |", // rounds: 0.25, 0.40, 0.30
		"| list (rows/s vs baseline fetch) | 0.50 | – |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"before", "p50 at 1 conn"} { // no -before, no single connection
		if strings.Contains(out, unwanted) {
			t.Errorf("%q in:\n%s", unwanted, out)
		}
	}
}

func TestWriteTablesWithBefore(t *testing.T) {
	res := results{
		{switchboard, "create", 1}: {reqPerSec: []float64{2000, 2400}, rowsPerReq: 1, roundP50: []time.Duration{500 * time.Microsecond, 400 * time.Microsecond}},
		{before, "create", 1}:      {reqPerSec: []float64{1000, 1000}, rowsPerReq: 1, roundP50: []time.Duration{900 * time.Microsecond, 1100 * time.Microsecond}},
		{baseline, "create", 1}:    {reqPerSec: []float64{4000, 3000}, rowsPerReq: 1, roundP50: []time.Duration{200 * time.Microsecond, 200 * time.Microsecond}},
		{switchboard, "list", 1}:   {reqPerSec: []float64{100, 100}, rowsPerReq: 50},
		{before, "list", 1}:        {reqPerSec: []float64{50, 25}, rowsPerReq: 50},
		{baseline, "list", 1}:      {reqPerSec: []float64{10000, 10000}, rowsPerReq: 1},
	}
	var b strings.Builder
	writeTables(&b, res, []string{switchboard, before, baseline}, []string{"create", "list"}, []int{1})
	out := b.String()
	for _, want := range []string{
		"| create | 1 | switchboard | 2200 | 2200 |",
		"| create | 1 | before | 1000 | 1000 |",
		"| create | 1 | baseline | 3500 | 3500 |",
		"| Switchboard / baseline | 1 conns |\n|---|---:|\n| create | 0.65 (0.50–0.80) |\n| list (rows/s vs baseline fetch) | 0.50 (0.50–0.50) |",
		"| before / baseline | 1 conns |\n|---|---:|\n| create | 0.29 (0.25–0.33) |\n| list (rows/s vs baseline fetch) | 0.19 (0.12–0.25) |",
		"| Switchboard / before | 1 conns |\n|---|---:|\n| create | 2.20 (2.00–2.40) |\n| list | 3.00 (2.00–4.00) |",
		"| p50 at 1 conn, ms | switchboard | before | baseline |",
		"| create | 0.450 (0.400–0.500) | 1.000 (0.900–1.100) | 0.200 (0.200–0.200) |",
		"| list | – | – | – |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// With -postgres and -replicas 2, the rows of PostgreSQL come between Switchboard on
// SQLite and the baseline, the replicas' peak RSS one per process, and the ratio tables
// compare PostgreSQL with SQLite and two replicas with one.
func TestWriteTablesWithPostgres(t *testing.T) {
	res := results{
		{switchboard, "create", 32}:  {reqPerSec: []float64{2000, 2000}, rowsPerReq: 1, peakRSSKB: []int64{60 * 1024}},
		{postgres, "create", 32}:     {reqPerSec: []float64{1000, 1500}, rowsPerReq: 1, peakRSSKB: []int64{50 * 1024}},
		{"postgres×2", "create", 32}: {reqPerSec: []float64{1500, 3000}, rowsPerReq: 1, peakRSSKB: []int64{41 * 1024, 43 * 1024}},
		{baseline, "create", 32}:     {reqPerSec: []float64{4000, 4000}, rowsPerReq: 1, peakRSSKB: []int64{25 * 1024}},
	}
	var b strings.Builder
	writeTables(&b, res, []string{switchboard, postgres, "postgres×2", baseline}, []string{"create"}, []int{32})
	out := b.String()
	for _, want := range []string{
		"| create | 32 | switchboard | 2000 | 2000 | 0.00 ms | 0.00 ms | 60 MB | ? | 0 |\n| create | 32 | postgres | 1250 | 1250 |",
		"| create | 32 | postgres×2 | 2250 | 2250 | 0.00 ms | 0.00 ms | 41 MB, 43 MB | ? | 0 |\n| create | 32 | baseline |",
		"| Switchboard / baseline | 32 conns |\n|---|---:|\n| create | 0.50 (0.50–0.50) |",
		"| postgres / Switchboard | 32 conns |\n|---|---:|\n| create | 0.62 (0.50–0.75) |",
		"| postgres×2 / postgres | 32 conns |\n|---|---:|\n| create | 1.75 (1.50–2.00) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "postgres / baseline") || strings.Contains(out, "postgres×2 / Switchboard") {
		t.Errorf("a ratio table too many:\n%s", out)
	}
}

func TestMaxEachAndMBs(t *testing.T) {
	peak := maxEach(nil, []int64{10 * 1024, 30 * 1024}) // the first round
	peak = maxEach(peak, []int64{20 * 1024, 5 * 1024})
	if got := mbs(peak); got != "20 MB, 30 MB" {
		t.Fatalf("got %s", got)
	}
	if got := mbs([]int64{45 * 1024}); got != "45 MB" {
		t.Fatalf("got %s", got)
	}
	if got := mbs(nil); got != "?" {
		t.Fatalf("got %s", got)
	}
}

func TestComparisons(t *testing.T) {
	for _, tt := range []struct {
		servers []string
		want    string
	}{
		{[]string{switchboard, baseline}, "Switchboard / baseline"},
		{[]string{switchboard, before, baseline}, "Switchboard / baseline, before / baseline, Switchboard / before"},
		{[]string{switchboard, "no-group-commit", baseline}, "Switchboard / baseline, no-group-commit / baseline, Switchboard / no-group-commit"},
		{[]string{switchboard, postgres, baseline}, "Switchboard / baseline, postgres / Switchboard"},
		{[]string{switchboard, postgres, "postgres×2", baseline}, "Switchboard / baseline, postgres / Switchboard, postgres×2 / postgres"},
		{[]string{switchboard, before, postgres, "postgres×3", baseline},
			"Switchboard / baseline, before / baseline, Switchboard / before, postgres / Switchboard, postgres×3 / postgres"},
	} {
		var titles []string
		for _, c := range comparisons(tt.servers) {
			titles = append(titles, c.title())
		}
		if got := strings.Join(titles, ", "); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.servers, got, tt.want)
		}
	}
}

func TestRoundOrderWalksEveryPermutation(t *testing.T) {
	two := []string{switchboard, baseline}
	if got := [][]string{roundOrder(two, 0), roundOrder(two, 1), roundOrder(two, 2)}; strings.Join(got[0], ",") != "switchboard,baseline" ||
		strings.Join(got[1], ",") != "baseline,switchboard" || strings.Join(got[2], ",") != "switchboard,baseline" {
		t.Fatalf("two servers: %v", got)
	}
	three := []string{switchboard, before, baseline}
	seen := map[string]bool{}
	for round := range 6 {
		order := roundOrder(three, round)
		if len(order) != 3 {
			t.Fatalf("round %d: %v", round, order)
		}
		seen[strings.Join(order, ",")] = true
	}
	if len(seen) != 6 {
		t.Fatalf("six rounds of three servers gave %d different orders: %v", len(seen), seen)
	}
	if got := strings.Join(roundOrder(three, 0), ","); got != "switchboard,before,baseline" {
		t.Fatalf("round 0: %s", got)
	}
	if strings.Join(three, ",") != "switchboard,before,baseline" {
		t.Fatalf("roundOrder changed its input: %v", three)
	}
}

func TestTargetsMapEachWorkloadToEachServer(t *testing.T) {
	sb := switchboardAPI(switchboard, "http://sb", accountSid, authToken, 50)
	base := baselineAPI("http://base")
	sids := []string{"SM1", "SM2"}
	tests := []struct {
		a        *api
		workload string
		method   string
		urls     []string // successive targets
		rows     int
	}{
		{sb, "create", http.MethodPost, []string{"http://sb/2010-04-01/Accounts/" + accountSid + "/Messages.json"}, 1},
		{sb, "fetch", http.MethodGet, []string{
			"http://sb/2010-04-01/Accounts/" + accountSid + "/Messages/SM2.json",
			"http://sb/2010-04-01/Accounts/" + accountSid + "/Messages/SM1.json",
		}, 1},
		{sb, "list", http.MethodGet, []string{"http://sb/2010-04-01/Accounts/" + accountSid + "/Messages.json?PageSize=50"}, 50},
		{base, "create", http.MethodPost, []string{"http://base/messages"}, 1},
		{base, "fetch", http.MethodGet, []string{"http://base/messages/SM2", "http://base/messages/SM1"}, 1},
		{base, "list", http.MethodGet, []string{"http://base/messages/SM2", "http://base/messages/SM1"}, 1},
	}
	for _, tt := range tests {
		tgt := tt.a.targeter(tt.workload, sids)
		for _, want := range tt.urls {
			var target vegeta.Target
			if err := tgt(&target); err != nil {
				t.Fatal(err)
			}
			if target.Method != tt.method || target.URL != want {
				t.Errorf("%s %s: got %s %s, want %s %s", tt.a.name, tt.workload, target.Method, target.URL, tt.method, want)
			}
			req, err := target.Request()
			if err != nil {
				t.Fatal(err)
			}
			if user, pass, ok := req.BasicAuth(); (tt.a == sb) != ok || (ok && (user != accountSid || pass != authToken)) {
				t.Errorf("%s %s: basic auth %q %q %v", tt.a.name, tt.workload, user, pass, ok)
			}
			if tt.workload == "create" {
				body, _ := io.ReadAll(req.Body)
				if string(body) != createForm || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
					t.Errorf("%s create: body %q, type %q", tt.a.name, body, req.Header.Get("Content-Type"))
				}
			}
		}
		if got := tt.a.rowsPerRequest(tt.workload); got != tt.rows {
			t.Errorf("%s %s: %d rows per request, want %d", tt.a.name, tt.workload, got, tt.rows)
		}
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-concurrency", "2,4", "-workloads", "fetch", "-baseline-sync", "full", "-switchboard-args", "--log-level warn"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.concs) != 2 || o.workloads[0] != "fetch" || o.baselineSync != "FULL" || strings.Join(o.switchboardArgs, "|") != "--log-level|warn" {
		t.Fatalf("got %+v", o)
	}
	if got := loadFlags(o); !strings.HasSuffix(got, "-concurrency 2,4 -workloads fetch -baseline-sync FULL -switchboard-args '--log-level warn'") {
		t.Fatalf("loadFlags: %s", got)
	}
	o, err = parseOptions([]string{"-before", "/tmp/old", "-before-args", "--log-format json", "-seed", "1000", "-page-size", "1000",
		"-seed-body-chars", "1600", "-profile", "prof", "-before-label", "old"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.beforeBin != "/tmp/old" || strings.Join(o.beforeArgs, "|") != "--log-format|json" || o.seedBodyChars != 1600 || o.profileDir != "prof" || o.beforeLabel != "old" {
		t.Fatalf("got %+v", o)
	}
	if got := loadFlags(o); !strings.HasSuffix(got, " -seed 1000 -page-size 1000 -seed-body-chars 1600 -before /tmp/old -before-args '--log-format json' -before-label old -profile prof") {
		t.Fatalf("loadFlags: %s", got)
	}
	o, err = parseOptions([]string{"-postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "-replicas", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.postgresURL != "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" || o.replicas != 2 {
		t.Fatalf("got %+v", o)
	}
	// make load-postgres gives -postgres (a new cluster's URL each time) and -replicas 2.
	if got := loadFlags(o); strings.Contains(got, "postgres") || strings.Contains(got, "replicas") {
		t.Fatalf("loadFlags: %s", got)
	}
	o.replicas = 3
	if got := loadFlags(o); !strings.HasSuffix(got, " -replicas 3") || strings.Contains(got, "127.0.0.1") {
		t.Fatalf("loadFlags: %s", got)
	}
	for _, bad := range [][]string{
		{"-baseline-sync", "sometimes"},
		{"-rounds", "0"},
		{"-seed", "10", "-page-size", "50"},
		{"-concurrency", "0"},
		{"-workloads", "delete"},
		{"-seed-body-chars", "1601"},
		{"-before-args", "--sync full"},
		{"-before-label", "old"},
		{"-before", "/tmp/old", "-before-label", "baseline"},
		{"-before", "/tmp/old", "-before-label", "no group commit"},
		{"-before", "/tmp/old", "-before-label", "postgres"},
		{"-replicas", "2"}, // replicas share a PostgreSQL database
		{"-postgres", "host=127.0.0.1 dbname=postgres"},
		{"-postgres", "postgres://pg/postgres", "-replicas", "0"},
		{"-postgres", "postgres://pg/postgres", "-replicas", "9"},
	} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestSeedFormIsUCS2OfTheGivenLength(t *testing.T) {
	if seedForm(0) != createForm {
		t.Fatalf("seedForm(0) = %q, want createForm", seedForm(0))
	}
	form, err := url.ParseQuery(seedForm(1600))
	if err != nil {
		t.Fatal(err)
	}
	body := form.Get("Body")
	if n := utf8.RuneCountInString(body); n != 1600 {
		t.Fatalf("%d characters, want 1600", n)
	}
	for _, r := range body {
		if r > 0xFFFF {
			t.Fatalf("%q is outside the BMP: two UCS-2 units", r)
		}
	}
	if !strings.ContainsRune(body, 'ж') { // not in GSM-7: the whole message is UCS-2
		t.Fatalf("no Cyrillic letter in %q", body[:40])
	}
	if form.Get("To") != "+14155550100" || form.Get("From") != "+14155550199" {
		t.Fatalf("To %q, From %q", form.Get("To"), form.Get("From"))
	}
}

func TestProfileSecondsEndWithinTheLoad(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want int
	}{{500 * time.Millisecond, 1}, {3 * time.Second, 3}, {5500 * time.Millisecond, 5}} {
		if got := profileSeconds(tt.d); got != tt.want {
			t.Errorf("profileSeconds(%s) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

// A Switchboard from before IncomingPhoneNumbers answers the purchase 404: seeding goes
// on without it; any other failure of the purchase stops the run.
func TestSeedBuysTheNumberWhereThereAreNumbers(t *testing.T) {
	for _, tt := range []struct {
		buyStatus int
		wantErr   bool
	}{{http.StatusCreated, false}, {http.StatusNotFound, false}, {http.StatusUnauthorized, true}} {
		var bought, created atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/IncomingPhoneNumbers.json"):
				bought.Add(1)
				w.WriteHeader(tt.buyStatus)
				w.Write([]byte(`{"sid":"PN1"}`))
			case strings.HasSuffix(r.URL.Path, "/Messages.json"):
				n := created.Add(1)
				w.WriteHeader(http.StatusCreated)
				fmt.Fprintf(w, `{"sid":"SM%d"}`, n)
			default:
				http.NotFound(w, r)
			}
		}))
		a := switchboardAPI(before, srv.URL, accountSid, authToken, 50)
		var log strings.Builder
		sids, err := a.seed(context.Background(), srv.Client(), 20, createForm, &log)
		srv.Close()
		if (err != nil) != tt.wantErr {
			t.Fatalf("purchase HTTP %d: err %v", tt.buyStatus, err)
		}
		if bought.Load() != 1 {
			t.Errorf("purchase HTTP %d: %d purchases, want 1", tt.buyStatus, bought.Load())
		}
		if tt.wantErr {
			continue
		}
		if len(sids) != 20 || created.Load() != 20 || slices.Contains(sids, "") {
			t.Errorf("purchase HTTP %d: %d creates, sids %v", tt.buyStatus, created.Load(), sids)
		}
		if said := strings.Contains(log.String(), "no IncomingPhoneNumbers"); said != (tt.buyStatus == http.StatusNotFound) {
			t.Errorf("purchase HTTP %d: log %q", tt.buyStatus, log.String())
		}
	}
}

// A server of several replicas sends each request to the next of them in turn.
func TestServerSpreadsRequestsOverReplicas(t *testing.T) {
	s := &server{name: "postgres×2", apis: []*api{
		switchboardAPI("postgres×2", "http://r1", accountSid, authToken, 50),
		switchboardAPI("postgres×2", "http://r2", accountSid, authToken, 50),
	}}
	messages := "/2010-04-01/Accounts/" + accountSid + "/Messages"
	calls := "/2010-04-01/Accounts/" + accountSid + "/Calls.json"
	for _, tt := range []struct {
		tgt  vegeta.Targeter
		want []string
	}{
		{s.targeter("create", []string{"SM1"}), []string{"http://r1" + messages + ".json", "http://r2" + messages + ".json", "http://r1" + messages + ".json"}},
		{s.targeter("list", []string{"SM1"}), []string{"http://r1" + messages + ".json?PageSize=50", "http://r2" + messages + ".json?PageSize=50"}},
		{s.targeter("fetch", []string{"SM1", "SM2"}), []string{ // each replica's own turn through the SIDs
			"http://r1" + messages + "/SM2.json", "http://r2" + messages + "/SM2.json", "http://r1" + messages + "/SM1.json", "http://r2" + messages + "/SM1.json"}},
		{s.post(callsURL, "To=x"), []string{"http://r1" + calls, "http://r2" + calls, "http://r1" + calls}},
	} {
		for i, want := range tt.want {
			var target vegeta.Target
			if err := tt.tgt(&target); err != nil {
				t.Fatal(err)
			}
			if target.URL != want {
				t.Errorf("request %d: %s, want %s", i, target.URL, want)
			}
		}
	}
	one := &server{name: switchboard, apis: []*api{switchboardAPI(switchboard, "http://sb", accountSid, authToken, 50)}}
	tgt := one.post(createURL, createForm)
	for range 2 {
		var target vegeta.Target
		if err := tgt(&target); err != nil || target.URL != "http://sb"+messages+".json" || string(target.Body) != createForm {
			t.Fatalf("%+v, %v", target, err)
		}
	}
}

func TestParseCPUTicks(t *testing.T) {
	tests := []struct {
		stat string
		want int64
		ok   bool
	}{
		{"4242 (switchboard) S 1 4242 4242 0 -1 4194560 2210 0 0 0 157 42 0 0 20 0 9 0 100 0 0", 199, true},
		// The command name may hold spaces and parentheses.
		{"7 (a b) (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 0 0", 7, true},
		{"7 (short) R 1 2 3", 0, false},
		{"no parenthesis", 0, false},
		{"7 (x) R 1 7 7 0 -1 0 0 0 0 0 three 4 0", 0, false},
	}
	for _, tt := range tests {
		got, err := parseCPUTicks(tt.stat)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseCPUTicks(%q) = %d, %v; want %d, ok %v", tt.stat, got, err, tt.want, tt.ok)
		}
	}
}

// TestCPUCost: the meter divides the CPU time of the server's processes (clock ticks of
// 10 ms) and of the harness by the operations; an unreadable reading, or no operation,
// is unknown, and shown as "?".
func TestCPUCost(t *testing.T) {
	if got := (cpuCost{370 * time.Microsecond, 85 * time.Microsecond, true}).String(); got != "0.37 + 0.09 ms" {
		t.Errorf("String = %q", got)
	}
	if got := (cpuCost{}).String(); got != "?" {
		t.Errorf("unknown cost = %q", got)
	}
	if got := medianCPU([]cpuCost{{1, 9, true}, {3, 7, true}, {2, 8, true}}); got != (cpuCost{2, 8, true}) {
		t.Errorf("median of rounds = %+v", got)
	}
	if got := medianCPU([]cpuCost{{1, 9, true}, {}}); got.ok {
		t.Errorf("median with an unknown round = %+v, want unknown", got)
	}
	if got := medianCPU(nil); got.ok {
		t.Errorf("median of no rounds = %+v", got)
	}
	// A live process: this test binary, as a server of one process.
	self := &process{cmd: exec.Command("true")}
	self.cmd.Process = &os.Process{Pid: os.Getpid()}
	m := startCPU(&server{procs: []*process{self}})
	for deadline := time.Now().Add(50 * time.Millisecond); time.Now().Before(deadline); {
	}
	c := m.stop(10)
	if !c.ok || c.harness <= 0 || c.harness > 50*time.Millisecond/10*2 {
		t.Errorf("50 ms of spinning over 10 operations: %+v", c)
	}
	if m.stop(0).ok {
		t.Errorf("no operations: a cost")
	}
}
