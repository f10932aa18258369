package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// TestListQueryPlan checks that keyset pages are read straight off an index in list
// order: a temp b-tree would mean sorting every matching row for each page. Only a
// narrow date window is read off the date index, and sorted, since it is small.
func TestListQueryPlan(t *testing.T) {
	db := openTest(t)
	f := store.MessageFilter{AccountSid: "AC1"}
	to := store.MessageFilter{AccountSid: "AC1", To: "+1001"}
	from := store.MessageFilter{AccountSid: "AC1", From: "+2001"}
	day := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.Add(24 * time.Hour)}
	twoDays := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.Add(narrowDateWindow)}
	overTwoDays := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.Add(narrowDateWindow + time.Millisecond)}
	dayTo := day
	dayTo.To = "+1001"
	month := store.MessageFilter{AccountSid: "AC1", SentFrom: t0, SentUntil: t0.AddDate(0, 1, 0)}
	since := store.MessageFilter{AccountSid: "AC1", SentFrom: t0}
	untilTo := store.MessageFilter{AccountSid: "AC1", To: "+1001", SentUntil: t0}
	tests := []struct {
		name     string
		filter   store.MessageFilter
		page     store.Page
		index    string
		wantSort bool
	}{
		{"first page", f, store.Page{Size: 50}, "messages_account_seq", false},
		{"after", f, store.Page{Size: 50, After: 500_000}, "messages_account_seq", false},
		{"before", f, store.Page{Size: 50, Before: 500_000}, "messages_account_seq", false},
		{"to after", to, store.Page{Size: 50, After: 500_000}, "messages_account_to_seq", false},
		{"to before", to, store.Page{Size: 50, Before: 500_000}, "messages_account_to_seq", false},
		{"from after", from, store.Page{Size: 50, After: 500_000}, "messages_account_from_seq", false},
		{"month first page", month, store.Page{Size: 50}, "messages_account_seq", false},
		{"month after", month, store.Page{Size: 50, After: 500_000}, "messages_account_seq", false},
		{"since first page", since, store.Page{Size: 50}, "messages_account_seq", false},
		{"until to after", untilTo, store.Page{Size: 50, After: 500_000}, "messages_account_to_seq", false},
		{"day first page", day, store.Page{Size: 50}, "messages_account_date", true},
		{"the widest narrow window", twoDays, store.Page{Size: 50}, "messages_account_date", true},
		{"just wider", overTwoDays, store.Page{Size: 50}, "messages_account_seq", false},
		{"day after", day, store.Page{Size: 50, After: 500_000}, "messages_account_date", true},
		{"day to after", dayTo, store.Page{Size: 50, After: 500_000}, "messages_account_date", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query, args, _ := messageListQuery(tt.filter, tt.page)
			plan := explain(t, db, query, args)
			if !strings.Contains(plan, "USING INDEX "+tt.index+" ") {
				t.Errorf("plan does not use %s:\n%s", tt.index, plan)
			}
			if sorts := strings.Contains(plan, "TEMP B-TREE"); sorts != tt.wantSort {
				t.Errorf("plan sorts = %v, want %v:\n%s", sorts, tt.wantSort, plan)
			}
		})
	}
}

// TestCallListQueryPlan: as TestListQueryPlan, for calls: each filter is served by its
// index, in list order, and a narrow time window by its time index.
func TestCallListQueryPlan(t *testing.T) {
	db := openTest(t)
	day := func(f store.CallFilter) store.CallFilter {
		f.StartFrom, f.StartUntil = t0, t0.Add(24*time.Hour)
		return f
	}
	tests := []struct {
		name     string
		filter   store.CallFilter
		page     store.Page
		index    string
		wantSort bool
	}{
		{"first page", store.CallFilter{}, store.Page{Size: 50}, "calls_account_seq", false},
		{"after", store.CallFilter{}, store.Page{Size: 50, After: 500_000}, "calls_account_seq", false},
		{"before", store.CallFilter{}, store.Page{Size: 50, Before: 500_000}, "calls_account_seq", false},
		{"to", store.CallFilter{To: "+1"}, store.Page{Size: 50, After: 500_000}, "calls_account_to_seq", false},
		{"from", store.CallFilter{From: "+1"}, store.Page{Size: 50}, "calls_account_from_seq", false},
		{"parent", store.CallFilter{ParentCallSid: "CA1"}, store.Page{Size: 50}, "calls_account_parent_seq", false},
		{"status", store.CallFilter{Status: "completed"}, store.Page{Size: 50, After: 500_000}, "calls_account_status_seq", false},
		{"started since", store.CallFilter{StartFrom: t0}, store.Page{Size: 50}, "calls_account_seq", false},
		{"started on a day", day(store.CallFilter{}), store.Page{Size: 50}, "calls_account_start", true},
		{"ended on a day", store.CallFilter{EndFrom: t0, EndUntil: t0.Add(24 * time.Hour)}, store.Page{Size: 50, After: 500_000}, "calls_account_end", true},
		{"started in the widest narrow window", store.CallFilter{StartFrom: t0, StartUntil: t0.Add(narrowDateWindow)}, store.Page{Size: 50}, "calls_account_start", true},
		{"started in a wider window", store.CallFilter{StartFrom: t0, StartUntil: t0.Add(narrowDateWindow + time.Millisecond)}, store.Page{Size: 50}, "calls_account_seq", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.AccountSid = "AC1"
			query, args, _ := callListQuery(tt.filter, tt.page)
			plan := explain(t, db, query, args)
			if !strings.Contains(plan, "USING INDEX "+tt.index+" ") && !strings.Contains(plan, "USING COVERING INDEX "+tt.index+" ") {
				t.Errorf("plan does not use %s:\n%s", tt.index, plan)
			}
			if sorts := strings.Contains(plan, "TEMP B-TREE"); sorts != tt.wantSort {
				t.Errorf("plan sorts = %v, want %v:\n%s", sorts, tt.wantSort, plan)
			}
		})
	}
}

