package audit_test

import (
	"context"
	"testing"

	"attest/audit"
)

// TestNextToAssess: "save and next" walks the sample in order from the item just assessed,
// skipping assessed items, wrapping to the start, and ends (nil) when every item is assessed.
func TestNextToAssess(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 4, "password-reset")
	aud := f.Users["auditor"]
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 4, Seed: seed(7)})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Items) != 4 {
		t.Fatalf("sample of %d, want 4", len(a.Items))
	}
	ids := []int64{a.Items[0].ID, a.Items[1].ID, a.Items[2].ID, a.Items[3].ID}
	assess := func(i int) {
		if _, err := f.Audit.Assess(ctx, aud, a.ID, ids[i], allChecks(a, true), ""); err != nil {
			t.Fatal(err)
		}
	}
	next := func(after int) int64 {
		it, err := f.Audit.NextToAssess(ctx, aud, a.ID, ids[after])
		if err != nil {
			t.Fatal(err)
		}
		if it == nil {
			return 0
		}
		return it.ID
	}
	assess(1)
	if got := next(0); got != ids[2] {
		t.Errorf("after item 1 (item 2 assessed): %d, want item 3 (%d)", got, ids[2])
	}
	assess(2)
	assess(3)
	if got := next(3); got != ids[0] {
		t.Errorf("after the last item: %d, want the first, unassessed (%d)", got, ids[0])
	}
	assess(0)
	if got := next(0); got != 0 {
		t.Errorf("every item assessed: next is %d, want none", got)
	}
}
