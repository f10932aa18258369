package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The pure part of the harness: parsing its lists, reading /proc, and turning
// measurements into the tables it prints. It runs nothing, so report_test.go tests it.

// The servers, in the order their rows appear: Switchboard as built now, on SQLite,
// optionally a second Switchboard (-before: an earlier build, or the same one with other
// flags, named by -before-label), optionally Switchboard on PostgreSQL, one process and
// several sharing a database (postgres, postgres×N: postgres.go), and the reference
// server.
const (
	switchboard = "switchboard"
	before      = "before" // the default -before-label
	baseline    = "baseline"
)

// roundOrder is the order in which round number round measures servers: it walks
// through every permutation of them, so that over the rounds each server follows each
// other one equally often (for two servers: alternately first and second).
func roundOrder(servers []string, round int) []string {
	perms := permutations(servers)
	return perms[round%len(perms)]
}

// permutations lists every order of xs, starting with xs itself.
func permutations(xs []string) [][]string {
	if len(xs) <= 1 {
		return [][]string{slices.Clone(xs)}
	}
	var out [][]string
	for i, first := range xs {
		rest := slices.Concat(xs[:i:i], xs[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]string{first}, p...))
		}
	}
	return out
}

// cellKey names one measured cell: a server under one workload at one concurrency.
type cellKey struct {
	server   string
	workload string
	conns    int
}

// cell is everything measured for one cellKey over all rounds.
type cell struct {
	reqPerSec  []float64       // successful requests per second, one per round
	rowsPerReq int             // rows each request returns: the page size for lists, else 1
	p50, p99   time.Duration   // over every request of every round
	roundP50   []time.Duration // the p50 of each round, for comparing latencies round by round
	peakRSSKB  []int64         // highest VmHWM seen at the end of a round, one per process of the server
	requests   uint64
	failures   uint64    // requests that got no 2xx answer
	cpu        []cpuCost // CPU time per request, one per round
}

// results are the cells of one run.
type results map[cellKey]*cell

// parseWorkloads reads a comma-separated list of workload names, each one of known.
func parseWorkloads(s string, known []string) ([]string, error) {
	var out []string
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if !slices.Contains(known, w) {
			return nil, fmt.Errorf("unknown workload %q (known: %s)", w, strings.Join(known, ", "))
		}
		if slices.Contains(out, w) {
			return nil, fmt.Errorf("workload %q given twice", w)
		}
		out = append(out, w)
	}
	return out, nil
}

