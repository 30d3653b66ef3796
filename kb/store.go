// Package kb is Attest's knowledge: articles as sequences of immutable Markdown versions, their
// review with a diff and four eyes, what agents may read, usage and feedback, and gap reports.
package kb

import (
	"attest/accounts"
	"attest/database"
)

// Store keeps articles, their versions and everything recorded about their use.
type Store struct {
	db       *database.DB
	accounts *accounts.Store
	// events buffers views and searches and group-commits ticket usage (events.go, usage.go).
	events recorder
	// reads is the article read path's prepared query and cache (read.go).
	reads articleReads
	// notices remembers for a moment whether any notice is active (notice.go).
	notices noticeCache
}

// NewStore returns a Store over db.
func NewStore(db *database.DB, acc *accounts.Store) *Store {
	return &Store{db: db, accounts: acc}
}
