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
	a, err := m.open(ctx, *data, slog.Default())
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
	a, err := m.open(ctx, *data, slog.Default())
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

func (m *Main) journalVerify(ctx context.Context, args []string) error {
	fs, data := m.flags("journal verify")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open(ctx, *data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := journal.Verify(ctx, a.db.Read)
	if err != nil {
		return fmt.Errorf("journal verify: %w (%d entries before it are intact)", err, n)
	}
	fmt.Fprintf(m.Stdout, "journal intact: %d entries\n", n)
	return nil
}
