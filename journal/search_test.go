package journal_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"attest"
	"attest/journal"
)

// TestFindFilters: who, action (exact or area), object (exact or kind) and period narrow the
// journal, newest first, with paging that neither skips nor repeats an entry.
func TestFindFilters(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	for _, e := range []struct{ actor, action, object string }{
		{"km1", "article.approve", "article:1"}, // 1
		{"aud", "audit.assess", "audit:3"},      // 2
		{"aud", "audit.sign_off", "audit:3"},    // 3
		{"aud", "audit.assess", "audit:31"},     // 4
		{"trainer", "quiz.create", "quiz:1"},    // 5
		{"aud", "audit_x.y", "auditx:3"},        // 6: neither area "audit" nor kind "audit"
	} {
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return journal.Append(ctx, tx, e.actor, e.action, e.object, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Now().UTC().Format(time.DateOnly)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	cases := []struct {
		name string
		f    journal.Filter
		want string
	}{
		{"all", journal.Filter{}, "[6 5 4 3 2 1]"},
		{"who", journal.Filter{Actor: "aud"}, "[6 4 3 2]"},
		{"action exact", journal.Filter{Action: "audit.assess"}, "[4 2]"},
		{"action area", journal.Filter{Action: "audit"}, "[4 3 2]"},
		{"object exact", journal.Filter{Object: "audit:3"}, "[3 2]"},
		{"object kind", journal.Filter{Object: "audit"}, "[4 3 2]"},
		{"who and action", journal.Filter{Actor: "aud", Action: "audit.sign_off"}, "[3]"},
		{"period today", journal.Filter{From: today, To: today}, "[6 5 4 3 2 1]"},
		{"period until yesterday", journal.Filter{To: yesterday}, "[]"},
		{"nobody", journal.Filter{Actor: "nobody"}, "[]"},
	}
	for _, c := range cases {
		es, more, err := journal.Find(ctx, db.Read, c.f, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(es); got != c.want || more {
			t.Errorf("%s: %s (more %v), want %s", c.name, got, more, c.want)
		}
	}
	var got []journal.Entry
	before := int64(0)
	for {
		es, more, err := journal.Find(ctx, db.Read, journal.Filter{Actor: "aud"}, before, 3)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, es...)
		if !more {
			break
		}
		before = es[len(es)-1].ID
	}
	if ids(got) != "[6 4 3 2]" {
		t.Errorf("paged by 3: %s", ids(got))
	}
	for _, bad := range [][2]string{{"2026-13-01", ""}, {"", "yesterday"}, {today, yesterday}} {
		if _, err := journal.ParseFilter("", "", "", bad[0], bad[1]); attest.ErrorCode(err) != attest.EINVALID {
			t.Errorf("ParseFilter(from %q, to %q) = %v, want EINVALID", bad[0], bad[1], err)
		}
	}
	if journal.ObjectLabel("audit:3") != "Audit #3" || journal.ObjectLabel("service_account:bot") != "Service account bot" {
		t.Errorf("object labels: %q, %q", journal.ObjectLabel("audit:3"), journal.ObjectLabel("service_account:bot"))
	}
	if journal.ActionLabel("audit.sign_off") != "Audit signed off" || journal.ActionLabel("feedback.give_more") != "Feedback: give more" {
		t.Errorf("labels: %q, %q", journal.ActionLabel("audit.sign_off"), journal.ActionLabel("feedback.give_more"))
	}
}

func ids(es []journal.Entry) string {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return fmt.Sprint(out)
}
