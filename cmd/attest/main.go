// Command attest is the whole Attest product: the web UI, the JSON API and the command line.
//
//	attest serve [--addr 127.0.0.1:8080] [--data ./data] [--demo] [--trusted-proxy CIDR]
//	attest user add --username U --role R[,R] [--supplier KEY] --password-stdin
//	attest import [--approve] --as USER PATH…
//	attest cmdb import [--full] FILE
//	attest reindex | backup OUT.db | journal anchor | journal verify [--anchor ID:HASH]…
//
// Every command takes --data DIR (env ATTEST_DATA) and --database postgres://… (env
// ATTEST_DATABASE; SQLite in DIR without it); serve also --addr (env ATTEST_ADDR).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "attest:", err)
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "attest:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  attest serve [--addr 127.0.0.1:8080] [--data ./data] [--demo] [--trusted-proxy CIDR]
  attest user add --username U --role R[,R] [--supplier KEY] [--display-name NAME] --password-stdin
  attest import [--approve] --as USER PATH…
  attest cmdb import [--full] FILE
  attest reindex
  attest backup OUT.db
  attest journal anchor
  attest journal verify [--anchor ID:HASH]…
Every command takes --data DIR (env ATTEST_DATA) and --database postgres://… (env
ATTEST_DATABASE; without it the database is SQLite in DIR); serve also --addr (env ATTEST_ADDR).
`

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Main runs one attest command; its fields are the process's outside world, so tests can
// run commands in-process.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// Run dispatches args to a subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return m.serve(ctx, args[1:])
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return usageError{"unknown user command; did you mean `attest user add`?"}
		}
		return m.userAdd(ctx, args[2:])
	case "import":
		return m.importFiles(ctx, args[1:])
	case "cmdb":
		return m.cmdbCommand(ctx, args[1:])
	case "reindex":
		return m.reindex(ctx, args[1:])
	case "backup":
		return m.backup(ctx, args[1:])
	case "journal":
		switch {
		case len(args) >= 2 && args[1] == "verify":
			return m.journalVerify(ctx, args[2:])
		case len(args) >= 2 && args[1] == "anchor":
			return m.journalAnchor(ctx, args[2:])
		}
		return usageError{"unknown journal command; use `attest journal verify [--anchor ID:HASH]…` or `attest journal anchor`"}
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		return usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
}
