package kb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"attest"
	"attest/accounts/accountstest"
	"attest/kb"
)

// usageOrg is the test organisation with a knowledge store.
type usageOrg struct {
	*accountstest.Org
	KB *kb.Store
}

func newUsageOrg(t testing.TB) *usageOrg {
	t.Helper()
	org := accountstest.NewOrg(t)
	return &usageOrg{Org: org, KB: kb.NewStore(org.DB, org.Accounts)}
}

// approved creates an article written by km1 and approved by km2, and returns its id.
func (o *usageOrg) approved(t testing.TB, title string, rts ...string) int64 {
	t.Helper()
	ctx := context.Background()
	v, err := o.KB.CreateArticle(ctx, o.User(t, "km1"), kb.NewArticle{Title: title, Body: "Steps for " + title + ".", RequestTypes: rts})
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	if _, err := o.KB.Submit(ctx, o.User(t, "km1"), v.ArticleID, 1); err != nil {
		t.Fatalf("submit %q: %v", title, err)
	}
	if _, err := o.KB.Approve(ctx, o.User(t, "km2"), v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatalf("approve %q: %v", title, err)
	}
	return v.ArticleID
}

// newVersion saves, submits and approves version n of article id (by km2, approved by km1).
func (o *usageOrg) newVersion(t testing.TB, id int64, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := o.KB.SaveVersion(ctx, o.User(t, "km2"), id, kb.NewVersion{Base: n - 1, Title: "Updated", Body: fmt.Sprintf("New steps (version %d).", n)}); err != nil {
		t.Fatalf("save version %d: %v", n, err)
	}
	if _, err := o.KB.Submit(ctx, o.User(t, "km2"), id, n); err != nil {
		t.Fatalf("submit version %d: %v", n, err)
	}
	if _, err := o.KB.Approve(ctx, o.User(t, "km1"), id, n, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatalf("approve version %d: %v", n, err)
	}
}

func fieldsOf(err error) map[string]string {
	if e, ok := err.(*attest.Error); ok {
		return e.Fields
	}
	return nil
}

