package audit_test

import (
	"context"
	"testing"

	"attest/audit"
	"attest/outbox"
)

// TestFindingAssignedEvent: a finding owned by an agent queues, in the finding's transaction,
// an e-mail to the owner and finding.assigned for the owner's supplier's webhook only; a
// refused finding queues nothing.
func TestFindingAssignedEvent(t *testing.T) {
	f := newFixture(t)
	outbox.SetEmail(true)
	t.Cleanup(func() { outbox.SetEmail(false) })
	ctx := context.Background()
	f.articles(t, 1, "password-reset")
	if _, err := f.DB.Write.Exec(`UPDATE users SET email = 'alice@example.test' WHERE username = 'alice'`); err != nil {
		t.Fatal(err)
	}
	for _, sp := range []string{"acme", "globex"} {
		if _, err := f.DB.Write.Exec(`INSERT INTO webhooks (supplier_id, url, secret, events, created_by, created_at)
			SELECT id, 'http://example.test/' || key, 'whsec-0123456789abcdef', 'finding.assigned', 1, '2026-01-01'
			FROM suppliers WHERE key = ?`, sp); err != nil {
			t.Fatal(err)
		}
	}
	count := func(where string) int {
		t.Helper()
		var n int
		if err := f.DB.Read.QueryRow(`SELECT COUNT(*) FROM outbox o LEFT JOIN webhooks w ON w.id = o.webhook_id
			LEFT JOIN suppliers sp ON sp.id = w.supplier_id WHERE o.event = 'finding.assigned' AND ` + where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	aud := f.Users["auditor"]
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 1, Seed: seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	in := audit.NewFinding{Item: a.Items[0].ID, Severity: "minor", Description: "Skipped a step", Owner: "alice", Due: "2027-01-15"}
	bad := in
	bad.Severity = "nope"
	if _, err := f.Audit.RaiseFinding(ctx, aud, a.ID, bad); err == nil {
		t.Fatal("a bad finding was raised")
	}
	if n := count("1=1"); n != 0 {
		t.Fatalf("a refused finding queued %d deliveries", n)
	}
	if _, err := f.Audit.RaiseFinding(ctx, aud, a.ID, in); err != nil {
		t.Fatal(err)
	}
	if count("o.channel = 'email'") != 1 || count("sp.key = 'acme'") != 1 || count("sp.key = 'globex'") != 0 {
		t.Fatalf("e-mails %d, acme %d, globex %d; want 1, 1, 0", count("o.channel = 'email'"), count("sp.key = 'acme'"), count("sp.key = 'globex'"))
	}
}
