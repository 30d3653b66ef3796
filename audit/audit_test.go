package audit_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/audit"
	"attest/database"
	"attest/kb"
	"attest/training"
)

// fixture is the test organisation with the stores an audit needs.
type fixture struct {
	*accountstest.Org
	KB       *kb.Store
	Training *training.Store
	Audit    *audit.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	org := accountstest.NewOrg(t)
	k := kb.NewStore(org.DB, org.Accounts)
	tr := training.NewStore(org.DB, org.Accounts, k)
	return &fixture{Org: org, KB: k, Training: tr, Audit: audit.NewStore(org.DB, org.Accounts, k, tr)}
}

// article creates an article written by km1 and approved by km2, returning its id.
func (f *fixture) article(t *testing.T, title string, rts ...string) int64 {
	t.Helper()
	ctx := context.Background()
	v, err := f.KB.CreateArticle(ctx, f.Users["km1"], kb.NewArticle{Title: title, Body: "Step one for " + title + ".\n\nStep two.", RequestTypes: rts})
	if err != nil {
		t.Fatalf("create article %q: %v", title, err)
	}
	if _, err := f.KB.Submit(ctx, f.Users["km1"], v.ArticleID, 1); err != nil {
		t.Fatalf("submit %q: %v", title, err)
	}
	if _, err := f.KB.Approve(ctx, f.Users["km2"], v.ArticleID, 1, kb.Decision{Comment: "ok"}); err != nil {
		t.Fatalf("approve %q: %v", title, err)
	}
	return v.ArticleID
}

// articles creates n articles per request type, returning the ids by request type.
func (f *fixture) articles(t *testing.T, n int, rts ...string) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for i := range n {
		for _, rt := range rts {
			out[rt] = append(out[rt], f.article(t, fmt.Sprintf("%s procedure %d", rt, i), rt))
		}
	}
	return out
}

// use records a ticket usage directly, as the usage recorder would, at a chosen time.
func (f *fixture) use(t *testing.T, username string, article int64, version int, rt string, at time.Time, outdated bool) {
	t.Helper()
	u := f.User(t, username)
	_, err := f.DB.Write.Exec(`INSERT INTO usage_events (at, user_id, supplier_id, article_id, version, ticket_ref, request_type_id, outcome, outdated)
		VALUES (?, ?, ?, ?, ?, ?, (SELECT id FROM request_types WHERE key = ?), 'resolved', ?)`,
		database.Format(at), u.ID, nullable(u.SupplierID), article, version, fmt.Sprintf("T-%d", at.UnixNano()), rt, outdated)
	if err != nil {
		t.Fatalf("record usage: %v", err)
	}
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func seed(n int64) *int64 { return &n }

func keysOf(a *audit.Audit) []string {
	var out []string
	for _, it := range a.Items {
		out = append(out, fmt.Sprintf("%d/%d", it.ArticleID, it.Version))
	}
	slices.Sort(out)
	return out
}

func perStratum(a *audit.Audit) map[string]int {
	out := map[string]int{}
	for _, it := range a.Items {
		out[it.Stratum]++
	}
	return out
}

func allChecks(a *audit.Audit, met bool) map[string]bool {
	m := map[string]bool{}
	for _, c := range a.Criteria {
		m[c.Key] = met
	}
	return m
}

func TestSampleIsDeterministic(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 6, "password-reset", "software-install", "vpn-access")
	aud := f.Users["auditor"]
	a1, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 6, Seed: seed(42)})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 6, Seed: seed(42)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a1.Population, 18; got != want {
		t.Fatalf("Population=%d, want %d", got, want)
	}
	if got, want := len(a1.Items), 6; got != want {
		t.Fatalf("len(Items)=%d, want %d", got, want)
	}
	if !slices.Equal(keysOf(a1), keysOf(a2)) {
		t.Errorf("same seed, different samples: %v and %v", keysOf(a1), keysOf(a2))
	}
	differs := false
	for s := int64(1); s <= 5; s++ {
		a3, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 6, Seed: seed(42 + s)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keysOf(a1), keysOf(a3)) {
			differs = true
		}
	}
	if !differs {
		t.Errorf("five other seeds all drew the same sample as seed 42: %v", keysOf(a1))
	}
	if got, want := perStratum(a1), map[string]int{"password-reset": 2, "software-install": 2, "vpn-access": 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("strata=%v, want %v (no use: in proportion to size)", got, want)
	}
	if a1.Weighting != "size" {
		t.Errorf("Weighting=%q, want size", a1.Weighting)
	}
	// A sample larger than the population takes all of it.
	all, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 50, Seed: seed(1), RequestTypes: []string{"vpn-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(all.Items), 6; got != want {
		t.Errorf("scoped to vpn-access with 50 asked: %d items, want all %d", got, want)
	}
}

