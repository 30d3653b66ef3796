package search

import (
	"fmt"
	"math"
	"testing"
)

// TestProximityFromText: the positions proximity reads from the stored text
// of the best matches (for queries whose words have many postings) are the
// ones the postings hold, so both ways rank and score alike, for typed
// words, synonyms, stop-word gaps, titles and bodies.
func TestProximityFromText(t *testing.T) {
	var docs []Doc
	bodies := []string{
		"Open the laptop lid and press the power button; the screen stays black.",
		"If the notebook screen stays black, hold the power button for ten seconds.",
		"The printer on the third floor shows offline. Restart the printer and the print spooler.",
		"Reset the password of the account, then sign in again on the laptop.",
		"The screen of the external monitor flickers when the dock is connected.",
		"Power, screen and black: words far apart. " + "Filler text goes here and there. " + "The screen was black once.",
	}
	for i := 1; i <= 36; i++ {
		docs = append(docs, Doc{
			ArticleID: int64(i),
			Title:     fmt.Sprintf("Laptop screen black %d", i%5),
			Body:      bodies[i%len(bodies)],
		})
	}
	ix := openTest(t, docs...)
	for _, text := range []string{
		"laptop screen stays black after pressing the power button",
		"notebook screen black",
		"printer offline on the third floor",
		"external monitor flickers with the dock",
	} {
		ix.params.proxPostings = 0 // from the text
		fromText := search(t, ix, Query{Scope: everything, Text: text, Limit: 20})
		ix.params.proxPostings = math.MaxInt // from the postings
		fromPostings := search(t, ix, Query{Scope: everything, Text: text, Limit: 20})
		if len(fromText.Hits) != len(fromPostings.Hits) || len(fromText.Hits) == 0 {
			t.Fatalf("%q: %d hits from the text, %d from the postings", text, len(fromText.Hits), len(fromPostings.Hits))
		}
		for i := range fromText.Hits {
			a, b := fromText.Hits[i], fromPostings.Hits[i]
			if a.ArticleID != b.ArticleID || math.Abs(a.Score-b.Score) > 1e-9 {
				t.Errorf("%q: hit %d is %d (%.6f) from the text, %d (%.6f) from the postings",
					text, i, a.ArticleID, a.Score, b.ArticleID, b.Score)
			}
		}
	}
}
