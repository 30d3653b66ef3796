package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"attest/kb"
	"attest/kb/kbtest"
)

// answer is an HTTP answer as the attachment tests look at it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json() map[string]any {
	var m map[string]any
	json.Unmarshal(a.body, &m)
	return m
}

// send sends a request with c's bearer token.
func (c *apiClient) send(method, path, contentType string, body []byte) answer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, out}
}

// multipartFile is a multipart body with one file in field.
func multipartFile(field, name string, data []byte) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(data)
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func (c *apiClient) upload(name string, data []byte) answer {
	c.t.Helper()
	ct, body := multipartFile("file", name, data)
	return c.send("POST", "/api/v1/attachments", ct, body)
}

func TestAttachmentUploadAPI(t *testing.T) {
	ts := newTestServer(t)
	km1 := ts.api(t, "km1")
	ct, withoutFile := multipartFile("other", "x.png", kbtest.PNG(2, 2, 1))
	bigCT, big := multipartFile("file", "big.png", append(kbtest.PNG(2, 2, 1), make([]byte, kb.MaxAttachment)...))
	for _, tc := range []struct {
		what        string
		contentType string
		body        []byte
		want        int
	}{
		{"renamed html", "", nil, 422},
		{"png with script appended", "", nil, 201},
		{"gif/js polyglot", "", nil, 201},
		{"svg with script", "", nil, 422},
		{"zero-byte file", "", nil, 422},
		{"empty body", "multipart/form-data; boundary=xyz", nil, 400},
		{"not multipart", "application/json", []byte(`{"file":"x"}`), 400},
		{"no file field", ct, withoutFile, 400},
		{"broken multipart", "multipart/form-data; boundary=xyz", []byte("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\nabc"), 400},
		{"over 10 MiB", bigCT, big, 413},
	} {
		t.Run(tc.what, func(t *testing.T) {
			var a answer
			switch tc.what {
			case "renamed html":
				a = km1.upload("x.png", []byte("<html><script>alert(1)</script></html>"))
			case "png with script appended":
				a = km1.upload("x.png", append(kbtest.PNG(3, 3, 1), "<script>alert(1)</script>"...))
			case "gif/js polyglot":
				a = km1.upload("x.gif", kbtest.GIFPolyglot())
			case "svg with script":
				a = km1.upload("x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
			case "zero-byte file":
				a = km1.upload("x.png", nil)
			default:
				a = km1.send("POST", "/api/v1/attachments", tc.contentType, tc.body)
			}
			if a.status != tc.want {
				t.Fatalf("HTTP %d %s, want %d", a.status, a.body, tc.want)
			}
			m := a.json()
			if tc.want != 201 {
				if e, _ := m["error"].(map[string]any); e == nil || e["message"] == "" {
					t.Fatalf("no error message: %s", a.body)
				}
				return
			}
			for _, k := range []string{"id", "sha256", "name", "content_type", "size", "url"} {
				if _, ok := m[k]; !ok {
					t.Fatalf("answer lacks %q: %s", k, a.body)
				}
			}
			got := km1.send("GET", m["url"].(string), "", nil)
			if got.status != 200 || bytes.Contains(got.body, []byte("alert")) {
				t.Fatalf("served HTTP %d, %d bytes, script kept: %v", got.status, len(got.body), bytes.Contains(got.body, []byte("alert")))
			}
		})
	}
	// Other routes keep their 1 MiB limit.
	if a := km1.send("POST", "/api/v1/articles", "application/json", []byte(`{"title":"t","body":"`+strings.Repeat("x", 2<<20)+`"}`)); a.status != 413 {
		t.Errorf("2 MiB article: HTTP %d, want 413", a.status)
	}
	for user, want := range map[string]int{"alice": 201, "auditor": 201, "trainer": 403, "admin": 403} {
		if a := ts.api(t, user).upload("x.png", kbtest.PNG(2, 2, 4)); a.status != want {
			t.Errorf("%s uploads: HTTP %d, want %d", user, a.status, want)
		}
	}
	if a := ts.anon(t).upload("x.png", kbtest.PNG(2, 2, 4)); a.status != 401 {
		t.Errorf("anonymous upload: HTTP %d, want 401", a.status)
	}
	// Who will be refused is held to 1 MiB: the server does not buffer 10 MiB for them.
	ct2, two := multipartFile("file", "two.png", append(kbtest.PNG(2, 2, 1), make([]byte, 2<<20)...))
	for who, c := range map[string]*apiClient{"anonymous": ts.anon(t), "trainer": ts.api(t, "trainer")} {
		if a := c.send("POST", "/api/v1/attachments", ct2, two); a.status != 413 {
			t.Errorf("%s sends 2 MiB: HTTP %d, want 413", who, a.status)
		}
	}
	if a := km1.send("POST", "/api/v1/attachments", ct2, two); a.status != 201 {
		t.Errorf("km1 sends a 2 MiB file: HTTP %d %s, want 201", a.status, a.body)
	}
}

func TestAttachmentServedInert(t *testing.T) {
	ts := newTestServer(t)
	km1, km2 := ts.api(t, "km1"), ts.api(t, "km2")
	img := km1.upload("vpn step 1.png", kbtest.PNG(4, 3, 1)).json()
	csv := km1.upload("tickets.csv", []byte("ticket,steps\nT-1,3\n")).json()
	body := "1. Open the client.\n\n![The client window](" + img["url"].(string) + ")\n\n[Tickets](" + csv["url"].(string) + ")\n"
	st, art := km1.call("POST", "/api/v1/articles", map[string]any{"title": "Connect to the VPN", "body": body, "request_types": []string{"vpn-access"}})
	if st != 201 {
		t.Fatalf("create: %d %v", st, art)
	}
	id := int64(art["id"].(float64))
	km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", id), nil)
	if st, b := km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", id), map[string]any{"comment": "ok"}); st != 200 {
		t.Fatalf("approve: %d %v", st, b)
	}
	for _, tc := range []struct {
		user, url          string
		status             int
		ctype, disposition string
	}{
		{"alice", img["url"].(string), 200, "image/png", "inline;"},
		{"alice", csv["url"].(string), 200, "text/csv; charset=utf-8", `attachment; filename="tickets.csv"`},
		{"gina", img["url"].(string), 404, "", ""},
		{"gina", csv["url"].(string), 404, "", ""},
		{"trainer", img["url"].(string), 200, "image/png", "inline;"},
		{"alice", "/attachments/" + strings.Repeat("0", 64) + "/x.png", 404, "", ""},
		{"alice", "/attachments/" + csv["sha256"].(string) + "/page.html", 200, "text/csv; charset=utf-8", `attachment; filename="page.csv"`},
		{"alice", "/attachments/" + img["sha256"].(string) + "/..%2Fx", 404, "", ""},
	} {
		a := ts.api(t, tc.user).send("GET", tc.url, "", nil)
		if a.status != tc.status {
			t.Errorf("%s GET %s: HTTP %d, want %d", tc.user, tc.url, a.status, tc.status)
			continue
		}
		if tc.status != 200 {
			continue
		}
		h := a.header
		if h.Get("Content-Type") != tc.ctype || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != "sandbox" || !strings.HasPrefix(h.Get("Content-Disposition"), tc.disposition) {
			t.Errorf("%s GET %s: headers %v", tc.user, tc.url, h)
		}
	}
	// The page shows the image, linked to its full size.
	b := ts.browser(t)
	b.login("alice", "test-password-1")
	_, page := b.get(fmt.Sprintf("/articles/%d", id))
	if !strings.Contains(page, `<a href="`+img["url"].(string)+`" rel="nofollow noopener"><img src="`+img["url"].(string)+`" alt="The client window"`) {
		t.Errorf("article page lacks the linked image:\n%s", page)
	}
	// A browser signed in reads it with its session too.
	if st, _ := b.get(img["url"].(string)); st != 200 {
		t.Errorf("browser GET image: HTTP %d", st)
	}
}

