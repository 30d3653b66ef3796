package kb

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"attest"
)

// fill repeats unit up to about n bytes, then adds tail.
func fill(unit string, n int, tail string) string {
	return strings.Repeat(unit, n/len(unit)) + tail
}

// nestedByIndent is a list nested depth levels deep by indentation alone.
func nestedByIndent(depth int) string {
	var b strings.Builder
	for i := 0; i < depth; i++ {
		b.WriteString(strings.Repeat(" ", 2*i))
		b.WriteString("- x\n")
	}
	return b.String()
}

// hostileBodies are bodies that made goldmark work for seconds to minutes
// (or would, at the 1 MiB body limit), each refused before goldmark.
var hostileBodies = []struct{ name, body, why string }{
	{"list on one line", fill("- ", MaxBody, "x"), "nest more than 32 levels"},
	{"64k-deep list", fill("- ", 2*65536, "x"), "nest more than 32 levels"},
	{"ordered list on one line", fill("1. ", MaxBody, "x"), "nest more than 32 levels"},
	{"block quotes", fill(">", MaxBody, " x"), "nest more than 32 levels"},
	{"block quotes spaced", fill("> ", MaxBody, "x"), "nest more than 32 levels"},
	{"mixed containers", fill("> - 1) ", MaxBody, "x"), "nest more than 32 levels"},
	{"33 levels", strings.Repeat("- ", 33) + "x", "nest more than 32 levels"},
	{"list nested by indentation", nestedByIndent(700), "indented more than 64 columns"},
	{"list nested by indentation in a fence", "```\n" + nestedByIndent(700), "indented more than 64 columns"},
	{"fence closed by its container", "- a\n  ```\n" + fill("- ", MaxBody/2, "x"), "nest more than 32 levels"},
	{"fence inside an HTML block", "<div>\n```\n\n" + fill("- ", MaxBody/2, "x"), "nest more than 32 levels"},
	{"wide table", fill("|a", 20000, "|\n") + fill("|-", 20000, "|\n") + fill("|\n", 1000, ""), "more than 64 columns"},
	{"padded table rows", "|" + strings.Repeat("a|", 64) + "\n|" + strings.Repeat("-|", 64) + "\n" + fill("|\n", MaxBody-400, ""), "fewer cells than their header"},
	{"many table cells", "|" + strings.Repeat("a|", 64) + "\n|" + strings.Repeat("-|", 64) + "\n" + fill("|"+strings.Repeat("a|", 64)+"\n", MaxBody-400, ""), "more than 100000 cells"},
	{"open brackets", fill("[", MaxBody, ""), "more than 32 [ open"},
	{"open images", fill("![", MaxBody, ""), "more than 32 [ open"},
	{"nested brackets", fill(strings.Repeat("[", 9000)+strings.Repeat("]", 9000)+"\n\n", MaxBody, ""), "more than 32 [ open"},
	{"many list items", fill(strings.Repeat("- ", 32)+"x\n", MaxBody, ""), "more than 10000 list items"},
	{"links without a space", fill("[a](", MaxBody, ""), "links run together"},
	{"link definitions", fill("[a]: /u\n", MaxBody/2, "") + fill("[a] ", MaxBody/2, ""), "link definitions"},
	{"many links", fill("[a](b) ", MaxBody, ""), "more than 20000 links"},
	{"alternating emphasis", fill("*_", MaxBody/4, "x") + fill("_*", MaxBody/4, ""), "more than 20000 emphasis marks"},
}

// TestComplexityRefusedBeforeGoldmark proves that each hostile body is refused with a clear
// message and without goldmark parsing it (the refusal is one linear pass; see
// BenchmarkRenderRefusal for its cost).
func TestComplexityRefusedBeforeGoldmark(t *testing.T) {
	for _, tt := range hostileBodies {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.body) > MaxBody+8 {
				t.Fatalf("body of %d bytes is over the body limit; the test would not prove anything", len(tt.body))
			}
			if why := Complexity(tt.body); !strings.Contains(why, tt.why) {
				t.Fatalf("Complexity = %q, want it to say %q", why, tt.why)
			}
			before := parses.Load()
			_, err := Render(context.Background(), tt.body)
			var e *attest.Error
			if !errors.As(err, &e) || e.Code != attest.EINVALID || !strings.Contains(e.Fields["body"], tt.why) {
				t.Fatalf("Render: %v, want EINVALID on body saying %q", err, tt.why)
			}
			if got := parses.Load() - before; got != 0 {
				t.Errorf("goldmark parsed the body %d times before refusing it", got)
			}
			if got := Title(tt.body); got != "" {
				t.Errorf("Title = %q, want \"\"", got)
			}
		})
	}
}

