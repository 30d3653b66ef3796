package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"attest/accounts"
	"attest/kb/kbtest"
)

// TestSelfLiftedSuspensionIsForbidden reproduces the security test's finding through the API:
// a trainer who is also an agent cannot lift the suspension an auditor placed on her (403 with
// a message saying who must), and another trainer can.
func TestSelfLiftedSuspensionIsForbidden(t *testing.T) {
	ts := newTestServer(t)
	kbtest.AddUser(t, ts.Org, "tess", "acme", accounts.RoleAgent)
	// Separation of duties now refuses an agent with an enterprise role; such an account can
	// only be left over from before the rule, as here.
	if _, err := ts.Org.DB.Write.Exec(`INSERT INTO user_roles (user_id, role) SELECT id, 'trainer' FROM users WHERE username = 'tess'`); err != nil {
		t.Fatal(err)
	}
	tess, aud, tr := ts.api(t, "tess"), ts.api(t, "auditor"), ts.api(t, "trainer")
	if st, res := aud.call("POST", "/api/v1/suspensions", map[string]any{"username": "tess", "request_type": "password-reset",
		"reason": "Used a superseded procedure."}); st != http.StatusCreated {
		t.Fatalf("suspend: HTTP %d %v", st, res)
	}
	var id int64
	if err := ts.Org.DB.Read.QueryRow(`SELECT id FROM suspensions`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/suspensions/%d/lift", id)
	st, res := tess.call("POST", path, map[string]any{"reason": "I was coached."})
	e, _ := res["error"].(map[string]any)
	msg, _ := e["message"].(string)
	if st != http.StatusForbidden || !strings.Contains(msg, "another auditor, trainer or admin") {
		t.Fatalf("tess lifts her own suspension: HTTP %d %v", st, res)
	}
	if st, res := tess.call("POST", "/api/v1/suspensions", map[string]any{"username": "tess", "request_type": "vpn-access", "reason": "x"}); st != http.StatusForbidden {
		t.Fatalf("tess suspends herself: HTTP %d %v", st, res)
	}
	if st, res := tr.call("POST", path, map[string]any{"reason": "Coached by the team lead."}); st != http.StatusOK {
		t.Fatalf("another trainer lifts it: HTTP %d %v", st, res)
	}
}