func TestAttachmentDiff(t *testing.T) {
	ts := newTestServer(t)
	km1, km2 := ts.api(t, "km1"), ts.api(t, "km2")
	old := km1.upload("old-screen.png", kbtest.PNG(4, 4, 1)).json()
	img := km1.upload("new-screen.png", kbtest.PNG(4, 4, 2)).json()
	st, art := km1.call("POST", "/api/v1/articles", map[string]any{"title": "VPN", "body": "![old](" + old["url"].(string) + ")"})
	if st != 201 {
		t.Fatalf("create: %d %v", st, art)
	}
	id := int64(art["id"].(float64))
	km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", id), nil)
	km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", id), map[string]any{"comment": "ok"})
	if st, b := km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions", id), map[string]any{"base": 1, "title": "VPN",
		"body": "![new](" + img["url"].(string) + ")", "note": "new screen"}); st != 201 {
		t.Fatalf("save version 2: %d %v", st, b)
	}
	km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/2/submit", id), nil)
	b := ts.browser(t)
	b.login("km2", "test-password-1")
	for _, path := range []string{fmt.Sprintf("/articles/%d/compare?from=1&to=2", id), fmt.Sprintf("/articles/%d/versions/2", id)} {
		st, page := b.get(path)
		added := regexp.MustCompile(`(?s)data-testid="attachments-added".*?</ul>`).FindString(page)
		removed := regexp.MustCompile(`(?s)data-testid="attachments-removed".*?</ul>`).FindString(page)
		if st != 200 || !strings.Contains(added, "new-screen.png") || strings.Contains(added, "old-screen.png") ||
			!strings.Contains(removed, "old-screen.png") {
			t.Errorf("%s: HTTP %d, added %q, removed %q", path, st, added, removed)
		}
	}
}

