package kb_test

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"attest"
	"attest/kb"
)

// words splits a query into lower-case words (the search index stems them; kb does not care).
func words(q string) []kb.LearnedWord {
	var out []kb.LearnedWord
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if w == "my" || w == "the" {
			continue
		}
		out = append(out, kb.LearnedWord{Term: w, Word: w})
	}
	return out
}

// teach has username search text, open article id from the results and record it on a ticket,
// at (the search) and just after.
func (o *usageOrg) teach(t *testing.T, username, text string, id int64, ticket string, at time.Time) {
	t.Helper()
	u := o.User(t, username)
	o.KB.RecordSearchAt(u, text, 3, at)
	o.KB.RecordSearchClickAt(u, text, id, at.Add(time.Minute))
	o.use(t, username, id, ticket, at.Add(5*time.Minute))
}

func (o *usageOrg) use(t *testing.T, username string, id int64, ticket string, at time.Time) {
	t.Helper()
	if _, err := o.KB.RecordUsageAt(context.Background(), o.User(t, username), kb.UsageInput{ArticleID: id, Version: 1, TicketRef: ticket,
		RequestType: "vpn-access", Outcome: kb.OutcomeResolved}, at); err != nil {
		t.Fatalf("usage by %s: %v", username, err)
	}
}

func (o *usageOrg) learn(t *testing.T) int {
	t.Helper()
	n, err := o.KB.Learn(context.Background(), words)
	if err != nil {
		t.Fatalf("learn: %v", err)
	}
	return n
}

func learnedByTerm(t *testing.T, o *usageOrg, id int64) map[string]kb.LearnedTerm {
	t.Helper()
	ts, err := o.KB.LearnedTerms(context.Background(), o.User(t, "km1"), id)
	if err != nil {
		t.Fatalf("learned terms: %v", err)
	}
	m := map[string]kb.LearnedTerm{}
	for _, lt := range ts {
		m[lt.Supplier+"/"+lt.Term] = lt
	}
	return m
}

func TestLearnFromSearchThenUsage(t *testing.T) {
	o := newUsageOrg(t)
	id := o.approved(t, "Reconnect the VPN client", "vpn-access")
	other := o.approved(t, "Reset a password", "password-reset")
	now := time.Now().Add(-time.Hour)

	// alice searched, opened the article from the results and used it: her words are learned.
	o.teach(t, "alice", "My overnight tunnel drops", id, "T1", now)
	// bob searched, then read the article some other way, then used it: learned too.
	bob := o.User(t, "bob")
	o.KB.RecordSearchAt(bob, "Tunnel keeps dropping", 0, now)
	o.KB.RecordViewAt(bob, id, 1, now.Add(2*time.Minute))
	o.use(t, "bob", id, "T2", now.Add(3*time.Minute))
	// alice's search three hours before a use teaches nothing, nor does a search after which
	// she did not open the article used.
	o.KB.RecordSearchAt(o.User(t, "alice"), "printer jammed", 1, now.Add(-3*time.Hour))
	o.KB.RecordSearchClickAt(o.User(t, "alice"), "printer jammed", other, now.Add(-3*time.Hour))
	o.use(t, "alice", id, "T3", now.Add(-time.Hour)) // no search opened id before it in the window

	if n := o.learn(t); n != 2 {
		t.Errorf("learned from %d uses, want 2", n)
	}
	got := learnedByTerm(t, o, id)
	for _, k := range []string{"acme/overnight", "acme/tunnel", "acme/drops", "acme/keeps", "acme/dropping"} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s not learned; have %v", k, got)
		}
	}
	if tun := got["acme/tunnel"]; tun.Agents != 2 || tun.SupplierName == "" || tun.LastSeen.IsZero() {
		t.Errorf("tunnel = %+v, want 2 agents of acme", tun)
	}
	for k := range got {
		if strings.Contains(k, "printer") || strings.Contains(k, "/my") {
			t.Errorf("learned %s, which did not lead to the use", k)
		}
	}
	// Learning again learns nothing new: the learner remembers how far it got.
	if n := o.learn(t); n != 0 {
		t.Errorf("second run learned from %d uses, want 0", n)
	}
}

func TestLearnCountsAgentsNotEvents(t *testing.T) {
	o := newUsageOrg(t)
	id := o.approved(t, "Reconnect the VPN client", "vpn-access")
	now := time.Now().Add(-time.Hour)
	// alice floods: the same search and use on twenty tickets.
	for i := range 20 {
		o.teach(t, "alice", "tunnel drops", id, "FLOOD-"+string(rune('A'+i)), now.Add(time.Duration(i)*time.Second))
	}
	o.learn(t)
	one := learnedByTerm(t, o, id)["acme/tunnel"]
	if one.Agents != 1 || one.Weight > 1.0001 {
		t.Errorf("one agent twenty times: %+v, want 1 agent, weight ≤ 1", one)
	}
	o.teach(t, "bob", "tunnel drops", id, "B1", now)
	o.learn(t)
	two := learnedByTerm(t, o, id)["acme/tunnel"]
	if two.Agents != 2 || two.Weight < 1.9 {
		t.Errorf("two agents: %+v, want 2 agents, weight about 2", two)
	}
}

