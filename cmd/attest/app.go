package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

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

func (m *Main) open(ctx context.Context, dataDir string, log *slog.Logger) (*app, error) {
	db, err := database.Open(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	a := &app{db: db, dataDir: dataDir, log: log}
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
	a.cmdb = cmdb.NewStore(db, a.accounts, a.kb, a.training)
	// Findings may be raised from the CMDB access flags of an audit's section.
	a.audit.SetAccessFlags(a.cmdb)
	return a, nil
}

func (a *app) Close() error { return a.db.Close() }

// flags returns a FlagSet with --data (env ATTEST_DATA, default ./data).
func (m *Main) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	def := m.Getenv("ATTEST_DATA")
	if def == "" {
		def = "./data"
	}
	data := fs.String("data", def, "data directory (env ATTEST_DATA)")
	return fs, data
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	return nil
}
