package handlers_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIComplete: every API route of the routing table is in openapi.json under its path
// with its method, with a written summary (not the fallback), and nothing else is.
func TestOpenAPIComplete(t *testing.T) {
	ts := newTestServer(t)
	st, doc := ts.anon(t).call("GET", "/api/v1/openapi.json", nil)
	if st != http.StatusOK {
		t.Fatalf("openapi.json: HTTP %d", st)
	}
	paths, _ := doc["paths"].(map[string]any)
	want := 0
	for _, rt := range ts.App.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		want++
		ops, _ := paths[path].(map[string]any)
		op, ok := ops[strings.ToLower(method)].(map[string]any)
		if !ok {
			t.Errorf("%s is a route but not in openapi.json: add it to apiDocs in handlers/openapi.go", rt.Pattern)
			continue
		}
		if s, _ := op["summary"].(string); s == "" || s == strings.ToLower(method)+" "+path {
			t.Errorf("%s has no summary in openapi.json: describe it in apiDocs (handlers/openapi.go)", rt.Pattern)
		}
	}
	got := 0
	for _, ops := range paths {
		got += len(ops.(map[string]any))
	}
	if got != want {
		t.Errorf("openapi.json has %d operations, the routing table %d API routes", got, want)
	}
}

var scriptTag = regexp.MustCompile(`<script\b[^>]*>`)

// TestAPIDocsPage: /api/v1/docs is a server-rendered page, public like openapi.json, listing
// every operation of the document with its bodies; it runs no inline or outside script.
func TestAPIDocsPage(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Get(ts.URL + "/api/v1/docs")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(raw)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /api/v1/docs: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	for _, tag := range scriptTag.FindAllString(page, -1) {
		if !strings.Contains(tag, `src="/static/`) {
			t.Errorf("script that is not one of the product's own files: %s", tag)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("an inline script")
	}
	ops := 0
	for _, rt := range ts.App.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		ops++
		if !regexp.MustCompile(`>` + method + `</span> <code>` + regexp.QuoteMeta(path) + `</code>`).MatchString(page) {
			t.Errorf("the page lacks %s", rt.Pattern)
		}
	}
	if n := strings.Count(page, `data-testid="api-op"`); n != ops {
		t.Errorf("%d operations on the page, %d API routes", n, ops)
	}
	// The body and answer of a call, as API.md names them.
	for _, want := range []string{"ticket_ref", "1–128 characters", `one of &#34;resolved&#34;, &#34;not_resolved&#34;`, "Authorization: Bearer", "/api/v1/openapi.json"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
