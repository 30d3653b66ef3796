package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"attest/kb"
)

// everything is the scope of enterprise staff (kb.ReadScope): every article.
var everything = kb.Scope{All: true}

// TestNoReaderFindsNothing: a query that names no reader's scope finds nothing, with any
// text or filter, and no facets leak what exists (fail closed).
func TestNoReaderFindsNothing(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Reset a password", Body: "Steps for password resets.", RequestTypes: []string{"password-reset"}, Tags: []string{"account"}},
		Doc{ArticleID: 2, Title: "Password policy", Body: "The password policy applies to everyone."},
	)
	for _, q := range []Query{
		{Text: "password"},
		{Text: "passwrd"},
		{RequestType: "password-reset"},
		{Tag: "account"},
		{Text: "password", TagFacets: true},
		{Text: "password", Scope: kb.ReadScope(nil)},
	} {
		res := search(t, ix, q)
		if res.Total != 0 || len(res.Hits) != 0 || len(res.RequestTypeFacets) != 0 || len(res.TagFacets) != 0 {
			t.Errorf("%+v found %d hits, facets %v %v; want nothing", q, res.Total, res.RequestTypeFacets, res.TagFacets)
		}
	}
	if got := search(t, ix, Query{Text: "password", Scope: everything}).Total; got != 2 {
		t.Fatalf("with a reader: Total = %d, want 2", got)
	}
}

func TestVisibility(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Reset a password", Body: "Steps for password resets.", RequestTypes: []string{"password-reset"}},
		Doc{ArticleID: 2, Title: "Grant VPN access", Body: "Steps for password protected VPN.", RequestTypes: []string{"vpn-access"}},
		Doc{ArticleID: 3, Title: "Password policy", Body: "The password policy applies to everyone."},
	)
	agent := func(types ...string) kb.Scope { return kb.Scope{General: true, RequestTypes: types} }
	tests := []struct {
		name  string
		scope kb.Scope
		want  []int64
	}{
		{"all sees everything", everything, []int64{1, 2, 3}},
		{"own type and everyone's", agent("password-reset"), []int64{1, 3}},
		{"other type", agent("vpn-access"), []int64{2, 3}},
		{"no types sees only everyone's", agent(), []int64{3}},
		{"unknown type", agent("printer"), []int64{3}},
		{"sentinel grants nothing", agent("*"), []int64{3}},
		{"one type without everyone's", kb.Scope{RequestTypes: []string{"vpn-access"}}, []int64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := search(t, ix, Query{Text: "password", Scope: tt.scope})
			if got := sortedIDs(res); !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
			if got, want := res.Total, len(tt.want); got != want {
				t.Errorf("Total = %d, want %d", got, want)
			}
			n := 0
			for _, f := range res.RequestTypeFacets {
				n += f.Count
			}
			// Article 3 has no request type, so it counts in no facet.
			want := len(tt.want)
			if slices.Contains(tt.want, 3) {
				want--
			}
			if n != want {
				t.Errorf("request type facet counts sum to %d, want %d", n, want)
			}
		})
	}
}

func TestAllTermsThenAnyTerm(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Reset a VPN token", Body: "Give the user a new token."},
		Doc{ArticleID: 2, Title: "VPN on macOS", Body: "Install the client."},
		Doc{ArticleID: 3, Title: "Printer offline", Body: "Restart the spooler."},
	)
	// Fewer than three articles have both terms, so articles with one of
	// them follow (the next stage runs too).
	if got, want := ids(search(t, ix, Query{Scope: everything, Text: "vpn token"})), []int64{1, 2}; !slices.Equal(got, want) {
		t.Errorf("all terms: hits = %v, want %v (the article with both first)", got, want)
	}
	// No article has "token", "macos" and "spooler": any term matches.
	res := search(t, ix, Query{Scope: everything, Text: "token spooler"})
	if got, want := sortedIDs(res), []int64{1, 3}; !slices.Equal(got, want) {
		t.Errorf("any term: hits = %v, want %v", got, want)
	}
	// Three terms where two occur together: all but one ranks above any.
	res = search(t, ix, Query{Scope: everything, Text: "vpn token spooler"})
	if got := ids(res); len(got) == 0 || got[0] != 1 {
		t.Errorf("all but one: hits = %v, want article 1 first", got)
	}
}

func TestTitleRanksAboveBody(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Laptop battery", Body: "Mentions the shared mailbox once."},
		Doc{ArticleID: 2, Title: "Shared mailbox access", Body: "Grant access."},
	)
	if got := ids(search(t, ix, Query{Scope: everything, Text: "shared mailbox"})); len(got) != 2 || got[0] != 2 {
		t.Errorf("hits = %v, want article 2 (title match) first", got)
	}
}

