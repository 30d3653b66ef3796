package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"attest/accounts"
	"attest/cmdb"
)

// cmdbCommand is `attest cmdb import [--full] [--data DIR] FILE`: configuration items from a
// CSV or JSON Lines export of the enterprise's CMDB. Idempotent by key (an unchanged CI keeps its
// version); --full retires CIs the file no longer has. It writes in short transactions through
// the same WAL database as a running server, so it is safe while `attest serve` runs.
func (m *Main) cmdbCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usageError{"unknown cmdb command; did you mean `attest cmdb import [--full] FILE`?"}
	}
	fs, data := m.flags("cmdb import")
	full := fs.Bool("full", false, "retire configuration items the file does not have")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"cmdb import: give exactly one FILE (CSV or JSON Lines)"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("cmdb import: %w", err)
	}
	lines, err := cmdb.ReadFile(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("cmdb import: %s: %w", fs.Arg(0), userFacing(err))
	}
	a, err := m.open(ctx, data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.cmdb.Import(ctx, accounts.System("cmdb-import"), lines, cmdb.ImportOptions{Full: *full, Progress: progressPrinter(m.Stdout)})
	if err != nil {
		return fmt.Errorf("cmdb import: %w", userFacing(err))
	}
	for _, fl := range rep.Failed {
		fmt.Fprintf(m.Stderr, "cmdb import: line %d %s: %s\n", fl.Line, fl.Key, fl.Reason)
	}
	fmt.Fprintf(m.Stdout, "%d configuration items: %d new, %d changed, %d unchanged, %d retired, %d failed\n",
		len(lines), rep.Created, rep.Updated, rep.Unchanged, rep.Retired, len(rep.Failed))
	if rep.RetireSkipped {
		fmt.Fprintln(m.Stderr, "cmdb import: --full retired nothing, because some lines could not be read (their items would have been retired by mistake)")
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("cmdb import: %d of %d lines failed (listed above); the others were imported", len(rep.Failed), len(lines))
	}
	return nil
}
