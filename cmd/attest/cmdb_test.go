package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCMDBImportCommand: `attest cmdb import` loads a CSV with progress, a second run changes
// nothing, and --full with a smaller JSON Lines file retires what it no longer has.
func TestCMDBImportCommand(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	csvPath, jsonlPath := filepath.Join(src, "cis.csv"), filepath.Join(src, "cis.jsonl")
	os.WriteFile(csvPath, []byte("key,class,name,status,environment,owner,request_types,shared:site,restricted:ip,relations\n"+
		"SITE-1,site,Leeds office,,production,Facilities,,Leeds,,\n"+
		"PRN-1,printer,Leeds printer,,production,Facilities,,Leeds,10.0.0.9,located_at>SITE-1\n"), 0o644)
	os.WriteFile(jsonlPath, []byte(`{"key":"SITE-1","class":"site","name":"Leeds office","status":"","environment":"production","owner":"Facilities","request_types":[],"attributes":{"site":{"value":"Leeds","shared":true}},"relations":[]}`+"\n"), 0o644)
	out, err := run(t, "", "cmdb", "import", "--data", dir, csvPath)
	if err != nil || !strings.Contains(out, "2 new") || !strings.Contains(out, "imported 2/2") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	if out, err = run(t, "", "cmdb", "import", "--data", dir, csvPath); err != nil || !strings.Contains(out, "2 unchanged") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	if out, err = run(t, "", "cmdb", "import", "--data", dir, "--full", jsonlPath); err != nil || !strings.Contains(out, "1 unchanged, 1 retired") {
		t.Fatalf("full import: %v\n%s", err, out)
	}
	if _, err = run(t, "", "cmdb", "import", "--data", dir); err == nil {
		t.Fatal("no file: want a usage error")
	}
}
