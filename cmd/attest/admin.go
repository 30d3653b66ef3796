package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"attest"
	"attest/accounts"
	"attest/journal"
)

func (m *Main) userAdd(ctx context.Context, args []string) error {
	fs, data := m.flags("user add")
	username := fs.String("username", "", "username")
	display := fs.String("display-name", "", "display name (default: the username)")
	roleList := fs.String("role", "", "role or comma-separated roles: admin, knowledge_manager, trainer, auditor, agent")
	supplier := fs.String("supplier", "", "supplier key (required for agents)")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*stdin {
		return usageError{"user add: --password-stdin is required (passwords never go on the command line)"}
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	a, err := m.open(ctx, data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	nu := accounts.NewUser{Username: *username, DisplayName: *display, Password: password, Supplier: *supplier}
	for _, r := range strings.Split(*roleList, ",") {
		if r = strings.TrimSpace(r); r != "" {
			nu.Roles = append(nu.Roles, accounts.Role(r))
		}
	}
	u, err := a.accounts.CreateUser(ctx, accounts.System("cli"), nu)
	if err != nil {
		return userFacing(err)
	}
	fmt.Fprintf(m.Stdout, "user %s added (%s)\n", u.Username, strings.Join(roleStrings(u.Roles), ", "))
	return nil
}

func roleStrings(rs []accounts.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r))
	}
	return out
}

// userFacing turns a domain error into a message for the terminal, with its field errors.
func userFacing(err error) error {
	var e *attest.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := e.Message
	for f, why := range e.Fields {
		msg += fmt.Sprintf("\n  %s: %s", f, why)
	}
	return errors.New(msg)
}

func (m *Main) backup(ctx context.Context, args []string) error {
	fs, data := m.flags("backup")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"backup: give exactly one output file, e.g. attest backup attest-2026-11-25.db"}
	}
	a, err := m.open(ctx, data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backup written to %s\n", fs.Arg(0))
	return nil
}

// anchorFlags collects repeated --anchor ID:HASH flags.
type anchorFlags []journal.Anchor

func (f *anchorFlags) String() string { return fmt.Sprint(*f) }

func (f *anchorFlags) Set(s string) error {
	a, err := journal.ParseAnchor(s)
	if err != nil {
		return err
	}
	a.Source = "the anchor --anchor " + a.String()
	*f = append(*f, a)
	return nil
}

// journalVerify is `attest journal verify [--anchor ID:HASH]…`: it recomputes the chain and
// checks it against every journal head recorded by an audit sign-off or report export, and
// against each anchor given (kept outside Attest: a ticket, a SIEM, an exported report). A
// chain shorter than an anchor, or another hash at one, is tampering: a non-zero exit.
func (m *Main) journalVerify(ctx context.Context, args []string) error {
	fs, data := m.flags("journal verify")
	var given anchorFlags
	fs.Var(&given, "anchor", "a journal head ID:HASH kept outside Attest (repeatable), as `attest journal anchor` prints it")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open(ctx, data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	recorded, err := a.audit.JournalAnchors(ctx)
	if err != nil {
		return err
	}
	n, err := journal.Verify(ctx, a.db.Read, append(recorded, given...)...)
	if err != nil {
		return fmt.Errorf("journal verify: TAMPERED: %w (%d entries before it are intact)", err, n)
	}
	fmt.Fprintf(m.Stdout, "journal intact: %d entries; %d anchors recorded by audits and %d given all match\n", n, len(recorded), len(given))
	return nil
}

// journalAnchor is `attest journal anchor`: it prints the journal's head as ID:HASH, for
// safekeeping outside Attest, to check later with `attest journal verify --anchor ID:HASH`.
func (m *Main) journalAnchor(ctx context.Context, args []string) error {
	fs, data := m.flags("journal anchor")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open(ctx, data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	// An anchor of a broken chain would vouch for it: verify first, against the recorded anchors.
	recorded, err := a.audit.JournalAnchors(ctx)
	if err != nil {
		return err
	}
	if _, err := journal.Verify(ctx, a.db.Read, recorded...); err != nil {
		return fmt.Errorf("journal anchor: the journal does not verify, so its head is no anchor: %w", err)
	}
	h, ok, err := journal.Head(ctx, a.db.Read)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("journal anchor: the journal is empty: nothing to anchor yet")
	}
	fmt.Fprintln(m.Stdout, h.String())
	fmt.Fprintf(m.Stderr, "Keep this journal head outside Attest (a ticket, your SIEM); check later with:\n  attest journal verify --anchor %s\n", h)
	return nil
}
