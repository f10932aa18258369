package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The pure part of the lifecycle phases (lifecycle.go runs them): what the receiver
// heard, turned into rates and latencies; the outbox's depth, read from /metrics and
// judged; and the tables that print them. It runs nothing, so lifecycle_test.go tests it.

// created is one create a server accepted: the SID it answered with, when the request
// was sent and when its answer came.
type created struct {
	sid            string
	sent, answered time.Time
}

// callbackKey names one callback: the SID of a message or call and the status it reports.
type callbackKey struct{ sid, status string }

// arrival is what the receiver heard of one callbackKey: when it first came and how
// many times in all (a callback sent again counts, and is a duplicate).
type arrival struct {
	first time.Time
	count int
}

// flowStats are the figures of one batch of creates followed to their last callback.
type flowStats struct {
	accepted, failed      int           // creates answered 2xx, and not
	createRate            float64       // accepted / (first sent → last answered)
	finalRate             float64       // final callbacks / (first sent → last final callback)
	p50, p99              time.Duration // each create's sending → its final callback
	tail                  time.Duration // last create answered → last final callback
	callbacks, duplicates int           // every callback heard, and those heard before
	missing               int           // accepted creates with no final callback
	cpu                   cpuCost       // CPU time per accepted create, from the first create to the last final callback
}

// flow follows creates to their final callbacks (final: "delivered", "completed") in
// what the receiver heard. Callbacks of SIDs not among creates (a create whose answer
// was lost) are counted, not followed.
func flow(creates []created, failed int, heard map[callbackKey]arrival, final string) flowStats {
	s := flowStats{accepted: len(creates), failed: failed}
	for _, a := range heard {
		s.callbacks += a.count
		s.duplicates += a.count - 1
	}
	if len(creates) == 0 {
		return s
	}
	first, lastAnswered := span(creates)
	s.createRate = createRate(creates)
	var lastFinal time.Time
	latencies := make([]time.Duration, 0, len(creates))
	for _, c := range creates {
		a, ok := heard[callbackKey{c.sid, final}]
		if !ok {
			s.missing++
			continue
		}
		latencies = append(latencies, a.first.Sub(c.sent))
		if a.first.After(lastFinal) {
			lastFinal = a.first
		}
	}
	if len(latencies) == 0 {
		return s
	}
	s.finalRate = perSecond(len(latencies), lastFinal.Sub(first))
	s.tail = lastFinal.Sub(lastAnswered)
	slices.Sort(latencies)
	s.p50, s.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	return s
}

// span is when the first of creates (at least one) was sent and when the last was answered.
func span(creates []created) (first, lastAnswered time.Time) {
	first, lastAnswered = creates[0].sent, creates[0].answered
	for _, c := range creates[1:] {
		if c.sent.Before(first) {
			first = c.sent
		}
		if c.answered.After(lastAnswered) {
			lastAnswered = c.answered
		}
	}
	return first, lastAnswered
}

// createRate is creates per second from the first sent to the last answered; 0 for none.
func createRate(creates []created) float64 {
	if len(creates) == 0 {
		return 0
	}
	first, last := span(creates)
	return perSecond(len(creates), last.Sub(first))
}

// perSecond is n over d, per second; 0 when d is not positive.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 1) of sorted, which holds
// at least one value: the smallest value with at least p of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// parseGauge returns the value of the unlabelled series name in a Prometheus text
// exposition (# HELP and # TYPE lines, then "name value [timestamp]"); ok is false when
// there is none.
func parseGauge(exposition io.Reader, name string) (value float64, ok bool, err error) {
	sc := bufio.NewScanner(exposition)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, found := strings.CutPrefix(line, name)
		if !found || strings.HasPrefix(line, "#") {
			continue
		}
		rest = strings.TrimPrefix(rest, "{}")
		if rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue // another metric whose name starts with name, or a labelled series
		}
		fields := strings.Fields(rest)
		if len(fields) < 1 || len(fields) > 2 {
			return 0, false, fmt.Errorf("unexpected line %q", line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, false, fmt.Errorf("unexpected line %q: %w", line, err)
		}
		return v, true, nil
	}
	return 0, false, sc.Err()
}

// depthSample is one reading of the outbox's depth, at a time since the creates began.
type depthSample struct {
	at    time.Duration
	depth float64
}

// depthFigures sum up the outbox's depth over a sustained run of creates.
type depthFigures struct {
	samples int
	max     float64 // the highest reading, creates and drain
	atEnd   float64 // the last reading while the creates ran
	final   float64 // the reading once the last callback came
	rise    float64 // of the least-squares line through the second half's readings, in jobs
	bounded bool    // rise ≤ boundedRise(the first half's peak)
}

