package cmdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"attest/accounts"
	"attest/cmdb"
	"attest/cmdb/cmdbtest"
	"attest/database"
	"attest/kb"
	"attest/training"
)

const importCSV = `key,class,name,status,environment,owner,request_types,shared:site,restricted:vault,relations
SITE-LDS,site,Leeds office,in_service,production,Facilities,vpn-access,Leeds,,
VPN-GW-01,vpn_gateway,Leeds VPN gateway,in_service,production,NetOps,vpn-access;password-reset,Leeds,` + cmdbtest.Sentinel + `,located_at>SITE-LDS;depends_on>DC-01
DC-01,domain_controller,Leeds DC,in_service,production,Identity,password-reset,Leeds,` + cmdbtest.Sentinel + `,located_at>SITE-LDS
BAD 1,server,bad key,,,,,,,
`

func importString(t *testing.T, s *cmdb.Store, e *env, file string, full bool) *cmdb.ImportReport {
	t.Helper()
	lines, err := cmdb.ReadFile(strings.NewReader(file))
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	var progress []int
	rep, err := s.Import(context.Background(), e.User(t, "admin"), lines, cmdb.ImportOptions{Full: full, BatchSize: 2,
		Progress: func(done, total int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if len(progress) == 0 {
		t.Fatal("no progress reported")
	}
	return rep
}

// TestImportIdempotentAndFull: CSV and JSON Lines import by key; a second import of the same
// file changes nothing; a relation target later in the file is fine; --full retires what the
// file no longer has, keeping its history.
func TestImportIdempotentAndFull(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.User(t, "admin")
	rep := importString(t, e.CMDB, e, importCSV, false)
	if rep.Created != 3 || rep.Updated != 0 || len(rep.Failed) != 1 || rep.Failed[0].Line != 5 {
		t.Fatalf("first import: %+v", rep)
	}
	rep = importString(t, e.CMDB, e, importCSV, false)
	if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 3 {
		t.Fatalf("second import of the same file: %+v, want 3 unchanged", rep)
	}
	gw, err := e.CMDB.Item(ctx, admin, "VPN-GW-01", "")
	if err != nil || gw.Version != 1 || len(gw.Relations) != 2 || len(gw.RequestTypes) != 2 {
		t.Fatalf("VPN-GW-01 = %+v, %v", gw, err)
	}
	jsonl := `{"key":"VPN-GW-01","class":"vpn_gateway","name":"Leeds VPN gateway","status":"in_service","environment":"production","owner":"NetOps","request_types":["vpn-access","password-reset"],"attributes":{"site":{"value":"Leeds","shared":true},"support_group":{"value":"NetOps L2","shared":true}},"relations":[{"type":"located_at","to":"SITE-LDS"}]}
{"key":"SITE-LDS","class":"site","name":"Leeds office","status":"in_service","environment":"production","owner":"Facilities","request_types":["vpn-access"],"attributes":{"site":{"value":"Leeds","shared":true}},"relations":[]}
{"key":"X","unknown":1}
`
	rep = importString(t, e.CMDB, e, jsonl, true)
	if rep.Updated != 1 || rep.Unchanged != 1 || len(rep.Failed) != 1 || rep.Retired != 1 {
		t.Fatalf("full JSON Lines import: %+v, want 1 changed, 1 unchanged, 1 failed, 1 retired", rep)
	}
	dc, err := e.CMDB.Item(ctx, admin, "DC-01", "")
	if err != nil || dc.Status != cmdb.StatusRetired || dc.Version != 2 {
		t.Fatalf("DC-01 after --full = %+v, %v; want retired as version 2", dc, err)
	}
	h, _ := e.CMDB.History(ctx, admin, "DC-01")
	if len(h) != 2 {
		t.Fatalf("DC-01 history: %+v", h)
	}
	rep = importString(t, e.CMDB, e, jsonl, true)
	if rep.Retired != 0 || rep.Updated != 0 {
		t.Fatalf("repeated full import: %+v, want nothing changed", rep)
	}
	// Retired CIs are hidden from agents even in scope.
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice")
	cmdbtest.Certify(t, e.Org, e.Training, "alice", "password-reset")
	_, err = e.CMDB.Item(ctx, e.User(t, "alice"), "DC-01", "T-1")
	wantCode(t, err, "not_found")
}

func TestReadFileRejectsHeaderless(t *testing.T) {
	_, err := cmdb.ReadFile(strings.NewReader("name,class\nx,y\n"))
	wantCode(t, err, "validation_failed")
	_, err = cmdb.ReadFile(strings.NewReader(""))
	wantCode(t, err, "validation_failed")
}

// TestImportWhileServing: an import through its own connection to the database file (as
// `attest cmdb import` beside a running server) while the "server" keeps writing access-log
// records and reading: both finish without a busy error.
func TestImportWhileServing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cmdbtest.Estate(t, e.Org, e.CMDB)
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice")
	if err := e.CMDB.SetQuota(ctx, e.User(t, "admin"), "acme", 100000); err != nil {
		t.Fatal(err)
	}
	cli, err := database.OpenAgain(ctx, e.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	acc := accounts.NewStore(cli)
	k := kb.NewStore(cli, acc)
	other := cmdb.NewStore(cli, acc, k, training.NewStore(cli, acc, k))
	var lines []cmdb.Line
	for i := range 3000 {
		lines = append(lines, cmdb.Line{N: i, Input: cmdbtest.Item(fmt.Sprintf("LAP-%05d", i), "vpn-access", "Leeds")})
	}
	done := make(chan error, 1)
	go func() {
		_, err := other.Import(ctx, accounts.System("cmdb-import"), lines, cmdb.ImportOptions{BatchSize: 200})
		done <- err
	}()
	alice := e.User(t, "alice")
	for n := 0; ; n++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("import beside the server: %v", err)
			}
			var count int
			e.DB.Read.QueryRow(`SELECT COUNT(*) FROM cmdb_items`).Scan(&count)
			if count != 3003 {
				t.Fatalf("%d CIs after the import, want 3003", count)
			}
			return
		default:
		}
		if _, err := e.CMDB.Item(ctx, alice, "CI-VPN", fmt.Sprintf("T-%d", n)); err != nil {
			t.Fatalf("lookup %d during the import: %v", n, err)
		}
	}
}