func TestSampleProportionalToUse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := f.articles(t, 10, "password-reset", "software-install", "vpn-access")
	now := time.Now().UTC()
	// 90 uses of password-reset articles, 10 of software-install, none of vpn-access; plus
	// uses older than 90 days that must not count.
	for i := range 90 {
		f.use(t, "alice", ids["password-reset"][i%10], 1, "password-reset", now.Add(-time.Duration(i+1)*time.Hour), false)
	}
	for i := range 10 {
		f.use(t, "alice", ids["software-install"][i], 1, "software-install", now.Add(-48*time.Hour), false)
	}
	for i := range 50 {
		f.use(t, "alice", ids["vpn-access"][i%10], 1, "vpn-access", now.Add(-100*24*time.Hour), false)
	}
	a, err := f.Audit.Create(ctx, f.Users["auditor"], audit.NewAudit{Quarter: "2026-Q4", SampleSize: 10, Seed: seed(3)})
	if err != nil {
		t.Fatal(err)
	}
	if a.Weighting != "use" {
		t.Errorf("Weighting=%q, want use", a.Weighting)
	}
	want := map[string]int{"password-reset": 8, "software-install": 1, "vpn-access": 1}
	if got := perStratum(a); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("strata=%v, want %v (90:10:0 use, at least one each)", got, want)
	}
}

