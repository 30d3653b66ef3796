package kb_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"attest"
	"attest/kb"
)

// TestReviewQueueFigures: the queue shows each proposal's supplier, request types, approvals
// and competing proposals on the same base; filters and order narrow it; a stale proposal is
// rejected with a reason and its author is offered to re-apply the change.
func TestReviewQueueFigures(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	km1, km2 := o.User(t, "km1"), o.User(t, "km2")
	propose := func(who string, body string) int {
		t.Helper()
		v, err := o.KB.SaveVersion(ctx, o.User(t, who), id, kb.NewVersion{Base: 1, Title: "Reset a password", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.KB.Submit(ctx, o.User(t, who), id, v.Number); err != nil {
			t.Fatal(err)
		}
		return v.Number
	}
	a := propose("alice", "Use the self-service portal.")
	g := propose("gina", "Call the service desk.")

	q, err := o.KB.ReviewQueue(ctx, km1)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.InReview) != 2 || q.Waiting != 2 {
		t.Fatalf("queue = %+v, want two proposals", q.InReview)
	}
	first, second := q.InReview[0], q.InReview[1]
	if first.Number != a || first.Supplier != "Acme Outsourcing" || second.Supplier != "Globex Services" {
		t.Errorf("suppliers: %d %q, %d %q", first.Number, first.Supplier, second.Number, second.Supplier)
	}
	if !slices.Equal(first.Competing, []int{g}) || !slices.Equal(second.Competing, []int{a}) {
		t.Errorf("competing: %v and %v, want each other", first.Competing, second.Competing)
	}
	if first.Approvals != 0 || first.Required != 1 || !slices.Equal(first.RequestTypes, []string{"password-reset"}) {
		t.Errorf("figures: %+v", first)
	}
	if first.State() != kb.QueueReady || !slices.Equal(q.Suppliers, []string{"Acme Outsourcing", "Globex Services"}) {
		t.Errorf("state %q, suppliers %v", first.State(), q.Suppliers)
	}

	cases := []struct {
		name string
		f    kb.QueueFilter
		want []int
	}{
		{"all, oldest first", kb.QueueFilter{}, []int{a, g}},
		{"newest first", kb.QueueFilter{Newest: true}, []int{g, a}},
		{"one supplier", kb.QueueFilter{Supplier: "Globex Services"}, []int{g}},
		{"a type it has", kb.QueueFilter{RequestType: "password-reset"}, []int{a, g}},
		{"a type it lacks", kb.QueueFilter{RequestType: "vpn-access"}, nil},
		{"ready", kb.QueueFilter{State: kb.QueueReady}, []int{a, g}},
		{"stale", kb.QueueFilter{State: kb.QueueStale}, nil},
	}
	for _, c := range cases {
		q, err := o.KB.FilteredReviewQueue(ctx, km1, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, it := range q.InReview {
			got = append(got, it.Number)
		}
		if !slices.Equal(got, c.want) || q.Waiting != 2 {
			t.Errorf("%s: %v (of %d), want %v", c.name, got, q.Waiting, c.want)
		}
	}
	if _, err := o.KB.FilteredReviewQueue(ctx, km1, kb.QueueFilter{State: "bogus"}); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("unknown state: %v, want validation_failed", err)
	}

	// Approving alice's proposal makes gina's stale: it has no competitor left.
	if _, err := o.KB.Approve(ctx, km2, id, a, kb.Decision{}); err != nil {
		t.Fatal(err)
	}
	q, err = o.KB.FilteredReviewQueue(ctx, km1, kb.QueueFilter{State: kb.QueueStale})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.InReview) != 1 || q.InReview[0].Number != g || q.InReview[0].Current != a || len(q.InReview[0].Competing) != 0 {
		t.Fatalf("stale filter = %+v, want gina's proposal on an old base", q.InReview)
	}
	// Rejecting it with a reason tells gina, with the way to re-apply it on the current version.
	if _, err := o.KB.Reject(ctx, km1, id, g, kb.Decision{Comment: "Overtaken by version 2."}); err != nil {
		t.Fatal(err)
	}
	var text, link string
	if err := o.DB.Read.QueryRow(`SELECT text, link FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT 1`, o.User(t, "gina").ID).Scan(&text, &link); err != nil {
		t.Fatal(err)
	}
	if link != kb.ReapplyLink(id, g) || !containsAll(text, "Overtaken by version 2.", "re-apply your change") {
		t.Errorf("gina's notice = %q → %q, want the reason and the re-apply link", text, link)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// TestHomeForAgent: favourites, most used on tickets of the agent's types, and nothing the
// agent may not read (gina's supplier does not fulfil VPN access).
func TestHomeForAgent(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	reset := o.approved(t, "Reset a password", "password-reset")
	vpn := o.approved(t, "Install the VPN", "vpn-access")
	alice, gina := o.User(t, "alice"), o.User(t, "gina")
	for i, id := range []int64{reset, vpn, vpn} {
		rt := map[int64]string{reset: "password-reset", vpn: "vpn-access"}[id]
		if _, err := o.KB.RecordUsage(ctx, alice, kb.UsageInput{ArticleID: id, Version: 1, TicketRef: "REQ001234" + itoa(int64(i)), RequestType: rt, Outcome: kb.OutcomeResolved}); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.KB.SetFavourite(ctx, alice, vpn, true); err != nil {
		t.Fatal(err)
	}
	if err := o.KB.SetFavourite(ctx, gina, vpn, true); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("gina stars an article she may not read: %v, want not_found", err)
	}
	h, err := o.KB.HomeFor(ctx, alice, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Favourites) != 1 || h.Favourites[0].ID != vpn {
		t.Errorf("alice's favourites = %+v", h.Favourites)
	}
	if len(h.MostUsed) != 2 || h.MostUsed[0].ID != vpn || h.MostUsed[0].Count != 2 {
		t.Errorf("alice's most used = %+v, want the VPN article (2 uses) first", h.MostUsed)
	}
	g, err := o.KB.HomeFor(ctx, gina, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.MostUsed) != 1 || g.MostUsed[0].ID != reset {
		t.Errorf("gina's most used = %+v, want only the password article", g.MostUsed)
	}
}
