package kb

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// reassemble returns the old and the new text a diff describes.
func reassemble(changes []Change) (a, b string) {
	var sa, sb strings.Builder
	for _, c := range changes {
		switch c.Op {
		case OpEqual:
			sa.WriteString(c.Text)
			sb.WriteString(c.Text)
		case OpDelete:
			sa.WriteString(c.Text)
		case OpInsert:
			sb.WriteString(c.Text)
		}
	}
	return sa.String(), sb.String()
}

// checkDiff fails t unless changes is a well-formed diff from a to b.
func checkDiff(t *testing.T, a, b string, changes []Change) {
	t.Helper()
	gotA, gotB := reassemble(changes)
	if gotA != a {
		t.Fatalf("Diff(%q, %q): equal+delete = %q, want %q (changes %q)", a, b, gotA, a, changes)
	}
	if gotB != b {
		t.Fatalf("Diff(%q, %q): equal+insert = %q, want %q (changes %q)", a, b, gotB, b, changes)
	}
	if changes == nil {
		t.Fatalf("Diff(%q, %q) = nil, want a non-nil slice", a, b)
	}
	for i, c := range changes {
		switch c.Op {
		case OpEqual, OpInsert, OpDelete:
		default:
			t.Fatalf("Diff(%q, %q)[%d].Op = %q, want equal, insert or delete", a, b, i, c.Op)
		}
		if c.Text == "" {
			t.Fatalf("Diff(%q, %q)[%d] is empty (changes %q)", a, b, i, changes)
		}
		if i > 0 && changes[i-1].Op == c.Op {
			t.Fatalf("Diff(%q, %q)[%d] and [%d] are both %s (changes %q)", a, b, i-1, i, c.Op, changes)
		}
		if i > 0 && changes[i-1].Op == OpInsert && c.Op == OpDelete {
			t.Fatalf("Diff(%q, %q)[%d]: insert before delete (changes %q)", a, b, i, changes)
		}
	}
	if a == b {
		want := []Change{}
		if a != "" {
			want = []Change{{Op: OpEqual, Text: a}}
		}
		if !reflect.DeepEqual(changes, want) {
			t.Fatalf("Diff(%q, %q) = %q, want %q", a, b, changes, want)
		}
	}
}