// TestComplexityRefusedAfterParse covers nesting that only the parsed tree shows (inline
// markup, indentation within the column limit): refused before rendering.
func TestComplexityRefusedAfterParse(t *testing.T) {
	tests := []struct{ name, body string }{
		{"emphasis", strings.Repeat("*a ", 40) + "b" + strings.Repeat(" a*", 40)},
		{"strong and emphasis", strings.Repeat("**a *b ", 20) + "c" + strings.Repeat(" b* a**", 20)},
		{"strikethrough", strings.Repeat("~~a ", 40) + "b" + strings.Repeat(" a~~", 40)},
		{"link in emphasis", strings.Repeat("*a ", 32) + "[b](/u)" + strings.Repeat(" a*", 32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if why := Complexity(tt.body); why != "" {
				t.Fatalf("Complexity = %q, want the pre-scan to pass it (the test is about the tree)", why)
			}
			_, err := Render(context.Background(), tt.body)
			var e *attest.Error
			if !errors.As(err, &e) || e.Code != attest.EINVALID || !strings.Contains(e.Fields["body"], "nest more than 32 levels") {
				t.Fatalf("Render: %v, want EINVALID on body saying it nests too deep", err)
			}
		})
	}
}

// TestComplexityAllowsRealBodies: the limits leave room for what procedures contain.
func TestComplexityAllowsRealBodies(t *testing.T) {
	tests := []struct{ name, body string }{
		{"32 levels", strings.Repeat("- ", 32) + "x"},
		{"quotes and lists", strings.Repeat("> ", 16) + strings.Repeat("- ", 16) + "x"},
		{"nested by indentation", nestedByIndent(30)},
		{"64 columns", "|" + strings.Repeat("a|", 64) + "\n|" + strings.Repeat("-|", 64) + "\n|" + strings.Repeat("1|", 64) + "\n"},
		{"long table", "| a | b |\n|---|---|\n" + strings.Repeat("| 1 | 2 |\n", 20000)},
		{"short rows", "| a | b | c |\n|---|---|---|\n" + strings.Repeat("| 1 |\n", 1000)},
		{"brackets", strings.Repeat("Set [x] or [ ] or [[link]] and \\[ \\[\n", 2000)},
		{"deep code in a fence", "Config:\n\n```xml\n" + strings.Repeat(" ", 60) + "<a/>\n  - a\n    - b\n```\n\nDone."},
		{"many links", strings.Repeat("See [the guide](https://x.example/g) and [this](/articles/1).\n", 4000)},
		{"link definitions", strings.Repeat("[a]: /u\n", 1000) + "\n" + strings.Repeat("[a] ", 10000)},
		{"adjacent links", strings.Repeat("[a](/a)", 30)},
		{"long prose", strings.Repeat("Open the **admin console**, then [reset](https://x.example/a) the `password` for <user>.\n\n- step one\n- step two\n\n", 4000)},
		{"thematic breaks and lists", "- - -\n\n* * *\n\n1. one\n2. two\n"},
		{"link definitions", strings.Repeat("[a]: /u\n", 500) + "\n[a]"},
		{"emphasis 32 deep", strings.Repeat("*a ", 16) + strings.Repeat("**a ", 16) + "b" + strings.Repeat(" a**", 16) + strings.Repeat(" a*", 16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.body) > MaxBody {
				t.Fatalf("body of %d bytes is over the limit", len(tt.body))
			}
			if _, err := Render(context.Background(), tt.body); err != nil {
				t.Fatalf("Render: %v, want it rendered", err)
			}
		})
	}
}

// TestRenderStopsWhenCancelled: a request whose client left does no more work.
func TestRenderStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := parses.Load()
	if _, err := Render(ctx, "# Title\n\nBody"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Render with a cancelled context: %v, want context.Canceled", err)
	}
	if got := parses.Load() - before; got != 0 {
		t.Errorf("goldmark parsed %d times for a cancelled request", got)
	}

	// Cancelled while rendering: the writer refuses every write from then on.
	ctx, cancel = context.WithCancel(context.Background())
	w := ctxWriter{ctx, new(bytes.Buffer)}
	if _, err := w.Write([]byte("a")); err != nil {
		t.Fatalf("Write before cancel: %v", err)
	}
	cancel()
	if _, err := w.Write([]byte("b")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel: %v, want context.Canceled", err)
	}
	if got := w.w.String(); got != "a" {
		t.Errorf("written %q, want %q", got, "a")
	}
}

// BenchmarkRenderRefusal measures the refusal of the worst hostile bodies (the issue asks for an
// answer well within 100 ms; this is about 1 ms per MiB).
func BenchmarkRenderRefusal(b *testing.B) {
	for _, tt := range hostileBodies {
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(tt.body)))
			for b.Loop() {
				if _, err := Render(context.Background(), tt.body); err == nil {
					b.Fatal("rendered a hostile body")
				}
			}
		})
	}
}
