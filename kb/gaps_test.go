package kb_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"attest"
	"attest/kb"
)

// gapData builds a known data set and returns the ids of its articles:
//
//	a: password-reset, versions 1 and 2 approved; b: software-install; c: no request type;
//	a vpn-access draft that was never approved.
func gapData(t *testing.T, o *usageOrg) (a, b, c int64) {
	t.Helper()
	ctx := context.Background()
	a = o.approved(t, "Reset a password", "password-reset")
	b = o.approved(t, "Install software", "software-install")
	c = o.approved(t, "Welcome to the service desk")
	if _, err := o.KB.CreateArticle(ctx, o.User(t, "km1"), kb.NewArticle{Title: "VPN", Body: "draft", RequestTypes: []string{"vpn-access"}}); err != nil {
		t.Fatal(err)
	}
	alice, bob, gina := o.User(t, "alice"), o.User(t, "bob"), o.User(t, "gina")
	use := func(who string, id int64, v int, ticket, rt string) {
		t.Helper()
		if _, err := o.KB.RecordUsage(ctx, o.User(t, who), kb.UsageInput{ArticleID: id, Version: v, TicketRef: ticket,
			RequestType: rt, Outcome: kb.OutcomeResolved}); err != nil {
			t.Fatalf("use %s on %s: %v", ticket, rt, err)
		}
	}
	use("alice", a, 1, "INC1", "password-reset")
	use("alice", b, 1, "REQ1", "software-install")
	o.newVersion(t, a, 2)
	use("alice", a, 1, "INC2", "password-reset")
	use("bob", a, 1, "INC3", "password-reset")
	use("gina", a, 1, "INC4", "password-reset")
	use("alice", a, 2, "INC1", "password-reset") // the same ticket again: one ticket

	o.KB.RecordSearch(alice, "Printer Toner ", 0)
	o.KB.RecordSearch(bob, "printer toner", 0)
	o.KB.RecordSearch(gina, "MFA resync", 0)
	o.KB.RecordSearch(alice, "password", 3)

	rate := func(who string, id int64, helpful ...bool) {
		t.Helper()
		for _, h := range helpful {
			if _, err := o.KB.GiveFeedback(ctx, o.User(t, who), id, kb.FeedbackInput{Helpful: &h}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rate("alice", a, true, false)
	rate("gina", a, false)
	rate("bob", b, true, false)
	rate("gina", c, true, true, false)
	return a, b, c
}

func TestGapReportFigures(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	a, b, c := gapData(t, o)
	report := func(since, until, supplier, rt string) *kb.GapReport {
		t.Helper()
		f, err := o.KB.ParseReportFilter(ctx, since, until, supplier, rt)
		if err != nil {
			t.Fatal(err)
		}
		g, err := o.KB.GapReport(ctx, o.User(t, "km1"), f)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	half := 0.5
	acme := 4.0 / 7.0
	g := report("2000-01-01", "", "", "")
	checks := []struct {
		name      string
		got, want any
	}{
		{"zero-result queries", g.ZeroResultQueries, []kb.QueryCount{{"printer toner", 2}, {"mfa resync", 1}}},
		{"request types without articles", g.RequestTypesWithoutArticles, []string{"vpn-access"}},
		{"low-rated articles", g.LowRatedArticles, []kb.ArticleRating{
			{ArticleID: a, Title: "Updated", Helpful: 1, NotHelpful: 2}, {ArticleID: b, Title: "Install software", Helpful: 1, NotHelpful: 1}}},
		{"outdated usage", g.OutdatedUsage, []kb.OutdatedUse{
			{Supplier: "acme", ArticleID: a, Title: "Updated", Count: 2}, {Supplier: "globex", ArticleID: a, Title: "Updated", Count: 1}}},
		{"articles never used", ids(g.ArticlesNeverUsed), []int64{c}},
		{"link rates", g.LinkRates, []kb.LinkRate{
			{Supplier: "acme", Name: "Acme Outsourcing", Tickets: 4, UnlinkedSearches: 3, Rate: &acme},
			{Supplier: "globex", Name: "Globex Services", Tickets: 1, UnlinkedSearches: 1, Rate: &half}}},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %s, want %s", ch.name, show(ch.got), show(ch.want))
		}
	}

	// Filtered to globex: its searches, its request types, its usage, the articles it may read.
	g = report("2000-01-01", "", "globex", "")
	if want := []kb.QueryCount{{"mfa resync", 1}}; !reflect.DeepEqual(g.ZeroResultQueries, want) {
		t.Errorf("globex zero-result queries = %v, want %v", g.ZeroResultQueries, want)
	}
	if len(g.RequestTypesWithoutArticles) != 0 {
		t.Errorf("globex request types without articles = %v, want none (it fulfils password-reset only)", g.RequestTypesWithoutArticles)
	}
	if len(g.OutdatedUsage) != 1 || g.OutdatedUsage[0].Supplier != "globex" {
		t.Errorf("globex outdated usage = %+v", g.OutdatedUsage)
	}
	if got := ids(g.ArticlesNeverUsed); !reflect.DeepEqual(got, []int64{c}) {
		t.Errorf("globex articles never used = %v, want [%d]", got, c)
	}
	if len(g.LowRatedArticles) != 1 || g.LowRatedArticles[0].ArticleID != a || g.LowRatedArticles[0].NotHelpful != 1 {
		t.Errorf("globex low-rated = %+v, want article %d with its one not-helpful", g.LowRatedArticles, a)
	}

	// Filtered to a request type.
	g = report("2000-01-01", "", "", "software-install")
	if len(g.OutdatedUsage) != 0 || len(g.LowRatedArticles) != 1 || g.LowRatedArticles[0].ArticleID != b {
		t.Errorf("software-install: outdated %+v low-rated %+v", g.OutdatedUsage, g.LowRatedArticles)
	}

	// A period before everything holds no events, but the request types still lack articles.
	g = report("2001-01-01", "2001-12-31", "", "")
	if len(g.ZeroResultQueries)+len(g.OutdatedUsage)+len(g.LowRatedArticles) != 0 || len(g.RequestTypesWithoutArticles) != 1 {
		t.Errorf("2001: %+v", g)
	}
	if got := ids(g.ArticlesNeverUsed); len(got) != 3 {
		t.Errorf("2001: articles never used = %v, want all three", got)
	}
}

func TestGapReportPeriodWithPastEvents(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	a := o.approved(t, "Reset a password", "password-reset")
	jan := time.Date(2020, 1, 15, 10, 0, 0, 0, time.UTC)
	if _, err := o.KB.RecordUsageAt(ctx, o.User(t, "alice"), kb.UsageInput{ArticleID: a, Version: 1, TicketRef: "INC9",
		RequestType: "password-reset", Outcome: kb.OutcomeNotResolved}, jan); err != nil {
		t.Fatal(err)
	}
	o.KB.RecordSearchAt(o.User(t, "alice"), "toner", 0, jan)
	o.KB.RecordSearchAt(o.User(t, "alice"), "toner", 0, jan.AddDate(0, 1, 0))
	f, err := o.KB.ParseReportFilter(ctx, "2020-01-01", "2020-01-15", "", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := o.KB.GapReport(ctx, o.User(t, "admin"), f)
	if err != nil {
		t.Fatal(err)
	}
	if want := []kb.QueryCount{{"toner", 1}}; !reflect.DeepEqual(g.ZeroResultQueries, want) {
		t.Errorf("January zero-result queries = %v, want %v (until is inclusive)", g.ZeroResultQueries, want)
	}
	if len(g.LinkRates) == 0 || g.LinkRates[0].Tickets != 1 {
		t.Errorf("January link rates = %+v, want acme with 1 ticket", g.LinkRates)
	}
	d, err := o.KB.Dashboard(ctx, o.User(t, "km1"), f)
	if err != nil {
		t.Fatal(err)
	}
	if d.Totals.Uses != 1 || d.Totals.Unresolved != 1 || len(d.UsageByRequestType) != 1 || d.UsageByRequestType[0].Total != 1 {
		t.Errorf("January dashboard: totals %+v by type %+v", d.Totals, d.UsageByRequestType)
	}
	if got := len(d.Weeks); got != 3 {
		t.Errorf("1–15 January 2020 spans %d weeks, want 3 (from Monday 30 December)", got)
	}
}

func TestReportFilterAndAccess(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	cases := []struct {
		since, until, supplier, rt string
		field                      string
	}{
		{"not-a-date", "", "", "", "since"},
		{"2024-02-30", "", "", "", "since"},
		{"", "2024/01/01", "", "", "until"},
		{"2024-05-01", "2024-04-01", "", "", "until"},
		{"", "", "initech", "", "supplier"},
		{"", "", "", "teleport", "request_type"},
		{"2024-01-01", "2024-01-31", "acme", "vpn-access", ""},
		{"", "", "", "", ""},
	}
	for _, c := range cases {
		_, err := o.KB.ParseReportFilter(ctx, c.since, c.until, c.supplier, c.rt)
		if c.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", c, err)
			}
			continue
		}
		if _, named := fieldsOf(err)[c.field]; !named || attest.ErrorCode(err) != attest.EINVALID {
			t.Errorf("%+v: %v, want %s named", c, err, c.field)
		}
	}
	f, _ := o.KB.ParseReportFilter(ctx, "", "", "", "")
	for user, want := range map[string]string{"km1": "", "auditor": "", "admin": "", "trainer": attest.EFORBIDDEN, "alice": attest.EFORBIDDEN} {
		if _, err := o.KB.GapReport(ctx, o.User(t, user), f); attest.ErrorCode(err) != want {
			t.Errorf("%s reads the gap report: %v, want %q", user, err, want)
		}
	}
	for user, want := range map[string]string{"km1": "", "auditor": "", "admin": attest.EFORBIDDEN, "alice": attest.EFORBIDDEN} {
		if _, err := o.KB.Dashboard(ctx, o.User(t, user), f); attest.ErrorCode(err) != want {
			t.Errorf("%s reads the dashboard: %v, want %q", user, err, want)
		}
	}
}

func ids(us []kb.UnusedArticle) []int64 {
	out := []int64{}
	for _, u := range us {
		out = append(out, u.ArticleID)
	}
	return out
}

func show(v any) string {
	if rs, ok := v.([]kb.LinkRate); ok {
		s := ""
		for _, r := range rs {
			rate := "nil"
			if r.Rate != nil {
				rate = fmt.Sprintf("%.3f", *r.Rate)
			}
			s += fmt.Sprintf("{%s %d %d %s} ", r.Supplier, r.Tickets, r.UnlinkedSearches, rate)
		}
		return s
	}
	return fmt.Sprintf("%+v", v)
}