func TestSampleBySupplier(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 3, "password-reset", "software-install")
	a, err := f.Audit.Create(ctx, f.Users["auditor"], audit.NewAudit{Quarter: "2026-Q4", SampleSize: 4, Seed: seed(9), Suppliers: []string{"acme", "globex"}})
	if err != nil {
		t.Fatal(err)
	}
	// No use: ties go to the first supplier alphabetically, acme, which fulfils both.
	want := map[string]int{"acme/password-reset": 2, "acme/software-install": 2}
	if got := perStratum(a); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("strata=%v, want %v", got, want)
	}
	g, err := f.Audit.Create(ctx, f.Users["auditor"], audit.NewAudit{Quarter: "2026-Q4", SampleSize: 10, Seed: seed(9), Suppliers: []string{"globex"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.Population, 3; got != want {
		t.Errorf("globex (fulfils password-reset only) population=%d, want %d", got, want)
	}
}

func TestAllocate(t *testing.T) {
	cases := []struct {
		name    string
		n       int
		sizes   []int
		weights []float64
		want    []int
	}{
		{"by size when unused", 6, []int{8, 8, 8}, []float64{0, 0, 0}, []int{2, 2, 2}},
		{"by use, minimum one", 10, []int{10, 10, 10}, []float64{90, 10, 0}, []int{8, 1, 1}},
		{"capped and redistributed", 10, []int{2, 20, 20}, []float64{100, 1, 1}, []int{2, 4, 4}},
		{"fewer than strata: heaviest", 2, []int{5, 5, 5}, []float64{1, 7, 3}, []int{0, 1, 1}},
		{"whole population", 50, []int{3, 4, 0}, []float64{0, 0, 0}, []int{3, 4, 0}},
		{"largest remainder", 7, []int{10, 10, 10}, []float64{0, 0, 0}, []int{3, 2, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys := []string{"a", "b", "c"}
			if got := audit.Allocate(c.n, keys, c.sizes, c.weights); !slices.Equal(got, c.want) {
				t.Errorf("allocate(%d, %v, %v)=%v, want %v", c.n, c.sizes, c.weights, got, c.want)
			}
		})
	}
}

func TestStatistics(t *testing.T) {
	n, corrected := audit.SuggestSampleSize(0.95, 0.05, 0)
	if n != 59 || corrected != 59 {
		t.Errorf("SuggestSampleSize(95%%, 5%%)=%d,%d, want 59,59", n, corrected)
	}
	if _, c := audit.SuggestSampleSize(0.95, 0.05, 100); c != 38 {
		t.Errorf("with N=100 corrected=%d, want 38", c)
	}
	if got := audit.UpperBound(59, 0, 0.95); got < 0.0494 || got > 0.0496 {
		t.Errorf("UpperBound(59, 0)=%v, want ≈0.0495", got)
	}
	// Clopper-Pearson one-sided 95 % upper bound for 1 of 20: 0.2161.
	if got := audit.UpperBound(20, 1, 0.95); got < 0.2155 || got > 0.2167 {
		t.Errorf("UpperBound(20, 1)=%v, want ≈0.2161", got)
	}
	if got := audit.UpperBound(5, 5, 0.95); got != 1 {
		t.Errorf("UpperBound(5, 5)=%v, want 1", got)
	}
}

func TestScoreWeights(t *testing.T) {
	crit := audit.DefaultCriteria // weights 3,2,2,1,1,1,1 = 11
	cases := []struct {
		name   string
		missed []string
		want   int
	}{
		{"all met", nil, 100},
		{"accurate missed", []string{"accurate"}, 73},
		{"complete missed", []string{"complete"}, 82},
		{"clear missed", []string{"clear"}, 91},
		{"all missed", []string{"accurate", "complete", "current", "clear", "findable", "unique", "template"}, 0},
	}
	for _, c := range cases {
		checks := map[string]bool{}
		for _, cr := range crit {
			checks[cr.Key] = !slices.Contains(c.missed, cr.Key)
		}
		if got := audit.Score(crit, checks); got != c.want {
			t.Errorf("%s: Score=%d, want %d", c.name, got, c.want)
		}
	}
	custom := []audit.Criterion{{Key: "safe", Weight: 5}, {Key: "short", Weight: 1}}
	if got := audit.Score(custom, map[string]bool{"safe": true, "short": false}); got != 83 {
		t.Errorf("custom Score=%d, want 83", got)
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 1, "vpn-access")
	cases := []struct {
		name  string
		in    audit.NewAudit
		field string
	}{
		{"malformed quarter", audit.NewAudit{Quarter: "2026-Q5", SampleSize: 3}, "quarter"},
		{"quarter without Q", audit.NewAudit{Quarter: "2026-4", SampleSize: 3}, "quarter"},
		{"sample size 0", audit.NewAudit{Quarter: "2026-Q1", SampleSize: 0}, "sample_size"},
		{"unknown supplier", audit.NewAudit{Quarter: "2026-Q1", SampleSize: 1, Suppliers: []string{"umbrella"}}, "suppliers"},
		{"unknown request type", audit.NewAudit{Quarter: "2026-Q1", SampleSize: 1, RequestTypes: []string{"teleport"}}, "request_types"},
		{"bad weight", audit.NewAudit{Quarter: "2026-Q1", SampleSize: 1, Criteria: []audit.Criterion{{Key: "ok", Weight: 0}}}, "criteria[0].weight"},
	}
	for _, c := range cases {
		_, err := f.Audit.Create(ctx, f.Users["auditor"], c.in)
		var e *attest.Error
		if attest.ErrorCode(err) != attest.EINVALID || !asError(err, &e) || e.Fields[c.field] == "" {
			t.Errorf("%s: err=%v, want EINVALID on %s", c.name, err, c.field)
		}
	}
	if _, err := f.Audit.Create(ctx, f.Users["km1"], audit.NewAudit{Quarter: "2026-Q1", SampleSize: 1}); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("knowledge manager creating: %v, want EFORBIDDEN", err)
	}
	list, err := f.Audit.List(ctx, f.Users["auditor"])
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("refused requests created %d audits", len(list))
	}
}