func TestLearnedWeightDecays(t *testing.T) {
	if got := kb.Decay(time.Now().Add(-kb.LearnHalfLife), time.Now()); math.Abs(got-0.5) > 0.001 {
		t.Errorf("Decay after one half-life = %.4f, want 0.5", got)
	}
	o := newUsageOrg(t)
	id := o.approved(t, "Reconnect the VPN client", "vpn-access")
	o.teach(t, "alice", "tunnel drops", id, "OLD", time.Now().Add(-2*kb.LearnHalfLife))
	o.teach(t, "bob", "tunnel drops", id, "NEW", time.Now().Add(-time.Hour))
	o.learn(t)
	if w := learnedByTerm(t, o, id)["acme/tunnel"].Weight; math.Abs(w-1.25) > 0.01 {
		t.Errorf("weight of one fresh and one two-half-lives-old agent = %.3f, want 1.25", w)
	}
}

func TestLearnedStaysWithTheSupplier(t *testing.T) {
	o := newUsageOrg(t)
	// password-reset is fulfilled by acme and globex.
	id := o.approved(t, "Unlock an account", "password-reset")
	now := time.Now().Add(-time.Hour)
	gina := o.User(t, "gina")
	o.KB.RecordSearchAt(gina, "locked out badge", 1, now)
	o.KB.RecordSearchClickAt(gina, "locked out badge", id, now)
	if _, err := o.KB.RecordUsageAt(context.Background(), gina, kb.UsageInput{ArticleID: id, Version: 1, TicketRef: "G1",
		RequestType: "password-reset", Outcome: kb.OutcomeResolved}, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	o.learn(t)
	cs, qs, err := o.KB.LearnedVocabulary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	globex := o.User(t, "gina").SupplierID
	if len(cs) == 0 || len(qs) != 1 {
		t.Fatalf("learned %d words and %d queries", len(cs), len(qs))
	}
	for _, c := range cs {
		if c.SupplierID != globex {
			t.Errorf("contribution %+v not of globex (%d)", c, globex)
		}
	}
	if qs[0].SupplierID != globex || qs[0].Query != "locked out badge" {
		t.Errorf("query %+v", qs[0])
	}
	if _, ok := learnedByTerm(t, o, id)["globex/badge"]; !ok {
		t.Errorf("knowledge managers should see globex's word")
	}
}

func TestRemoveLearnedTerm(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reconnect the VPN client", "vpn-access")
	o.teach(t, "alice", "tunnel drops", id, "T1", time.Now().Add(-time.Hour))
	o.learn(t)
	_, removals, _ := o.KB.LearnGeneration(ctx)

	for _, who := range []string{"alice", "auditor", "trainer"} {
		if _, err := o.KB.LearnedTerms(ctx, o.User(t, who), id); attest.ErrorCode(err) != attest.EFORBIDDEN {
			t.Errorf("%s lists learned terms: %v, want EFORBIDDEN", who, err)
		}
		if err := o.KB.RemoveLearnedTerm(ctx, o.User(t, who), id, "tunnel", "acme"); attest.ErrorCode(err) != attest.EFORBIDDEN {
			t.Errorf("%s removes a learned term: %v, want EFORBIDDEN", who, err)
		}
	}
	if err := o.KB.RemoveLearnedTerm(ctx, o.User(t, "km1"), id, "nothing", "acme"); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("removing an unknown term: %v, want ENOTFOUND", err)
	}
	if err := o.KB.RemoveLearnedTerm(ctx, o.User(t, "km1"), id, "tunnel", "nosuch"); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("removing for an unknown supplier: %v, want ENOTFOUND", err)
	}
	if err := o.KB.RemoveLearnedTerm(ctx, o.User(t, "km1"), 9999, "tunnel", ""); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("removing for an unknown article: %v, want ENOTFOUND", err)
	}
	if err := o.KB.RemoveLearnedTerm(ctx, o.User(t, "km1"), id, "tunnel", "acme"); err != nil {
		t.Fatalf("remove: %v", err)
	}
	got := learnedByTerm(t, o, id)
	if _, ok := got["acme/tunnel"]; ok {
		t.Errorf("tunnel still learned after removal")
	}
	if _, ok := got["acme/drops"]; !ok {
		t.Errorf("drops removed too")
	}
	if _, r, _ := o.KB.LearnGeneration(ctx); r == removals {
		t.Errorf("generation unchanged by a removal: other nodes would not reload")
	}
	var n int
	var detail string
	if err := o.DB.Read.QueryRow(`SELECT COUNT(*), COALESCE(MAX(detail), '') FROM journal WHERE action = 'article.unlearn' AND actor = 'km1' AND object = ?`,
		"article:"+strconv.FormatInt(id, 10)).Scan(&n, &detail); err != nil {
		t.Fatal(err)
	}
	if n != 1 || !strings.Contains(detail, "tunnel") || !strings.Contains(detail, "acme") {
		t.Errorf("journal: %d entries, detail %s", n, detail)
	}
	// Learning again does not bring it back from the same use.
	o.learn(t)
	if _, ok := learnedByTerm(t, o, id)["acme/tunnel"]; ok {
		t.Errorf("tunnel learned again from the use it was removed from")
	}
}
