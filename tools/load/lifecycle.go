package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The lifecycle phases measure what happens after a create, on every Switchboard of the
// run (the baseline has no lifecycle): messages and calls created at lifecycleConns
// connections and followed to their last status callback, and creates at a fixed rate
// for a while, with the outbox's depth read from /metrics. The callbacks go to a
// receiver in the harness on loopback, which answers at once. They run once, after the
// rounds, each server in turn, each after waitIdle.

const (
	lifecycleConns  = 32                     // connections of the end-to-end creates, as the create workload's they are compared with
	sustainMaxConns = 256                    // at most this many creates in flight in the sustained run (Switchboard allows 512 per IP)
	depthInterval   = 250 * time.Millisecond // between two readings of the outbox's depth
	callbackQuiet   = 30 * time.Second       // a phase stops waiting for callbacks when none has come for this long
	outboxDepth     = "switchboard_outbox_depth"
	// sayHi is the TwiML of every call: one word, 0.4 s of simulated time.
	sayHi = "<Response><Say>Hi</Say></Response>"
)

// receiver is the app the phases point their callbacks at: POST /status counts status
// callbacks by SID (MessageSid or CallSid) and status (MessageStatus or CallStatus),
// and /twiml answers sayHi to a call's request for its TwiML.
type receiver struct {
	url string
	srv *http.Server

	mu    sync.Mutex
	heard map[callbackKey]arrival
	twiml int       // requests for TwiML
	bad   int       // status callbacks without a SID or a status
	last  time.Time // when the latest callback came
}

// startReceiver starts a receiver on a free loopback port.
func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String(), heard: map[callbackKey]arrival{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln) //nolint:errcheck // ErrServerClosed once closed
	return r, nil
}

func (r *receiver) close() { r.srv.Close() } //nolint:errcheck // the listener's error does not matter after a phase

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	if err := req.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch req.URL.Path {
	case "/twiml":
		r.mu.Lock()
		r.twiml++
		r.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, sayHi) //nolint:errcheck // the server sees a failed answer itself
	case "/status":
		key := callbackKey{req.PostForm.Get("MessageSid"), req.PostForm.Get("MessageStatus")}
		if key.sid == "" {
			key = callbackKey{req.PostForm.Get("CallSid"), req.PostForm.Get("CallStatus")}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if key.sid == "" || key.status == "" {
			r.bad++
			http.Error(w, "no MessageSid and MessageStatus, or CallSid and CallStatus", http.StatusBadRequest)
			return
		}
		a := r.heard[key]
		if a.count == 0 {
			a.first = now
		}
		a.count++
		r.heard[key] = a
		r.last = now
	default:
		http.NotFound(w, req)
	}
}

// snapshot is a copy of what the receiver has heard.
func (r *receiver) snapshot() map[callbackKey]arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[callbackKey]arrival, len(r.heard))
	for k, v := range r.heard {
		out[k] = v
	}
	return out
}

// oddities are the receiver's notes for the report: status callbacks it could not read,
// and requests for TwiML other than one per call (wantTwiml; -1 for a phase without calls).
func (r *receiver) oddities(phase, server string, wantTwiml int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	if r.bad > 0 {
		out = append(out, fmt.Sprintf("%s, %s: %d status callbacks without a SID or a status.", phase, server, r.bad))
	}
	if wantTwiml >= 0 && r.twiml != wantTwiml {
		out = append(out, fmt.Sprintf("%s, %s: %d requests for TwiML for %d calls.", phase, server, r.twiml, wantTwiml))
	}
	return out
}

