package kb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"attest"
	"attest/journal"
	"attest/kb"
)

// TestNoticeVisibility: a notice shows to those who may read its type's articles (scoped like
// articles), above those articles, until its last day or until ended; publishing and ending
// are journaled and the type's watchers who may read it are told.
func TestNoticeVisibility(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	install := o.approved(t, "Install the VPN client", "software-install")            // acme only
	both := o.approved(t, "Reset then install", "software-install", "password-reset") // gina reads it too
	pw := o.approved(t, "Reset a password", "password-reset")
	km1, alice, gina := o.User(t, "km1"), o.User(t, "alice"), o.User(t, "gina")
	for _, u := range []string{"alice", "gina"} {
		if err := o.KB.Watch(ctx, o.User(t, u), both); err != nil {
			t.Fatalf("watch: %v", err)
		}
	}
	today := time.Now().UTC().Format(time.DateOnly)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	for _, tc := range []struct {
		who   string
		in    kb.NoticeInput
		code  string
		field string
	}{
		{"alice", kb.NoticeInput{Title: "x", Body: "y", Until: today}, attest.EFORBIDDEN, ""},
		{"km1", kb.NoticeInput{Title: "x", Body: "y", Until: yesterday}, attest.EINVALID, "until"},
		{"km1", kb.NoticeInput{Title: "x", Body: "y", Until: "31/12/2099"}, attest.EINVALID, "until"},
		{"km1", kb.NoticeInput{Title: "", Body: "y", Until: today}, attest.EINVALID, "title"},
		{"km1", kb.NoticeInput{Title: "x", Body: " ", Until: today}, attest.EINVALID, "body"},
	} {
		_, err := o.KB.PublishNotice(ctx, o.User(t, tc.who), "software-install", tc.in)
		if got := attest.ErrorCode(err); got != tc.code {
			t.Fatalf("%+v: code=%q, want %q", tc.in, got, tc.code)
		}
		if tc.field != "" && fieldsOf(err)[tc.field] == "" {
			t.Fatalf("%+v: fields=%v, want %s", tc.in, fieldsOf(err), tc.field)
		}
	}
	if _, err := o.KB.PublishNotice(ctx, km1, "no-such-type", kb.NoticeInput{Title: "x", Body: "y", Until: today}); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Fatalf("unknown type: %v", err)
	}
	n, err := o.KB.PublishNotice(ctx, km1, "software-install", kb.NoticeInput{Title: "Installer down",
		Body: "Use the **offline installer** <script>x</script>", Until: today})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if !strings.Contains(n.HTML, "<strong>offline installer</strong>") || strings.Contains(n.HTML, "<script") {
		t.Fatalf("HTML=%q, want Markdown rendered and sanitized", n.HTML)
	}
	// Scoped like articles.
	if ns, err := o.KB.Notices(ctx, alice, "software-install"); err != nil || len(ns) != 1 {
		t.Fatalf("alice: %v %v, want the notice", ns, err)
	}
	if _, err := o.KB.Notices(ctx, gina, "software-install"); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("gina: %v, want forbidden", err)
	}
	if ns, err := o.KB.Notices(ctx, o.User(t, "auditor"), "software-install"); err != nil || len(ns) != 1 {
		t.Fatalf("auditor: %v %v", ns, err)
	}
	banner := func(who string) map[int64][]kb.Notice {
		t.Helper()
		m, err := o.KB.ArticleNotices(ctx, o.User(t, who), []int64{install, both, pw})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := banner("alice"); len(m[install]) != 1 || len(m[both]) != 1 || len(m[pw]) != 0 {
		t.Fatalf("alice's banners: %v", m)
	}
	if m := banner("gina"); len(m[install]) != 0 || len(m[both]) != 0 {
		t.Fatalf("gina sees a notice of a type her supplier does not fulfil: %v", m)
	}
	if m, _ := o.KB.ArticleNotices(ctx, nil, []int64{install}); len(m) != 0 {
		t.Fatal("no user, yet notices")
	}
	// Subscribers told, under the read rule.
	for who, want := range map[string]bool{"alice": true, "gina": false} {
		ns, err := o.KB.Notifications(ctx, o.User(t, who), 20)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, x := range ns {
			got = got || strings.Contains(x.Text, "Installer down")
		}
		if got != want {
			t.Fatalf("%s notified=%v, want %v", who, got, want)
		}
	}
	// Gone after its last day.
	if _, err := o.DB.Write.Exec(`UPDATE notices SET until = ? WHERE id = ?`, yesterday, n.ID); err != nil {
		t.Fatal(err)
	}
	if ns, _ := o.KB.Notices(ctx, alice, "software-install"); len(ns) != 0 {
		t.Fatalf("a notice past its last day still shows: %v", ns)
	}
	if m := banner("alice"); len(m[install]) != 0 {
		t.Fatal("a banner past its last day still shows")
	}
	// Ended early.
	n2, err := o.KB.PublishNotice(ctx, km1, "software-install", kb.NoticeInput{Title: "Second", Body: "y", Until: "2099-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.KB.EndNotice(ctx, km1, "software-install", n2.ID, ""); attest.ErrorCode(err) != attest.EINVALID {
		t.Fatalf("end without reason: %v", err)
	}
	if err := o.KB.EndNotice(ctx, km1, "password-reset", n2.ID, "fixed"); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Fatalf("end on another type: %v", err)
	}
	if err := o.KB.EndNotice(ctx, alice, "software-install", n2.ID, "fixed"); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("agent ends: %v", err)
	}
	if err := o.KB.EndNotice(ctx, km1, "software-install", n2.ID, "fixed"); err != nil {
		t.Fatal(err)
	}
	if err := o.KB.EndNotice(ctx, km1, "software-install", n2.ID, "fixed"); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Fatalf("end twice: %v", err)
	}
	if ns, _ := o.KB.Notices(ctx, alice, "software-install"); len(ns) != 0 {
		t.Fatalf("an ended notice still shows: %v", ns)
	}
	entries, err := journal.List(ctx, o.DB.Read, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range entries {
		actions[e.Action]++
	}
	if actions["notice.publish"] != 2 || actions["notice.end"] != 1 {
		t.Fatalf("journal actions %v, want 2 notice.publish and 1 notice.end", actions)
	}
}
