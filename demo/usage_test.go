package demo

import (
	"testing"
)

// TestSeedUsage seeds usage after the knowledge articles and checks that the gap report and
// the dashboard have something real to show.
func TestSeedUsage(t *testing.T) {
	ctx, d, org := seeded(t)
	if err := seedUsage(ctx, d, org); err != nil {
		t.Fatal(err)
	}
	kim, err := d.Accounts.UserByUsername(ctx, "kim")
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.KB.ParseReportFilter(ctx, "", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := d.KB.GapReport(ctx, kim, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.ZeroResultQueries) < 5 || g.ZeroResultQueries[0].Query != "printer toner replacement" || g.ZeroResultQueries[0].Count != 9 {
		t.Errorf("zero-result queries = %+v, want printer toner replacement first with 9", g.ZeroResultQueries)
	}
	if len(g.OutdatedUsage) == 0 {
		t.Errorf("no outdated usage in the demo")
	}
	if len(g.LinkRates) != 3 || g.LinkRates[0].Tickets < 50 {
		t.Errorf("link rates = %+v, want three suppliers with tickets", g.LinkRates)
	}
	db2, err := d.KB.Dashboard(ctx, kim, f)
	if err != nil {
		t.Fatal(err)
	}
	if db2.Totals.Uses < 200 || db2.Totals.OpenFollowups < 2 || len(db2.UsageBySupplier) != 3 || len(db2.TopArticles) == 0 {
		t.Errorf("dashboard totals %+v, %d suppliers, %d top articles", db2.Totals, len(db2.UsageBySupplier), len(db2.TopArticles))
	}
	weeksWithUse := 0
	for i := range db2.Weeks {
		n := 0
		for _, s := range db2.UsageByRequestType {
			n += s.Counts[i]
		}
		if n > 0 {
			weeksWithUse++
		}
	}
	if weeksWithUse < 5 {
		t.Errorf("usage in %d weeks, want six weeks of it", weeksWithUse)
	}
}