func TestTypoTolerance(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Join a laptop to the domain", Body: "Use the domain join wizard."},
		Doc{ArticleID: 2, Title: "Outlook keeps asking for the password", Body: "Clear cached credentials."},
		Doc{ArticleID: 3, Title: "Printer offline", Body: "Restart the spooler."},
	)
	tests := []struct {
		q    string
		want int64
	}{
		{"domian", 1},             // swapped letters
		{"domain jion laptop", 1}, // typo among known words
		{"outlok password", 2},    // missing letter
		{"printr offline", 3},     // missing letter
		{"spoolre", 3},
	}
	for _, tt := range tests {
		res := search(t, ix, Query{Scope: everything, Text: tt.q})
		if got := ids(res); len(got) == 0 || got[0] != tt.want {
			t.Errorf("%q: hits = %v, want %d first", tt.q, got, tt.want)
		}
	}
	res := search(t, ix, Query{Scope: everything, Text: "domian"})
	if len(res.Hits) == 0 || !strings.Contains(res.Hits[0].Snippet, "<mark>domain</mark>") {
		t.Errorf("snippet for a corrected term does not mark it: %+v", res.Hits)
	}
}

func TestPhrase(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Mailbox", Body: "Open the shared mailbox in Outlook."},
		Doc{ArticleID: 2, Title: "Mailbox", Body: "The mailbox is not shared with anyone."},
	)
	if got := sortedIDs(search(t, ix, Query{Scope: everything, Text: "shared mailbox"})); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("words: hits = %v, want [1 2]", got)
	}
	if got := ids(search(t, ix, Query{Scope: everything, Text: `"shared mailbox"`})); !slices.Equal(got, []int64{1}) {
		t.Errorf("phrase: hits = %v, want [1]", got)
	}
	if got := ids(search(t, ix, Query{Scope: everything, Text: `outlook "shared mailbox`})); len(got) == 0 {
		t.Errorf("unbalanced quote: no hits")
	}
}

func TestFiltersAndFacets(t *testing.T) {
	var docs []Doc
	for i := range 10 {
		d := Doc{ArticleID: int64(i + 1), Title: fmt.Sprintf("Printer article %d", i), Body: "printer steps"}
		switch {
		case i < 5:
			d.RequestTypes = []string{"printer-setup"}
			d.Tags = []string{"hardware", "printer"}
		case i < 8:
			d.RequestTypes = []string{"printer-setup", "hardware-repair"}
			d.Tags = []string{"hardware"}
		default:
			d.Tags = []string{"printer"}
		}
		docs = append(docs, d)
	}
	docs = append(docs, Doc{ArticleID: 99, Title: "VPN", Body: "vpn", RequestTypes: []string{"vpn-access"}, Tags: []string{"network"}})
	ix := openTest(t, docs...)

	res := search(t, ix, Query{Scope: everything, Text: "printer", Limit: 3, TagFacets: true})
	if got, want := res.Total, 10; got != want {
		t.Errorf("Total = %d, want %d", got, want)
	}
	if got, want := res.RequestTypeFacets, []Facet{{"printer-setup", 8}, {"hardware-repair", 3}}; !slices.Equal(got, want) {
		t.Errorf("request type facets = %v, want %v", got, want)
	}
	if got, want := res.TagFacets, []Facet{{"hardware", 8}, {"printer", 7}}; !slices.Equal(got, want) {
		t.Errorf("tag facets = %v, want %v", got, want)
	}

	if got := search(t, ix, Query{Scope: everything, Text: "printer"}).TagFacets; got != nil {
		t.Errorf("tag facets without TagFacets = %v, want none", got)
	}

	tests := []struct {
		q    Query
		want int
	}{
		{Query{Scope: everything, Text: "printer", RequestType: "hardware-repair"}, 3},
		{Query{Scope: everything, Text: "printer", Tag: "printer"}, 7},
		{Query{Scope: everything, Text: "printer", RequestType: "printer-setup", Tag: "printer"}, 5},
		{Query{Scope: everything, Text: "printer", RequestType: "vpn-access"}, 0},
		{Query{Scope: everything, RequestType: "printer-setup"}, 8}, // no text: lists the request type's articles
		{Query{Scope: everything, Tag: "network"}, 1},
		{Query{Scope: everything}, 0},
		{Query{Scope: kb.Scope{General: true, RequestTypes: []string{"vpn-access"}}}, 0},
		{Query{RequestType: "printer-setup", Scope: kb.Scope{General: true, RequestTypes: []string{"vpn-access"}}}, 0},
	}
	for _, tt := range tests {
		if got := search(t, ix, tt.q).Total; got != tt.want {
			t.Errorf("%+v: Total = %d, want %d", tt.q, got, tt.want)
		}
	}
}

