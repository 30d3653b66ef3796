package training_test

import (
	"context"
	"testing"

	"attest/outbox"
)

// TestCertificationEvents: granting and revoking a certification queue, in their own
// transaction, an e-mail to the person and the event for their own supplier's webhook only.
func TestCertificationEvents(t *testing.T) {
	e := newEnv(t)
	outbox.SetEmail(true)
	t.Cleanup(func() { outbox.SetEmail(false) })
	ctx := context.Background()
	if _, err := e.DB.Write.Exec(`UPDATE users SET email = 'alice@example.test' WHERE username = 'alice'`); err != nil {
		t.Fatal(err)
	}
	for _, sp := range []string{"acme", "globex"} {
		if _, err := e.DB.Write.Exec(`INSERT INTO webhooks (supplier_id, url, secret, events, created_by, created_at)
			SELECT id, 'http://example.test/' || key, 'whsec-0123456789abcdef', 'certification.granted,certification.revoked', 1, '2026-01-01'
			FROM suppliers WHERE key = ?`, sp); err != nil {
			t.Fatal(err)
		}
	}
	count := func(where string) int {
		t.Helper()
		var n int
		if err := e.DB.Read.QueryRow(`SELECT COUNT(*) FROM outbox o LEFT JOIN webhooks w ON w.id = o.webhook_id
			LEFT JOIN suppliers sp ON sp.id = w.supplier_id WHERE ` + where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	z := e.createQuiz(t, quizInput())
	e.take(t, "alice", z.ID, allRight)
	c, err := e.Training.Certify(ctx, e.Users["trainer"], "alice", "password-reset")
	if err != nil {
		t.Fatal(err)
	}
	if n := count(`o.event = 'certification.granted' AND o.channel = 'email'`); n != 1 {
		t.Errorf("granted: %d e-mails, want 1", n)
	}
	if n := count(`o.event = 'certification.granted' AND sp.key = 'acme'`); n != 1 {
		t.Errorf("granted: %d posts to acme, want 1", n)
	}
	if _, err := e.Training.Revoke(ctx, e.Users["trainer"], c.ID, "left the team"); err != nil {
		t.Fatal(err)
	}
	if n := count(`o.event = 'certification.revoked' AND sp.key = 'acme'`); n != 1 {
		t.Errorf("revoked: %d posts to acme, want 1", n)
	}
	if n := count(`sp.key = 'globex'`); n != 0 {
		t.Errorf("globex's webhook heard of an Acme agent's certification %d times", n)
	}
}
