package audit_test

import (
	"context"
	"slices"
	"testing"

	"attest/audit"
	"attest/kb"
)

// TestItemFollowsTemplate: a sampled item says whether its version follows the article's
// template (issue 18 item 7), so the "template" criterion is judged against the chosen one.
func TestItemFollowsTemplate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	body := "## Issue\n\nA.\n\n## Environment\n\nB.\n\n## Resolution\n\nC.\n\n## Cause\n\nD.\n\n## Verification\n\nE."
	v, err := f.KB.CreateArticle(ctx, f.Users["km1"], kb.NewArticle{Title: "Follows KCS", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.KB.Submit(ctx, f.Users["km1"], v.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.KB.Approve(ctx, f.Users["km2"], v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	plain := f.article(t, "Two steps only")
	a, err := f.Audit.Create(ctx, f.Users["auditor"], audit.NewAudit{Quarter: "2026-Q4", SampleSize: 10, Seed: seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, it := range a.Items {
		d, err := f.Audit.Item(ctx, f.Users["auditor"], a.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch it.ArticleID {
		case v.ArticleID:
			seen++
			if !d.FollowsTemplate || len(d.MissingSections) != 0 {
				t.Errorf("KCS article: follows=%v missing=%v, want it to follow %s", d.FollowsTemplate, d.MissingSections, d.Template.Key)
			}
		case plain:
			seen++
			if d.FollowsTemplate || !slices.Contains(d.MissingSections, "Resolution") {
				t.Errorf("plain article: follows=%v missing=%v, want Resolution missing", d.FollowsTemplate, d.MissingSections)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("%d of the 2 articles sampled", seen)
	}
}
