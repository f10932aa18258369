package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/switchboard-dev/switchboard"
	"github.com/switchboard-dev/switchboard/app/servertest"
)

// TestMetrics makes a known set of requests, then scrapes /metrics and parses it with
// Prometheus's own text parser: each request must be counted once under its operationId
// and status, and in its operation's latency histogram.
func TestMetrics(t *testing.T) {
	// ListMessages panics, to show that a recovered panic is counted as the 500 it becomes.
	env := servertest.Start(t, servertest.Options{WrapStores: panicking})
	sid, token := env.Main.Sid, env.Main.AuthToken
	messages := "/2010-04-01/Accounts/" + sid + "/Messages"
	form := url.Values{"To": {"+14155550100"}, "From": {testSender}, "Body": {"hi"}}.Encode()

	requests := []struct {
		method, path, token, body string
		wantStatus                int
	}{
		{http.MethodPost, messages + ".json", token, form, 201},
		{http.MethodPost, messages + ".json", token, form, 201},
		{http.MethodPost, messages + ".json", token, "From=%2B15005550006&Body=hi", 400}, // no To
		{http.MethodGet, messages + "/SM" + strings.Repeat("0", 32) + ".json", token, "", 404},
		{http.MethodGet, messages + "/SM" + strings.Repeat("0", 32) + ".json", "wrong", "", 401},
		{http.MethodGet, messages + ".json", token, "", 500},
		{http.MethodGet, "/healthz", "", "", 200},
		{http.MethodGet, "/no/such/path", "", "", 404},
		{http.MethodGet, "/openapi.yaml", "", "", 200},
	}
	want := map[[2]string]float64{ // operation, code -> count
		{"CreateMessage", "201"}: 2,
		{"CreateMessage", "400"}: 1,
		{"FetchMessage", "404"}:  1,
		{"FetchMessage", "401"}:  1,
		{"ListMessages", "500"}:  1,
		{"CheckHealth", "200"}:   1,
		{"other", "404"}:         1,
		{"other", "200"}:         1,
	}
	for _, r := range requests {
		var body io.Reader
		contentType := ""
		if r.body != "" {
			body, contentType = strings.NewReader(r.body), formType
		}
		user := ""
		if r.token != "" {
			user = sid
		}
		if status, got := env.Do(t, r.method, r.path, user, r.token, body, contentType); status != r.wantStatus {
			t.Fatalf("%s %s: HTTP %d, want %d: %s", r.method, r.path, status, r.wantStatus, got)
		}
	}

	families := scrape(t, env)

	requestsTotal := families["switchboard_http_requests_total"]
	if requestsTotal == nil || requestsTotal.GetType() != dto.MetricType_COUNTER {
		t.Fatalf("switchboard_http_requests_total missing or not a counter: %v", requestsTotal)
	}
	got := map[[2]string]float64{}
	for _, m := range requestsTotal.GetMetric() {
		got[[2]string{label(m, "operation"), label(m, "code")}] = m.GetCounter().GetValue()
	}
	for key, n := range want {
		if got[key] != n {
			t.Errorf("requests{operation=%q,code=%q} = %v, want %v", key[0], key[1], got[key], n)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("unexpected series requests{operation=%q,code=%q} = %v", key[0], key[1], got[key])
		}
	}

	// One histogram observation per request, per operation; labels only from the spec.
	operations := operationIDs(t)
	perOperation := map[string]uint64{}
	for key, n := range want {
		perOperation[key[0]] += uint64(n)
	}
	latency := families["switchboard_http_request_duration_seconds"]
	if latency == nil || latency.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("switchboard_http_request_duration_seconds missing or not a histogram: %v", latency)
	}
	seen := 0
	for _, m := range latency.GetMetric() {
		op := label(m, "operation")
		if !operations[op] && op != "other" {
			t.Errorf("histogram label operation=%q is not an operationId of openapi.yaml", op)
		}
		h := m.GetHistogram()
		if h.GetSampleCount() != perOperation[op] {
			t.Errorf("latency{operation=%q} count = %d, want %d", op, h.GetSampleCount(), perOperation[op])
		}
		if h.GetSampleSum() <= 0 {
			t.Errorf("latency{operation=%q} sum = %v, want > 0", op, h.GetSampleSum())
		}
		seen++
	}
	if seen != len(perOperation) {
		t.Errorf("latency histograms for %d operations, want %d", seen, len(perOperation))
	}

	// The Go runtime and process collectors are there too.
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes"} {
		if families[name] == nil {
			t.Errorf("metric %s missing", name)
		}
	}

	// The scrape counted itself once it was answered.
	again := scrape(t, env)
	for _, m := range again["switchboard_http_requests_total"].GetMetric() {
		if label(m, "operation") == "other" && label(m, "code") == "200" && m.GetCounter().GetValue() != 2 {
			t.Errorf("after a scrape, other/200 = %v, want 2 (openapi.yaml and the first scrape)", m.GetCounter().GetValue())
		}
	}
}