func asError(err error, e **attest.Error) bool {
	for err != nil {
		if x, ok := err.(*attest.Error); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func TestAuditLifecycleAndFreeze(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 2, "password-reset", "vpn-access")
	aud := f.Users["auditor"]
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 3, Seed: seed(5)})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != audit.StatusPlanned {
		t.Fatalf("Status=%q, want planned", a.Status)
	}
	if _, err := f.Audit.Close(ctx, aud, a.ID); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Fatalf("close with nothing assessed: %v, want ECONFLICT", err)
	}
	// Bad assessments change nothing.
	if _, err := f.Audit.Assess(ctx, aud, a.ID, a.Items[0].ID, map[string]bool{"accurate": true}, ""); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("partial checks: %v, want EINVALID", err)
	}
	bad := allChecks(a, true)
	bad["vibes"] = true
	if _, err := f.Audit.Assess(ctx, aud, a.ID, a.Items[0].ID, bad, ""); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("unknown criterion: %v, want EINVALID", err)
	}
	// The author and the approver may not assess their own work.
	both := *f.Users["km1"]
	both.Roles = append(slices.Clone(both.Roles), accounts.RoleAuditor)
	if _, err := f.Audit.Assess(ctx, &both, a.ID, a.Items[0].ID, allChecks(a, true), ""); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("author assessing: %v, want EFORBIDDEN", err)
	}
	if got, _ := f.Audit.Get(ctx, aud, a.ID); got.Status != audit.StatusPlanned || got.Assessed() != 0 {
		t.Fatalf("after refused assessments: status %q, %d assessed; want planned, 0", got.Status, got.Assessed())
	}

	score, err := f.Audit.Assess(ctx, aud, a.ID, a.Items[0].ID, allChecks(a, false), "first look")
	if err != nil || score != 0 {
		t.Fatalf("assess: %d, %v", score, err)
	}
	got, _ := f.Audit.Get(ctx, aud, a.ID)
	if got.Status != audit.StatusFieldwork {
		t.Errorf("after first assessment Status=%q, want fieldwork", got.Status)
	}
	// Re-assessing replaces, keeping history.
	checks := allChecks(a, true)
	checks["clear"] = false
	if score, err = f.Audit.Assess(ctx, aud, a.ID, a.Items[0].ID, checks, "second look"); err != nil || score != 91 {
		t.Fatalf("re-assess: %d, %v, want 91", score, err)
	}
	if _, err := f.Audit.Close(ctx, aud, a.ID); attest.ErrorCode(err) != attest.ECONFLICT {
		t.Errorf("close while incomplete: %v, want ECONFLICT", err)
	}
	for _, it := range a.Items[1:] {
		if _, err := f.Audit.Assess(ctx, aud, a.ID, it.ID, allChecks(a, true), ""); err != nil {
			t.Fatal(err)
		}
	}
	d, err := f.Audit.Item(ctx, aud, a.ID, a.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.History) != 2 || *d.Item.Score != 91 || d.Item.Notes != "second look" {
		t.Errorf("item: %d assessments, score %v, notes %q; want 2, 91, second look", len(d.History), *d.Item.Score, d.Item.Notes)
	}
	got, _ = f.Audit.Get(ctx, aud, a.ID)
	if got.Status != audit.StatusReview {
		t.Errorf("all assessed: Status=%q, want review", got.Status)
	}
	fid, err := f.Audit.RaiseFinding(ctx, aud, a.ID, audit.NewFinding{Item: a.Items[0].ID, Severity: "minor",
		Description: "=HYPERLINK(\"http://evil\")", Owner: "km1", Due: "2027-01-15"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Audit.AddEvidence(ctx, aud, a.ID, a.Items[0].ID, "link", "https://tickets.example/T-1", "2026-11-02"); err != nil {
		t.Fatal(err)
	}
	closed, err := f.Audit.Close(ctx, aud, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if closed.Status != audit.StatusSignedOff || closed.SignedOffBy != "auditor" || closed.SignedOffAt.IsZero() {
		t.Errorf("closed: %q by %q at %v", closed.Status, closed.SignedOffBy, closed.SignedOffAt)
	}
	if !strings.Contains(closed.Conclusion(), "at most") {
		t.Errorf("Conclusion=%q", closed.Conclusion())
	}

	// Frozen: every write is ECONFLICT and changes nothing.
	writes := map[string]func() error{
		"assess": func() error {
			_, err := f.Audit.Assess(ctx, aud, a.ID, a.Items[1].ID, allChecks(a, false), "late")
			return err
		},
		"finding": func() error {
			_, err := f.Audit.RaiseFinding(ctx, aud, a.ID, audit.NewFinding{Item: a.Items[1].ID, Severity: "minor", Description: "late", Owner: "km1", Due: "2027-01-15"})
			return err
		},
		"evidence": func() error {
			_, err := f.Audit.AddEvidence(ctx, aud, a.ID, a.Items[1].ID, "note", "late", "")
			return err
		},
		"close": func() error {
			_, err := f.Audit.Close(ctx, aud, a.ID)
			return err
		},
	}
	for name, w := range writes {
		if err := w(); attest.ErrorCode(err) != attest.ECONFLICT {
			t.Errorf("%s after sign-off: %v, want ECONFLICT", name, err)
		}
	}
	after, _ := f.Audit.Get(ctx, aud, a.ID)
	if *after.Items[1].Score != 100 || len(after.Findings) != 1 {
		t.Errorf("frozen audit changed: item score %d, %d findings", *after.Items[1].Score, len(after.Findings))
	}

	// Report rows: a header, a row per item, the finding (the handlers' CSV writer guards cells).
	rows := audit.ReportRows(after)
	if got, want := len(rows), 1+len(after.Items); got != want {
		t.Fatalf("report rows=%d, want %d", got, want)
	}
	head := rows[0]
	for _, c := range []string{"article", "version", "score", "accurate", "template", "findings"} {
		if !slices.Contains(head, c) {
			t.Errorf("report header %v lacks %q", head, c)
		}
	}
	col := slices.Index(head, "findings")
	first := rows[1]
	if !strings.Contains(first[col], `#`) {
		t.Errorf("finding cell %q does not carry the finding", first[col])
	}
	if got := first[slices.Index(head, "clear")]; got != "not met" {
		t.Errorf("clear=%q, want not met", got)
	}
	if got := first[slices.Index(head, "score")]; got != "91" {
		t.Errorf("score=%q, want 91", got)
	}

	// Remediation goes on after sign-off: owner resolves, auditor verifies.
	if err := f.Audit.Resolve(ctx, f.Users["km2"], fid, audit.Remedy{Note: "done"}); attest.ErrorCode(err) == "" {
		t.Errorf("a non-owner resolved the finding")
	}
	if err := f.Audit.Resolve(ctx, f.Users["km1"], fid, audit.Remedy{Note: "Rewrote the title."}); err != nil {
		t.Fatal(err)
	}
	if err := f.Audit.Verify(ctx, aud, fid, "Re-tested."); err != nil {
		t.Fatal(err)
	}
	fd, _ := f.Audit.Finding(ctx, aud, fid)
	if fd.Status != audit.FindingClosed {
		t.Errorf("finding status=%q, want closed", fd.Status)
	}
}

func TestFindingValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 1, "vpn-access")
	aud := f.Users["auditor"]
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q4", SampleSize: 1, Seed: seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	ok := audit.NewFinding{Item: a.Items[0].ID, Severity: "major", Description: "Missing step", Owner: "km1", Due: "2027-01-15"}
	cases := []struct {
		name  string
		edit  func(*audit.NewFinding)
		field string
	}{
		{"unknown severity", func(n *audit.NewFinding) { n.Severity = "critical-ish" }, "severity"},
		{"unknown owner", func(n *audit.NewFinding) { n.Owner = "nobody" }, "owner"},
		{"bad item", func(n *audit.NewFinding) { n.Item = 99999 }, "item"},
		{"bad date", func(n *audit.NewFinding) { n.Due = "15/01/2027" }, "due"},
		{"no description", func(n *audit.NewFinding) { n.Description = " " }, "description"},
		{"unknown subject", func(n *audit.NewFinding) { n.Subject, n.SubjectRequestType = "ghost", "vpn-access" }, "subject"},
	}
	for _, c := range cases {
		in := ok
		c.edit(&in)
		_, err := f.Audit.RaiseFinding(ctx, aud, a.ID, in)
		var e *attest.Error
		if !asError(err, &e) || e.Code != attest.EINVALID || e.Fields[c.field] == "" {
			t.Errorf("%s: %v, want EINVALID on %s", c.name, err, c.field)
		}
	}
	got, _ := f.Audit.Get(ctx, aud, a.ID)
	if len(got.Findings) != 0 {
		t.Errorf("refused findings recorded %d", len(got.Findings))
	}
	// A finding about alice's adherence suspends her authority for the request type.
	in := ok
	in.Subject, in.SubjectRequestType, in.Suspend = "alice", "vpn-access", true
	if _, err := f.Audit.RaiseFinding(ctx, aud, a.ID, in); err != nil {
		t.Fatal(err)
	}
	auth, err := f.Training.AuthorityAt(ctx, f.Users["alice"].ID, "vpn-access", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if auth.Authorized || auth.Reason != "suspended" {
		t.Errorf("alice after the finding: authorized=%v reason=%q, want suspended", auth.Authorized, auth.Reason)
	}
	q, err := f.Audit.Findings(ctx, f.Users["km1"])
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Mine) != 1 {
		t.Errorf("km1's queue has %d findings, want 1", len(q.Mine))
	}
}

