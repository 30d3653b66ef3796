package demo

import (
	"testing"

	"attest"
	"attest/cmdb"
)

func TestSeedCMDB(t *testing.T) {
	ctx, d, org := seeded(t)
	d.CMDB = cmdb.NewStore(d.DB, d.Accounts, d.KB, d.Training)
	if err := seedCMDB(ctx, d, org); err != nil {
		t.Fatal(err)
	}
	var n, restricted int
	d.DB.Read.QueryRow(`SELECT COUNT(*) FROM cmdb_items`).Scan(&n)
	d.DB.Read.QueryRow(`SELECT COUNT(*) FROM cmdb_attributes WHERE shared = 0`).Scan(&restricted)
	if n < 200 || restricted < n {
		t.Fatalf("%d CIs with %d restricted attributes: want a few hundred, most with restricted ones", n, restricted)
	}
	alice, err := d.Accounts.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	it, err := d.CMDB.Item(ctx, alice, "VPN-GW-LDS-01", "INC-1")
	if err != nil {
		t.Fatalf("alice reads the Leeds gateway: %v", err)
	}
	if it.Version != 2 || len(it.Articles) != 1 || len(it.Relations) == 0 {
		t.Errorf("gateway = version %d, articles %v, relations %v: want 2 versions, the citing article, relations", it.Version, it.Articles, it.Relations)
	}
	for _, a := range it.Attributes {
		if !a.Shared {
			t.Errorf("restricted attribute %s shown to alice", a.Name)
		}
	}
	ivan, _ := d.Accounts.UserByUsername(ctx, "ivan")
	if _, err := d.CMDB.Item(ctx, ivan, "VPN-GW-LDS-01", "INC-2"); attest.ErrorCode(err) != cmdb.EAGREEMENT {
		t.Errorf("ivan, who has not accepted the CMDB agreement: %v", err)
	}
	auditor, _ := d.Accounts.UserByUsername(ctx, "audrey")
	log, total, err := d.CMDB.AccessLog(ctx, auditor, cmdb.AccessFilter{Limit: 100})
	if err != nil || total < 5 || len(log) == 0 {
		t.Errorf("access log: %d entries, %v", total, err)
	}
}