func TestDiffTable(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []Change
	}{
		{"both empty", "", "", []Change{}},
		{"same", "Reset the password.", "Reset the password.",
			[]Change{{OpEqual, "Reset the password."}}},
		{"from empty", "", "New text", []Change{{OpInsert, "New text"}}},
		{"to empty", "Old text", "", []Change{{OpDelete, "Old text"}}},
		{"insert word", "Open the portal.", "Open the admin portal.",
			[]Change{{OpEqual, "Open the "}, {OpInsert, "admin "}, {OpEqual, "portal."}}},
		{"delete word", "Open the admin portal.", "Open the portal.",
			[]Change{{OpEqual, "Open the "}, {OpDelete, "admin "}, {OpEqual, "portal."}}},
		{"replace word", "Restart the laptop now.", "Restart the desktop now.",
			[]Change{{OpEqual, "Restart the "}, {OpDelete, "laptop"}, {OpInsert, "desktop"}, {OpEqual, " now."}}},
		{"whole words, not letters", "colour", "color",
			[]Change{{OpDelete, "colour"}, {OpInsert, "color"}}},
		{"append sentence", "Step one.", "Step one. Step two.",
			[]Change{{OpEqual, "Step one."}, {OpInsert, " Step two."}}},
		{"punctuation change", "Done.", "Done!",
			[]Change{{OpEqual, "Done"}, {OpDelete, "."}, {OpInsert, "!"}}},
		{"unicode words", "Größe ändern bitte", "Größe prüfen bitte",
			[]Change{{OpEqual, "Größe "}, {OpDelete, "ändern"}, {OpInsert, "prüfen"}, {OpEqual, " bitte"}}},
		{"new line", "line one\nline two\n", "line one\nline 1.5\nline two\n",
			[]Change{{OpEqual, "line one\nline "}, {OpInsert, "1.5\nline "}, {OpEqual, "two\n"}}},
		{"markdown emphasis added", "Click Save.", "Click **Save**.",
			// Semantic clean-up: a one-word equality between edits of its size
			// reads better as part of the change.
			[]Change{{OpEqual, "Click "}, {OpDelete, "Save"}, {OpInsert, "**Save**"}, {OpEqual, "."}}},
		{"all different", "alpha beta", "gamma delta",
			[]Change{{OpDelete, "alpha beta"}, {OpInsert, "gamma delta"}}},
		{"invalid utf-8 kept byte for byte", "a \xff b", "a \xfe b",
			[]Change{{OpEqual, "a "}, {OpDelete, "\xff"}, {OpInsert, "\xfe"}, {OpEqual, " b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.a, tt.b)
			checkDiff(t, tt.a, tt.b, got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Diff(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestDiffInsertWordIntoSentence(t *testing.T) {
	words := strings.Fields("Ask the user to confirm their identity before resetting the password")
	for i := 0; i <= len(words); i++ {
		a := strings.Join(words, " ")
		withNew := append(append(append([]string(nil), words[:i]...), "securely"), words[i:]...)
		b := strings.Join(withNew, " ")
		got := Diff(a, b)
		checkDiff(t, a, b, got)

		var inserts []string
		var equal strings.Builder
		for _, c := range got {
			switch c.Op {
			case OpInsert:
				inserts = append(inserts, c.Text)
			case OpDelete:
				t.Fatalf("position %d: Diff(%q, %q) has a delete %q", i, a, b, c.Text)
			case OpEqual:
				equal.WriteString(c.Text)
			}
		}
		if len(inserts) != 1 || strings.TrimSpace(inserts[0]) != "securely" {
			t.Fatalf("position %d: inserts = %q, want one insert of \"securely\" and a space", i, inserts)
		}
		if got, want := strings.Fields(equal.String()), words; !reflect.DeepEqual(got, want) {
			t.Fatalf("position %d: equal words = %q, want %q", i, got, want)
		}
	}
}

func TestDiffJSON(t *testing.T) {
	got, err := json.Marshal(Diff("a b", "a c"))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"op":"equal","text":"a "},{"op":"delete","text":"b"},{"op":"insert","text":"c"}]`
	if string(got) != want {
		t.Fatalf("JSON = %s, want %s", got, want)
	}
	if got, _ := json.Marshal(Diff("", "")); string(got) != "[]" {
		t.Fatalf("JSON of empty diff = %s, want []", got)
	}
}

func TestWordTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello, world!", []string{"Hello", ",", " ", "world", "!"}},
		{"  a\n\nb", []string{"  ", "a", "\n\n", "b"}},
		{"snake_case x2", []string{"snake", "_", "case", " ", "x2"}},
		{"_em_ `code`", []string{"_", "em", "_", " ", "`", "code", "`"}},
		{"**bold**", []string{"*", "*", "bold", "*", "*"}},
		{"café naïve", []string{"café", " ", "naïve"}},
		{"e\u0301t\u00e9", []string{"e\u0301t\u00e9"}},
		{"日本語 テキスト", []string{"日本語", " ", "テキスト"}},
		{"a\xffb", []string{"a", "\xff", "b"}},
		{"🙂🙂", []string{"🙂", "🙂"}},
	}
	for _, tt := range tests {
		if got := wordTokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("wordTokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenRuneRoundTrip(t *testing.T) {
	seen := make(map[rune]bool)
	for _, i := range []int{0, 1, 0x7f, 0xD7FF - tokenRuneBase, 0xD800 - tokenRuneBase, 0xF7FC - tokenRuneBase,
		0xF7FD - tokenRuneBase, 0xF7FE - tokenRuneBase, 100000, 1_000_000} {
		r, ok := tokenRune(i)
		if !ok {
			t.Fatalf("tokenRune(%d) not ok", i)
		}
		if !utf8.ValidRune(r) || r == utf8.RuneError || r < 0x80 {
			t.Fatalf("tokenRune(%d) = %U, want a valid non-ASCII rune other than U+FFFD", i, r)
		}
		if seen[r] {
			t.Fatalf("tokenRune(%d) = %U, already used", i, r)
		}
		seen[r] = true
		if back := []rune(string(r)); len(back) != 1 || back[0] != r {
			t.Fatalf("tokenRune(%d) = %U does not survive a string round trip", i, r)
		}
		if got, ok := runeToken(r); !ok || got != i {
			t.Fatalf("runeToken(tokenRune(%d)) = %d, %v", i, got, ok)
		}
	}
	if _, ok := runeToken(utf8.RuneError); ok {
		t.Fatalf("runeToken(U+FFFD) ok, want not ok")
	}
	if _, ok := runeToken('a'); ok {
		t.Fatalf("runeToken('a') ok, want not ok")
	}
	if _, ok := tokenRune(0x110000); ok {
		t.Fatalf("tokenRune(0x110000) ok, want not ok")
	}
}

func TestDiffFallbackReassembles(t *testing.T) {
	ta := wordTokens("keep this old middle and this")
	tb := wordTokens("keep this new middle part and this")
	got := diffFallback(ta, tb)
	checkDiff(t, strings.Join(ta, ""), strings.Join(tb, ""), got)
	want := []Change{{OpEqual, "keep this "}, {OpDelete, "old middle"}, {OpInsert, "new middle part"}, {OpEqual, " and this"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("diffFallback = %q, want %q", got, want)
	}
}

// soupWords is the vocabulary of the random bodies: Markdown punctuation,
// several scripts, combining marks, emoji, and white space of all kinds.
var soupWords = []string{
	"the", "a", "password", "reset", "user", "ticket", "portal", "approve", "Admin", "VPN",
	"Größe", "ändern", "naïve", "café", "日本語", "テキスト", "пароль", "сброс", "مرحبا", "שלום",
	"e\u0301", "🙂", "👩‍💻", "x2", "snake_case", "1.", "10", "3.14",
	"#", "##", "*", "**", "_", "`", "```", "-", "- [ ]", "- [x]", ">", "|", "---", "~~",
	"[link](https://example.com)", "![img](x.png)", "<br>", "&amp;", "\\", "(", ")", ".", ",", ":", ";", "!", "?", "\"", "'",
	" ", " ", " ", " ", "  ", "\t", "\n", "\n", "\n\n", "\r\n", "\u00a0", "\u3000",
}

func randomSoup(rng *rand.Rand, n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteString(soupWords[rng.Intn(len(soupWords))])
	}
	return sb.String()
}

// randomEdit derives a new body from an old one the way people edit:
// inserting, deleting, replacing and moving runs of tokens.
func randomEdit(rng *rand.Rand, s string) string {
	tokens := wordTokens(s)
	for n := rng.Intn(6); n >= 0; n-- {
		i := 0
		if len(tokens) > 0 {
			i = rng.Intn(len(tokens) + 1)
		}
		span := rng.Intn(8)
		if i+span > len(tokens) {
			span = len(tokens) - i
		}
		switch rng.Intn(4) {
		case 0: // insert
			ins := wordTokens(randomSoup(rng, 1+rng.Intn(6)))
			tokens = append(tokens[:i], append(ins, tokens[i:]...)...)
		case 1: // delete
			tokens = append(tokens[:i], tokens[i+span:]...)
		case 2: // replace
			ins := wordTokens(randomSoup(rng, 1+rng.Intn(6)))
			tokens = append(tokens[:i], append(ins, tokens[i+span:]...)...)
		case 3: // move a run to the end
			moved := append([]string(nil), tokens[i:i+span]...)
			tokens = append(append(tokens[:i], tokens[i+span:]...), moved...)
		}
	}
	return strings.Join(tokens, "")
}

func TestDiffReassemblesRandomEdits(t *testing.T) {
	rng := rand.New(rand.NewSource(20240611))
	for i := 0; i < 3000; i++ {
		size := 1 + rng.Intn(60)
		if i%100 == 0 {
			size = 2000 + rng.Intn(2000) // long bodies now and then
		}
		a := randomSoup(rng, size)
		b := randomEdit(rng, a)
		if i%7 == 0 {
			b = randomSoup(rng, rng.Intn(40)) // unrelated
		}
		if i%11 == 0 {
			b = a
		}
		checkDiff(t, a, b, Diff(a, b))
		checkDiff(t, b, a, Diff(b, a))
	}
}

func TestDiffReassemblesRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 2000; i++ {
		a := make([]byte, rng.Intn(40))
		rng.Read(a)
		b := []byte(randomEdit(rng, string(a)))
		if rng.Intn(2) == 0 && len(b) > 0 {
			b[rng.Intn(len(b))] = byte(rng.Intn(256))
		}
		checkDiff(t, string(a), string(b), Diff(string(a), string(b)))
	}
}

func FuzzDiff(f *testing.F) {
	seeds := [][2]string{
		{"", ""},
		{"", "x"},
		{"Open the portal.", "Open the admin portal."},
		{"# Title\n\n- [ ] step\n", "# Title\n\n- [x] step\n- [ ] next\n"},
		{"Größe ändern", "Größe prüfen"},
		{"a \xff b", "a \xfe b"},
		{"🙂 👩‍💻", "👩‍💻 🙂"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "| a | b |\n|---|---|\n| 1 | 3 |"},
		{"same same same", "same same"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		checkDiff(t, a, b, Diff(a, b))
	})
}