func TestRecordUsageValidation(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Install the VPN client", "software-install")
	draft, err := o.KB.CreateArticle(ctx, o.User(t, "km1"), kb.NewArticle{Title: "Draft", Body: "x", RequestTypes: []string{"software-install"}})
	if err != nil {
		t.Fatal(err)
	}
	ok := kb.UsageInput{ArticleID: id, Version: 1, TicketRef: "REQ0012345", RequestType: "software-install", Outcome: kb.OutcomeResolved}
	cases := []struct {
		name  string
		user  string
		edit  func(in *kb.UsageInput)
		field string // "" for success
	}{
		{"valid", "alice", func(*kb.UsageInput) {}, ""},
		{"missing article_id", "alice", func(in *kb.UsageInput) { in.ArticleID = 0 }, "article_id"},
		{"negative article_id", "alice", func(in *kb.UsageInput) { in.ArticleID = -3 }, "article_id"},
		{"unknown article", "alice", func(in *kb.UsageInput) { in.ArticleID = 999999 }, "article_id"},
		{"article without approved version", "alice", func(in *kb.UsageInput) { in.ArticleID = draft.ArticleID }, "article_id"},
		{"article outside supplier scope", "gina", func(in *kb.UsageInput) { in.RequestType = "password-reset" }, "article_id"},
		{"missing version", "alice", func(in *kb.UsageInput) { in.Version = 0 }, "version"},
		{"unknown version", "alice", func(in *kb.UsageInput) { in.Version = 7 }, "version"},
		{"missing ticket_ref", "alice", func(in *kb.UsageInput) { in.TicketRef = "  " }, "ticket_ref"},
		{"ticket_ref of 129", "alice", func(in *kb.UsageInput) { in.TicketRef = strings.Repeat("x", 129) }, "ticket_ref"},
		{"ticket_ref with a newline", "alice", func(in *kb.UsageInput) { in.TicketRef = "REQ\n1" }, "ticket_ref"},
		{"ticket_ref of 128", "alice", func(in *kb.UsageInput) { in.TicketRef = strings.Repeat("R", 128) }, ""},
		{"missing request_type", "alice", func(in *kb.UsageInput) { in.RequestType = "" }, "request_type"},
		{"unknown request_type", "alice", func(in *kb.UsageInput) { in.RequestType = "teleport" }, "request_type"},
		{"request_type not covered", "alice", func(in *kb.UsageInput) { in.RequestType = "vpn-access" }, "request_type"},
		{"missing outcome", "alice", func(in *kb.UsageInput) { in.Outcome = "" }, "outcome"},
		{"unknown outcome", "alice", func(in *kb.UsageInput) { in.Outcome = "maybe" }, "outcome"},
		{"malformed before the store", "alice", func(in *kb.UsageInput) { in.Invalid = map[string]string{"version": "must be a JSON number"} }, "version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			u, err := o.KB.RecordUsage(ctx, o.User(t, c.user), in)
			if c.field == "" {
				if err != nil {
					t.Fatalf("RecordUsage: %v", err)
				}
				if u.ID == 0 || u.Outdated {
					t.Errorf("got id %d outdated %v, want an id and not outdated", u.ID, u.Outdated)
				}
				return
			}
			if got, want := attest.ErrorCode(err), attest.EINVALID; got != want {
				t.Fatalf("code = %q (%v), want %q", got, err, want)
			}
			if _, named := fieldsOf(err)[c.field]; !named {
				t.Errorf("fields = %v, want %s named", fieldsOf(err), c.field)
			}
		})
	}
	// Every problem at once is named at once, and nothing was recorded by refused calls.
	_, err = o.KB.RecordUsage(ctx, o.User(t, "alice"), kb.UsageInput{})
	for _, f := range []string{"article_id", "version", "ticket_ref", "request_type", "outcome"} {
		if _, named := fieldsOf(err)[f]; !named {
			t.Errorf("empty input: fields = %v, want %s named", fieldsOf(err), f)
		}
	}
	var n int
	if err := o.DB.Read.QueryRow(`SELECT COUNT(*) FROM usage_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("usage_events holds %d rows, want the 2 accepted", n)
	}
	// Only agents record usage.
	if _, err := o.KB.RecordUsage(ctx, o.User(t, "km1"), ok); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("km1 records usage: %v, want forbidden", err)
	}
}

func TestUsageOutdatedAfterApproval(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	in := kb.UsageInput{ArticleID: id, Version: 1, TicketRef: "INC0000001", RequestType: "password-reset", Outcome: kb.OutcomeResolved}
	u, err := o.KB.RecordUsage(ctx, o.User(t, "gina"), in)
	if err != nil {
		t.Fatal(err)
	}
	if u.Outdated {
		t.Errorf("use of the current version flagged outdated")
	}
	o.newVersion(t, id, 2)
	in.TicketRef = "INC0000002"
	if u, err = o.KB.RecordUsage(ctx, o.User(t, "gina"), in); err != nil {
		t.Fatal(err)
	}
	if !u.Outdated {
		t.Errorf("use of superseded version 1 after version 2 was approved: outdated = false, want true")
	}
	in.Version, in.TicketRef = 2, "INC0000003"
	if u, err = o.KB.RecordUsage(ctx, o.User(t, "gina"), in); err != nil {
		t.Fatal(err)
	}
	if u.Outdated {
		t.Errorf("use of the new current version 2 flagged outdated")
	}
	f, err := o.KB.ParseReportFilter(ctx, "2000-01-01", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := o.KB.GapReport(ctx, o.User(t, "auditor"), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.OutdatedUsage) != 1 || g.OutdatedUsage[0].Supplier != "globex" || g.OutdatedUsage[0].ArticleID != id || g.OutdatedUsage[0].Count != 1 {
		t.Errorf("outdated usage = %+v, want one use by globex of article %d", g.OutdatedUsage, id)
	}
}

func TestUsageConcurrentGroupCommit(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	alice := o.User(t, "alice")
	const workers, each = 8, 25
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				_, err := o.KB.RecordUsage(ctx, alice, kb.UsageInput{ArticleID: id, Version: 1,
					TicketRef: "INC" + string(rune('A'+w)) + strings.Repeat("0", i), RequestType: "password-reset", Outcome: kb.OutcomeResolved})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := o.DB.Read.QueryRow(`SELECT COUNT(*) FROM usage_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got, want := n, workers*each; got != want {
		t.Errorf("committed %d uses, want %d", got, want)
	}
}
