package kb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"attest"
	"attest/journal"
	"attest/kb"
)

func TestParseImportFile(t *testing.T) {
	for _, tc := range []struct {
		name, key, content string
		title, body        string
		rts, tags          []string
		bad                bool
	}{
		{name: "flow lists", key: "a.md", content: "---\ntitle: Reset a password\nrequest_types: [password-reset, vpn-access]\ntags: [AD, 'mfa']\n---\nSteps.\n",
			title: "Reset a password", body: "Steps.\n", rts: []string{"password-reset", "vpn-access"}, tags: []string{"AD", "mfa"}},
		{name: "block lists and quotes", key: "b.md", content: "---\ntitle: \"Install: the VPN\"  \nrequest_types:\n  - vpn-access\n  - software-install # both\ntags:\n- net\n---\n# Other heading\nBody",
			title: "Install: the VPN", body: "# Other heading\nBody", rts: []string{"vpn-access", "software-install"}, tags: []string{"net"}},
		{name: "first heading", key: "c.md", content: "Intro\n\n# The *real* title\n\nSteps", title: "The real title", body: "Intro\n\n# The *real* title\n\nSteps"},
		{name: "file name", key: "dir/reset-the_printer.markdown", content: "No heading here.", title: "reset the printer", body: "No heading here."},
		{name: "CRLF and BOM", key: "d.md", content: "\ufeff---\r\ntitle: T\r\n---\r\nx\r\n", title: "T", body: "x\n"},
		{name: "unclosed front matter", key: "e.md", content: "---\ntitle: T\nbody", bad: true},
		{name: "not key value", key: "f.md", content: "---\njust words\n---\nx", bad: true},
		{name: "unclosed flow list", key: "g.md", content: "---\ntags: [a, b\n---\nx", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := kb.ParseImportFile(tc.key, []byte(tc.content))
			if tc.bad {
				if attest.ErrorCode(err) != attest.EINVALID {
					t.Fatalf("err %v, want EINVALID", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != tc.title || f.Body != tc.body {
				t.Fatalf("title %q body %q, want %q %q", f.Title, f.Body, tc.title, tc.body)
			}
			if !slices.Equal(f.RequestTypes, tc.rts) || !slices.Equal(f.Tags, tc.tags) {
				t.Fatalf("request types %q tags %q, want %q %q", f.RequestTypes, f.Tags, tc.rts, tc.tags)
			}
		})
	}
}

func TestImport(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1, alice := org.User(t, "km1"), org.User(t, "alice")
	files := []kb.ImportFile{
		{Key: "pw/reset.md", Title: "Reset", Body: "Reset it.", RequestTypes: []string{"password-reset"}, Tags: []string{"AD"}},
		{Key: "general.md", Title: "Be kind", Body: "Always."},
		{Key: "bad-type.md", Title: "Bad", Body: "x", RequestTypes: []string{"nope"}},
		{Key: "empty.md", Title: "Empty", Body: "  "},
	}
	_, err := store.Import(ctx, alice, files, kb.ImportOptions{Approve: true})
	artWant(t, "agent imports as approved", err, attest.EFORBIDDEN)

	var progress []string
	rep, err := store.Import(ctx, km1, files, kb.ImportOptions{Approve: true, Batch: 3, Progress: func(done, total int) {
		progress = append(progress, fmt.Sprintf("%d/%d", done, total))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 2 || len(rep.Failed) != 2 {
		t.Fatalf("report %+v", rep)
	}
	if got := strings.Join(progress, " "); got != "3/4 4/4" {
		t.Fatalf("progress %q", got)
	}
	reasons := map[string]string{}
	for _, f := range rep.Failed {
		reasons[f.Key] = f.Reason
	}
	if !strings.Contains(reasons["bad-type.md"], "nope") || !strings.Contains(reasons["empty.md"], "body") {
		t.Fatalf("reasons %v", reasons)
	}
	// Approved at once, readable by agents, searchable, journaled as import.
	var id int64
	if err := org.DB.Read.QueryRow(`SELECT id FROM articles WHERE import_key = 'pw/reset.md'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	a, err := store.Article(ctx, alice, id)
	if err != nil || a.Current == nil || !a.Current.ViaImport || a.Current.DecidedBy != "km1" {
		t.Fatalf("imported article for alice: %v %+v", err, a)
	}
	if n := artCount(t, org, `SELECT COUNT(*) FROM journal WHERE action = 'import'`); n != 4 {
		t.Fatalf("import journal entries: %d, want 4 (create and approve per file)", n)
	}
	if n := artCount(t, org, `SELECT COUNT(*) FROM search_changes`); n != 2 {
		t.Fatalf("search changes: %d, want 2", n)
	}
	// Idempotent: the same files add nothing; a changed file adds a version on the current one.
	versions := artCount(t, org, `SELECT COUNT(*) FROM versions`)
	rep, err = store.Import(ctx, km1, files[:2], kb.ImportOptions{Approve: true})
	if err != nil || rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
	if artCount(t, org, `SELECT COUNT(*) FROM versions`) != versions {
		t.Fatalf("an unchanged re-import added versions")
	}
	files[0].Body = "Reset it, then log it."
	rep, err = store.Import(ctx, km1, files[:2], kb.ImportOptions{Approve: true})
	if err != nil || rep.Updated != 1 || rep.Unchanged != 1 {
		t.Fatalf("changed re-import: %+v %v", rep, err)
	}
	a, _ = store.Article(ctx, alice, id)
	if a.Current.Number != 2 || a.Current.Base != 1 || a.Current.Body != "Reset it, then log it." {
		t.Fatalf("after a changed import: %+v", a.Current)
	}
	v1, _ := store.Version(ctx, km1, id, 1)
	if v1.Status != kb.StatusSuperseded {
		t.Fatalf("version 1 is %s", v1.Status)
	}
	// Without --approve, files become drafts.
	rep, err = store.Import(ctx, alice, []kb.ImportFile{{Key: "draft.md", Title: "D", Body: "d", RequestTypes: []string{"password-reset"}}}, kb.ImportOptions{})
	if err != nil || rep.Created != 1 {
		t.Fatalf("draft import: %+v %v", rep, err)
	}
	if _, err := journal.Verify(ctx, org.DB.Read); err != nil {
		t.Fatalf("journal: %v", err)
	}
}

// TestImportApproveAfterDraftImport: files imported as drafts and imported again with
// --approve become current (not "unchanged" drafts); a later proposal by someone else does not
// make an unchanged file new again; two files with one key in one import are not merged.
func TestImportApproveAfterDraftImport(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	km1, km2, alice := org.User(t, "km1"), org.User(t, "km2"), org.User(t, "alice")
	files := []kb.ImportFile{{Key: "a.md", Title: "A", Body: "Do A."}}
	if rep, err := store.Import(ctx, km1, files, kb.ImportOptions{}); err != nil || rep.Created != 1 {
		t.Fatalf("draft import: %+v %v", rep, err)
	}
	var id int64
	if err := org.DB.Read.QueryRow(`SELECT id FROM articles WHERE import_key = 'a.md'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	rep, err := store.Import(ctx, km1, files, kb.ImportOptions{Approve: true})
	if err != nil || rep.Updated != 1 || rep.Unchanged != 0 {
		t.Fatalf("re-import with approve: %+v %v", rep, err)
	}
	a, err := store.Article(ctx, alice, id)
	if err != nil || a.Current == nil || a.Current.Number != 1 || !a.Current.ViaImport {
		t.Fatalf("after approving import: %v %+v", err, a)
	}
	if n := artCount(t, org, `SELECT COUNT(*) FROM versions WHERE article_id = ?`, id); n != 1 {
		t.Fatalf("%d versions, want 1 (the draft approved, not copied)", n)
	}
	// Someone proposes an edit; the unchanged file is still unchanged, with or without --approve.
	if _, err := store.SaveVersion(ctx, km2, id, kb.NewVersion{Base: 1, Title: "A", Body: "Do A, then B."}); err != nil {
		t.Fatal(err)
	}
	for _, approve := range []bool{false, true} {
		rep, err = store.Import(ctx, km1, files, kb.ImportOptions{Approve: approve})
		if err != nil || rep.Unchanged != 1 {
			t.Fatalf("re-import (approve %v) after a proposal: %+v %v", approve, rep, err)
		}
	}
	if n := artCount(t, org, `SELECT COUNT(*) FROM versions WHERE article_id = ?`, id); n != 2 {
		t.Fatalf("%d versions, want 2", n)
	}
	// One key twice in one import: the second is reported, not made a version of the first.
	rep, err = store.Import(ctx, km1, []kb.ImportFile{{Key: "dup.md", Title: "One", Body: "1"}, {Key: "dup.md", Title: "Two", Body: "2"}}, kb.ImportOptions{})
	if err != nil || rep.Created != 1 || rep.Updated != 0 || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Reason, "same import key") {
		t.Fatalf("duplicate keys: %+v %v", rep, err)
	}
	// A title that is not UTF-8 is refused like a body that is not.
	rep, err = store.Import(ctx, km1, []kb.ImportFile{{Key: "latin1.md", Title: "Caf\xe9", Body: "ok"}}, kb.ImportOptions{})
	if err != nil || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Reason, "title") {
		t.Fatalf("non-UTF-8 title: %+v %v", rep, err)
	}
}
