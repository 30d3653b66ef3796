package accounts_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/database"
)

// countChecks wraps the store's password check to count checks and the most that ran at once.
func countChecks(s *accounts.Store) (checks, most *atomic.Int64) {
	checks, most = new(atomic.Int64), new(atomic.Int64)
	var running atomic.Int64
	s.SetVerify(func(check func(string, string) bool, encoded, pw string) bool {
		checks.Add(1)
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		return check(encoded, pw)
	})
	return checks, most
}

// Issue 13 item 1: 150 parallel wrong passwords for one account are reserved one by one
// before any password is checked, so only the limit of them reach argon2, and never more than
// the server-wide slots at once.
func TestSignInParallelAttemptsReserveBeforeChecking(t *testing.T) {
	o := accountstest.NewOrg(t)
	o.Accounts.SignIn.Checks = 2
	o.Accounts.SignIn.CheckWait = time.Minute // no attempt is refused for want of a slot here
	checks, most := countChecks(o.Accounts)
	var wrong, throttled, other atomic.Int64
	var wg sync.WaitGroup
	for range 150 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := o.Accounts.Authenticate(context.Background(), "alice", "wrong-password", "10.0.0.1")
			switch attest.ErrorCode(err) {
			case attest.EUNAUTH:
				wrong.Add(1)
			case attest.ETHROTTLED:
				throttled.Add(1)
			default:
				other.Add(1)
				t.Errorf("parallel attempt: %v", err)
			}
		}()
	}
	wg.Wait()
	if got, want := checks.Load(), int64(5); got != want {
		t.Errorf("password checks = %d, want %d (the per-account-and-address limit)", got, want)
	}
	if got, want := wrong.Load(), int64(5); got != want {
		t.Errorf("wrong-password answers = %d, want %d", got, want)
	}
	if got, want := throttled.Load(), int64(145); got != want {
		t.Errorf("throttled answers = %d, want %d", got, want)
	}
	if got := most.Load(); got > 2 || got < 1 {
		t.Errorf("at most %d password checks ran at once, want 1..2", got)
	}
}

// The server-wide slots: an attempt that finds none free within CheckWait is refused with a
// Retry-After, and its reservation is given back (it does not count as a failure).
func TestSignInChecksBoundedServerWide(t *testing.T) {
	o := accountstest.NewOrg(t)
	o.Accounts.SignIn.Checks = 2
	o.Accounts.SignIn.CheckWait = 20 * time.Millisecond
	hold := make(chan struct{})
	var inside atomic.Int64
	o.Accounts.SetVerify(func(check func(string, string) bool, encoded, pw string) bool {
		inside.Add(1)
		<-hold
		return check(encoded, pw)
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, name := range []string{"alice", "bob"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.Accounts.Authenticate(ctx, name, "wrong-password", fmt.Sprintf("10.0.0.%d", i+1))
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); inside.Load() < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the two first checks never started")
		}
		time.Sleep(time.Millisecond) // polling for the goroutines, not waiting for an effect
	}
	_, err := o.Accounts.Authenticate(ctx, "gina", accountstest.Password, "10.0.0.3")
	e, ok := err.(*attest.Error)
	if !ok || e.Code != attest.ETHROTTLED || e.RetryAfter < 1 {
		t.Fatalf("third attempt while two checks run: %v, want throttled with Retry-After", err)
	}
	close(hold)
	wg.Wait()
	if got := inside.Load(); got != 2 {
		t.Fatalf("%d passwords checked, want 2 (the refused attempt checks none)", got)
	}
	// The refused attempt left nothing behind: gina gets her five tries.
	for i := range 5 {
		if _, err := o.Accounts.Authenticate(ctx, "gina", "wrong-password", "10.0.0.3"); attest.ErrorCode(err) != attest.EUNAUTH {
			t.Fatalf("gina's wrong password #%d: %v", i+1, err)
		}
	}
}

// Issue 13 item 2: nobody can lock a person out by failing on purpose.
func TestSignInStrangersCannotLockOut(t *testing.T) {
	ctx := context.Background()
	fail := func(t *testing.T, o *accountstest.Org, user, addr string, n int) {
		t.Helper()
		for range n {
			o.Accounts.Authenticate(ctx, user, "wrong-password", addr)
		}
	}
	signIn := func(o *accountstest.Org, user, addr string) string {
		_, err := o.Accounts.Authenticate(ctx, user, accountstest.Password, addr)
		return attest.ErrorCode(err)
	}
	cases := []struct {
		name   string
		before func(t *testing.T, o *accountstest.Org) // alice has signed in from 198.51.100.7 once
		addr   string
		want   string
	}{
		{"five failures from a stranger's address leave alice's own address alone",
			func(t *testing.T, o *accountstest.Org) { fail(t, o, "alice", "203.0.113.1", 10) }, "198.51.100.7", ""},
		{"…and a new address of hers too",
			func(t *testing.T, o *accountstest.Org) { fail(t, o, "alice", "203.0.113.1", 10) }, "198.51.100.99", ""},
		{"five failures from her own address stop that address, even with the right password",
			func(t *testing.T, o *accountstest.Org) { fail(t, o, "alice", "198.51.100.7", 5) }, "198.51.100.7", attest.ETHROTTLED},
		{"failures past the account limit from everywhere stop unknown addresses",
			func(t *testing.T, o *accountstest.Org) { spray(t, o, "alice", 12) }, "198.51.100.99", attest.ETHROTTLED},
		{"…but not the address she signed in from before",
			func(t *testing.T, o *accountstest.Org) { spray(t, o, "alice", 12) }, "198.51.100.7", ""},
		{"failures past the address limit on other accounts from her address leave her alone there",
			func(t *testing.T, o *accountstest.Org) { sprayAccounts(t, o, "198.51.100.7", 8) }, "198.51.100.7", ""},
		{"IPv6 addresses of one /64 share a counter",
			func(t *testing.T, o *accountstest.Org) {
				for i := range 5 {
					o.Accounts.Authenticate(ctx, "alice", "wrong-password", fmt.Sprintf("2001:db8:1:2::%x", i+1))
				}
			}, "2001:db8:1:2::99", attest.ETHROTTLED},
	}
	// Smaller account and address limits than the defaults keep the test quick; the rules
	// are the same.
	newOrg := func(t *testing.T) *accountstest.Org {
		o := accountstest.NewOrg(t)
		o.Accounts.SignIn.PerAccount, o.Accounts.SignIn.PerAddress = 10, 6
		return o
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := newOrg(t)
			if got := signIn(o, "alice", "198.51.100.7"); got != "" {
				t.Fatalf("first sign-in: %q", got)
			}
			c.before(t, o)
			if got := signIn(o, "alice", c.addr); got != c.want {
				t.Fatalf("alice from %s: %q, want %q", c.addr, got, c.want)
			}
		})
	}
	// Per address: once twenty failures came from an address, someone who never signed in
	// from there waits.
	o := newOrg(t)
	if got := signIn(o, "alice", "198.51.100.7"); got != "" {
		t.Fatalf("first sign-in: %q", got)
	}
	sprayAccounts(t, o, "198.51.100.7", 8)
	if got := signIn(o, "bob", "198.51.100.7"); got != attest.ETHROTTLED {
		t.Fatalf("bob, new at a spraying address: %q, want throttled", got)
	}
}