// boundedRise is how much the depth may rise over the second half of a sustained run
// and still count as bounded: a tenth of the first half's peak, or 10 jobs, whichever is
// more. A queue that keeps up swings around a level; one that falls behind grows by
// the shortfall every second, which the fitted line shows however the readings swing.
func boundedRise(firstHalfPeak float64) float64 { return max(firstHalfPeak/10, 10) }

// depthOf sums up the readings of a run whose creates lasted d; the last reading is the
// one taken after the drain.
func depthOf(samples []depthSample, d time.Duration) depthFigures {
	f := depthFigures{samples: len(samples)}
	if len(samples) == 0 {
		return f
	}
	var firstPeak float64
	var xs, ys []float64
	for _, s := range samples {
		f.max = max(f.max, s.depth)
		switch {
		case s.at < d/2:
			firstPeak = max(firstPeak, s.depth)
		case s.at <= d:
			xs, ys = append(xs, s.at.Seconds()), append(ys, s.depth)
		}
		if s.at <= d {
			f.atEnd = s.depth
		}
	}
	f.final = samples[len(samples)-1].depth
	f.rise = slope(xs, ys) * (d / 2).Seconds()
	f.bounded = len(xs) >= 2 && f.rise <= boundedRise(firstPeak)
	return f
}

// slope is the least-squares slope of ys over xs; 0 for fewer than two distinct xs.
func slope(xs, ys []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/float64(len(xs)), my/float64(len(xs))
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// lifecycleSettings are the phases' settings, as the flags gave them.
type lifecycleSettings struct {
	messages, calls int
	callSpeed       float64
	sustain         time.Duration
	sustainFraction float64
	sustainRate     float64 // fixed creates per second; 0 for sustainFraction of the create workload's rate
}

// callStats are the calls phase of one server: creates with the TwiML inline and no
// callback, then the same number followed to their completed callback.
type callStats struct {
	createOnly float64 // calls created per second, no callbacks
	flowStats
}

// sustainStats are the sustained phase of one server.
type sustainStats struct {
	target   float64 // creates per second asked for
	achieved float64 // creates accepted per second of the run
	flowStats
	depth depthFigures
}

// lifecycleResults are every lifecycle phase of one run, by server.
type lifecycleResults struct {
	settings   lifecycleSettings
	createRate map[string]float64 // the create workload's rate at lifecycleConns, median of the rounds; absent when not measured
	messages   map[string]flowStats
	calls      map[string]callStats
	sustain    map[string]sustainStats
	notes      []string // phases skipped, and why
}

// problems are what the lifecycle phases found wrong: callbacks that never came.
func (lr *lifecycleResults) problems() []string {
	var out []string
	check := func(phase, server string, s flowStats, final string) {
		if s.missing > 0 {
			out = append(out, fmt.Sprintf("%s on %s: %d of %d accepted creates had no %s callback", phase, server, s.missing, s.accepted, final))
		}
	}
	for _, srv := range slices.Sorted(maps.Keys(lr.messages)) {
		check("end to end, messages", srv, lr.messages[srv], "delivered")
	}
	for _, srv := range slices.Sorted(maps.Keys(lr.calls)) {
		check("end to end, calls", srv, lr.calls[srv].flowStats, "completed")
	}
	for _, srv := range slices.Sorted(maps.Keys(lr.sustain)) {
		check("sustained", srv, lr.sustain[srv].flowStats, "delivered")
	}
	return out
}

// writeLifecycleTables writes one table per phase that ran, with a paragraph saying what
// it measured, and the notes.
func writeLifecycleTables(w io.Writer, lr *lifecycleResults, servers []string) {
	st := lr.settings
	if len(lr.messages) > 0 {
		fmt.Fprintf(w, "\nEnd to end, messages: %d created at %d connections, each with a StatusCallback to a receiver in the harness "+
			"that answers at once. delivered/s runs from the first create to the last `delivered` callback; / create divides it by "+
			"the same server's create workload at %d connections (median of the rounds; no callbacks). Latencies run from each "+
			"create's request to its `delivered` callback; tail from the last create's answer to the last `delivered`. A message is "+
			"delivered three --delivery-delay steps (3 × 100 ms by default) after its create at the earliest. CPU/msg is the CPU time "+
			"the server, and the harness (its load generator and the receiver), used over the phase per message: set it beside the "+
			"create workload's CPU/req.\n\n",
			st.messages, lifecycleConns, lifecycleConns)
		fmt.Fprintln(w, "| messages, end to end | created | creates/s | delivered/s | / create | CPU/msg | p50 | p99 | tail | callbacks | duplicates | missing | failed creates |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, srv := range servers {
			s, ok := lr.messages[srv]
			if !ok {
				continue
			}
			fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %s | %s | %s | %d | %d | %d | %d |\n", srv, s.accepted, s.createRate,
				s.finalRate, ratioOf(s.finalRate, lr.createRate[srv]), s.cpu, s.latencyCells(), s.callbacks, s.duplicates, s.missing, s.failed)
		}
	}
	if len(lr.calls) > 0 {
		fmt.Fprintf(w, "\nEnd to end, calls: %d created at %d connections, each with Url on the receiver (which answers `%s`) and a "+
			"StatusCallback for `completed`, at --call-speed %g: a call rings 2 s (--call-answer-delay's default) and says Hi for 0.4 s in "+
			"simulated time, %s of wall time at the least. completed/s runs from the first create to the last `completed` callback; "+
			"/ create-only divides it by create-only/s, the rate of creating as many calls just before with that TwiML inline "+
			"and no callback. Latencies run from each create's request to its `completed` callback.\n\n",
			st.calls, lifecycleConns, sayHi, st.callSpeed, msRound(time.Duration(float64(2400*time.Millisecond)/st.callSpeed)))
		fmt.Fprintln(w, "| calls, end to end | created | create-only/s | creates/s | completed/s | / create-only | CPU/call | p50 | p99 | tail | callbacks | duplicates | missing | failed creates |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, srv := range servers {
			s, ok := lr.calls[srv]
			if !ok {
				continue
			}
			fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.0f | %s | %s | %s | %d | %d | %d | %d |\n", srv, s.accepted, s.createOnly,
				s.createRate, s.finalRate, ratioOf(s.finalRate, s.createOnly), s.cpu, s.latencyCells(), s.callbacks, s.duplicates, s.missing, s.failed)
		}
	}
	if len(lr.sustain) > 0 {
		target := fmt.Sprintf("%.2f × the same server's create workload at %d connections", st.sustainFraction, lifecycleConns)
		if st.sustainRate > 0 {
			target = fmt.Sprintf("%.0f per second", st.sustainRate)
		}
		fmt.Fprintf(w, "\nSustained: creates with a StatusCallback at a fixed rate (%s) for %s, open loop (at most %d "+
			"connections); switchboard_outbox_depth read from /metrics every %s. bounded: the least-squares line through the "+
			"second half's readings rises by at most a tenth of the first half's peak (or 10 jobs). drain runs from the last "+
			"create's answer to the last `delivered` callback; after drain is the depth read then.\n\n",
			target, st.sustain, sustainMaxConns, depthInterval)
		fmt.Fprintln(w, "| sustained | target/s | achieved/s | p50 | p99 | depth max | at end of creates | after drain | rise, 2nd half | bounded | drain | missing | failed creates |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
		for _, srv := range servers {
			s, ok := lr.sustain[srv]
			if !ok {
				continue
			}
			d := s.depth
			depths := "| – | – | – | – | no gauge |"
			if d.samples > 0 {
				depths = fmt.Sprintf("| %.0f | %.0f | %.0f | %+.0f | %s |", d.max, d.atEnd, d.final, d.rise, yesNo(d.bounded))
			}
			p50, p99, tail := s.latencies()
			fmt.Fprintf(w, "| %s | %.0f | %.0f | %s | %s %s %s | %d | %d |\n", srv, s.target, s.achieved, p50, p99, depths, tail, s.missing, s.failed)
		}
	}
	if len(lr.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range lr.notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

// latencies are p50, p99 and the tail in the tables: "–" when no final callback came.
func (s flowStats) latencies() (p50, p99, tail string) {
	if s.accepted == s.missing {
		return "–", "–", "–"
	}
	return msRound(s.p50), msRound(s.p99), msRound(s.tail)
}

// latencyCells are the latencies as three cells of a row.
func (s flowStats) latencyCells() string {
	p50, p99, tail := s.latencies()
	return p50 + " | " + p99 + " | " + tail
}

// ratioOf is a / b to two places, or "–" without a b.
func ratioOf(a, b float64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// msRound is d in whole milliseconds, for the lifecycle's latencies of tens and hundreds.
func msRound(d time.Duration) string {
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}
