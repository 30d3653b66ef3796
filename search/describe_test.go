package search

import (
	"context"
	"fmt"
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
	if res.Total != 40 {
		t.Errorf("description: total = %d, want 40 (every page with one of its words)", res.Total)
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

// TestDescriptionLeadWords: only a description's describeLead rarest words
// select pages; its common words only add to their scores.
func TestDescriptionLeadWords(t *testing.T) {
	ix := descriptionIndex(t)
	ix.params.describeLead = 2 // port and 8080
	res := search(t, ix, Query{Scope: everything, Text: "which program on this machine has grabbed port 8080"})
	if got := ids(res); len(got) != 1 || got[0] != 1 || res.Total != 1 {
		t.Errorf("hits = %v (total %d), want article 1 alone", got, res.Total)
	}
}