// await waits until every one of creates has had its final callback, or until no
// callback has come for callbackQuiet (flow then counts the missing ones), or a process
// of s exits.
func (r *receiver) await(ctx context.Context, s *server, creates []created, final string) error {
	start := time.Now()
	pending := slices.Clone(creates) // shrinks as their callbacks come, so that a look holds the lock briefly
	for {
		r.mu.Lock()
		pending = slices.DeleteFunc(pending, func(c created) bool {
			_, ok := r.heard[callbackKey{c.sid, final}]
			return ok
		})
		last := r.last
		r.mu.Unlock()
		if last.Before(start) {
			last = start
		}
		if len(pending) == 0 || time.Since(last) > callbackQuiet {
			return nil
		}
		if err := s.alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// countPacer sends n requests, as fast as the workers take them: with MaxWorkers at N,
// a closed loop of N connections that stops after n.
type countPacer struct{ n uint64 }

func (c countPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) { return 0, hits >= c.n }

func (c countPacer) Rate(time.Duration) float64 { return 0 }

// attackCreates sends tgt's creates to s, paced by pacer for at most d (0: until pacer
// stops), from at most conns connections, and returns the accepted ones with their SIDs
// and the number of others (no 2xx answer, or no SID in it).
func attackCreates(ctx context.Context, s *server, tgt vegeta.Targeter, pacer vegeta.Pacer, d time.Duration, conns int) ([]created, int, error) {
	if err := s.alive(); err != nil {
		return nil, 0, err
	}
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	defer transport.CloseIdleConnections()
	attacker := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: transport, Timeout: 30 * time.Second}),
		vegeta.Workers(uint64(min(conns, lifecycleConns))), vegeta.MaxWorkers(uint64(conns)),
	)
	stopOnCancel := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stopOnCancel()
	var creates []created
	failed := 0
	for res := range attacker.Attack(tgt, pacer, d, s.name) {
		var m struct{ Sid string }
		if res.Code < 200 || res.Code > 299 || json.Unmarshal(res.Body, &m) != nil || m.Sid == "" {
			failed++
			continue
		}
		creates = append(creates, created{sid: m.Sid, sent: res.Timestamp, answered: res.End()})
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	return creates, failed, s.alive()
}

// createURL and callsURL pick a replica's URL, for server.post.
func createURL(a *api) string { return a.createURL }
func callsURL(a *api) string  { return a.callsURL }

// depthSampler reads the outbox's depth from /metrics every depthInterval.
type depthSampler struct {
	metricsURL string
	client     *http.Client
	start      time.Time
	stopped    chan struct{}
	done       chan struct{}
	samples    []depthSample
	err        error // the first failed reading; a missing gauge is no error
}