// TestPhoneNumberQueryPlans: lists walk the account's seq index in order (no sort), and
// lookups by number and ranges of numbers use the unique index.
func TestPhoneNumberQueryPlans(t *testing.T) {
	db := openTest(t)
	query, args, _ := phoneNumberListQuery(store.PhoneNumberFilter{AccountSid: "AC1", PhoneNumber: "0100", FriendlyName: "x"}, store.Page{Size: 50, After: 1000})
	if plan := explain(t, db, query, args); !strings.Contains(plan, "USING INDEX incoming_phone_numbers_account_seq ") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("list plan:\n%s", plan)
	}
	for name, q := range map[string]struct {
		sql  string
		args []any
	}{
		"owned range": {ownedNumbersQuery, []any{"+1", "+1:"}},
		"by number":   {"SELECT " + phoneNumberCols + " FROM incoming_phone_numbers WHERE phone_number = ?", []any{"+1"}},
	} {
		plan := explain(t, db, q.sql, q.args)
		// sqlite_autoindex_…_2 is the index of the table's second UNIQUE column.
		if !strings.Contains(plan, "INDEX sqlite_autoindex_incoming_phone_numbers_2 (phone_number") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s plan does not read the phone_number index in order:\n%s", name, plan)
		}
	}
}

// TestVerificationQueryPlans: the simulator's lists walk an index in list order, and the
// newest verification to a number (every start, every check by To) is one index seek.
func TestVerificationQueryPlans(t *testing.T) {
	db := openTest(t)
	for _, tt := range []struct {
		name  string
		query string
		args  []any
		index string
	}{
		{"the account's", "", nil, "verifications_account_seq "},
		{"to a number", "", []any{"+1"}, "verifications_account_to_seq "},
		// Either index of the number's: both end in seq.
		{"the newest to a number", latestVerificationQuery, []any{"VA1", "+1", "AC1"}, "verifications_"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			query, args := tt.query, tt.args
			if query == "" {
				f := store.VerificationFilter{AccountSid: "AC1"}
				if len(args) > 0 {
					f.To = args[0].(string)
				}
				query, args, _ = verificationListQuery(f, store.Page{Size: 50, After: 500_000})
			}
			plan := explain(t, db, query, args)
			if !strings.Contains(plan, "USING INDEX "+tt.index) || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN") {
				t.Errorf("plan does not read %s in order:\n%s", tt.index, plan)
			}
		})
	}
}

// TestNextJobDueReadsIndexes: the outbox asks on every wake, so the question must not read
// every waiting job (it did: a scan of 100,000 jobs took 10 ms).
func TestNextJobDueReadsIndexes(t *testing.T) {
	db := openTest(t)
	rows, err := db.query(context.Background(), "EXPLAIN QUERY PLAN "+nextJobDueQuery, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "\n")
	if strings.Contains(joined, "SCAN jobs") || !strings.Contains(joined, "jobs_ready") {
		t.Fatalf("query plan:\n%s", joined)
	}
}

func explain(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.query(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestClaimReadsItsOwnKinds: a claim reads each of its kinds' ready jobs from
// jobs_kind_ready, oldest first, and never scans the table or sorts every ready job:
// under a burst of deliveries the ready webhooks (another lane's kinds) ran to thousands,
// and a claim of delivery steps that read every ready job walked past all of them.
func TestClaimReadsItsOwnKinds(t *testing.T) {
	db := openTest(t)
	for _, tt := range []struct{ name, cols string }{
		{"uncapped", "j.id, j.ready_at"},
		{"capped", "j.id, j.account_sid, j.target, j.ready_at"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			query, args := readyJobs([]string{"step", "hook"}, t0, tt.cols, 8)
			plan := explain(t, db, query, args)
			if strings.Count(plan, "USING INDEX jobs_kind_ready") != 2 || strings.Contains(plan, "SCAN j ") || strings.HasSuffix(plan, "SCAN j") {
				t.Errorf("plan does not read each kind from jobs_kind_ready:\n%s", plan)
			}
		})
	}
}
