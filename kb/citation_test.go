package kb_test

import (
	"context"
	"reflect"
	"testing"

	"attest/kb"
	"attest/kb/kbtest"
)

func TestCitingArticlesFollowApprovalAndRetirement(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	citing := func(key string) []int64 {
		t.Helper()
		ids, err := store.CitingArticles(ctx, key, 50)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	a := kbtest.Publish(t, org, store, "Reset the VPN token", "Find the gateway [[ci:VPN-GW-1]] and [[ci:MFA-1]], then [[ci:VPN-GW-1]] again.", "vpn-access")
	b := kbtest.Publish(t, org, store, "VPN outage", "See [[ci:VPN-GW-1]].", "vpn-access")
	kbtest.Publish(t, org, store, "Printer", "No citation; `ci:VPN-GW-1` without brackets is none.", "vpn-access")
	if got := citing("VPN-GW-1"); !reflect.DeepEqual(got, []int64{a, b}) {
		t.Errorf("citing VPN-GW-1 = %v, want [%d %d]", got, a, b)
	}
	if got := citing("MFA-1"); !reflect.DeepEqual(got, []int64{a}) {
		t.Errorf("citing MFA-1 = %v, want [%d]", got, a)
	}
	if got := citing("vpn-gw-1"); len(got) != 0 {
		t.Errorf("keys are exact: vpn-gw-1 = %v", got)
	}
	// A draft that drops the citation changes nothing until it is approved.
	km1, km2 := org.User(t, "km1"), org.User(t, "km2")
	v, err := store.SaveVersion(ctx, km1, b, kb.NewVersion{Base: 1, Title: "VPN outage", Body: "Nothing cited now.", Note: "drop the citation"})
	if err != nil {
		t.Fatal(err)
	}
	if got := citing("VPN-GW-1"); !reflect.DeepEqual(got, []int64{a, b}) {
		t.Errorf("with a draft pending, citing = %v, want [%d %d]", got, a, b)
	}
	if _, err := store.Submit(ctx, km1, b, v.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Approve(ctx, km2, b, v.Number, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatal(err)
	}
	if got := citing("VPN-GW-1"); !reflect.DeepEqual(got, []int64{a}) {
		t.Errorf("after approving a version without it, citing = %v, want [%d]", got, a)
	}
	if err := store.Retire(ctx, km1, a, "obsolete"); err != nil {
		t.Fatal(err)
	}
	if got := citing("VPN-GW-1"); len(got) != 0 {
		t.Errorf("a retired article still cites: %v", got)
	}
}

func TestFillCitationsOfEarlierVersions(t *testing.T) {
	org, store := artSetup(t)
	ctx := context.Background()
	a := kbtest.Publish(t, org, store, "Reset the VPN token", "Find [[ci:VPN-GW-1]].", "vpn-access")
	// As a database written before citations were recorded: none recorded, all to fill.
	if _, err := org.DB.Write.Exec(`DELETE FROM version_citations`); err != nil {
		t.Fatal(err)
	}
	if _, err := org.DB.Write.Exec(`UPDATE citations_backfill SET upto = (SELECT MAX(id) FROM versions)`); err != nil {
		t.Fatal(err)
	}
	n, err := store.FillCitations(ctx)
	if err != nil || n == 0 {
		t.Fatalf("FillCitations = %d, %v", n, err)
	}
	if ids, _ := store.CitingArticles(ctx, "VPN-GW-1", 50); !reflect.DeepEqual(ids, []int64{a}) {
		t.Errorf("after the fill, citing = %v, want [%d]", ids, a)
	}
	if n, err := store.FillCitations(ctx); n != 0 || err != nil {
		t.Errorf("a second fill did %d, %v; want nothing", n, err)
	}
}
