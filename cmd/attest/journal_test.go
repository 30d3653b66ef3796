package main

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"attest/accounts"
	"attest/audit"
	"attest/journal"
	"attest/kb"
)

// TestJournalAnchors: `journal anchor` prints the head; after the newest entries are deleted,
// every entry is deleted, or an entry is edited and the chain re-hashed forward, `journal
// verify` still passes on the chain alone, but fails (naming the entry and the anchor) against
// an anchor given with --anchor, and against the head an audit sign-off recorded.
func TestJournalAnchors(t *testing.T) {
	ctx := context.Background()
	// fresh builds a database with a signed-off audit (whose sign-off records the head) and
	// returns its folder and the head `journal anchor` prints then.
	fresh := func(t *testing.T) (string, string) {
		t.Helper()
		dir := t.TempDir()
		m := &Main{Getenv: func(string) string { return "" }}
		a, err := m.open(ctx, &where{dir: dir}, slog.Default())
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		sys := accounts.System("test")
		users := map[string]*accounts.User{}
		for _, nu := range []accounts.NewUser{
			{Username: "km1", Roles: []accounts.Role{accounts.RoleKnowledgeManager}},
			{Username: "km2", Roles: []accounts.Role{accounts.RoleKnowledgeManager}},
			{Username: "aud", Roles: []accounts.Role{accounts.RoleAuditor}},
		} {
			nu.Password = "test-password-1"
			if users[nu.Username], err = a.accounts.CreateUser(ctx, sys, nu); err != nil {
				t.Fatal(err)
			}
		}
		v, err := a.kb.CreateArticle(ctx, users["km1"], kb.NewArticle{Title: "Reset a password", Body: "Verify the caller."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.kb.Submit(ctx, users["km1"], v.ArticleID, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := a.kb.Approve(ctx, users["km2"], v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
			t.Fatal(err)
		}
		seed := int64(1)
		au, err := a.audit.Create(ctx, users["aud"], audit.NewAudit{Quarter: "2026-Q4", SampleSize: 1, Seed: &seed})
		if err != nil {
			t.Fatal(err)
		}
		checks := map[string]bool{}
		for _, c := range au.Criteria {
			checks[c.Key] = true
		}
		if _, err := a.audit.Assess(ctx, users["aud"], au.ID, au.Items[0].ID, checks, ""); err != nil {
			t.Fatal(err)
		}
		closed, err := a.audit.Close(ctx, users["aud"], au.ID)
		if err != nil || closed.JournalHead == nil {
			t.Fatalf("Close: %v, head %+v", err, closed)
		}
		out, err := run(t, "", "journal", "anchor", "--data", dir)
		if err != nil {
			t.Fatalf("journal anchor: %v\n%s", err, out)
		}
		anchor := strings.SplitN(out, "\n", 2)[0]
		if want := closed.JournalHead.String(); anchor != want {
			t.Fatalf("journal anchor printed %q, want the head at sign-off %q", anchor, want)
		}
		return dir, anchor
	}
	// tamper opens a copy's database and drops the append-only triggers, as an attacker with
	// file access would, then runs the statements.
	tamper := func(t *testing.T, dir string, stmts ...string) {
		t.Helper()
		db, err := sql.Open("sqlite3", filepath.Join(dir, "attest.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range append([]string{`DROP TRIGGER journal_no_update`, `DROP TRIGGER journal_no_delete`}, stmts...) {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	// rechain edits entry 2 and re-hashes every entry after it, so the chain is whole again.
	rechain := func(t *testing.T, dir string) {
		t.Helper()
		tamper(t, dir, `UPDATE journal SET actor = 'mallory' WHERE id = 2`)
		m := &Main{Getenv: func(string) string { return "" }}
		a, err := m.open(ctx, &where{dir: dir}, slog.Default())
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		rows, err := a.db.Read.Query(`SELECT id, at, actor, action, object, detail FROM journal ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		type ent struct {
			id                        int64
			at, actor, action, object string
			detail                    []byte
		}
		var es []ent
		for rows.Next() {
			var e ent
			rows.Scan(&e.id, &e.at, &e.actor, &e.action, &e.object, &e.detail)
			es = append(es, e)
		}
		rows.Close()
		prev := ""
		for _, e := range es {
			h := journal.Hash(prev, e.at, e.actor, e.action, e.object, e.detail)
			if _, err := a.db.Write.Exec(`UPDATE journal SET prev_hash = ?, hash = ? WHERE id = ?`, prev, h, e.id); err != nil {
				t.Fatal(err)
			}
			prev = h
		}
	}

	cases := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		// dropRecorded: the tamper also removes the anchors recorded in the database, as a
		// thorough attacker would; the chain alone then verifies, and only the anchor kept
		// outside (--anchor) tells.
		dropRecorded bool
		want         string
	}{
		{"intact", func(*testing.T, string) {}, false, ""},
		{"newest entries deleted", func(t *testing.T, dir string) {
			tamper(t, dir, `DELETE FROM journal WHERE id > 3`)
		}, false, "but the journal ends at entry 3"},
		{"every entry deleted", func(t *testing.T, dir string) {
			tamper(t, dir, `DELETE FROM journal`)
		}, false, "but the journal is empty"},
		{"edit re-chained forward", func(t *testing.T, dir string) { rechain(t, dir) }, false, "its hash differs"},
		{"recorded anchors removed too: the external one still tells", func(t *testing.T, dir string) {
			tamper(t, dir, `UPDATE audits SET journal_head_id = NULL, journal_head_hash = NULL`, `DROP TRIGGER audit_exports_no_delete`,
				`DELETE FROM audit_exports`, `DELETE FROM journal WHERE id > 3`)
		}, true, "the anchor --anchor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, anchor := fresh(t)
			head, _, _ := strings.Cut(anchor, ":")
			c.tamper(t, dir)
			args := []string{"journal", "verify", "--data", dir}
			if c.dropRecorded {
				if out, err := run(t, "", args...); err != nil {
					t.Fatalf("without recorded anchors the chain alone verifies: %v\n%s", err, out)
				}
				args = append(args, "--anchor", anchor)
			}
			out, err := run(t, "", args...)
			if c.want == "" {
				if err != nil || !strings.Contains(out, "journal intact") {
					t.Fatalf("journal verify: %v\n%s", err, out)
				}
				// The printed anchor verifies too.
				if out, err := run(t, "", "journal", "verify", "--data", dir, "--anchor", anchor); err != nil || !strings.Contains(out, "1 given all match") {
					t.Fatalf("journal verify --anchor %s: %v\n%s", anchor, err, out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "TAMPERED") || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), "journal entry "+head) {
				t.Fatalf("journal verify: %v, want TAMPERED naming entry %s and %q\n%s", err, head, c.want, out)
			}
		})
	}

	// Bad anchors are usage errors, not a pass.
	dir, _ := fresh(t)
	for _, bad := range []string{"12", "x:y", "0:" + strings.Repeat("a", 64), "5:" + strings.Repeat("a", 63)} {
		if _, err := run(t, "", "journal", "verify", "--data", dir, "--anchor", bad); err == nil {
			t.Errorf("--anchor %q accepted", bad)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("--anchor %q: %v is not a usage error", bad, err)
		}
	}
	// An anchor beyond the head (or with another hash) fails.
	if _, err := run(t, "", "journal", "verify", "--data", dir, "--anchor", "9999:"+strings.Repeat("a", 64)); err == nil || !strings.Contains(err.Error(), "journal entry 9999") {
		t.Errorf("anchor beyond the head: %v", err)
	}
}