// startDepthSampler starts reading at once; times are measured from start.
func startDepthSampler(ctx context.Context, metricsURL string, start time.Time) *depthSampler {
	s := &depthSampler{metricsURL: metricsURL, client: &http.Client{Timeout: 5 * time.Second}, start: start,
		stopped: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(depthInterval)
		defer tick.Stop()
		for {
			s.read(ctx)
			select {
			case <-ctx.Done():
				return
			case <-s.stopped:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// read takes one reading.
func (s *depthSampler) read(ctx context.Context) {
	at := time.Since(s.start)
	v, ok, err := readGauge(ctx, s.client, s.metricsURL, outboxDepth)
	switch {
	case err != nil && s.err == nil:
		s.err = err
	case ok:
		s.samples = append(s.samples, depthSample{at: at, depth: v})
	}
}

// stop stops the readings, takes a last one (after the drain) and returns them all.
func (s *depthSampler) stop(ctx context.Context) ([]depthSample, error) {
	close(s.stopped)
	<-s.done
	s.read(ctx)
	return s.samples, s.err
}

// readGauge GETs a Prometheus text exposition and returns the gauge name from it.
func readGauge(ctx context.Context, client *http.Client, target, name string) (float64, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, false, fmt.Errorf("GET %s: HTTP %d", target, resp.StatusCode)
	}
	return parseGauge(resp.Body, name)
}

// knowsFlag reports whether a Switchboard binary has the flag name, from the list of
// flags its --help prints (Go's flag package: "  -name type" or "  -name" on a line).
func knowsFlag(ctx context.Context, bin, name string) bool {
	out, _ := exec.CommandContext(ctx, bin, "--help").CombinedOutput() // --help exits 0; an older build may exit 2
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "-"+name {
			return true
		}
	}
	return false
}

// lifecycle runs the lifecycle phases on the Switchboards of a run.
type lifecycle struct {
	o      options
	srvs   map[string]*server
	all    []*process // every server's, for waitIdle
	stderr io.Writer
	out    *lifecycleResults
}

// runLifecycle runs every phase the options ask for on each server of servers but the
// baseline; noCalls are the servers whose binary has no --call-speed (a build from before
// calls): their calls phase is skipped. res are the rounds' results, for the create
// workload's rate.
func runLifecycle(ctx context.Context, o options, servers []string, srvs map[string]*server,
	res results, noCalls map[string]bool, stderr io.Writer) (*lifecycleResults, error) {
	lr := &lifecycleResults{
		settings:   o.lifecycle,
		createRate: map[string]float64{},
		messages:   map[string]flowStats{}, calls: map[string]callStats{}, sustain: map[string]sustainStats{},
	}
	l := &lifecycle{o: o, srvs: srvs, stderr: stderr, out: lr}
	var switchboards []string
	for _, name := range servers {
		l.all = append(l.all, srvs[name].procs...)
		if name != baseline {
			switchboards = append(switchboards, name)
		}
		if x := res[cellKey{name, "create", lifecycleConns}]; x != nil {
			lr.createRate[name] = median(x.reqPerSec)
		}
	}
	st := o.lifecycle
	if st.messages > 0 {
		if _, ok := lr.createRate[switchboard]; !ok {
			lr.notes = append(lr.notes, fmt.Sprintf("End to end, messages: no / create, since the create workload did not run at %d connections.", lifecycleConns))
		}
		for _, name := range switchboards {
			if err := l.messages(ctx, name); err != nil {
				return nil, err
			}
		}
	}
	if st.calls > 0 {
		for _, name := range switchboards {
			if noCalls[name] {
				lr.notes = append(lr.notes, fmt.Sprintf("End to end, calls: %s skipped: its --help has no --call-speed (a build from before calls).", name))
				continue
			}
			if err := l.calls(ctx, name); err != nil {
				return nil, err
			}
		}
	}
	if st.sustain > 0 {
		for _, name := range switchboards {
			rate := st.sustainRate
			if rate == 0 {
				rate = st.sustainFraction * lr.createRate[name]
			}
			if rate < 1 {
				lr.notes = append(lr.notes, fmt.Sprintf("Sustained: %s skipped: no create workload at %d connections to take -sustain-fraction of; give -sustain-rate.", name, lifecycleConns))
				continue
			}
			if err := l.sustain(ctx, name, rate); err != nil {
				return nil, err
			}
		}
	}
	return lr, nil
}

// idle waits for the servers to finish what came before, as before each measurement.
func (l *lifecycle) idle(ctx context.Context) error {
	waited, err := waitIdle(ctx, l.all, time.Minute, l.stderr)
	if err == nil && waited > time.Second {
		fmt.Fprintf(l.stderr, "waited %s for the servers to go idle\n", waited.Round(100*time.Millisecond))
	}
	return err
}

// messages runs the end-to-end messages phase on one server.
func (l *lifecycle) messages(ctx context.Context, name string) error {
	if err := l.idle(ctx); err != nil {
		return err
	}
	rcv, err := startReceiver()
	if err != nil {
		return err
	}
	defer rcv.close()
	s, n := l.srvs[name], l.o.lifecycle.messages
	tgt := s.post(createURL, messageForm(rcv.url+"/status"))
	meter := startCPU(s)
	creates, failed, err := attackCreates(ctx, s, tgt, countPacer{uint64(n)}, 0, lifecycleConns)
	if err != nil {
		return err
	}
	if err := rcv.await(ctx, s, creates, "delivered"); err != nil {
		return err
	}
	f := flow(creates, failed, rcv.snapshot(), "delivered")
	f.cpu = meter.stop(f.accepted)
	l.out.messages[name] = f
	l.out.notes = append(l.out.notes, rcv.oddities("End to end, messages", name, -1)...)
	fmt.Fprintf(l.stderr, "end to end, messages %-11s %5d created %8.0f creates/s %8.0f delivered/s  p50 %s  p99 %s  missing %d\n",
		name, f.accepted, f.createRate, f.finalRate, msRound(f.p50), msRound(f.p99), f.missing)
	return nil
}

// calls runs the end-to-end calls phase on one server: first as many calls with the
// TwiML inline and no callback, for the create-only rate, then the calls followed to
// their completed callback.
func (l *lifecycle) calls(ctx context.Context, name string) error {
	srv, n := l.srvs[name], l.o.lifecycle.calls
	if err := l.idle(ctx); err != nil {
		return err
	}
	only, failed, err := attackCreates(ctx, srv, srv.post(callsURL, callForm(url.Values{"Twiml": {sayHi}})),
		countPacer{uint64(n)}, 0, lifecycleConns)
	if err != nil {
		return err
	}
	createOnly := createRate(only)
	if failed > 0 {
		fmt.Fprintf(l.stderr, "end to end, calls %s: %d of the create-only calls failed\n", name, failed)
	}

	if err := l.idle(ctx); err != nil {
		return err
	}
	rcv, err := startReceiver()
	if err != nil {
		return err
	}
	defer rcv.close()
	form := callForm(url.Values{"Url": {rcv.url + "/twiml"}, "StatusCallback": {rcv.url + "/status"}})
	meter := startCPU(srv)
	creates, failed, err := attackCreates(ctx, srv, srv.post(callsURL, form), countPacer{uint64(n)}, 0, lifecycleConns)
	if err != nil {
		return err
	}
	if err := rcv.await(ctx, srv, creates, "completed"); err != nil {
		return err
	}
	s := callStats{createOnly: createOnly, flowStats: flow(creates, failed, rcv.snapshot(), "completed")}
	s.cpu = meter.stop(s.accepted)
	l.out.calls[name] = s
	l.out.notes = append(l.out.notes, rcv.oddities("End to end, calls", name, s.accepted)...)
	fmt.Fprintf(l.stderr, "end to end, calls %-11s %5d created %8.0f create-only/s %8.0f creates/s %8.0f completed/s  p50 %s  p99 %s  missing %d\n",
		name, s.accepted, s.createOnly, s.createRate, s.finalRate, msRound(s.p50), msRound(s.p99), s.missing)
	return nil
}

// sustain runs the sustained phase on one server: creates with a status callback at
// rate per second for the -sustain duration, reading the outbox's depth throughout and
// until the last callback.
func (l *lifecycle) sustain(ctx context.Context, name string, rate float64) error {
	if err := l.idle(ctx); err != nil {
		return err
	}
	rcv, err := startReceiver()
	if err != nil {
		return err
	}
	defer rcv.close()
	// The outbox's depth counts the jobs of every process on the database: one replica's
	// /metrics is enough.
	srv, d := l.srvs[name], l.o.lifecycle.sustain
	metricsURL := srv.apis[0].metricsURL
	tgt := srv.post(createURL, messageForm(rcv.url+"/status"))
	pacer := vegeta.ConstantPacer{Freq: max(1, int(rate+0.5)), Per: time.Second}
	fmt.Fprintf(l.stderr, "sustained %s: %d creates/s for %s\n", name, pacer.Freq, d)
	sampler := startDepthSampler(ctx, metricsURL, time.Now())
	creates, failed, err := attackCreates(ctx, srv, tgt, pacer, d, sustainMaxConns)
	if err == nil {
		err = rcv.await(ctx, srv, creates, "delivered")
	}
	samples, serr := sampler.stop(ctx)
	if err != nil {
		return err
	}
	if serr != nil {
		fmt.Fprintf(l.stderr, "sustained %s: reading %s: %v\n", name, metricsURL, serr)
	}
	if len(samples) == 0 {
		l.out.notes = append(l.out.notes, fmt.Sprintf("Sustained: %s's /metrics has no %s.", name, outboxDepth))
	}
	s := sustainStats{target: float64(pacer.Freq), achieved: perSecond(len(creates), d),
		flowStats: flow(creates, failed, rcv.snapshot(), "delivered"), depth: depthOf(samples, d)}
	l.out.sustain[name] = s
	l.out.notes = append(l.out.notes, rcv.oddities("Sustained", name, -1)...)
	fmt.Fprintf(l.stderr, "sustained %-11s %8.0f creates/s  depth max %.0f, at end %.0f, after drain %.0f, rise %+.0f  drain %s  missing %d\n",
		name, s.achieved, s.depth.max, s.depth.atEnd, s.depth.final, s.depth.rise, msRound(s.tail), s.missing)
	return nil
}