// parseConcurrencies reads a comma-separated list of positive connection counts.
func parseConcurrencies(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("concurrency %q is not a positive whole number", f)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("concurrency %d given twice", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseVmHWM returns the peak resident set size, in kB, from the text of
// /proc/<pid>/status ("VmHWM:     45120 kB").
func parseVmHWM(status io.Reader) (int64, error) {
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", sc.Text())
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM line")
}

// cpuModel returns the first "model name" of /proc/cpuinfo's text, or "unknown".
func cpuModel(cpuinfo io.Reader) string {
	sc := bufio.NewScanner(cpuinfo)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

// median of xs (not modified); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ratios compares one server (a) with another (b) round by round, in rows per second:
// each round measured them back to back, so a round's ratio is what noise from the rest
// of the machine disturbs least. It returns one ratio per round both have.
func ratios(a, b *cell) []float64 {
	var out []float64
	for i := range min(len(a.reqPerSec), len(b.reqPerSec)) {
		d := b.reqPerSec[i] * float64(b.rowsPerReq)
		if d == 0 {
			continue
		}
		out = append(out, a.reqPerSec[i]*float64(a.rowsPerReq)/d)
	}
	return out
}

// comparison is one ratio table: server a over server b.
type comparison struct{ a, b string }

// comparisons are the ratio tables a run prints for servers (in the order of their rows):
// each Switchboard on SQLite against the baseline and, with -before, the current one
// against the other; with -postgres, PostgreSQL against SQLite, and several replicas
// against one.
func comparisons(servers []string) []comparison {
	var out []comparison
	for _, s := range servers {
		if s != baseline && !isPostgres(s) {
			out = append(out, comparison{s, baseline})
		}
	}
	for _, s := range servers {
		if s != switchboard && s != baseline && !isPostgres(s) {
			out = append(out, comparison{switchboard, s})
		}
	}
	for _, s := range servers {
		switch {
		case s == postgres:
			out = append(out, comparison{postgres, switchboard})
		case isPostgres(s):
			out = append(out, comparison{s, postgres})
		}
	}
	return out
}

// title names a comparison's table.
func (c comparison) title() string {
	return serverTitle(c.a) + " / " + serverTitle(c.b)
}

func serverTitle(server string) string {
	if server == switchboard {
		return "Switchboard"
	}
	return server
}

// writeTables writes the per-server table, then one ratio table per comparison and, when
// one connection was measured, the table of its p50 latencies, in Markdown.
func writeTables(w io.Writer, res results, servers, workloads []string, concs []int) {
	fmt.Fprintln(w, "| workload | conns | server | req/s | rows/s | p50 | p99 | peak RSS | CPU/req | failed |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, wl := range workloads {
		for _, c := range concs {
			for _, srv := range servers {
				x := res[cellKey{srv, wl, c}]
				if x == nil {
					continue
				}
				rps := median(x.reqPerSec)
				fmt.Fprintf(w, "| %s | %d | %s | %.0f | %.0f | %s | %s | %s | %s | %d |\n",
					workloadLabel(wl, srv), c, srv, rps, rps*float64(x.rowsPerReq),
					ms(x.p50), ms(x.p99), mbs(x.peakRSSKB), medianCPU(x.cpu), x.failures)
			}
		}
	}
	for _, cmp := range comparisons(servers) {
		fmt.Fprintln(w)
		writeRatioTable(w, res, cmp, workloads, concs)
	}
	if slices.Contains(concs, 1) {
		fmt.Fprintln(w)
		writeLatencyTable(w, res, servers, workloads)
	}
}

// writeRatioTable writes the rows-per-second ratio a / b of every workload at every
// concurrency: the median and the range over rounds.
func writeRatioTable(w io.Writer, res results, cmp comparison, workloads []string, concs []int) {
	fmt.Fprintf(w, "| %s |", cmp.title())
	for _, c := range concs {
		fmt.Fprintf(w, " %d conns |", c)
	}
	fmt.Fprint(w, "\n|---|")
	for range concs {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, wl := range workloads {
		name := wl
		if wl == "list" && cmp.b == baseline {
			name = "list (rows/s vs baseline fetch)"
		}
		fmt.Fprintf(w, "| %s |", name)
		for _, c := range concs {
			a, b := res[cellKey{cmp.a, wl, c}], res[cellKey{cmp.b, wl, c}]
			if a == nil || b == nil {
				fmt.Fprint(w, " – |")
				continue
			}
			fmt.Fprintf(w, " %s |", ratioText(ratios(a, b)))
		}
		fmt.Fprintln(w)
	}
}

// writeLatencyTable writes each server's p50 latency at one connection, the median and
// range of the rounds' p50s: with a single client the latency of one request is what
// the rounds measure, and a change of a fraction of a millisecond shows here first.
func writeLatencyTable(w io.Writer, res results, servers, workloads []string) {
	fmt.Fprint(w, "| p50 at 1 conn, ms |")
	for _, srv := range servers {
		fmt.Fprintf(w, " %s |", srv)
	}
	fmt.Fprint(w, "\n|---|")
	for range servers {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, wl := range workloads {
		fmt.Fprintf(w, "| %s |", wl)
		for _, srv := range servers {
			x := res[cellKey{srv, wl, 1}]
			if x == nil || len(x.roundP50) == 0 {
				fmt.Fprint(w, " – |")
				continue
			}
			ps := make([]float64, len(x.roundP50))
			for i, d := range x.roundP50 {
				ps[i] = float64(d) / float64(time.Millisecond)
			}
			fmt.Fprintf(w, " %s |", rangeText(ps, "%.3f"))
		}
		fmt.Fprintln(w)
	}
}

// ratioText is the median ratio, with the range over rounds when there are several.
func ratioText(rs []float64) string { return rangeText(rs, "%.2f") }

// rangeText is the median of xs in format, with the range when there are several.
func rangeText(xs []float64, format string) string {
	switch len(xs) {
	case 0:
		return "–"
	case 1:
		return fmt.Sprintf(format, xs[0])
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", median(xs), slices.Min(xs), slices.Max(xs))
}

// workloadLabel says what the baseline ran for the list workload, which it has no
// route for.
func workloadLabel(workload, server string) string {
	if workload == "list" && server == baseline {
		return "list → fetch"
	}
	return workload
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mb(kb int64) string {
	if kb <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f MB", float64(kb)/1024)
}

// medianCPU is the median over rounds of the server's and of the harness's CPU time per
// request, each on its own; "?" when a round's is unknown.
func medianCPU(rounds []cpuCost) cpuCost {
	var server, harness []float64
	for _, c := range rounds {
		if !c.ok {
			return cpuCost{}
		}
		server, harness = append(server, float64(c.server)), append(harness, float64(c.harness))
	}
	if len(rounds) == 0 {
		return cpuCost{}
	}
	return cpuCost{server: time.Duration(median(server)), harness: time.Duration(median(harness)), ok: true}
}

// mbs is the peak RSS of each process of a server: "45 MB", or "45 MB, 47 MB" for two
// replicas.
func mbs(kbs []int64) string {
	if len(kbs) == 0 {
		return "?"
	}
	out := make([]string, len(kbs))
	for i, kb := range kbs {
		out[i] = mb(kb)
	}
	return strings.Join(out, ", ")
}

// maxEach is the larger of a[i] and b[i] for each i; a may be nil (the first round).
func maxEach(a, b []int64) []int64 {
	out := slices.Clone(b)
	for i := range min(len(a), len(b)) {
		out[i] = max(a[i], b[i])
	}
	return out
}
