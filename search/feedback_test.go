package search

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// feedbackIndex has three pages about clearing stale thumbnails that all
// speak of the cache, and two notes with the same title: X has more of the
// description's words (laptop twice), T has the word the best pages share
// (cache) instead.
func feedbackIndex(t *testing.T) *Index {
	t.Helper()
	docs := []Doc{
		{ArticleID: 1, Title: "Clear stale thumbnails", Body: "The thumbnail cache keeps stale thumbnails. Clear the cache to rebuild it."},
		{ArticleID: 2, Title: "Thumbnails on a laptop", Body: "Stale thumbnails stay in the cache until you clear the cache."},
		{ArticleID: 3, Title: "Clear the cache", Body: "Clear stale thumbnails from the cache directory."},
		{ArticleID: 4, Title: "Laptop notes", Body: "Laptop laptop thumbnail notes printers paper."},
		{ArticleID: 5, Title: "Laptop notes", Body: "Laptop thumbnail notes cache cache cache."},
	}
	for i := 6; i <= 80; i++ {
		docs = append(docs, Doc{ArticleID: int64(i), Title: fmt.Sprintf("Note %d", i), Body: "Printing a report on paper."})
	}
	ix := openTest(t, docs...)
	ix.params.fbDocs, ix.params.fbMinDocs, ix.params.fbTerms, ix.params.fbWeight = 5, 3, 3, 1
	return ix
}

const feedbackQuery = "how do I clear the stale thumbnails on my laptop"

// TestFeedbackRanksSharedWords: a description's best matches add the words
// most of them share (cache) to it, so the page with that word ranks above
// one with only more of the typed words; without feedback it ranks below.
func TestFeedbackRanksSharedWords(t *testing.T) {
	ix := feedbackIndex(t)
	if !describesText(t, ix, feedbackQuery) {
		t.Fatalf("%q is not taken for a description", feedbackQuery)
	}
	rank := func() (x, tt, total int) {
		res := search(t, ix, Query{Scope: everything, Text: feedbackQuery})
		got := ids(res)
		return slices.Index(got, 4), slices.Index(got, 5), res.Total
	}
	ix.params.fbWeight = 0
	x0, t0, total0 := rank()
	if x0 < 0 || t0 < 0 || x0 > t0 {
		t.Fatalf("without feedback: note X at %d, note T at %d; want both, X first", x0, t0)
	}
	ix.params.fbWeight = 1
	x1, t1, total1 := rank()
	if t1 < 0 || t1 > x1 {
		t.Errorf("with feedback: note T at %d, note X at %d; want T (with the shared word cache) first", t1, x1)
	}
	if total1 != total0 {
		t.Errorf("feedback changed the matches: total %d, want %d (added words select no pages)", total1, total0)
	}
}

// TestFeedbackOnlyDescriptions: keyword queries are not expanded; the
// note with more of the words typed stays first.
func TestFeedbackOnlyDescriptions(t *testing.T) {
	ix := feedbackIndex(t)
	text := "stale thumbnail laptop"
	if describesText(t, ix, text) {
		t.Fatalf("%q is taken for a description", text)
	}
	res := search(t, ix, Query{Scope: everything, Text: text})
	got := ids(res)
	if x, tt := slices.Index(got, 4), slices.Index(got, 5); x < 0 || tt < 0 || x > tt {
		t.Errorf("keywords: hits = %v, want note X (4) above note T (5)", got)
	}
}

func TestExpandable(t *testing.T) {
	for _, tc := range []struct {
		term string
		want bool
	}{
		{"cache", true},
		{"ssd", true},
		{"ab", false},      // too short to say anything
		{"8080", false},    // a number
		{"x86", true},      // letters and digits
		{"everyon", false}, // a general word (as analysed)
	} {
		if got := expandable(tc.term); got != tc.want {
			t.Errorf("expandable(%q) = %v, want %v", tc.term, got, tc.want)
		}
	}
}

// TestTermsOfStoredText: the terms feedback reads from a match's stored
// text, cut at white space and analysed piece by piece, are the terms the
// analyser makes of the whole text (in order).
func TestTermsOfStoredText(t *testing.T) {
	text := "The user's e-mail (see ssh_config(5)) isn't synced; run `fstrim -v /mnt` at 03:00, don't wait.\nCaches, caching & cached files: 8.0 GiB."
	ix := openTest(t, Doc{ArticleID: 1, Title: "Trim the SSD's unused blocks", Body: text})
	r, err := ix.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	v, err := ix.view(r)
	if err != nil {
		t.Fatal(err)
	}
	iid, err := r.InternalID("1")
	if err != nil {
		t.Fatal(err)
	}
	s := &searcher{ctx: context.Background(), r: r, v: v, p: &ix.params, a: ix.analyzer}
	got, err := s.termsOf(iid.Value())
	if err != nil {
		t.Fatal(err)
	}
	for f, want := range [2][]string{analyze(ix.analyzer, "Trim the SSD's unused blocks"), analyze(ix.analyzer, text)} {
		if !slices.Equal(got[f], want) {
			t.Errorf("field %d: terms %q, want %q", f, got[f], want)
		}
	}
}
