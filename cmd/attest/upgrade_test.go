package main

import (
	"context"
	"strings"
	"testing"

	"attest/database"
	"attest/kb"
	"attest/search"
)

// TestUpgradeFillsTextAndReindexes: a database written before kb stored the text of versions
// (0013_version_text.sql) keeps working: at start the text of its versions is filled in once,
// from their bodies, and the index is built from it, placeholders in angle brackets included.
func TestUpgradeFillsTextAndReindexes(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "km-password-1\n", "user", "add", "--data", dir, "--username", "km", "--role", "knowledge_manager", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// As an earlier release saved it: no text, and a plain text that lost the placeholder.
	for _, q := range []string{
		`INSERT INTO articles (id, created_by, created_at) VALUES (1, (SELECT id FROM users WHERE username = 'km'), '2026-01-01T00:00:00Z')`,
		`INSERT INTO versions (article_id, number, base, title, body, html, plain, author_id, created_at, status, decided_at, decided_by)
			VALUES (1, 1, 0, 'Restart the service', 'Restart **<zebraservice>** on the host.', '<p>Restart <strong></strong> on the host.</p>',
			'Restart on the host.', (SELECT id FROM users WHERE username = 'km'), '2026-01-01T00:00:00Z', 'approved', '2026-01-01T00:00:00Z',
			(SELECT id FROM users WHERE username = 'km'))`,
	} {
		if _, err := db.Write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	if out, err := run(t, "", "reindex", "--data", dir); err != nil || !strings.Contains(out, "indexed 1 articles") {
		t.Fatalf("reindex: %v %s", err, out)
	}
	db, err = database.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var text, html string
	err = db.Read.QueryRowContext(ctx, `SELECT text, rerendered_html FROM versions WHERE article_id = 1`).Scan(&text, &html)
	db.Close()
	if err != nil || text != "Restart <zebraservice> on the host." {
		t.Fatalf("text after start = %q (%v), want it filled from the body", text, err)
	}
	if want := "<strong>&lt;zebraservice&gt;</strong>"; !strings.Contains(html, want) {
		t.Errorf("html shown after start = %q, want it to contain %q", html, want)
	}
	ix, err := search.Open(indexDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.Search(ctx, search.Query{Text: "zebraservice", Scope: kb.Scope{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || !strings.Contains(res.Hits[0].Snippet, "&lt;") {
		t.Fatalf("search after upgrade = %+v, want the article with its placeholder in the snippet", res.Hits)
	}
}
