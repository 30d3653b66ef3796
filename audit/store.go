// Package audit runs the quarterly knowledge audit: a population snapshot, a seeded stratified
// sample, a weighted checklist per sampled article with adherence evidence beside it,
// findings with owners and due dates, sign-off and the report.
package audit

import (
	"attest/accounts"
	"attest/kb"
	"attest/sqlite"
	"attest/training"
)

// Store keeps audits, their samples, assessments and findings.
type Store struct {
	db       *sqlite.DB
	accounts *accounts.Store
	kb       *kb.Store
	training *training.Store
}

// NewStore returns a Store over db.
func NewStore(db *sqlite.DB, acc *accounts.Store, k *kb.Store, t *training.Store) *Store {
	return &Store{db: db, accounts: acc, kb: k, training: t}
}
