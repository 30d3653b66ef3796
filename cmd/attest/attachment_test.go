package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"attest/handlers"
	"attest/kb"
	"attest/kb/kbtest"
)

// TestBackupCarriesAttachments: attachments live in the database, so the online backup holds
// them; a data directory restored from it serves them.
func TestBackupCarriesAttachments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, u := range []string{"km1", "km2"} {
		if out, err := run(t, "km-pass-123456\n", "user", "add", "--data", dir, "--username", u, "--role", "knowledge_manager", "--password-stdin"); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := (&Main{}).open(ctx, &where{dir: dir}, log)
	if err != nil {
		t.Fatal(err)
	}
	km1, _ := a.accounts.UserByUsername(ctx, "km1")
	km2, _ := a.accounts.UserByUsername(ctx, "km2")
	img := kbtest.PNG(6, 4, 42)
	att, err := a.kb.Upload(ctx, km1, "screen.png", img)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.kb.CreateArticle(ctx, km1, kb.NewArticle{Title: "With a picture", Body: "![screen](" + att.URL() + ")"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.kb.Submit(ctx, km1, v.ArticleID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := a.kb.Approve(ctx, km2, v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	backup := filepath.Join(t.TempDir(), "copy.db")
	if out, err := run(t, "", "backup", "--data", dir, backup); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	restored := t.TempDir()
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "attest.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := (&Main{}).open(ctx, &where{dir: restored}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv := httptest.NewServer(handlers.New(handlers.Deps{DB: b.db, Accounts: b.accounts, KB: b.kb, Training: b.training, Audit: b.audit, Log: log}).Handler())
	defer srv.Close()
	km2r, _ := b.accounts.UserByUsername(ctx, "km2")
	token, _, err := b.accounts.IssueToken(ctx, km2r)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+att.URL(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || int64(len(got)) != att.Size {
		t.Fatalf("restored copy serves HTTP %d %s, %d bytes; want the %d-byte PNG", resp.StatusCode, resp.Header.Get("Content-Type"), len(got), att.Size)
	}
}
