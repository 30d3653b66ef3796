package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"attest/accounts/accountstest"
)

// TestAuditSaveAndNextAndSignOffConfirmation: "save and next" goes from each assessed article
// straight to the next unassessed one, then back to the audit; the sign-off asks for an
// explicit confirmation on its own page, refuses (422, nothing changed) without the box ticked,
// and the API's sign-off keeps working as API.md fixes it. Pages show names, never keys.
func TestAuditSaveAndNextAndSignOffConfirmation(t *testing.T) {
	ts := newTestServer(t)
	approvedArticles(t, ts, 2, "password-reset", "vpn-access")
	st, a := ts.api(t, "auditor").call("POST", "/api/v1/audits", map[string]any{"quarter": "2026-Q4", "sample_size": 3, "seed": 5})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, a)
	}
	id := int64(a["id"].(float64))
	var items []int64
	for _, it := range a["items"].([]any) {
		items = append(items, int64(it.(map[string]any)["id"].(float64)))
	}
	aud := ts.browser(t)
	aud.login("auditor", accountstest.Password)
	_, page := aud.get(fmt.Sprintf("/audits/%d/items/%d", id, items[0]))
	named := strings.Contains(page, "Password reset") || strings.Contains(page, "VPN access")
	if !strings.Contains(page, `data-testid="save-next"`) || !named {
		t.Errorf("item page lacks save-and-next or the request type's name")
	}
	form := url.Values{"met": {"accurate", "complete", "current", "clear", "findable", "unique", "template"}, "then": {"next"}}
	for i := range items {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/audits/%d/items/%d/assessment", ts.URL, id, items[i]), strings.NewReader(withCSRF(form, aud.csrf)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := aud.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var want string
		if i+1 < len(items) {
			want = fmt.Sprintf("/audits/%d/items/%d", id, items[i+1])
		} else {
			want = fmt.Sprintf("/audits/%d", id)
		}
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("save and next on item %d: HTTP %d to %q, want %s", i+1, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	_, page = aud.get(fmt.Sprintf("/audits/%d", id))
	if !strings.Contains(page, fmt.Sprintf(`href="/audits/%d/close"`, id)) || strings.Contains(page, ">password-reset<") {
		t.Errorf("audit page: no link to the sign-off confirmation, or a raw key shown")
	}
	st, page = aud.get(fmt.Sprintf("/audits/%d/close", id))
	if st != http.StatusOK || !strings.Contains(page, `data-testid="sign-off-confirm"`) || !strings.Contains(page, "cannot be undone") {
		t.Errorf("confirmation page: HTTP %d", st)
	}
	st, page = aud.post(fmt.Sprintf("/audits/%d/close", id), url.Values{})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="error-confirm"`) {
		t.Errorf("sign-off without confirmation: HTTP %d", st)
	}
	if _, a := ts.api(t, "auditor").call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil); a["status"] == "signed_off" {
		t.Fatalf("unconfirmed sign-off signed off")
	}
	if st, _ := aud.post(fmt.Sprintf("/audits/%d/close", id), url.Values{"confirm": {"yes"}}); st != http.StatusSeeOther {
		t.Errorf("confirmed sign-off: HTTP %d", st)
	}
	if _, a := ts.api(t, "auditor").call("GET", fmt.Sprintf("/api/v1/audits/%d", id), nil); a["status"] != "signed_off" {
		t.Errorf("after the confirmed sign-off: status %v", a["status"])
	}
}

func withCSRF(f url.Values, token string) string {
	g := url.Values{}
	for k, v := range f {
		g[k] = v
	}
	g.Set("csrf_token", token)
	return g.Encode()
}
