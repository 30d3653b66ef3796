package demo

import (
	"context"
	"testing"

	"attest/accounts"
	"attest/audit"
	"attest/database"
	"attest/kb"
	"attest/training"
)

// seeded returns the demo stores over a fresh database with the organisation and the
// knowledge articles seeded, as every later seeder finds them.
func seeded(t *testing.T) (context.Context, Deps, *Org) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	acc := accounts.NewStore(db)
	k := kb.NewStore(db, acc)
	tr := training.NewStore(db, acc, k)
	d := Deps{DB: db, Accounts: acc, KB: k, Training: tr, Audit: audit.NewStore(db, acc, k, tr)}
	org, err := seedOrg(ctx, d, accounts.System("demo"))
	if err != nil {
		t.Fatal(err)
	}
	if err := seedKB(ctx, d, org); err != nil {
		t.Fatal(err)
	}
	return ctx, d, org
}