// spray fails user's password from n different addresses.
func spray(t *testing.T, o *accountstest.Org, user string, n int) {
	t.Helper()
	for i := range n {
		o.Accounts.Authenticate(context.Background(), user, "wrong-password", fmt.Sprintf("10.9.%d.%d", i/200, i%200))
	}
}

// sprayAccounts fails n made-up accounts' passwords from addr.
func sprayAccounts(t *testing.T, o *accountstest.Org, addr string, n int) {
	t.Helper()
	for i := range n {
		o.Accounts.Authenticate(context.Background(), fmt.Sprintf("user%d", i), "wrong-password", addr)
	}
}

// The throttle lives in the database: a restarted server (a new Store on the same file) still
// refuses, and old attempts expire with the window and are deleted.
func TestSignInThrottleSurvivesRestartAndExpires(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	for range 5 {
		o.Accounts.Authenticate(ctx, "bob", "wrong-password", "10.0.0.5")
	}
	o.DB.Close()
	db, err := database.OpenAgain(ctx, o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	restarted := accounts.NewStore(db)
	_, err = restarted.Authenticate(ctx, "bob", accountstest.Password, "10.0.0.5")
	e, ok := err.(*attest.Error)
	if !ok || e.Code != attest.ETHROTTLED || e.RetryAfter < 14*60 || e.RetryAfter > 15*60 {
		t.Fatalf("after a restart: %v, want throttled for about 15 minutes", err)
	}
	later := time.Now().Add(16 * time.Minute)
	restarted.SetClock(func() time.Time { return later })
	if _, err := restarted.Authenticate(ctx, "bob", accountstest.Password, "10.0.0.5"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	var rows int
	if err := db.Read.QueryRow(`SELECT COUNT(*) FROM signin_attempts`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d attempt rows left after the window (%v), want 0", rows, err)
	}
}

// Issue 13 item 9: usernames compare as exact ASCII after a strict check; no Unicode folding
// makes "KİM" or a Kelvin-sign "Kim" into "kim", at sign-in, lookup or creation.
func TestUsernamesAreStrictASCII(t *testing.T) {
	o := accountstest.NewOrg(t)
	ctx := context.Background()
	admin := o.Users["admin"]
	if _, err := o.Accounts.CreateUser(ctx, admin, accounts.NewUser{Username: "kim", Password: "long-enough-1",
		Roles: []accounts.Role{accounts.RoleKnowledgeManager}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typed string
		ok    bool
	}{
		{"kim", true},
		{"KIM", true},
		{" Kim\t", true},
		{"KİM", false},       // Turkish dotted capital I
		{"\u212Aim", false},  // Kelvin sign
		{"kım", false},       // dotless i
		{"kim\x00", false},   // NUL
		{"ｋｉｍ", false},       // full-width
		{"ki\u0307m", false}, // combining dot
	} {
		_, err := o.Accounts.Authenticate(ctx, c.typed, "long-enough-1", "10.0.0.1")
		if got := err == nil; got != c.ok {
			t.Errorf("sign in as %q: %v, want signed in %v", c.typed, err, c.ok)
		}
		_, err = o.Accounts.UserByUsername(ctx, c.typed)
		if got := err == nil; got != c.ok {
			t.Errorf("look up %q: %v, want found %v", c.typed, err, c.ok)
		}
		if !c.ok {
			_, err := o.Accounts.CreateUser(ctx, admin, accounts.NewUser{Username: c.typed, Password: "long-enough-1",
				Roles: []accounts.Role{accounts.RoleTrainer}})
			if e, isErr := err.(*attest.Error); !isErr || e.Code != attest.EINVALID || e.Fields["username"] == "" {
				t.Errorf("create %q: %v, want invalid username", c.typed, err)
			}
		}
	}
	u, err := o.Accounts.CreateUser(ctx, admin, accounts.NewUser{Username: "Dave.Smith", Password: "long-enough-1",
		Roles: []accounts.Role{accounts.RoleTrainer}})
	if err != nil || u.Username != "dave.smith" {
		t.Fatalf("create Dave.Smith = %+v, %v; want stored as dave.smith", u, err)
	}
}
