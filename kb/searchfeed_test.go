package kb_test

import (
	"context"
	"strings"
	"testing"

	"attest/kb"
	"attest/kb/kbtest"
)

// TestSearchDocsCarryStoredText: kb turns Markdown into text once, at save, and hands search
// that text (with raw HTML as the text it is), so search needs no Markdown of its own.
func TestSearchDocsCarryStoredText(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	id := kbtest.Publish(t, org, store, "Domain users", "# Domain users\n\nRun **net user <username> /domain**.\n\n| App | Host |\n|---|---|\n| <app> | <host> |", "password-reset")

	var stored string
	if err := org.DB.Read.QueryRow(`SELECT text FROM versions WHERE article_id = ?`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	want := "Domain users\nRun net user <username> /domain.\nApp\nHost\n<app>\n<host>"
	if stored != want {
		t.Fatalf("stored text = %q, want %q", stored, want)
	}
	docs, err := store.SearchDocs(ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Text != want {
		t.Fatalf("SearchDocs = %+v, want one document with text %q", docs, want)
	}
	var all []kb.SearchDoc
	if err := store.EachSearchDoc(ctx, func(d kb.SearchDoc) error { all = append(all, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Text != want {
		t.Fatalf("EachSearchDoc = %+v, want one document with text %q", all, want)
	}
}

// TestFillTextForEarlierVersions: rows saved by an earlier release have no text; kb derives it
// when asked, fills it once (FillText), and never changes it afterwards. A body that the
// complexity limits now refuse keeps the plain text it was saved with.
func TestFillTextForEarlierVersions(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1 := org.User(t, "km1")
	old := func(id int64, body, html, plain string) {
		t.Helper()
		if _, err := org.DB.Write.Exec(`INSERT INTO articles (id, created_by, created_at) VALUES (?, ?, '2026-01-01T00:00:00Z')`, id, km1.ID); err != nil {
			t.Fatal(err)
		}
		// As an earlier release wrote it: no text column.
		if _, err := org.DB.Write.Exec(`INSERT INTO versions (article_id, number, base, title, body, html, plain, author_id, created_at, status, decided_at, decided_by)
			VALUES (?, 1, 0, 'Old', ?, ?, ?, ?, '2026-01-01T00:00:00Z', 'approved', '2026-01-01T00:00:00Z', ?)`, id, body, html, plain, km1.ID, km1.ID); err != nil {
			t.Fatal(err)
		}
	}
	old(1, "Connect to **<host>** as <user>.", "<p>Connect to <strong></strong> as .</p>\n", "Connect to as .")
	bomb := strings.Repeat("- ", 5000) + "x"
	old(2, bomb, "<p>old</p>", "x")
	old(3, "Nothing lost here.", "<p>Nothing lost here.</p>\n", "Nothing lost here.")

	docs, err := store.SearchDocs(ctx, []int64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, d := range docs {
		got[d.ArticleID] = d.Text
	}
	if want := "Connect to <host> as <user>."; got[1] != want {
		t.Errorf("derived text of an earlier version = %q, want %q", got[1], want)
	}
	if got[2] != "x" {
		t.Errorf("text of a refused earlier body = %q, want its stored plain text %q", got[2], "x")
	}

	n, err := store.FillText(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("FillText filled %d versions, want 3", n)
	}
	if n, err := store.FillText(ctx, nil); err != nil || n != 0 {
		t.Fatalf("second FillText = %d, %v; want 0, nil", n, err)
	}
	var text string
	if err := org.DB.Read.QueryRow(`SELECT text FROM versions WHERE article_id = 1`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if want := "Connect to <host> as <user>."; text != want {
		t.Fatalf("filled text = %q, want %q", text, want)
	}
	for _, q := range []string{`UPDATE versions SET text = 'changed' WHERE article_id = 1`, `UPDATE versions SET rerendered_html = '<p>x</p>' WHERE article_id = 3`} {
		if _, err := org.DB.Write.Exec(q); err == nil || !strings.Contains(err.Error(), "never modified") {
			t.Fatalf("%s: %v, want the immutability trigger to refuse", q, err)
		}
	}

	// Pages show the body as rendered now where the stored html lost text; others keep theirs.
	km := org.User(t, "km1")
	for id, want := range map[int64]string{
		1: "<p>Connect to <strong>&lt;host&gt;</strong> as &lt;user&gt;.</p>\n",
		2: "<p>old</p>",
		3: "<p>Nothing lost here.</p>\n",
	} {
		a, err := store.Article(ctx, km, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Current == nil || a.Current.HTML != want {
			t.Errorf("article %d shows %+v, want html %q", id, a.Current, want)
		}
		v, err := store.Version(ctx, km, id, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v.HTML != want {
			t.Errorf("version 1 of article %d shows html %q, want %q", id, v.HTML, want)
		}
	}
	var rerendered int
	if err := org.DB.Read.QueryRow(`SELECT COUNT(*) FROM versions WHERE rerendered_html IS NOT NULL`).Scan(&rerendered); err != nil || rerendered != 1 {
		t.Errorf("%d versions (%v) carry a second rendering, want only the one whose html lost text", rerendered, err)
	}
}
