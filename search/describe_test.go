package search

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// describesText reports whether ix takes text for a description.
func describesText(t *testing.T, ix *Index, text string) bool {
	t.Helper()
	r, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	v, err := ix.view(r)
	if err != nil {
		t.Fatal(err)
	}
	p := ix.parse(text)
	s := &searcher{ctx: context.Background(), r: r, v: v, p: &ix.params}
	if err := s.resolve(&p); err != nil {
		t.Fatal(err)
	}
	return s.describes(&p)
}

// descriptionIndex has many pages with the common words of the description
// "which program on this machine has grabbed port 8080" and one with its
// rare, telling words.
func descriptionIndex(t *testing.T) *Index {
	t.Helper()
	docs := []Doc{{ArticleID: 1, Title: "fuser", Body: "Identify the processes using a port, for example port 8080."}}
	for i := 2; i <= 40; i++ {
		docs = append(docs, Doc{ArticleID: int64(i), Title: fmt.Sprintf("Note %d", i), Body: "A program on the machine grabbed the keyboard focus."})
	}
	return openTest(t, docs...)
}

func TestDescribes(t *testing.T) {
	ix := descriptionIndex(t)
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"which program on this machine has grabbed port 8080", true},
		{"my program has grabbed the port", true},
		{"program machine grabbed port 8080", false}, // keywords: no stop words
		{"the port", false}, // too few words
		{`which program has grabbed "port 8080"`, false}, // a quoted phrase asks for exactly that
		{"which qzxv has flurbo the wibble", false},      // words no page has do not count
		{"port 8080 grabbed by a program on the machine", true},
		// Negations are not what makes a sentence: keyword strings have them.
		{"program not grabbed on port 8080", false},
		{"the program has not grabbed port 8080", true},
	} {
		if got := describesText(t, ix, tc.text); got != tc.want {
			t.Errorf("describes(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestDescriptionFindsRareWords: a description is a weighted disjunction,
// so the page with its rare words ranks first although many pages share
// more of its (common) words; the strict stages would not find it at all.
func TestDescriptionFindsRareWords(t *testing.T) {
	ix := descriptionIndex(t)
	res := search(t, ix, Query{Scope: everything, Text: "which program on this machine has grabbed port 8080"})
	if got := ids(res); len(got) == 0 || got[0] != 1 {
		t.Errorf("description: hits = %v, want article 1 first", got)
	}
	if res.Total != 1 {
		t.Errorf("description: total = %d, want 1 (its common words select no pages)", res.Total)
	}
	// The same words as keywords keep the strict stages: the pages with
	// most of the words.
	res = search(t, ix, Query{Scope: everything, Text: "program machine grabbed port 8080"})
	for _, id := range ids(res) {
		if id == 1 {
			t.Errorf("keywords: hits = %v, want the pages with three of the five words only", ids(res))
		}
	}
}

// TestDescriptionLeadWords: a description's words on more than
// describeShare of the pages select pages only when among its
// describeFloor rarest; otherwise they only add to the scores.
func TestDescriptionLeadWords(t *testing.T) {
	ix := descriptionIndex(t)
	text := "which program on this machine has grabbed port 8080"
	for _, tc := range []struct {
		share float64
		floor int
		total int
	}{
		{commonShare, 2, 1},  // port and 8080 select
		{1, 2, 40},           // every word selects
		{commonShare, 3, 40}, // the third rarest selects however common
	} {
		ix.params.describeShare, ix.params.describeFloor = tc.share, tc.floor
		res := search(t, ix, Query{Scope: everything, Text: text})
		if got := ids(res); len(got) == 0 || got[0] != 1 || res.Total != tc.total {
			t.Errorf("share %v, floor %d: hits = %v (total %d), want article 1 first of %d", tc.share, tc.floor, got, res.Total, tc.total)
		}
	}
}

// TestDescriptionWeakWords: a description's general words ("give",
// "everyone") weigh less and select no pages, however rare in the
// articles: the page with the telling words ranks first, and a page with
// only a general word is not found.
func TestDescriptionWeakWords(t *testing.T) {
	docs := []Doc{
		{ArticleID: 1, Title: "Change file mode", Body: "Set the permission bits so that a script may be read and run."},
		{ArticleID: 2, Title: "Welcome page", Body: "Everyone sees the welcome page when they give it a try."},
	}
	for i := 3; i <= 30; i++ {
		docs = append(docs, Doc{ArticleID: int64(i), Title: fmt.Sprintf("Note %d", i), Body: "Read the notes and run the script."})
	}
	ix := openTest(t, docs...)
	text := "give everyone permission to read and run a script"
	if !describesText(t, ix, text) {
		t.Fatalf("%q is not taken for a description", text)
	}
	res := search(t, ix, Query{Scope: everything, Text: text})
	got := ids(res)
	if len(got) == 0 || got[0] != 1 {
		t.Errorf("hits = %v, want article 1 first", got)
	}
	if slices.Contains(got, 2) {
		t.Errorf("hits = %v, want no article 2 (it has only general words)", got)
	}
	// Only general words: they are all there is, so they select.
	res = search(t, ix, Query{Scope: everything, Text: "everyone should give it a try"})
	if got := ids(res); len(got) == 0 || got[0] != 2 {
		t.Errorf("general words only: hits = %v, want article 2", got)
	}
}

// TestWordNetTable: the embedded WordNet table is read, keyed and valued
// by analysed terms.
func TestWordNetTable(t *testing.T) {
	related := related()
	if len(related) < 4000 {
		t.Fatalf("related has %d terms, want the whole table", len(related))
	}
	if got := related["mistak"]; !slices.Contains(got, "error") {
		t.Errorf(`related["mistak"] = %v, want "error" among them`, got)
	}
	for term, alts := range related {
		if slices.Contains(alts, term) {
			t.Errorf("related[%q] has the term itself", term)
		}
	}
}

// TestRelatedWords: with params.related set, a description's word also
// finds the pages with WordNet's words of the same sense, below the pages
// with the word typed.
func TestRelatedWords(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Correct an error in a form", Body: "Open the form and change the field."},
		Doc{ArticleID: 2, Title: "Correct a mistake in a form", Body: "Open the form and change the field."},
		Doc{ArticleID: 3, Title: "Print a report", Body: "Choose the printer."},
	)
	q := Query{Scope: everything, Text: "how do I fix a mistake I made in the form"}
	if got := ids(search(t, ix, q)); slices.Contains(got, 1) && got[0] != 2 {
		t.Errorf("related off: hits = %v, want article 2 first", got)
	}
	ix.params.related = 0.5
	if got, want := ids(search(t, ix, q)), []int64{2, 1}; !slices.Equal(got, want) {
		t.Errorf("related on: hits = %v, want %v", got, want)
	}
}