func TestAttachmentUploadInOpenAPI(t *testing.T) {
	ts := newTestServer(t)
	_, doc := ts.anon(t).call("GET", "/api/v1/openapi.json", nil)
	paths, _ := doc["paths"].(map[string]any)
	op, _ := paths["/api/v1/attachments"].(map[string]any)["post"].(map[string]any)
	body, _ := op["requestBody"].(map[string]any)
	content, _ := body["content"].(map[string]any)
	if _, ok := content["multipart/form-data"]; !ok {
		t.Fatalf("POST /api/v1/attachments is described as %v, want a multipart/form-data body", op)
	}
}

// TestSearchFindsAltText: an image's alt text is part of the version's text, so search finds
// the article by it.
func TestSearchFindsAltText(t *testing.T) {
	ts := newTestServer(t)
	km1 := ts.api(t, "km1")
	img := km1.upload("client.png", kbtest.PNG(3, 3, 9)).json()
	id := kbtest.Publish(t, ts.Org, ts.KB, "Connect", "Open it.\n\n![The quokkaware client window]("+img["url"].(string)+")\n")
	ts.waitIndexed(t)
	st, res := ts.api(t, "alice").call("GET", "/api/v1/search?q=quokkaware", nil)
	hits, _ := res["hits"].([]any)
	if st != 200 || len(hits) != 1 || int64(hits[0].(map[string]any)["article_id"].(float64)) != id {
		t.Fatalf("search for the alt text: HTTP %d %v, want article %d", st, res, id)
	}
}

// TestEvidenceShowsFiles: evidence that references uploaded files shows them on the item page.
func TestEvidenceShowsFiles(t *testing.T) {
	ts := newTestServer(t)
	kbtest.Publish(t, ts.Org, ts.KB, "Connect", "Open it.")
	aud := ts.api(t, "auditor")
	st, a := aud.call("POST", "/api/v1/audits", map[string]any{"quarter": "2026-Q4", "sample_size": 1, "seed": 1})
	if st != 201 {
		t.Fatalf("create audit: %d %v", st, a)
	}
	id := int64(a["id"].(float64))
	item := int64(a["items"].([]any)[0].(map[string]any)["id"].(float64))
	shot := aud.upload("ticket view.png", kbtest.PNG(5, 5, 3)).json()
	export := aud.upload("export.csv", []byte("a,b\n1,2\n")).json()
	content := "![ticket](" + shot["url"].(string) + ")\n[export](" + export["url"].(string) + ")"
	if st, b := aud.call("POST", fmt.Sprintf("/api/v1/audits/%d/items/%d/evidence", id, item), map[string]any{"kind": "note", "content": content}); st != 201 {
		t.Fatalf("add evidence: %d %v", st, b)
	}
	b := ts.browser(t)
	b.login("auditor", "test-password-1")
	_, page := b.get(fmt.Sprintf("/audits/%d/items/%d", id, item))
	files := regexp.MustCompile(`(?s)data-testid="evidence-files".*?</ul>`).FindString(page)
	if !strings.Contains(files, `<img src="`+shot["url"].(string)+`"`) || !strings.Contains(files, `href="`+export["url"].(string)+`" download`) {
		t.Fatalf("evidence files %q, want the image shown and the CSV to download", files)
	}
}
