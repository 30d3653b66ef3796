package audit_test

import (
	"context"
	"testing"

	"attest/audit"
	"attest/database/databasetest"
	"attest/journal"
)

// TestSignOffAndExportsRecordTheJournalHead: the sign-off records the journal head (its own
// entry), each export records the head at that moment and the CSV carries both; the recorded
// heads are anchors that catch a journal cut short afterwards.
func TestSignOffAndExportsRecordTheJournalHead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	aud := f.Users["auditor"]
	f.articles(t, 2, "password-reset")
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 2, Seed: seed(3)})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range a.Items {
		if _, err := f.Audit.Assess(ctx, aud, a.ID, it.ID, allChecks(a, true), ""); err != nil {
			t.Fatal(err)
		}
	}
	closed, err := f.Audit.Close(ctx, aud, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	head, _, err := journal.Head(ctx, f.DB.Read)
	if err != nil {
		t.Fatal(err)
	}
	if closed.JournalHead == nil || closed.JournalHead.ID != head.ID || closed.JournalHead.Hash != head.Hash {
		t.Fatalf("head at sign-off %+v, want the sign-off's own entry %+v", closed.JournalHead, head)
	}
	// A later change moves the head; the export records the head then.
	f.article(t, "Later article")
	later, _, _ := journal.Head(ctx, f.DB.Read)
	ex, err := f.Audit.Export(ctx, f.Users["km1"], a.ID, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if ex.ThisExport == nil || ex.ThisExport.JournalHead.ID != later.ID || ex.ThisExport.ExportedBy != "km1" {
		t.Fatalf("export %+v, want the head %d", ex.ThisExport, later.ID)
	}
	if _, err := f.Audit.Export(ctx, f.Users["alice"], a.ID, "csv"); err == nil {
		t.Fatal("an agent exported an audit report")
	}
	rows := audit.ReportRows(ex)
	if len(rows) != 3 {
		t.Fatalf("report: %d rows, want a header and 2 items", len(rows))
	}
	n := len(rows[0])
	if rows[0][n-2] != "journal_head_at_sign_off" || rows[0][n-1] != "journal_head_at_export" {
		t.Fatalf("csv header ends %q", rows[0][n-2:])
	}
	for _, r := range rows[1:] {
		if r[n-2] != closed.JournalHead.String() || r[n-1] != later.String() {
			t.Errorf("csv row carries %q, want %q and %q", r[n-2:], closed.JournalHead, later)
		}
	}
	again, err := f.Audit.Get(ctx, aud, a.ID)
	if err != nil || len(again.Exports) != 1 {
		t.Fatalf("Get: %v, %d exports", err, len(again.Exports))
	}

	anchors, err := f.Audit.JournalAnchors(ctx)
	if err != nil || len(anchors) != 2 {
		t.Fatalf("JournalAnchors = %+v, %v; want the sign-off and the export", anchors, err)
	}
	if _, err := journal.Verify(ctx, f.DB.Read, anchors...); err != nil {
		t.Fatalf("Verify with recorded anchors: %v", err)
	}
	databasetest.DropTrigger(t, f.DB, "journal_no_delete", "journal")
	if _, err := f.DB.Write.Exec(`DELETE FROM journal WHERE id >= ?`, closed.JournalHead.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := journal.Verify(ctx, f.DB.Read); err != nil {
		t.Fatalf("the chain alone: %v (the cut must be one it cannot see)", err)
	}
	_, err = journal.Verify(ctx, f.DB.Read, anchors...)
	if err == nil {
		t.Fatal("Verify passed a journal cut short before the sign-off's head")
	}
	t.Log(err)
}