func TestPagination(t *testing.T) {
	var docs []Doc
	for i := range 130 {
		docs = append(docs, Doc{ArticleID: int64(i + 1), Title: fmt.Sprintf("Teams tip %d", i), Body: "teams"})
	}
	ix := openTest(t, docs...)
	tests := []struct {
		limit, offset, want int
	}{
		{0, 0, 10},
		{-5, 0, 10},
		{25, 0, 25},
		{10, 125, 5},
		{10, 500, 0},
		{1000, 0, 100},
		{10, -3, 10},
	}
	for _, tt := range tests {
		res := search(t, ix, Query{Scope: everything, Text: "teams", Limit: tt.limit, Offset: tt.offset})
		if got := len(res.Hits); got != tt.want {
			t.Errorf("Limit %d Offset %d: %d hits, want %d", tt.limit, tt.offset, got, tt.want)
		}
		if res.Total != 130 {
			t.Errorf("Limit %d Offset %d: Total = %d, want 130", tt.limit, tt.offset, res.Total)
		}
	}
	// Pages do not overlap and together hold every article.
	seen := map[int64]bool{}
	for off := 0; off < 130; off += 50 {
		for _, id := range ids(search(t, ix, Query{Scope: everything, Text: "teams", Limit: 50, Offset: off})) {
			if seen[id] {
				t.Fatalf("article %d on two pages", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 130 {
		t.Errorf("pages hold %d articles, want 130", len(seen))
	}
}

func TestHostileQueries(t *testing.T) {
	ix := openTest(t, Doc{ArticleID: 1, Title: "Reset a password", Body: "Password reset steps (for AD)."})
	long := strings.Repeat("password ", 600) // 5,400 characters
	queries := []string{
		`"`, `"""`, `"password`, `password"`, `(password`, `password)`, `+password -reset`,
		`title:password`, `password^10`, `pass*`, `pas?word`, `password~2`, `\`, `/regex/`,
		`a:b:c`, `{}[]`, `&&||!`, `NOT AND OR`, "\x00\xff\xfe", "пароль", "密码", long,
		strings.Repeat("x", 5000), strings.Repeat(`"a" `, 1000), `" " " "`, "the of and",
	}
	for _, q := range queries {
		name := q
		if len(name) > 20 {
			name = name[:20]
		}
		t.Run(name, func(t *testing.T) {
			search(t, ix, Query{Text: q, RequestType: q, Tag: q, Scope: kb.Scope{General: true, RequestTypes: []string{q}}})
			search(t, ix, Query{Scope: everything, Text: q})
		})
	}
	if got := search(t, ix, Query{Scope: everything, Text: long}).Total; got != 1 {
		t.Errorf("long query: Total = %d, want 1", got)
	}
	if got := search(t, ix, Query{Scope: everything, Text: "+password"}).Total; got != 1 {
		t.Errorf("query syntax is not text: Total = %d, want 1", got)
	}
}

func TestSnippetEscapesBody(t *testing.T) {
	body := "Intro.\n\n`<script>alert(1)</script>` then the password \"><img src=x onerror=alert(1)> and &lt;b&gt; " +
		"and <b>raw</b> & co.\n\n```\n<iframe src=javascript:alert(1)>password</iframe>\n```\n\n<script>alert(2)</script>\n"
	ix := openTest(t, Doc{ArticleID: 1, Title: "<b>Password</b> & reset", Body: body})
	for _, q := range []string{"password", "script", "alert", "img onerror", "iframe", "zzz nothing"} {
		res := search(t, ix, Query{Scope: everything, Text: q})
		for _, h := range res.Hits {
			s := strings.ReplaceAll(strings.ReplaceAll(h.Snippet, "<mark>", ""), "</mark>", "")
			if strings.ContainsAny(s, "<>\"") {
				t.Errorf("%q: snippet has markup: %s", q, h.Snippet)
			}
			if strings.Count(h.Snippet, "<mark>") != strings.Count(h.Snippet, "</mark>") {
				t.Errorf("%q: unbalanced marks: %s", q, h.Snippet)
			}
		}
	}
	res := search(t, ix, Query{Scope: everything, Text: "password"})
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %d, want 1", len(res.Hits))
	}
	if got, want := res.Hits[0].Title, "<b>Password</b> & reset"; got != want {
		t.Errorf("Title = %q, want the plain title %q (the page escapes it)", got, want)
	}
	if !strings.Contains(res.Hits[0].Snippet, "<mark>password</mark>") {
		t.Errorf("snippet does not mark the match: %s", res.Hits[0].Snippet)
	}
	// The entity in the Markdown is text "<b>", escaped again in the snippet.
	if s := search(t, ix, Query{Scope: everything, Text: "intro"}).Hits[0].Snippet; !strings.Contains(s, "&lt;b&gt;") {
		t.Errorf("snippet lost the escaped entity: %s", s)
	}
}

func TestSnippetWindow(t *testing.T) {
	filler := strings.Repeat("lorem ipsum dolor sit amet ", 40)
	ix := openTest(t, Doc{ArticleID: 1, Title: "Long", Body: filler + "restart the print spooler service then clear the stuck printer queue. " + filler})
	s := search(t, ix, Query{Scope: everything, Text: "printer queue spooler"}).Hits[0].Snippet
	for _, want := range []string{"<mark>spooler</mark>", "<mark>printer</mark>", "<mark>queue</mark>", "…"} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet %q lacks %q", s, want)
		}
	}
	if n := len(s); n > 300 {
		t.Errorf("snippet is %d bytes, want about 160 of text", n)
	}
	// Stemming: "printers" in the query marks "printer" in the body.
	if s := search(t, ix, Query{Scope: everything, Text: "printers"}).Hits[0].Snippet; !strings.Contains(s, "<mark>printer</mark>") {
		t.Errorf("stemmed match not marked: %s", s)
	}
}

func TestSynonyms(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Reset multi-factor authentication", Body: "For a new phone."},
		Doc{ArticleID: 2, Title: "VPN on Windows 11", Body: "Install the client."},
	)
	if got := ids(search(t, ix, Query{Scope: everything, Text: "2fa new phone"})); !slices.Equal(got, []int64{1}) {
		t.Errorf("2fa: hits = %v, want [1]", got)
	}
	if got := ids(search(t, ix, Query{Scope: everything, Text: "vpn win11"})); !slices.Equal(got, []int64{2}) {
		t.Errorf("win11: hits = %v, want [2]", got)
	}
}

func TestNaturalLanguageQuestion(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Re-register MFA on a new phone", Body: "Remove the old device, then register Microsoft Authenticator on the new phone."},
		Doc{ArticleID: 2, Title: "Set up a new phone", Body: "Enrol the phone in Intune."},
	)
	if got := ids(search(t, ix, Query{Scope: everything, Text: "how do i reset someone's mfa on the new phone"})); len(got) == 0 || got[0] != 1 {
		t.Errorf("hits = %v, want article 1 first", got)
	}
}

func TestJoinedWords(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Take a screenshot", Body: "Press the keys together."},
		Doc{ArticleID: 2, Title: "Screen brightness", Body: "A shot of light."},
		Doc{ArticleID: 3, Title: "Login problems", Body: "Check your password."},
		Doc{ArticleID: 4, Title: "Log files", Body: "Where the logs are."},
	)
	// Two words the index has as one: the word written together ranks first.
	if got := ids(search(t, ix, Query{Scope: everything, Text: "screen shot"})); len(got) == 0 || got[0] != 1 {
		t.Errorf("screen shot: hits = %v, want article 1 first", got)
	}
	// A stop word joined: "log in" is login.
	if got := ids(search(t, ix, Query{Scope: everything, Text: "cannot log in"})); len(got) == 0 || got[0] != 3 {
		t.Errorf("log in: hits = %v, want article 3 first", got)
	}
	// Words the index does not have joined stay as they are.
	if got := sortedIDs(search(t, ix, Query{Scope: everything, Text: "log files"})); !slices.Contains(got, 4) {
		t.Errorf("log files: hits = %v, want article 4 among them", got)
	}
}

func TestProximity(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Calendar tips", Body: "Share the team view. Many more words about other things here and there. Then open the calendar."},
		Doc{ArticleID: 2, Title: "Calendar tips", Body: "Share the calendar with the team. Many more words about other things here and there."},
	)
	// Same words, same lengths: the article with them close together wins.
	if got := ids(search(t, ix, Query{Scope: everything, Text: "share calendar"})); len(got) != 2 || got[0] != 2 {
		t.Errorf("hits = %v, want article 2 first", got)
	}
}

func TestCloseness(t *testing.T) {
	tests := []struct {
		pos  [][]uint64
		n    int
		want float64
	}{
		{[][]uint64{{1}, {2}}, 2, 1},
		{[][]uint64{{1}, {3}}, 2, 0.5},
		{[][]uint64{{1, 20}, {30, 21}}, 2, 1},
		{[][]uint64{{1}, nil, {2}}, 3, 0.5},
		{[][]uint64{{1}, nil}, 2, 0},
	}
	for _, tt := range tests {
		if got := closeness(tt.pos, tt.n); got != tt.want {
			t.Errorf("closeness(%v, %d) = %v, want %v", tt.pos, tt.n, got, tt.want)
		}
	}
}