func TestAdherenceEvidence(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.article(t, "Reset a password", "password-reset")
	vpn := f.article(t, "Grant VPN access", "vpn-access")
	// The quarter before the current one, so that it is over whatever today is.
	q := audit.QuarterOf(time.Now().AddDate(0, -3, 0))
	qFrom, _, _ := audit.QuarterRange(q)
	in := func(day int) time.Time { return qFrom.AddDate(0, 0, day-1).Add(10 * time.Hour) }
	// In the quarter: alice used an outdated version twice, gina once; alice is not certified
	// for password-reset (it needs certification). Outside the quarter: ignored.
	f.use(t, "alice", id, 1, "password-reset", in(2), true)
	f.use(t, "alice", id, 1, "password-reset", in(3), true)
	f.use(t, "gina", id, 1, "password-reset", in(4), true)
	f.use(t, "bob", id, 1, "password-reset", qFrom.Add(-time.Hour), true)
	// vpn-access needs no certification and acme fulfils it: alice was authorised.
	f.use(t, "alice", vpn, 1, "vpn-access", in(5), false)
	ad, err := f.Audit.Adherence(ctx, q, audit.Item{ID: 1, ArticleID: id, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ad.Uses != 3 {
		t.Errorf("Uses=%d, want 3 (the quarter only)", ad.Uses)
	}
	if got, want := fmt.Sprint(ad.Superseded), "[{acme 2} {globex 1}]"; got != want {
		t.Errorf("Superseded=%s, want %s", got, want)
	}
	if len(ad.Unauthorized) != 3 {
		t.Fatalf("Unauthorized=%v, want 3 uses by uncertified staff", ad.Unauthorized)
	}
	if ad.Unauthorized[0].Username != "alice" || ad.Unauthorized[0].Reason != "not_certified" {
		t.Errorf("first unauthorized use: %+v, want alice not_certified", ad.Unauthorized[0])
	}
	if ad.ReviewOverdue {
		t.Errorf("a version approved today is not overdue for review")
	}
	vad, err := f.Audit.Adherence(ctx, q, audit.Item{ID: 2, ArticleID: vpn, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	if vad.Uses != 1 || len(vad.Unauthorized) != 0 || len(vad.Superseded) != 0 {
		t.Errorf("vpn adherence: %+v, want one clean use", vad)
	}
	// Overdue review: backdate the review date.
	if _, err := f.DB.Write.Exec(`UPDATE articles SET next_review = ? WHERE id = ?`, database.Format(time.Now().Add(-24*time.Hour)), vpn); err != nil {
		t.Fatal(err)
	}
	if vad, _ = f.Audit.Adherence(ctx, q, audit.Item{ID: 2, ArticleID: vpn, Version: 1}); !vad.ReviewOverdue {
		t.Errorf("review date in the past: not overdue")
	}
}

func TestNextFromCarriesScopeAndFindings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.articles(t, 2, "password-reset", "vpn-access")
	aud := f.Users["auditor"]
	crit := []audit.Criterion{{Key: "accurate", Label: "Accurate", Weight: 2}, {Key: "clear", Label: "Clear", Weight: 1}}
	a, err := f.Audit.Create(ctx, aud, audit.NewAudit{Quarter: "2026-Q3", SampleSize: 2, Seed: seed(4), RequestTypes: []string{"vpn-access"}, Criteria: crit})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range a.Items {
		if _, err := f.Audit.Assess(ctx, aud, a.ID, it.ID, map[string]bool{"accurate": true, "clear": false}, ""); err != nil {
			t.Fatal(err)
		}
	}
	fid, err := f.Audit.RaiseFinding(ctx, aud, a.ID, audit.NewFinding{Item: a.Items[0].ID, Severity: "minor", Description: "Unclear", Owner: "km1", Due: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Audit.Close(ctx, aud, a.ID); err != nil {
		t.Fatal(err)
	}
	n, err := f.Audit.NextFrom(ctx, aud, a.ID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.Quarter != "2026-Q4" || !slices.Equal(n.RequestTypes, []string{"vpn-access"}) || len(n.Criteria) != 2 || n.Previous != a.ID {
		t.Errorf("next: quarter %q, scope %v, %d criteria, previous %d", n.Quarter, n.RequestTypes, len(n.Criteria), n.Previous)
	}
	if len(n.Carried) != 1 || n.Carried[0].ID != fid {
		t.Errorf("carried %v, want finding %d", n.Carried, fid)
	}
	trends, err := f.Audit.Trends(ctx, aud)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range trends {
		if r.Quarter == "2026-Q3" && r.Dimension == "request_type" && r.Key == "vpn-access" {
			found = r.Items == 2 && r.Findings == 1 && r.MeanScore == 67
		}
	}
	if !found {
		t.Errorf("trends lack 2026-Q3 vpn-access with 2 items, 1 finding, mean 67: %+v", trends)
	}
}
