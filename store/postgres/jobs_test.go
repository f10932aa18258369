package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// TestClaimReadsTheQueueIndex: a claim looks for an earlier job of each candidate's queue
// through the index jobs_queue, whether the planner has statistics of the table or not;
// and a capped claim that reads group by group walks the groups, and reads each one's
// jobs, in the index jobs_group_ready.
// Without them (a new database, or a queue grown fast since autovacuum last looked) it
// read the whole table once per candidate: with 5,000 ready callbacks a claim took 3.5 s
// on an idle machine, and two replicas' webhooks stood still for tens of seconds.
func TestClaimReadsTheQueueIndex(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, `INSERT INTO jobs (kind, account_sid, resource_sid, queue, target, payload, due_at, ready_at, date_created)
		SELECT 'webhook', 'AC1', 'SM' || g, 'SM' || g, '127.0.0.1:1', '{}', g, g, 0 FROM generate_series(1, 5000) g`); err != nil {
		t.Fatal(err)
	}
	kinds := []string{"webhook", "call.webhook"}
	until := []int64{time.Now().Add(time.Minute).UnixMilli(), time.Now().Add(time.Minute).UnixMilli()}
	now := timeArg(time.Now())
	queue, group := "using jobs_queue on jobs p", "using jobs_group_ready on jobs"
	queries := []struct {
		name  string
		query string
		args  []any
		wants []string // in the plan
	}{
		{"uncapped", claimOldest + prefixed("jobs.", jobCols), []any{"owner", kinds, until, now, 64}, []string{queue}},
		{"capped", claimCandidates, []any{kinds, now, store.ClaimCandidates * 64}, []string{queue}},
		{"capped, a group's jobs", groupReadyJobs, []any{"AC1", "127.0.0.1:1", now, kinds, store.ClaimCandidates * 64}, []string{queue, group}},
		{"capped, the first group", firstGroup, nil, []string{group}},
		{"capped, the next group", nextGroup, []any{"AC1", "127.0.0.1:1"}, []string{group}},
		{"capped, the next account", nextAccount, []any{"AC1"}, []string{group}},
	}
	for _, stats := range []string{"before ANALYZE", "after ANALYZE"} {
		if stats == "after ANALYZE" {
			if _, err := db.pool.Exec(ctx, "ANALYZE jobs"); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range queries {
			rows, err := db.pool.Query(ctx, "EXPLAIN "+q.query, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(plan, "\n")
			for _, want := range q.wants {
				if !strings.Contains(joined, want) {
					t.Errorf("%s claim, %s: no %q in the plan:\n%s", q.name, stats, want, joined)
				}
			}
		}
	}
}
