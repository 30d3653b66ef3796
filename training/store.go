// Package training certifies supplier staff: quizzes per request type, attempts scored on the
// server, certifications granted by trainers, and the fulfilment authority they confer, which
// lapses when the knowledge it rests on changes in a major way.
package training

import (
	"attest/accounts"
	"attest/kb"
	"attest/sqlite"
)

// Store keeps quizzes, attempts and certifications.
type Store struct {
	db       *sqlite.DB
	accounts *accounts.Store
	kb       *kb.Store
}

// NewStore returns a Store over db.
func NewStore(db *sqlite.DB, acc *accounts.Store, k *kb.Store) *Store {
	return &Store{db: db, accounts: acc, kb: k}
}
