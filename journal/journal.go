// Package journal is Attest's append-only, hash-chained record of every state change. Each
// entry is written in the transaction of the change it records and holds the hash of the entry
// before it, so that any edit, insertion or removal shows when the chain is verified.
package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Entry is one state change: who did what to which object, and what it was before and after.
type Entry struct {
	ID       int64           `json:"id"`
	At       string          `json:"at"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Object   string          `json:"object"`
	Detail   json.RawMessage `json:"detail"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Change is the usual detail of an entry: the state before and after.
type Change struct {
	Before any `json:"before,omitempty"`
	After  any `json:"after,omitempty"`
}

// Append writes one entry in tx, chained to the newest entry. detail is marshalled to JSON.
// The caller's transaction must be a write transaction (BEGIN IMMEDIATE) so that no other
// writer can append between reading the previous hash and inserting.
func Append(ctx context.Context, tx *sql.Tx, actor, action, object string, detail any) error {
	var raw []byte
	switch d := detail.(type) {
	case nil:
		raw = []byte("{}")
	case json.RawMessage:
		raw = d
	default:
		var err error
		if raw, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("journal: marshal detail of %s %s: %w", action, object, err)
		}
	}
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT hash FROM journal ORDER BY id DESC LIMIT 1`).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("journal: read previous hash: %w", err)
	}
	at := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z")
	h := Hash(prev, at, actor, action, object, raw)
	if _, err := tx.ExecContext(ctx, `INSERT INTO journal (at, actor, action, object, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, at, actor, action, object, raw, prev, h); err != nil {
		return fmt.Errorf("journal: append %s %s: %w", action, object, err)
	}
	return nil
}

// Hash is SHA-256 over the previous hash and the entry's fields exactly as stored, each
// length-prefixed so that no two different entries share an encoding.
func Hash(prev, at, actor, action, object string, detail []byte) string {
	s := sha256.New()
	var n [8]byte
	for _, f := range [][]byte{[]byte(prev), []byte(at), []byte(actor), []byte(action), []byte(object), detail} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		s.Write(n[:])
		s.Write(f)
	}
	return hex.EncodeToString(s.Sum(nil))
}

// BadEntry describes the first entry where the chain breaks.
type BadEntry struct {
	ID     int64
	Reason string
}

func (b *BadEntry) Error() string {
	return fmt.Sprintf("journal entry %d: %s", b.ID, b.Reason)
}

// Verify recomputes the chain. It returns the number of entries checked, and a *BadEntry
// error naming the first entry that was edited, inserted or follows a removed one.
func Verify(ctx context.Context, db *sql.DB) (int, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, at, actor, action, object, detail, prev_hash, hash FROM journal ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("journal: verify: %w", err)
	}
	defer rows.Close()
	prev, n := "", 0
	var lastID int64
	for rows.Next() {
		var e Entry
		var detail []byte
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash); err != nil {
			return n, fmt.Errorf("journal: verify: %w", err)
		}
		switch {
		case e.PrevHash != prev && lastID != 0 && e.ID != lastID+1:
			return n, &BadEntry{e.ID, fmt.Sprintf("entries %d to %d were removed", lastID+1, e.ID-1)}
		case e.PrevHash != prev:
			return n, &BadEntry{e.ID, "its previous hash does not match the entry before it (an entry was inserted, removed or edited)"}
		case Hash(e.PrevHash, e.At, e.Actor, e.Action, e.Object, detail) != e.Hash:
			return n, &BadEntry{e.ID, "its content does not match its hash (it was edited)"}
		}
		prev, lastID = e.Hash, e.ID
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("journal: verify: %w", err)
	}
	return n, nil
}

// List returns up to limit entries at or after since (RFC 3339; "" for all), oldest first,
// starting after the entry with id afterID.
func List(ctx context.Context, db *sql.DB, since string, afterID int64, limit int) ([]Entry, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, at, actor, action, object, detail, prev_hash, hash
		FROM journal WHERE at >= ? AND id > ? ORDER BY id LIMIT ?`, since, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("journal: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var detail []byte
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("journal: list: %w", err)
		}
		e.Detail = json.RawMessage(detail)
		out = append(out, e)
	}
	return out, rows.Err()
}