// scrape fetches /metrics and parses it as the Prometheus text format.
func scrape(t *testing.T, env *servertest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := env.HTTP.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: HTTP %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// operationIDs returns every operationId in openapi.yaml.
func operationIDs(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(bytes.Clone(switchboard.OpenAPI))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids[op.OperationID] = true
		}
	}
	return ids
}

// TestOutboxMetrics: the jobs a delivery runs are counted by kind and result, and the
// outbox depth is read at scrape time; operations that share a route (a media resource
// and its file) are still told apart.
func TestOutboxMetrics(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	fileURL := servertest.FileServer(t, "image/gif", []byte("GIF89a"))
	req := withCallback(text("+14155550100", testSender, "count me"), rc.URL)
	req.MediaUrl = &[]string{fileURL}
	m := send(t, env.Client, sid, req)
	env.WaitForStatus(t, env.Client, sid, m.Sid, 5*time.Second, "delivered")
	rc.WaitFor(t, 3, 5*time.Second)
	media, err := env.Client.ListMediaWithResponse(t.Context(), sid, m.Sid, nil)
	if err != nil || media.JSON200 == nil || len(media.JSON200.MediaList) != 1 {
		t.Fatalf("list media: %v", err)
	}
	me := media.JSON200.MediaList[0].Sid
	env.Client.FetchMediaWithResponse(t.Context(), sid, m.Sid, me)
	env.Client.FetchMediaContentWithResponse(t.Context(), sid, m.Sid, me)
	env.Client.FetchMediaContentWithResponse(t.Context(), sid, m.Sid, me)

	var families map[string]*dto.MetricFamily
	jobs := map[[2]string]float64{}
	// The last callback's job is finished just after the receiver answered it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		families = scrape(t, env)
		clear(jobs)
		for _, mt := range families["switchboard_outbox_jobs_total"].GetMetric() {
			jobs[[2]string{label(mt, "kind"), label(mt, "result")}] = mt.GetCounter().GetValue()
		}
		if jobs[[2]string{"webhook", "done"}] == 3 || time.Now().After(deadline) {
			break
		}
	}
	want := map[[2]string]float64{{"media.fetch", "done"}: 1, {"message.step", "done"}: 3, {"webhook", "done"}: 3}
	for k, v := range want {
		if jobs[k] != v {
			t.Errorf("jobs %v = %v, want %v (all: %v)", k, jobs[k], v, jobs)
		}
	}
	// Group commit is SQLite's writer's: PostgreSQL commits each write on its own.
	if !env.Postgres() {
		batches := families["switchboard_store_batch_writes"]
		if batches == nil || len(batches.GetMetric()) != 1 || batches.GetMetric()[0].GetHistogram().GetSampleCount() == 0 ||
			families["switchboard_store_commit_seconds"].GetMetric()[0].GetHistogram().GetSampleCount() == 0 {
			t.Errorf("store batch metrics: %v", batches)
		}
	}
	depth := families["switchboard_outbox_depth"]
	if depth == nil || len(depth.GetMetric()) != 1 || depth.GetMetric()[0].GetGauge().GetValue() != 0 {
		t.Errorf("switchboard_outbox_depth = %v, want one gauge at 0", depth)
	}
	requests := map[string]float64{}
	for _, mt := range families["switchboard_http_requests_total"].GetMetric() {
		requests[label(mt, "operation")] += mt.GetCounter().GetValue()
	}
	if requests["FetchMedia"] != 1 || requests["FetchMediaContent"] != 2 {
		t.Errorf("FetchMedia %v, FetchMediaContent %v; want 1 and 2", requests["FetchMedia"], requests["FetchMediaContent"])
	}
}
