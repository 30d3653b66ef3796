package kb

import (
	"context"
	"strings"
	"testing"
)

func TestRenderCILink(t *testing.T) {
	for _, tc := range []struct {
		body, want, not string
	}{
		{"Check [[ci:VPN-GW-01]] first.", `<a href="/cmdb/VPN-GW-01" rel="nofollow noopener">VPN-GW-01</a>`, ""},
		{"[[ci:DC-01]] and [[ci:dc.02]]", `<a href="/cmdb/dc.02" rel="nofollow noopener">dc.02</a>`, ""},
		{"[[ci:bad key]]", "[[ci:bad key]]", "/cmdb/"},
		{"[[ci:<script>]]", "", "<script>"},
		{"`[[ci:DC-01]]` in code", "<code>[[ci:DC-01]]</code>", "/cmdb/"},
		{"[a link](https://example.com)", `href="https://example.com"`, "/cmdb/"},
	} {
		r, err := Render(context.Background(), tc.body)
		if err != nil {
			t.Fatal(err)
		}
		got := r.HTML
		if tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("Render(%q) = %s, want it to contain %s", tc.body, got, tc.want)
		}
		if tc.not != "" && strings.Contains(got, tc.not) {
			t.Errorf("Render(%q) = %s, must not contain %s", tc.body, got, tc.not)
		}
	}
}

func TestCitedCIs(t *testing.T) {
	got := strings.Join(CitedCIs("See [[ci:A-1]], [[ci:B.2]] and [[ci:A-1]] again; not [[ci:bad key]]."), ",")
	if want := "A-1,B.2"; got != want {
		t.Fatalf("CitedCIs = %q, want %q", got, want)
	}
}
