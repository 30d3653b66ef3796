package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"attest/accounts/accountstest"
	"attest/notify"
)

// TestWebhookAPI: POST /api/v1/webhooks (admins only, 201 {"id"}, 422 per field), its
// deliveries listed with their state, and a retry by hand.
func TestWebhookAPI(t *testing.T) {
	ts := newTestServer(t)
	hits := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++; w.WriteHeader(204) }))
	t.Cleanup(rcv.Close)
	adm, alice := ts.api(t, "admin"), ts.api(t, "alice")
	hook := map[string]any{"supplier": "acme", "url": rcv.URL, "secret": "whsec-0123456789abcdef", "events": []string{"article.approved"}}
	if st, _ := alice.call("POST", "/api/v1/webhooks", hook); st != http.StatusForbidden {
		t.Fatalf("agent registers a webhook: %d", st)
	}
	st, body := adm.call("POST", "/api/v1/webhooks", map[string]any{"supplier": "acme", "url": "ftp://x", "secret": "s", "events": []string{"nope"}})
	e, _ := body["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	if st != http.StatusUnprocessableEntity || fields["url"] == nil || fields["secret"] == nil || fields["events"] == nil {
		t.Fatalf("bad webhook: %d %v", st, body)
	}
	st, body = adm.call("POST", "/api/v1/webhooks", hook)
	if st != http.StatusCreated || body["id"] == nil {
		t.Fatalf("register: %d %v", st, body)
	}
	id := int64(body["id"].(float64))
	km1, km2 := ts.api(t, "km1"), ts.api(t, "km2")
	_, a := km1.call("POST", "/api/v1/articles", map[string]any{"title": "VPN steps", "body": "Steps.", "request_types": []string{"vpn-access"}})
	km1.call("POST", fmt.Sprintf("/api/v1/articles/%v/versions/1/submit", a["id"]), nil)
	if st, b := km2.call("POST", fmt.Sprintf("/api/v1/articles/%v/versions/1/approve", a["id"]), map[string]any{"comment": "ok"}); st != 200 {
		t.Fatalf("approve: %d %v", st, b)
	}
	w, err := notify.NewWorker(ts.Org.DB, notify.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, raw := adm.raw("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), nil)
	if st != 200 || !strings.Contains(string(raw), `"status":"delivered"`) || !strings.Contains(string(raw), `"attempts":1`) || hits != 1 {
		t.Fatalf("deliveries: %d %s (hits %d)", st, raw, hits)
	}
	uid := strings.Split(strings.Split(string(raw), `"id":"`)[1], `"`)[0]
	if st, _ := adm.call("POST", fmt.Sprintf("/api/v1/webhooks/%d/deliveries/%s/retry", id, uid), nil); st != 200 {
		t.Fatalf("retry: %d", st)
	}
	if st, _ := adm.call("POST", fmt.Sprintf("/api/v1/webhooks/%d/deliveries/dlv_nope/retry", id), nil); st != 404 {
		t.Fatalf("retry of an unknown delivery: %d", st)
	}
	if st, _ := adm.call("GET", "/api/v1/webhooks/999/deliveries", nil); st != 404 {
		t.Fatalf("deliveries of an unknown webhook: %d", st)
	}
	w.Step(context.Background())
	if hits != 2 {
		t.Fatalf("retry by hand: %d posts", hits)
	}
	// The admin page lists it and says e-mail is off (no SMTP in this process).
	b := ts.browser(t)
	b.login("admin", accountstest.Password)
	if st, page := b.get("/admin/deliveries"); st != 200 || !strings.Contains(page, uid) || !strings.Contains(page, `data-testid="email-off"`) {
		t.Fatalf("admin page: %d", st)
	}
}

// TestNotifySettingsAPI: PUT /api/v1/me/notifications sets the caller's own settings; a bad
// digest is refused with its field.
func TestNotifySettingsAPI(t *testing.T) {
	ts := newTestServer(t)
	alice := ts.api(t, "alice")
	if st, b := alice.call("PUT", "/api/v1/me/notifications", map[string]any{"email": false, "digest": "daily"}); st != 200 || b["digest"] != "daily" || b["email"] != false {
		t.Fatalf("set: %d %v", st, b)
	}
	st, b := alice.call("PUT", "/api/v1/me/notifications", map[string]any{"digest": "hourly"})
	e, _ := b["error"].(map[string]any)
	if f, _ := e["fields"].(map[string]any); st != 422 || f["digest"] == nil {
		t.Fatalf("bad digest: %d %v", st, b)
	}
	st2, _ := alice.raw("PUT", "/api/v1/me/notifications", []byte(`{"email":`))
	if st2 != 400 {
		t.Fatalf("malformed: %d", st2)
	}
	if got, err := notify.NewStore(ts.Org.DB).SettingsOf(context.Background(), ts.Org.User(t, "alice")); err != nil || got.Email || got.Digest != "daily" {
		t.Fatalf("stored: %+v %v", got, err)
	}
}

// TestBrowserDailyDigest: a person finds the settings from their notifications, switches to a
// daily digest and sees it kept.
func TestBrowserDailyDigest(t *testing.T) {
	ts := newTestServer(t)
	ctx := newChrome(t)
	chromeLogin(t, ctx, ts.URL, "km2", accountstest.Password)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/notifications"),
		chromedp.Click(chromedp.CSS(`[data-testid="notify-settings-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="digest-daily"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="digest-daily"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="save-settings"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="digest-daily"]').checked`))
	if err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("the daily digest is not kept on the page")
	}
	if flash := textOf(t, ctx, `[data-testid="flash"]`); !strings.Contains(flash, "saved") {
		t.Fatalf("flash: %q", flash)
	}
	screenshot(t, ctx, "notify-settings")
	got, err := notify.NewStore(ts.Org.DB).SettingsOf(context.Background(), ts.Org.User(t, "km2"))
	if err != nil || got.Digest != "daily" || !got.Email {
		t.Fatalf("stored: %+v %v", got, err)
	}
}
