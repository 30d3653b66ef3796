package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// openTest opens a new index in a temporary directory holding docs.
func openTest(t *testing.T, docs ...Doc) *Index {
	t.Helper()
	ix, err := Open(filepath.Join(t.TempDir(), "index.bleve"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if len(docs) > 0 {
		if err := ix.Apply(docs, nil); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// search runs q and fails the test on error.
func search(t *testing.T, ix *Index, q Query) Result {
	t.Helper()
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

// ids lists the article ids of res's hits in order.
func ids(res Result) []int64 {
	out := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ArticleID
	}
	return out
}

func sortedIDs(res Result) []int64 {
	out := ids(res)
	slices.Sort(out)
	return out
}

func TestApplyUpsertReplacesOldVersion(t *testing.T) {
	ix := openTest(t, Doc{ArticleID: 1, Version: 1, Title: "Map a printer", Body: "Use the **legacy** print server."})
	if got := search(t, ix, Query{Scope: everything, Text: "legacy"}).Total; got != 1 {
		t.Fatalf("Total for old word before update = %d, want 1", got)
	}
	if err := ix.Apply([]Doc{{ArticleID: 1, Version: 2, Title: "Map a printer", Body: "Use the cloud print service."}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := search(t, ix, Query{Scope: everything, Text: "legacy"}).Total; got != 0 {
		t.Errorf("Total for old word after update = %d, want 0", got)
	}
	res := search(t, ix, Query{Scope: everything, Text: "cloud"})
	if got, want := ids(res), []int64{1}; !slices.Equal(got, want) {
		t.Fatalf("hits = %v, want %v", got, want)
	}
	if got, want := res.Hits[0].Version, 2; got != want {
		t.Errorf("Version = %d, want %d", got, want)
	}
	if got, want := res.Hits[0].Title, "Map a printer"; got != want {
		t.Errorf("Title = %q, want %q", got, want)
	}
	if n, err := ix.DocCount(); err != nil || n != 1 {
		t.Errorf("DocCount = %d, %v; want 1", n, err)
	}
}

func TestApplyDeleteRemoves(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Reset a VPN token", Body: "Steps."},
		Doc{ArticleID: 2, Title: "VPN on macOS", Body: "Steps."},
	)
	if err := ix.Apply(nil, []int64{1, 99}); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(search(t, ix, Query{Scope: everything, Text: "vpn"})), []int64{2}; !slices.Equal(got, want) {
		t.Errorf("hits after delete = %v, want %v", got, want)
	}
}

func TestApplyRejectsSentinelRequestType(t *testing.T) {
	ix := openTest(t)
	if err := ix.Apply([]Doc{{ArticleID: 1, Title: "x", RequestTypes: []string{everyone}}}, nil); err == nil {
		t.Error("Apply with request type \"*\" succeeded, want an error")
	}
}

func TestPositionRoundTripSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ix.Position(); err != nil || p != 0 {
		t.Fatalf("Position of new index = %d, %v; want 0", p, err)
	}
	if err := ix.ApplyAt([]Doc{{ArticleID: 7, Title: "Teams audio", Body: "Check the headset."}}, nil, 41); err != nil {
		t.Fatal(err)
	}
	if err := ix.ApplyAt(nil, nil, 42); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if p, err := ix.Position(); err != nil || p != 42 {
		t.Errorf("Position after reopen = %d, %v; want 42", p, err)
	}
	if got := search(t, ix, Query{Scope: everything, Text: "headset"}).Total; got != 1 {
		t.Errorf("Total after reopen = %d, want 1", got)
	}
}

func TestOpenRefusesOtherMapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	b, err := bleve.New(path, bleve.NewIndexMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); !errors.Is(err, ErrMappingChanged) {
		t.Errorf("Open of a foreign index: err = %v, want ErrMappingChanged", err)
	}
}

func TestRebuildSwapsIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.ApplyAt([]Doc{{ArticleID: 1, Title: "Old article about fax machines"}}, nil, 5); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	var progress []int
	if err := RebuildAt(path, 9, corpus(12000), func(n int) { progress = append(progress, n) }); err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 12000 {
		t.Errorf("progress = %v, want it to end at 12000", progress)
	}
	ix, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, err := ix.DocCount(); err != nil || n != 12000 {
		t.Errorf("DocCount = %d, %v; want 12000", n, err)
	}
	if p, err := ix.Position(); err != nil || p != 9 {
		t.Errorf("Position = %d, %v; want 9", p, err)
	}
	if got := search(t, ix, Query{Scope: everything, Text: "fax"}).Total; got != 0 {
		t.Errorf("old article still found after rebuild: Total = %d", got)
	}
	for _, leftover := range []string{path + ".rebuild", path + ".old"} {
		if ok, _ := exists(leftover); ok {
			t.Errorf("%s left behind", filepath.Base(leftover))
		}
	}
}

func TestRebuildFailureKeepsOldIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply([]Doc{{ArticleID: 1, Title: "Printer toner"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	n := 0
	next := func() (Doc, bool, error) {
		n++
		if n > 10 {
			return Doc{}, false, errors.New("database gone")
		}
		return Doc{ArticleID: int64(n), Title: "New"}, true, nil
	}
	if err := Rebuild(path, next, nil); err == nil || !strings.Contains(err.Error(), "database gone") {
		t.Fatalf("Rebuild error = %v, want the reader's error", err)
	}
	ix, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := search(t, ix, Query{Scope: everything, Text: "toner"}).Total; got != 1 {
		t.Errorf("old index lost after failed rebuild: Total = %d, want 1", got)
	}
}

func TestOpenRecoversInterruptedSwap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.ApplyAt([]Doc{{ArticleID: 1, Title: "Printer toner"}}, nil, 3); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash between the two renames of a swap leaves only the old index,
	// set aside.
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if p, err := ix.Position(); err != nil || p != 3 {
		t.Errorf("Position = %d, %v; want 3 from the restored index", p, err)
	}
	if got := search(t, ix, Query{Scope: everything, Text: "toner"}).Total; got != 1 {
		t.Errorf("Total = %d, want 1 from the restored index", got)
	}
}
