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

// The two servers, in the order their columns appear.
const (
	switchboard = "switchboard"
	baseline    = "baseline"
)

// cellKey names one measured cell: a server under one workload at one concurrency.
type cellKey struct {
	server   string
	workload string
	conns    int
}

// cell is everything measured for one cellKey over all rounds.
type cell struct {
	reqPerSec  []float64     // successful requests per second, one per round
	rowsPerReq int           // rows each request returns: the page size for lists, else 1
	p50, p99   time.Duration // over every request of every round
	peakRSSKB  int64         // highest VmHWM seen at the end of a round
	requests   uint64
	failures   uint64 // requests that got no 2xx answer
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

// ratios compares Switchboard with the baseline round by round, in rows per second:
// each round measured both servers back to back, so a round's ratio is what noise from
// the rest of the machine disturbs least. It returns one ratio per round both have.
func ratios(sb, base *cell) []float64 {
	var out []float64
	for i := range min(len(sb.reqPerSec), len(base.reqPerSec)) {
		b := base.reqPerSec[i] * float64(base.rowsPerReq)
		if b == 0 {
			continue
		}
		out = append(out, sb.reqPerSec[i]*float64(sb.rowsPerReq)/b)
	}
	return out
}

// writeTables writes the per-server table and the ratio table, in Markdown.
func writeTables(w io.Writer, res results, workloads []string, concs []int) {
	fmt.Fprintln(w, "| workload | conns | server | req/s | rows/s | p50 | p99 | peak RSS | failed |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, wl := range workloads {
		for _, c := range concs {
			for _, srv := range []string{switchboard, baseline} {
				x := res[cellKey{srv, wl, c}]
				if x == nil {
					continue
				}
				rps := median(x.reqPerSec)
				fmt.Fprintf(w, "| %s | %d | %s | %.0f | %.0f | %s | %s | %s | %d |\n",
					workloadLabel(wl, srv), c, srv, rps, rps*float64(x.rowsPerReq),
					ms(x.p50), ms(x.p99), mb(x.peakRSSKB), x.failures)
			}
		}
	}
	fmt.Fprintln(w)

	fmt.Fprint(w, "| Switchboard / baseline |")
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
		if wl == "list" {
			name = "list (rows/s vs baseline fetch)"
		}
		fmt.Fprintf(w, "| %s |", name)
		for _, c := range concs {
			sb, base := res[cellKey{switchboard, wl, c}], res[cellKey{baseline, wl, c}]
			if sb == nil || base == nil {
				fmt.Fprint(w, " – |")
				continue
			}
			fmt.Fprintf(w, " %s |", ratioText(ratios(sb, base)))
		}
		fmt.Fprintln(w)
	}
}

// ratioText is the median ratio, with the range over rounds when there are several.
func ratioText(rs []float64) string {
	switch len(rs) {
	case 0:
		return "–"
	case 1:
		return fmt.Sprintf("%.2f", rs[0])
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f)", median(rs), slices.Min(rs), slices.Max(rs))
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
