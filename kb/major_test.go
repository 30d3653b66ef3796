package kb_test

import (
	"context"
	"testing"
	"time"

	"attest/accounts/accountstest"
	"attest/kb"
)

func TestLatestMajorApprovalAndChanges(t *testing.T) {
	ctx := context.Background()
	org := accountstest.NewOrg(t)
	s := kb.NewStore(org.DB, org.Accounts)
	km1, km2 := org.Users["km1"], org.Users["km2"]
	approve := func(id int64, n int, major bool) {
		t.Helper()
		if _, err := s.Submit(ctx, km1, id, n); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Approve(ctx, km2, id, n, kb.Decision{Major: major}); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, err := s.LatestMajorApproval(ctx, "password-reset"); err != nil || ok {
		t.Fatalf("before any approval: ok=%v err=%v", ok, err)
	}
	v, err := s.CreateArticle(ctx, km1, kb.NewArticle{Title: "Reset", Body: "Verify the caller.", RequestTypes: []string{"password-reset"}})
	if err != nil {
		t.Fatal(err)
	}
	approve(v.ArticleID, 1, false)
	if _, ok, _ := s.LatestMajorApproval(ctx, "password-reset"); ok {
		t.Errorf("a minor approval counts as major")
	}
	before := time.Now()
	v2, err := s.SaveVersion(ctx, km1, v.ArticleID, kb.NewVersion{Base: 1, Title: "Reset", Body: "Verify the caller twice."})
	if err != nil {
		t.Fatal(err)
	}
	approve(v.ArticleID, v2.Number, true)
	at, ok, err := s.LatestMajorApproval(ctx, "password-reset")
	if err != nil || !ok || at.Before(before) {
		t.Fatalf("after a major approval: %v %v %v", at, ok, err)
	}
	if _, ok, _ := s.LatestMajorApproval(ctx, "software-install"); ok {
		t.Errorf("another request type has a major approval")
	}
	if _, ok, _ := s.LatestMajorApprovalAt(ctx, "password-reset", before); ok {
		t.Errorf("LatestMajorApprovalAt before the approval finds it")
	}
	// A later minor approval supersedes the major one, which still counts.
	v3, err := s.SaveVersion(ctx, km1, v.ArticleID, kb.NewVersion{Base: v2.Number, Title: "Reset", Body: "Verify the caller twice, politely."})
	if err != nil {
		t.Fatal(err)
	}
	approve(v.ArticleID, v3.Number, false)
	if again, ok, _ := s.LatestMajorApproval(ctx, "password-reset"); !ok || !again.Equal(at) {
		t.Errorf("after a minor approval the latest major is %v, want %v", again, at)
	}
	changes, err := s.MajorChanges(ctx, "password-reset", before)
	if err != nil || len(changes) != 1 {
		t.Fatalf("major changes: %v %+v", err, changes)
	}
	c := changes[0]
	if c.ArticleID != v.ArticleID || c.Number != v2.Number || c.PreviousNumber != 1 {
		t.Errorf("change = %+v", c)
	}
	var inserted string
	for _, d := range c.Diff {
		if d.Op == kb.OpInsert {
			inserted += d.Text
		}
	}
	if inserted == "" {
		t.Errorf("diff shows no insertion: %+v", c.Diff)
	}
	if changes, _ := s.MajorChanges(ctx, "password-reset", at); len(changes) != 0 {
		t.Errorf("changes after the latest major: %+v", changes)
	}
}
