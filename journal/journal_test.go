package journal_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"attest/database"
	"attest/database/databasetest"
	"attest/journal"
)

func openDB(t *testing.T) *database.DB {
	t.Helper()
	db, _ := databasetest.Open(t)
	return db
}

func appendN(t *testing.T, db *database.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			return journal.Append(ctx, tx, "km1", "article.approve", "article:"+string(rune('a'+i)),
				journal.Change{Before: "in_review", After: "approved"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyIntactChain(t *testing.T) {
	db := openDB(t)
	appendN(t, db, 5)
	n, err := journal.Verify(context.Background(), db.Read)
	if err != nil || n != 5 {
		t.Fatalf("Verify = %d, %v; want 5, nil", n, err)
	}
}

// TestVerifyTamper edits, removes and inserts rows the way someone with file access could
// (dropping the append-only triggers first) and expects Verify to name the first bad entry.
func TestVerifyTamper(t *testing.T) {
	cases := []struct {
		name   string
		sql    []string
		wantID int64
	}{
		{"edited detail", []string{`UPDATE journal SET detail = '{"after":"rejected"}' WHERE id = 3`}, 3},
		{"edited actor", []string{`UPDATE journal SET actor = 'mallory' WHERE id = 2`}, 2},
		{"edited time", []string{`UPDATE journal SET at = '2020-01-01T00:00:00.000000000Z' WHERE id = 4`}, 4},
		{"removed entry", []string{`DELETE FROM journal WHERE id = 3`}, 4},
		{"removed first entry", []string{`DELETE FROM journal WHERE id = 1`}, 2},
		{"rehashed edit", []string{`UPDATE journal SET detail = '{}', hash = 'x' WHERE id = 2`}, 2},
		{"inserted entry", []string{`UPDATE journal SET id = id + 10 WHERE id >= 3`,
			`INSERT INTO journal (id, at, actor, action, object, detail, prev_hash, hash)
			 SELECT 3, at, actor, action, object, detail, hash, hash FROM journal WHERE id = 2`}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openDB(t)
			appendN(t, db, 5)
			ctx := context.Background()
			databasetest.DropTrigger(t, db, "journal_no_update", "journal")
			databasetest.DropTrigger(t, db, "journal_no_delete", "journal")
			for _, q := range c.sql {
				if _, err := db.Write.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			_, err := journal.Verify(ctx, db.Read)
			var bad *journal.BadEntry
			if !errors.As(err, &bad) {
				t.Fatalf("Verify = %v, want a BadEntry", err)
			}
			if bad.ID != c.wantID {
				t.Errorf("first bad entry = %d (%s), want %d", bad.ID, bad.Reason, c.wantID)
			}
		})
	}
}

func TestAppendOnlyTriggers(t *testing.T) {
	db := openDB(t)
	appendN(t, db, 2)
	for _, q := range []string{`UPDATE journal SET actor = 'x' WHERE id = 1`, `DELETE FROM journal WHERE id = 1`} {
		_, err := db.Write.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", q, err)
		}
	}
}

func TestAppendInRolledBackTransactionLeavesNothing(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := journal.Append(ctx, tx, "a", "x.y", "x:1", nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx = %v", err)
	}
	if n, err := journal.Verify(ctx, db.Read); n != 0 || err != nil {
		t.Fatalf("after rollback: %d entries, %v", n, err)
	}
}

// head reads the newest entry as an anchor.
func head(t *testing.T, db *database.DB) journal.Anchor {
	t.Helper()
	a, ok, err := journal.Head(context.Background(), db.Read)
	if err != nil || !ok {
		t.Fatalf("Head = %v, %v, %v", a, ok, err)
	}
	return a
}

// rechain rewrites entry id's detail and recomputes every hash from it onwards, as an attacker
// with file access would so that the chain is consistent in itself.
func rechain(t *testing.T, db *database.DB, id int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Write.ExecContext(ctx, `UPDATE journal SET detail = '{"after":"rejected"}' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	entries, err := journal.List(ctx, db.Read, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, e := range entries {
		if e.ID >= id {
			h := journal.Hash(prev, e.At, e.Actor, e.Action, e.Object, e.Detail)
			if _, err := db.Write.ExecContext(ctx, `UPDATE journal SET prev_hash = ?, hash = ? WHERE id = ?`, prev, h, e.ID); err != nil {
				t.Fatal(err)
			}
			e.Hash = h
		}
		prev = e.Hash
	}
}

// TestVerifyAnchors: the chain alone passes after its newest entries or all of them are
// deleted, or after an edit re-chained forward; an anchor recorded before shows each as
// tampered, naming the anchored entry and where the anchor came from.
func TestVerifyAnchors(t *testing.T) {
	cases := []struct {
		name    string
		anchor  int64 // which entry is anchored (its hash as appended)
		tamper  func(t *testing.T, db *database.DB)
		wantErr string // "" when the journal must verify
	}{
		{"intact", 5, func(*testing.T, *database.DB) {}, ""},
		{"intact, older anchor", 2, func(*testing.T, *database.DB) {}, ""},
		{"newest entries deleted", 5, func(t *testing.T, db *database.DB) {
			db.Write.Exec(`DELETE FROM journal WHERE id > 3`)
		}, "journal entry 5: tampered: audit 7 sign-off recorded entry 5 as the head, but the journal ends at entry 3"},
		{"every entry deleted", 5, func(t *testing.T, db *database.DB) {
			db.Write.Exec(`DELETE FROM journal`)
		}, "journal entry 5: tampered: audit 7 sign-off recorded entry 5 as the head, but the journal is empty"},
		{"edit re-chained forward", 4, func(t *testing.T, db *database.DB) { rechain(t, db, 3) },
			"journal entry 4: tampered: its hash differs from the one audit 7 sign-off recorded"},
		{"edit re-chained at the anchor", 3, func(t *testing.T, db *database.DB) { rechain(t, db, 3) },
			"journal entry 3: tampered: its hash differs"},
		{"deleted and re-appended with other content", 5, func(t *testing.T, db *database.DB) {
			db.Write.Exec(`DELETE FROM journal WHERE id >= 4`)
			appendN(t, db, 2)
		}, "journal entry 5: tampered: its hash differs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			appendN(t, db, 5)
			var anchor journal.Anchor
			for _, e := range must(journal.List(ctx, db.Read, "", 0, 10)) {
				if e.ID == c.anchor {
					anchor = journal.Anchor{ID: e.ID, Hash: e.Hash, Source: "audit 7 sign-off"}
				}
			}
			databasetest.DropTrigger(t, db, "journal_no_update", "journal")
			databasetest.DropTrigger(t, db, "journal_no_delete", "journal")
			c.tamper(t, db)
			// The chain alone cannot tell.
			if _, err := journal.Verify(ctx, db.Read); err != nil {
				t.Fatalf("Verify without anchors = %v; the case must be one the chain alone misses", err)
			}
			_, err := journal.Verify(ctx, db.Read, anchor)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("Verify = %v, want nil", err)
			case c.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), c.wantErr)):
				t.Fatalf("Verify = %v, want %q", err, c.wantErr)
			}
			if c.wantErr != "" {
				var bad *journal.BadEntry
				if !errors.As(err, &bad) || bad.ID != c.anchor {
					t.Fatalf("Verify = %#v, want a BadEntry for %d", err, c.anchor)
				}
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestHeadAndParseAnchor(t *testing.T) {
	db := openDB(t)
	if _, ok, err := journal.Head(context.Background(), db.Read); ok || err != nil {
		t.Fatalf("Head of an empty journal: ok %v, %v", ok, err)
	}
	appendN(t, db, 3)
	h := head(t, db)
	if h.ID != 3 || len(h.Hash) != 64 {
		t.Fatalf("Head = %+v", h)
	}
	got, err := journal.ParseAnchor(h.String())
	if err != nil || got.ID != h.ID || got.Hash != h.Hash {
		t.Fatalf("ParseAnchor(%q) = %+v, %v", h.String(), got, err)
	}
	for _, bad := range []string{"", "3", "3:", ":" + h.Hash, "0:" + h.Hash, "-1:" + h.Hash, "03:" + h.Hash, "+3:" + h.Hash, "3:abc", "3:" + h.Hash + "00", "x:" + h.Hash} {
		if _, err := journal.ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}
