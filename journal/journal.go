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
	"slices"
	"strconv"
	"strings"
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
// The caller's transaction must be a write transaction (database.DB.Tx: BEGIN IMMEDIATE on
// SQLite, the write lock on PostgreSQL) so that no other writer, on any node, can append
// between reading the previous hash and inserting.
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
	// The id is the previous one's plus one, also on PostgreSQL (whose sequences leave gaps
	// where a transaction rolled back): dense ids let Verify say which entries were removed.
	var prev string
	var prevID int64
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1`).Scan(&prevID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("journal: read previous hash: %w", err)
	}
	at := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z")
	h := Hash(prev, at, actor, action, object, raw)
	if _, err := tx.ExecContext(ctx, `INSERT INTO journal (id, at, actor, action, object, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, prevID+1, at, actor, action, object, raw, prev, h); err != nil {
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

// Anchor is the journal's head (its newest entry's id and hash) as recorded somewhere the
// journal table does not protect: an audit's sign-off, a report export, a ticket, a SIEM. The
// chain alone cannot show that its newest entries were cut off, or that it was rewritten and
// re-hashed from some entry onwards; an anchor can: the entry it names must still be there,
// with the same hash.
type Anchor struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
	// Source says where the anchor was recorded (e.g. "audit 12 sign-off"), for the report.
	Source string `json:"-"`
}

// String is the anchor as `attest journal anchor` prints it and `--anchor` takes it: ID:HASH.
func (a Anchor) String() string { return fmt.Sprintf("%d:%s", a.ID, a.Hash) }

// ParseAnchor reads an anchor written as ID:HASH (a SHA-256 in hex).
func ParseAnchor(s string) (Anchor, error) {
	id, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return Anchor{}, fmt.Errorf("anchor %q: want ID:HASH, e.g. 1234:9f86d081…, as `attest journal anchor` prints it", s)
	}
	if b, err := hex.DecodeString(hash); err != nil || len(b) != sha256.Size {
		return Anchor{}, fmt.Errorf("anchor %q: the hash must be 64 hexadecimal characters", s)
	}
	return Anchor{ID: n, Hash: strings.ToLower(hash)}, nil
}

// Queryer is what Head reads from: a *sql.DB or the *sql.Tx of a change.
type Queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Head returns the newest entry's id and hash; ok is false when the journal is empty. Read it
// in the transaction of the change that records it, so that it names the entry of that change.
func Head(ctx context.Context, q Queryer) (a Anchor, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1`).Scan(&a.ID, &a.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Anchor{}, false, nil
	}
	if err != nil {
		return Anchor{}, false, fmt.Errorf("journal: head: %w", err)
	}
	return a, true, nil
}

// BadEntry describes the first entry where the chain breaks, or an anchor it no longer meets.
type BadEntry struct {
	ID     int64
	Reason string
}

func (b *BadEntry) Error() string {
	return fmt.Sprintf("journal entry %d: %s", b.ID, b.Reason)
}

// Verify recomputes the chain and checks it against every anchor given. It returns the number
// of entries checked, and a *BadEntry error naming the first entry that was edited, inserted
// or follows a removed one; or, when the chain is consistent in itself, the first anchor whose
// entry is gone (the journal was cut short) or has another hash (it was rewritten and
// re-hashed from that entry or before).
func Verify(ctx context.Context, db *sql.DB, anchors ...Anchor) (int, error) {
	want := map[int64][]Anchor{}
	for _, a := range anchors {
		want[a.ID] = append(want[a.ID], a)
	}
	got := map[int64]string{}
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
		if _, ok := want[e.ID]; ok {
			got[e.ID] = e.Hash
		}
		prev, lastID = e.Hash, e.ID
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("journal: verify: %w", err)
	}
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, a := range want[id] {
			h, ok := got[id]
			switch {
			case !ok && id > lastID:
				end := "the journal is empty"
				if lastID > 0 {
					end = fmt.Sprintf("the journal ends at entry %d", lastID)
				}
				return n, &BadEntry{id, fmt.Sprintf("tampered: %s recorded entry %d as the head, but %s (entries were removed from its end)", a.source(), id, end)}
			case !ok:
				return n, &BadEntry{id, fmt.Sprintf("tampered: %s recorded entry %d, which is missing", a.source(), id)}
			case !strings.EqualFold(h, a.Hash):
				return n, &BadEntry{id, fmt.Sprintf("tampered: its hash differs from the one %s recorded (the journal was rewritten from this entry or before)", a.source())}
			}
		}
	}
	return n, nil
}

func (a Anchor) source() string {
	if a.Source == "" {
		return "the anchor " + a.String()
	}
	return a.Source
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
