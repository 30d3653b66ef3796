package audit_test

import (
	"context"
	"testing"

	"attest"
	"attest/audit"
	"attest/kb/kbtest"
)

// TestEvidenceAttachments: an auditor's evidence may reference uploaded files; they are
// recorded with it, frozen with it, and read by who reads audit items.
func TestEvidenceAttachments(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 2, "vpn-access")
	aud := f.User(t, "auditor")
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 1, Seed: seed(7)})
	if err != nil {
		t.Fatal(err)
	}
	item := a.Items[0].ID
	export, err := f.KB.Upload(ctx, aud, "ticket export.csv", []byte("ticket,steps\nT-1,3\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Another person's upload that nothing references is not the auditor's to attach.
	alices, err := f.KB.Upload(ctx, f.User(t, "alice"), "mine.png", kbtest.PNG(2, 2, 5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Audit.AddEvidence(ctx, aud, a.ID, item, "note", "![x]("+alices.URL()+")", ""); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("evidence with another's upload: %v, want a content field error", err)
	}
	if _, err := f.Audit.AddEvidence(ctx, aud, a.ID, item, "note", "Tickets of the quarter: ["+export.Name+"]("+export.URL()+")", ""); err != nil {
		t.Fatal(err)
	}
	d, err := f.Audit.Item(ctx, aud, a.ID, item)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Evidence) != 1 || len(d.Evidence[0].Attachments) != 1 || d.Evidence[0].Attachments[0].SHA256 != export.SHA256 {
		t.Fatalf("evidence %+v, want one with the export attached", d.Evidence)
	}
	for user, want := range map[string]string{"auditor": "", "km2": "", "alice": attest.ENOTFOUND, "trainer": attest.ENOTFOUND} {
		if _, err := f.KB.Attachment(ctx, f.User(t, user), export.SHA256); attest.ErrorCode(err) != want {
			t.Errorf("%s reads the evidence file: %v, want %q", user, err, want)
		}
	}
	if _, err := f.DB.Write.Exec(`DELETE FROM evidence_attachments`); err == nil {
		t.Error("evidence attachments deleted, want refused")
	}
	if _, err := f.DB.Write.Exec(`DELETE FROM attachments WHERE sha256 = ?`, export.SHA256); err == nil {
		t.Error("an attachment evidence references was deleted, want refused")
	}
}
