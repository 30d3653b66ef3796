package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"attest/accounts"
	"attest/audit"
	"attest/cmdb"
	"attest/database"
	"attest/kb"
	"attest/training"
)

// app is everything a command needs, wired explicitly.
type app struct {
	db       *database.DB
	accounts *accounts.Store
	kb       *kb.Store
	training *training.Store
	audit    *audit.Store
	cmdb     *cmdb.Store
	dataDir  string
	log      *slog.Logger
}

func (m *Main) open(ctx context.Context, w *where, log *slog.Logger) (*app, error) {
	if err := os.MkdirAll(w.dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	db, err := database.Connect(ctx, w.database, w.dir)
	if err != nil {
		return nil, err
	}
	a := &app{db: db, dataDir: w.dir, log: log}
	a.accounts = accounts.NewStore(db)
	a.kb = kb.NewStore(db, a.accounts)
	a.training = training.NewStore(db, a.accounts, a.kb)
	a.audit = audit.NewStore(db, a.accounts, a.kb, a.training)
	// Versions saved by a release before Markdown became text once get their text now,
	// before anything indexes them (a no-op once done).
	if _, err := a.kb.FillText(ctx, log); err != nil {
		db.Close()
		return nil, err
	}
	// Likewise the CI citations of versions saved before they were recorded at save.
	if _, err := a.kb.FillCitations(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.cmdb = cmdb.NewStore(db, a.accounts, a.kb, a.training)
	// Findings may be raised from the CMDB access flags of an audit's section.
	a.audit.SetAccessFlags(a.cmdb)
	// Access reviews show who accepted the CMDB agreement beside the usage agreement.
	a.accounts.SetCMDBAcceptances(a.cmdb)
	return a, nil
}

func (a *app) Close() error { return a.db.Close() }

// where is where a command finds its data: the database (PostgreSQL at database when set,
// else SQLite in dir) and the directory of this node's files (the search index).
type where struct {
	dir      string
	database string
}

func (w *where) String() string {
	if w.database != "" {
		return "database on PostgreSQL, this node's search index in " + w.dir
	}
	return "data in " + w.dir
}

// flags returns a FlagSet with --data (env ATTEST_DATA, default ./data) and --database (env
// ATTEST_DATABASE).
func (m *Main) flags(name string) (*flag.FlagSet, *where) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	def := m.Getenv("ATTEST_DATA")
	if def == "" {
		def = "./data"
	}
	w := &where{}
	fs.StringVar(&w.dir, "data", def, "data directory: the SQLite database and the search index, or only this node's index with --database (env ATTEST_DATA)")
	fs.StringVar(&w.database, "database", m.Getenv("ATTEST_DATABASE"), "PostgreSQL database, postgres://user:password@host:5432/attest; empty: SQLite in the data directory (env ATTEST_DATABASE)")
	return fs, w
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	return nil
}
