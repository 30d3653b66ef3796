package journal_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"attest/journal"
	"attest/sqlite"
)

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func appendN(t *testing.T, db *sqlite.DB, n int) {
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
			if _, err := db.Write.ExecContext(ctx, `DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete`); err != nil {
				t.Fatal(err)
			}
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
