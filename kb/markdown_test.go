package kb

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
)

// allowedAttrs is what Render may emit: element → attributes.
var allowedAttrs = map[string]map[string]bool{
	"p": {}, "br": {}, "hr": {}, "blockquote": {}, "pre": {},
	"em": {}, "strong": {}, "del": {}, "code": {"class": true},
	"ul": {}, "ol": {"start": true}, "li": {},
	"table": {}, "thead": {}, "tbody": {}, "tr": {}, "th": {"align": true}, "td": {"align": true},
	"h1": {"id": true}, "h2": {"id": true}, "h3": {"id": true},
	"h4": {"id": true}, "h5": {"id": true}, "h6": {"id": true},
	"a":     {"href": true, "title": true, "rel": true},
	"img":   {"src": true, "alt": true, "title": true},
	"input": {"type": true, "checked": true, "disabled": true},
}

// forbiddenTags must not appear in the output even as text that a lenient
// parser could read as a tag.
var forbiddenTags = []string{
	"<script", "<iframe", "<object", "<embed", "<svg", "<math", "<style", "<form",
	"<meta", "<base", "<link", "<frame", "<applet", "<button", "<textarea",
	"<select", "<video", "<audio", "<source", "<details", "<body", "<div", "<span",
	"<!--", "<![cdata[",
}

// normalizeURL undoes the ways a browser could still read a URL as
// script: entities are decoded by the parser already; here
// percent-encoding, case, white space and control characters go.
func normalizeRenderedURL(v string) string {
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	var sb strings.Builder
	for _, r := range v {
		if r <= 0x20 || r == 0x7f || r == '\u200b' || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			continue
		}
		sb.WriteRune(r)
	}
	return strings.ToLower(sb.String())
}

