package handlers_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"attest/accounts/accountstest"
)

// signIn posts one sign-in, through the form (form true) or the password-for-token call, from
// the client address forwarded (sent as X-Forwarded-For when not empty), and returns the status
// and the Retry-After header.
func signIn(t testing.TB, base string, form bool, username, password, forwarded string) (int, string) {
	t.Helper()
	var req *http.Request
	if form {
		req, _ = http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"username": {username}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		body := `{"username":` + quote(username) + `,"password":` + quote(password) + `}`
		req, _ = http.NewRequest("POST", base+"/api/v1/auth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if forwarded != "" {
		req.Header.Set("X-Forwarded-For", forwarded)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Errorf("sign in: %v", err)
		return 0, ""
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

func quote(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }

// Issue 13 items 1 and 17: many parallel wrong passwords for one account, half through the
// sign-in form and half through the password-for-token call, share one reservation: at most
// the limit (5) are evaluated (401), every other one is refused with 429 and Retry-After.
func TestSignInParallelWrongPasswordsThrottled(t *testing.T) {
	ts := newTestServer(t)
	const n = 60
	statuses := make([]int, n)
	retry := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], retry[i] = signIn(t, ts.URL, i%2 == 0, "bob", "wrong-password", "")
		}()
	}
	wg.Wait()
	evaluated := 0
	for i, st := range statuses {
		switch st {
		case http.StatusUnauthorized:
			evaluated++
		case http.StatusTooManyRequests:
			if retry[i] == "" {
				t.Errorf("attempt %d: 429 without Retry-After", i)
			}
		default:
			t.Errorf("attempt %d: HTTP %d, want 401 or 429", i, st)
		}
	}
	if evaluated < 1 || evaluated > 5 {
		t.Fatalf("%d of %d parallel wrong passwords were evaluated, want at most 5", evaluated, n)
	}
	// The right password from that address waits too, on either path.
	for _, form := range []bool{true, false} {
		if st, ra := signIn(t, ts.URL, form, "bob", accountstest.Password, ""); st != http.StatusTooManyRequests || ra == "" {
			t.Errorf("right password (form %v) after the burst: HTTP %d Retry-After %q, want 429", form, st, ra)
		}
	}
}

// Issue 13 item 2: X-Forwarded-For is believed from trusted proxies only, and then names the
// client: five failures of one client behind the proxy do not stop another client.
func TestSignInTrustedProxy(t *testing.T) {
	t.Run("trusted", func(t *testing.T) {
		ts := newTestServer(t)
		ts.App.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		for range 5 {
			signIn(t, ts.URL, false, "bob", "wrong-password", "198.51.100.1")
		}
		// Whatever a client writes left of the address our proxy saw counts for nothing.
		if st, _ := signIn(t, ts.URL, false, "bob", accountstest.Password, "192.0.2.77, 198.51.100.1"); st != http.StatusTooManyRequests {
			t.Errorf("the failing client, with a made-up address before its own: HTTP %d, want 429", st)
		}
		if st, _ := signIn(t, ts.URL, false, "bob", accountstest.Password, "198.51.100.2"); st != http.StatusCreated {
			t.Errorf("another client behind the proxy: HTTP %d, want 201", st)
		}
		if st, _ := signIn(t, ts.URL, true, "bob", accountstest.Password, "198.51.100.2, 127.0.0.5"); st != http.StatusSeeOther {
			t.Errorf("another client behind two proxies: HTTP %d, want 303", st)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		ts := newTestServer(t)
		for i := range 5 {
			signIn(t, ts.URL, false, "bob", "wrong-password", "198.51.100."+string(rune('1'+i)))
		}
		if st, _ := signIn(t, ts.URL, false, "bob", accountstest.Password, "198.51.100.9"); st != http.StatusTooManyRequests {
			t.Errorf("a made-up X-Forwarded-For from an untrusted peer: HTTP %d, want 429", st)
		}
	})
}

// Issue 13 item 9: the page after sign-in is a local path; control characters, backslashes,
// schemes and hosts never reach Location.
func TestSignInNextIsLocalPath(t *testing.T) {
	ts := newTestServer(t)
	for _, c := range []struct{ next, want string }{
		{"/articles/3?tab=history", "/articles/3?tab=history"},
		{"/search?q=net%20user%0A", "/search?q=net%20user%0A"},
		{"/\t/evil.example", "/"},
		{"/\r\nSet-Cookie: x=1", "/"},
		{"/a\x00b", ""}, // NUL in any field is refused before the handler (422): no Location at all
		{"/a\x7fb", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/a\\b", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/caf\u00e9", "/"},
		{"", "/"},
	} {
		b := ts.browser(t)
		req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(url.Values{
			"username": {"bob"}, "password": {accountstest.Password}, "next": {c.next}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if c.want == "" {
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusUnprocessableEntity || got != "" {
				t.Errorf("next %q: HTTP %d Location %q, want 422 without Location", c.next, resp.StatusCode, got)
			}
			continue
		}
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != c.want {
			t.Errorf("next %q: HTTP %d Location %q, want 303 to %q", c.next, resp.StatusCode, got, c.want)
		}
	}
}

// Issue 13 item 9: "KİM" and a Kelvin-sign "Kim" are not "kim", at the token call and the
// sign-in form; creating such a username is refused with 422.
func TestSignInUsernamesExactASCII(t *testing.T) {
	ts := newTestServer(t)
	adm := ts.api(t, "admin")
	if st, body := adm.call("POST", "/api/v1/users", map[string]any{"username": "kim", "password": "long-enough-1",
		"roles": []string{"knowledge_manager"}}); st != http.StatusCreated {
		t.Fatalf("create kim: HTTP %d %v", st, body)
	}
	for _, name := range []string{"KİM", "\u212Aim"} {
		for _, form := range []bool{true, false} {
			if st, _ := signIn(t, ts.URL, form, name, "long-enough-1", ""); st != http.StatusUnauthorized {
				t.Errorf("sign in as %q (form %v): HTTP %d, want 401", name, form, st)
			}
		}
		st, body := adm.call("POST", "/api/v1/users", map[string]any{"username": name, "password": "long-enough-1",
			"roles": []string{"trainer"}})
		e, _ := body["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if st != http.StatusUnprocessableEntity || fields["username"] == nil {
			t.Errorf("create %q: HTTP %d %v, want 422 naming username", name, st, body)
		}
	}
	if st, _ := signIn(t, ts.URL, false, "KIM", "long-enough-1", ""); st != http.StatusCreated {
		t.Errorf("sign in as KIM (ASCII): HTTP %d, want 201", st)
	}
}
