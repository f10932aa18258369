package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

func testDelivery(account, resource string, i int) store.WebhookDelivery {
	return store.WebhookDelivery{Sid: fmt.Sprintf("WH%s%s%06d", account, resource, i), AccountSid: account, ResourceSid: resource,
		Event: "message-status", URL: "https://x", Method: "POST", Params: map[string]string{}, DateCreated: t0}
}

func deliverySids(t *testing.T, db *DB, f store.DeliveryFilter) []string {
	t.Helper()
	list, _, err := db.ListDeliveries(context.Background(), f, store.Page{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, d := range list {
		sids = append(sids, d.Sid)
	}
	return sids
}

// TestDeliveriesGoWithTheirResource: deleting a message or a call deletes its webhook
// deliveries, and nobody else's.
func TestDeliveriesGoWithTheirResource(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m, other := testMessage("AC1", 1), testMessage("AC1", 2)
	m.Status, other.Status = "delivered", "delivered"
	c := testCall("AC1", 1)
	c.Status = "completed"
	mustApply(t, db, store.Writes{Messages: []store.Message{m, other}, Calls: []store.Call{c}, Deliveries: []store.WebhookDelivery{
		testDelivery("AC1", m.Sid, 1), testDelivery("AC1", m.Sid, 2), testDelivery("AC1", other.Sid, 1), testDelivery("AC1", c.Sid, 1),
	}})

	if err := db.DeleteMessage(ctx, "AC1", m.Sid); err != nil {
		t.Fatal(err)
	}
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: m.Sid}); len(got) != 0 {
		t.Errorf("deliveries of the deleted message: %v", got)
	}
	if err := db.DeleteCall(ctx, "AC1", c.Sid); err != nil {
		t.Fatal(err)
	}
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: c.Sid}); len(got) != 0 {
		t.Errorf("deliveries of the deleted call: %v", got)
	}
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1"}); len(got) != 1 || got[0] != testDelivery("AC1", other.Sid, 1).Sid {
		t.Errorf("deliveries left: %v, want the other message's only", got)
	}
}

// TestDeliveriesKeptPerResource: a resource keeps its newest MaxDeliveriesPerResource
// deliveries; another resource's, and another account's with the same resource SID, are
// not touched.
func TestDeliveriesKeptPerResource(t *testing.T) {
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var w store.Writes
	for i := range store.MaxDeliveriesPerResource {
		w.Deliveries = append(w.Deliveries, testDelivery("AC1", "SM1", i))
	}
	w.Deliveries = append(w.Deliveries, testDelivery("AC1", "SM2", 0), testDelivery("AC2", "SM1", 0))
	mustApply(t, db, w)
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: "SM1"}); len(got) != store.MaxDeliveriesPerResource {
		t.Fatalf("%d deliveries kept at the limit, want all %d", len(got), store.MaxDeliveriesPerResource)
	}

	mustApply(t, db, store.Writes{Deliveries: []store.WebhookDelivery{testDelivery("AC1", "SM1", store.MaxDeliveriesPerResource), testDelivery("AC1", "SM1", store.MaxDeliveriesPerResource+1)}})
	var n int
	if err := db.queryRow(context.Background(), "SELECT count(*) FROM webhook_deliveries WHERE resource_sid = 'SM1' AND account_sid = 'AC1'").Scan(&n); err != nil || n != store.MaxDeliveriesPerResource {
		t.Fatalf("%d deliveries kept (%v), want %d", n, err, store.MaxDeliveriesPerResource)
	}
	got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: "SM1"})
	// Newest first: the two new ones lead, and the two oldest are gone.
	if got[0] != testDelivery("AC1", "SM1", store.MaxDeliveriesPerResource+1).Sid || got[len(got)-1] != testDelivery("AC1", "SM1", 2).Sid {
		t.Errorf("kept %s … %s, want the newest %d", got[0], got[len(got)-1], store.MaxDeliveriesPerResource)
	}
	for _, f := range []store.DeliveryFilter{{AccountSid: "AC1", ResourceSid: "SM2"}, {AccountSid: "AC2", ResourceSid: "SM1"}} {
		if got := deliverySids(t, db, f); len(got) != 1 {
			t.Errorf("%+v: %d deliveries, want 1", f, len(got))
		}
	}
}