// assertSafeHTML fails t if out, the HTML rendered from in, carries
// anything but the allow-listed elements and attributes, an event handler,
// a style, or a URL that is not http(s), mailto or relative.
func assertSafeHTML(t testing.TB, in, out string) {
	t.Helper()
	lower := strings.ToLower(out)
	for _, tag := range forbiddenTags {
		if strings.Contains(lower, tag) {
			t.Errorf("Render(%q) contains %q:\n%s", in, tag, out)
		}
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("html.Parse(Render(%q)): %v", in, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.CommentNode:
			t.Errorf("Render(%q) has a comment %q:\n%s", in, n.Data, out)
		case html.ElementNode:
			checkRenderedElement(t, in, out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func checkRenderedElement(t testing.TB, in, out string, n *html.Node) {
	t.Helper()
	if n.Namespace != "" {
		t.Errorf("Render(%q) has foreign element %s:%s:\n%s", in, n.Namespace, n.Data, out)
	}
	switch n.Data {
	case "html", "head", "body":
		// Added by html.Parse around every fragment.
		return
	}
	allowed, ok := allowedAttrs[n.Data]
	if !ok {
		t.Errorf("Render(%q) has element <%s>:\n%s", in, n.Data, out)
		return
	}
	attrs := make(map[string]string)
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		attrs[key] = a.Val
		if strings.HasPrefix(key, "on") || key == "style" || a.Namespace != "" {
			t.Errorf("Render(%q): <%s> has attribute %s=%q:\n%s", in, n.Data, a.Key, a.Val, out)
			continue
		}
		if !allowed[key] {
			t.Errorf("Render(%q): <%s> has attribute %s, not allowed:\n%s", in, n.Data, a.Key, out)
			continue
		}
		if key == "href" || key == "src" {
			checkRenderedURL(t, in, out, n.Data, key, a.Val)
		}
	}
	switch n.Data {
	case "a":
		if got, want := attrs["rel"], linkRel; got != want {
			t.Errorf("Render(%q): <a> rel=%q, want %q:\n%s", in, got, want, out)
		}
	case "img":
		if src, ok := attrs["src"]; ok && !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
			t.Errorf("Render(%q): <img src=%q>, want http(s) only:\n%s", in, src, out)
		}
	case "input":
		if attrs["type"] != "checkbox" {
			t.Errorf("Render(%q): <input type=%q>, want checkbox:\n%s", in, attrs["type"], out)
		}
		if _, ok := attrs["disabled"]; !ok {
			t.Errorf("Render(%q): <input> not disabled:\n%s", in, out)
		}
	}
}

func checkRenderedURL(t testing.TB, in, out, elem, attr, v string) {
	t.Helper()
	norm := normalizeRenderedURL(v)
	for _, bad := range []string{"javascript:", "vbscript:", "data:", "file:", "livescript:"} {
		if strings.Contains(norm, bad) {
			t.Errorf("Render(%q): <%s %s=%q> contains %s:\n%s", in, elem, attr, v, bad, out)
		}
	}
	u, err := url.Parse(v)
	if err != nil {
		t.Errorf("Render(%q): <%s %s=%q> does not parse: %v", in, elem, attr, v, err)
		return
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto":
	default:
		t.Errorf("Render(%q): <%s %s=%q> has scheme %q:\n%s", in, elem, attr, v, u.Scheme, out)
	}
}

// hostileInputs try to get script, event handlers, styles, frames, forms
// or script URLs through: as raw HTML (which goldmark must drop), through
// Markdown's own links and images in every form, with obfuscation by
// entities, case, white space, control and Unicode characters, and inside
// other blocks.
var hostileInputs = []string{
	// Script elements.
	`<script>alert(1)</script>`,
	`<SCRIPT>alert(1)</SCRIPT>`,
	`<ScRiPt src="https://evil.example/x.js"></ScRiPt>`,
	"<script\n>alert(1)</script\n>",
	`<scr<script>ipt>alert(1)</scr</script>ipt>`,
	`<<script>script>alert(1)<</script>/script>`,
	`text <script>alert(1)</script> inline`,
	`<script/xss src="https://evil.example/x.js"></script>`,
	"\\<script>alert(1)\\</script>",
	`&lt;script&gt;alert(1)&lt;/script&gt;`,
	`<svg><script>alert(1)</script></svg>`,
	// Event handlers.
	`<img src=x onerror=alert(1)>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<img src="x" onerror="alert(1)"/>`,
	`<img src="https://ok.example/x.png" style="x:expression(alert(1))">`,
	`<svg onload=alert(1)>`,
	`<svg/onload=alert(1)>`,
	`<body onload=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<video><source onerror="alert(1)">`,
	`<marquee onstart=alert(1)>x</marquee>`,
	`<isindex type=image src=1 onerror=alert(1)>`,
	`<a href="x" onclick="alert(1)">x</a>`,
	`see <a href="https://ok.example" onmouseover=alert(1)>here</a> now`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`,
	// Frames, objects, forms, metadata.
	`<iframe src="https://evil.example"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>">`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="javascript:alert(1)">`,
	`<form action="https://evil.example"><input name="password"><button>go</button></form>`,
	`<input type="text" onfocus="alert(1)" autofocus>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<base href="javascript:alert(1)//">`,
	`<link rel="stylesheet" href="javascript:alert(1)">`,
	`<a href="https://ok.example" target="_blank">x</a>`,
	// Styles.
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<p style="width: expression(alert(1))">x</p>`,
	`<style>body{background:url("javascript:alert(1)")}</style>`,
	`<span style="color:red">x</span>`,
	// Comments and CDATA.
	`<!-- <script>alert(1)</script> -->`,
	`<!--><script>alert(1)</script>-->`,
	`<!--[if gte IE 4]><script>alert(1)</script><![endif]-->`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	// Markdown links.
	`[click](javascript:alert(1))`,
	`[click](JaVaScRiPt:alert(1))`,
	`[click]( javascript:alert(1) )`,
	`[click](<javascript:alert(1)>)`,
	"[click](\njavascript:alert(1))",
	`[click](java&#x09;script:alert(1))`,
	`[click](java&#9;script:alert(1))`,
	`[click](&#106;avascript:alert(1))`,
	`[click](javascript&colon;alert(1))`,
	`[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))`,
	`[click](javascript:alert&#40;1&#41;)`,
	`[click](<jav ascript:alert(1)>)`,
	`[click](javascript://%0aalert(1))`,
	`[click](%6a%61%76%61%73%63%72%69%70%74:alert(1))`,
	`[click](vbscript:msgbox(1))`,
	`[click](VBScript:msgbox(1))`,
	`[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`[click](file:///etc/passwd)`,
	"[click](java\u0000script:alert(1))",
	"[click](java\u200bscript:alert(1))",
	"[click](\u202ejavascript:alert(1))",
	"[click](javascript\u2028:alert(1))",
	"[click](ｊａｖａｓｃｒｉｐｔ:alert(1))",
	// Reference-style links and images.
	"[x][ref]\n\n[ref]: javascript:alert(1)",
	"[x][ref]\n\n[ref]: <javascript:alert(1)> \"title\"",
	"[ref]\n\n[ref]: vbscript:msgbox(1)",
	"[x][]\n\n[x]: data:text/html,<script>alert(1)</script>",
	"![x][img]\n\n[img]: javascript:alert(1)",
	// Autolinks.
	`<javascript:alert(1)>`,
	`<JAVASCRIPT:alert(1)>`,
	`<vbscript:msgbox(1)>`,
	`<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>`,
	`https://ok.example/"onmouseover="alert(1)`,
	`www.example.com/<script>alert(1)</script>`,
	`javascript:alert(1) as plain text`,
	// Images.
	`![x](javascript:alert(1))`,
	`![x](JaVaScRiPt:alert(1))`,
	`![x](vbscript:msgbox(1))`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`![x](data:image/png;base64,iVBORw0KGgo=)`,
	`![x](/relative/image.png)`,
	`![x](//evil.example/protocol-relative.png)`,
	`![x" onerror="alert(1)](https://ok.example/i.png)`,
	`[![x](javascript:alert(1))](javascript:alert(2))`,
	// Breaking out of attributes.
	`[x](https://ok.example "title\" onmouseover=\"alert(1)")`,
	`[x](https://ok.example 'a" onmouseover="alert(1)')`,
	`[x](https://ok.example (a" onmouseover="alert(1)))`,
	`[x](https://ok.example"onmouseover="alert(1))`,
	`[x"onmouseover="alert(1)](https://ok.example)`,
	`[<img src=x onerror=alert(1)>](https://ok.example)`,
	"[x](javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>)",
	"# Heading {onclick=alert(1)}",
	"# Heading {#x style=\"color:red\"}",
	// Markdown and HTML mixed.
	`**bold <img src=x onerror=alert(1)>**`,
	`> quote <script>alert(1)</script>`,
	`- item <iframe src=javascript:alert(1)>`,
	"| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
	"`code` <script>alert(1)</script>",
	"```html\n<script>alert(1)</script>\n```",
	"```\" onmouseover=\"alert(1)\n<x>\n```",
	"# Heading <script>alert(1)</script>",
	"<div>\n\n[x](javascript:alert(1))\n\n</div>",
	"> - [x](javascript:alert(1))\n>   ![y](javascript:alert(2))",
	"- [ ] <input type=\"checkbox\" onclick=\"alert(1)\">",
	"1. <ol start=\"1\" onclick=\"alert(1)\"></ol>",
	"<table><tr><td background=\"javascript:alert(1)\">x</td></tr></table>",
	"<a href=\"&#106;avascript:alert(1)\">x</a>",
	"<a href=\"javascript&colon;alert(1)\">x</a>",
}

// failRecorder is a testing.TB that only notes whether a check failed.
type failRecorder struct {
	testing.TB
	failed bool
}

func (r *failRecorder) Helper()               {}
func (r *failRecorder) Errorf(string, ...any) { r.failed = true }
func (r *failRecorder) Fatalf(string, ...any) { r.failed = true }

// TestAssertSafeHTMLCatches shows that the checker used below would fail on
// unsafe output, so its silence on Render's output means something.
func TestAssertSafeHTMLCatches(t *testing.T) {
	unsafe := []string{
		`<script>alert(1)</script>`,
		`<SCRIPT>alert(1)</SCRIPT>`,
		`<p onclick="alert(1)">x</p>`,
		`<img src="https://ok.example/x.png" onerror="alert(1)">`,
		`<a href="javascript:alert(1)" rel="nofollow noopener">x</a>`,
		`<a href="JaVaScRiPt:alert(1)" rel="nofollow noopener">x</a>`,
		`<a href="java&#x09;script:alert(1)" rel="nofollow noopener">x</a>`,
		`<a href=" &#106;avascript:alert(1)" rel="nofollow noopener">x</a>`,
		`<a href="vbscript:msgbox(1)" rel="nofollow noopener">x</a>`,
		`<a href="data:text/html,x" rel="nofollow noopener">x</a>`,
		`<a href="https://ok.example">no rel</a>`,
		`<a href="https://ok.example" rel="nofollow noopener" target="_blank">x</a>`,
		`<img src="data:image/png;base64,AAAA">`,
		`<img src="/relative.png">`,
		`<p style="color:red">x</p>`,
		`<iframe src="https://ok.example"></iframe>`,
		`<object data="x"></object>`,
		`<form><input type="checkbox" disabled=""></form>`,
		`<input type="text" disabled="">`,
		`<input type="checkbox">`,
		`<svg><a>x</a></svg>`,
		`<div>x</div>`,
		`<meta http-equiv="refresh" content="0">`,
		`<base href="https://evil.example/">`,
		`<!-- comment -->`,
	}
	for _, out := range unsafe {
		r := &failRecorder{}
		assertSafeHTML(r, "(test)", out)
		if !r.failed {
			t.Errorf("assertSafeHTML accepted %q", out)
		}
	}
	r := &failRecorder{}
	assertSafeHTML(r, "(test)", `<p><a href="https://ok.example/a?b=c" rel="nofollow noopener">x</a> <img src="https://ok.example/i.png" alt="i"></p>`)
	if r.failed {
		t.Errorf("assertSafeHTML rejected safe output")
	}
}

func TestRenderHostileInputs(t *testing.T) {
	if n := len(hostileInputs); n < 60 {
		t.Fatalf("only %d hostile inputs, want at least 60", n)
	}
	for _, in := range hostileInputs {
		out := render(t, in).HTML
		assertSafeHTML(t, in, out)
		// Inside other blocks too.
		for _, wrapped := range []string{"> " + in, "- " + in, "# " + in, "| h |\n|---|\n| " + in + " |", "**" + in + "**"} {
			assertSafeHTML(t, wrapped, render(t, wrapped).HTML)
		}
	}
}

// render renders body, failing t on an error.
func render(t testing.TB, body string) Rendered {
	t.Helper()
	r, err := Render(context.Background(), body)
	if err != nil {
		t.Errorf("Render(%q): %v", body, err)
	}
	return r
}

// TestRenderRawHTMLShownAsText checks that raw HTML shows as the text it is,
// escaped, in every construct: placeholders such as <username> used to vanish.
func TestRenderRawHTMLShownAsText(t *testing.T) {
	tests := []struct {
		name, in string
		html     []string // substrings of the HTML, in order
		text     string
	}{
		{"emphasis", "**net user <username> /domain**",
			[]string{"<p><strong>net user &lt;username&gt; /domain</strong></p>"}, "net user <username> /domain"},
		{"paragraph", "<b>bold</b> text", []string{"<p>&lt;b&gt;bold&lt;/b&gt; text</p>"}, "<b>bold</b> text"},
		{"script as text", "a <script>alert(1)</script> b", []string{"<p>a &lt;script&gt;alert(1)&lt;/script&gt; b</p>"}, "a <script>alert(1)</script> b"},
		{"html block", "<script>alert(1)</script>", []string{"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"}, "<script>alert(1)</script>"},
		{"html block opening a paragraph", "<host>\nthen restart it", []string{"<p>&lt;host&gt;<br>", "then restart it</p>"}, "<host>\nthen restart it"},
		{"multi-line html block", "<div>\n<app> logs\n</div>\n\nAfter",
			[]string{"<p>&lt;div&gt;<br>", "&lt;app&gt; logs<br>", "&lt;/div&gt;</p>", "<p>After</p>"}, "<div>\n<app> logs\n</div>\nAfter"},
		{"heading", "# Restart <service>", []string{`<h1 id="restart-service">Restart &lt;service&gt;</h1>`}, "Restart <service>"},
		{"list item", "- connect to <host>\n- log in as <user>", []string{"<li>connect to &lt;host&gt;</li>", "<li>log in as &lt;user&gt;</li>"}, "connect to <host>\nlog in as <user>"},
		{"table cell", "| App | Host |\n|---|---|\n| <app> | <host> |", []string{"<td>&lt;app&gt;</td>", "<td>&lt;host&gt;</td>"}, "App\nHost\n<app>\n<host>"},
		{"block quote", "> ping <host>", []string{"<blockquote>", "<p>ping &lt;host&gt;</p>"}, "ping <host>"},
		{"link text", "[open <app>](https://x.example)", []string{`<a href="https://x.example" rel="nofollow noopener">open &lt;app&gt;</a>`}, "open <app>"},
		{"tag with attributes", `<a href="javascript:alert(1)" onclick="x()">x</a>`,
			[]string{"&lt;a href=&#34;javascript:alert(1)&#34; onclick=&#34;x()&#34;&gt;x&lt;/a&gt;"}, `<a href="javascript:alert(1)" onclick="x()">x</a>`},
		{"comment", "a <!-- note --> b", []string{"<p>a &lt;!-- note --&gt; b</p>"}, "a <!-- note --> b"},
		{"inline code unchanged", "run `net user <u>`", []string{"<code>net user &lt;u&gt;</code>"}, "run net user <u>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := render(t, tt.in)
			assertSafeHTML(t, tt.in, r.HTML)
			rest := r.HTML
			for _, w := range tt.html {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("Render(%q).HTML = %q, want it to contain %q (in order)", tt.in, r.HTML, w)
				}
				rest = rest[i+len(w):]
			}
			if r.Text != tt.text {
				t.Errorf("Render(%q).Text = %q, want %q", tt.in, r.Text, tt.text)
			}
		})
	}
}

func TestRenderMarkdown(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings of the HTML, in order
	}{
		{"paragraph", "Hello *world*", []string{"<p>Hello <em>world</em></p>"}},
		{"heading ids", "# Reset a password\n\n## Reset a password",
			[]string{`<h1 id="reset-a-password">Reset a password</h1>`, `<h2 id="reset-a-password-1">Reset a password</h2>`}},
		{"table", "| Step | Who |\n|:-----|----:|\n| Check | Agent |",
			[]string{"<table>", "<thead>", `<th align="left">Step</th>`, `<th align="right">Who</th>`, "<tbody>", `<td align="left">Check</td>`, `<td align="right">Agent</td>`, "</table>"}},
		{"task list", "- [x] done\n- [ ] todo",
			[]string{"<ul>", `<li><input checked="" disabled="" type="checkbox"> done</li>`, `<li><input disabled="" type="checkbox"> todo</li>`, "</ul>"}},
		{"strikethrough", "~~old~~ new", []string{"<p><del>old</del> new</p>"}},
		{"autolink bare url", "See https://example.com/help now",
			[]string{`<a href="https://example.com/help" rel="nofollow noopener">https://example.com/help</a>`}},
		{"autolink www", "See www.example.com now",
			[]string{`<a href="http://www.example.com" rel="nofollow noopener">www.example.com</a>`}},
		{"autolink angle", "<https://example.com/a>",
			[]string{`<a href="https://example.com/a" rel="nofollow noopener">https://example.com/a</a>`}},
		{"autolink email", "Mail help@example.com",
			[]string{`<a href="mailto:help@example.com" rel="nofollow noopener">help@example.com</a>`}},
		{"link with title", `[Portal](https://portal.example/x "The portal")`,
			[]string{`<a href="https://portal.example/x" title="The portal" rel="nofollow noopener">Portal</a>`}},
		{"relative link", "[Article 12](/articles/12)",
			[]string{`<a href="/articles/12" rel="nofollow noopener">Article 12</a>`}},
		{"fragment link", "[below](#steps)", []string{`<a href="#steps" rel="nofollow noopener">below</a>`}},
		{"mailto link", "[mail](mailto:a@example.com)", []string{`<a href="mailto:a@example.com" rel="nofollow noopener">mail</a>`}},
		{"dangerous link keeps its text", "[click](javascript:alert(1))", []string{`<a rel="nofollow noopener">click</a>`}},
		{"fenced code", "```go\nif a < b {\n}\n```",
			[]string{`<pre><code class="language-go">if a &lt; b {`, "}\n</code></pre>"}},
		{"inline code", "Run `ipconfig /all`", []string{"<p>Run <code>ipconfig /all</code></p>"}},
		{"ordered list", "1. one\n2. two", []string{"<ol>", "<li>one</li>", "<li>two</li>", "</ol>"}},
		{"ordered list start", "3. three\n4. four", []string{`<ol start="3">`, "<li>three</li>"}},
		{"blockquote", "> note", []string{"<blockquote>", "<p>note</p>", "</blockquote>"}},
		{"https image", `![Screen](https://img.example/s.png "Shot")`,
			[]string{`<img src="https://img.example/s.png" alt="Screen" title="Shot">`}},
		{"relative image loses src", "![Screen](/s.png)", []string{`<img alt="Screen">`}},
		{"data image loses src", "![Screen](data:image/png;base64,iVBORw0KGgo=)", []string{`<img alt="Screen">`}},
		{"hr and strong", "**a**\n\n---", []string{"<strong>a</strong>", "<hr>"}},
		{"entities", "AT&amp;T &lt;b&gt;", []string{"<p>AT&amp;T &lt;b&gt;</p>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, tt.in).HTML
			assertSafeHTML(t, tt.in, got)
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("render(t, %q).HTML = %q, want it to contain %q (in order)", tt.in, got, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestRenderText(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"# Reset\n\nOpen *the* **portal** & click `Save`.", "Reset\nOpen the portal & click Save."},
		{"- one\n- two", "one\ntwo"},
		{"[the portal](https://p.example)", "the portal"},
		// Raw HTML is text, as written.
		{"a <script>alert(1)</script> b", "a <script>alert(1)</script> b"},
		{"<script>\nalert(1)\n</script>\n\nafter", "<script>\nalert(1)\n</script>\nafter"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "a\nb\n1\n2"},
		{"line one  \nline two", "line one\nline two"},
		{"x < y and AT&amp;T", "x < y and AT&T"},
		{"```\n<b>code</b>\n```", "<b>code</b>"},
		{"- [x] done", "done"},
	}
	for _, tt := range tests {
		if got := render(t, tt.in).Text; got != tt.want {
			t.Errorf("render(t, %q).Text = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTitle(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"No heading here.", ""},
		{"# Reset a VPN token\n\nBody", "Reset a VPN token"},
		{"## Sub\n\n# Main\n\n# Later", "Main"},
		{"Setext title\n===\n\nBody", "Setext title"},
		{"# **Reset** the `VPN` &amp; [token](https://x.example)", "Reset the VPN & token"},
		{"# Reset <b>VPN</b> token", "Reset <b>VPN</b> token"},
		{"> # Quoted", ""},
		{"#NoSpace", ""},
		{"   #   Padded   #", "Padded"},
	}
	for _, tt := range tests {
		if got := Title(tt.in); got != tt.want {
			t.Errorf("Title(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRenderConcurrent exercises the shared goldmark and bluemonday
// instances from many goroutines (meaningful under -race).
func TestRenderConcurrent(t *testing.T) {
	want := render(t, hostileInputs[0]+"\n\n# T\n\n[x](https://x.example)")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if got := render(t, hostileInputs[0]+"\n\n# T\n\n[x](https://x.example)"); got != want {
					t.Errorf("concurrent Render = %+v, want %+v", got, want)
					return
				}
				_ = Title("# T")
			}
		}()
	}
	wg.Wait()
}
