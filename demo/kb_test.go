package demo

import (
	"testing"
)

// TestSeedKB seeds the organisation and the knowledge articles and checks what a newcomer
// should find: about thirty articles, several versions, one awaiting review, one overdue,
// one retired.
func TestSeedKB(t *testing.T) {
	ctx, d, org := seeded(t)
	count := func(q string) int {
		var n int
		if err := d.DB.Read.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM articles`); n < 25 {
		t.Errorf("%d articles, want about thirty", n)
	}
	if n := count(`SELECT COUNT(*) FROM articles WHERE (SELECT COUNT(*) FROM versions v WHERE v.article_id = articles.id) > 1`); n < 4 {
		t.Errorf("%d articles with several versions", n)
	}
	if n := count(`SELECT COUNT(*) FROM versions WHERE status = 'in_review'`); n < 1 {
		t.Errorf("nothing awaits review")
	}
	if n := count(`SELECT COUNT(*) FROM articles WHERE status = 'active' AND next_review < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`); n < 1 {
		t.Errorf("nothing is overdue")
	}
	if n := count(`SELECT COUNT(*) FROM articles WHERE status = 'retired'`); n != 1 {
		t.Errorf("%d retired articles, want 1", n)
	}
	q, err := d.KB.ReviewQueue(ctx, org.Users["kim"])
	if err != nil || len(q.InReview) == 0 || len(q.Overdue) == 0 {
		t.Fatalf("kim's queue: %+v %v", q, err)
	}
}
