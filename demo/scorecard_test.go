package demo

import (
	"testing"
	"time"

	"attest/scorecard"
)

// TestSeedScorecardTellsTheStory: Initech is behind on contributions, password resets are the
// top, error-prone automation candidate, and VPN access carries an active notice.
func TestSeedScorecardTellsTheStory(t *testing.T) {
	ctx, d, org := seeded(t)
	if err := seedScorecard(ctx, d, org); err != nil {
		t.Fatal(err)
	}
	sc := scorecard.NewStore(d.DB, d.Accounts, d.KB, d.Training)
	p, err := sc.ParsePeriod("", "")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := sc.Suppliers(ctx, org.Users["kim"], p)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if got, want := r.IsBehind(), r.Supplier == "initech"; got != want {
			t.Errorf("%s behind=%v, want %v (%d made, %v expected)", r.Supplier, got, want, r.ApprovedContributions, r.ContributionExpected)
		}
	}
	cs, err := sc.Automation(ctx, org.Users["kim"], p)
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].RequestType != "password-reset" || !cs[0].ErrorProne {
		t.Errorf("top candidate %s (error-prone %v), want password-reset, error-prone", cs[0].RequestType, cs[0].ErrorProne)
	}
	arts, err := d.KB.RequestTypeArticles(ctx, org.Users["kim"], "software-install")
	if err != nil {
		t.Fatal(err)
	}
	traced := false
	for _, a := range arts {
		os, err := d.KB.VersionOrigins(ctx, org.Users["audrey"], a.ID, a.Number)
		if err != nil {
			t.Fatal(err)
		}
		traced = traced || (len(os) == 1 && len(os[0].Failures) == 2)
	}
	if !traced {
		t.Error("no software-install version traces back to the two failed tickets")
	}
	ns, err := d.KB.Notices(ctx, org.Users["ivan"], "vpn-access")
	if err != nil || len(ns) != 1 || ns[0].Until <= time.Now().UTC().Format(time.DateOnly) {
		t.Errorf("vpn-access notices %v %v, want one active", ns, err)
	}
}
