package cmdb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"attest"
	"attest/accounts/accountstest"
	"attest/cmdb"
	"attest/cmdb/cmdbtest"
	"attest/kb"
	"attest/training"
)

type env struct {
	*accountstest.Org
	KB       *kb.Store
	Training *training.Store
	CMDB     *cmdb.Store
}

func newEnv(t *testing.T) *env { return newEnvTB(t) }

func newEnvTB(t testing.TB) *env {
	t.Helper()
	org := accountstest.NewOrg(t)
	k := kb.NewStore(org.DB, org.Accounts)
	tr := training.NewStore(org.DB, org.Accounts, k)
	return &env{Org: org, KB: k, Training: tr, CMDB: cmdb.NewStore(org.DB, org.Accounts, k, tr)}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := attest.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// TestVisibilityRule walks the rule of who sees a CI: supplier fulfils or not × the authority
// reason × agreement accepted × shared/restricted attribute × enterprise role.
func TestVisibilityRule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := cmdbtest.Estate(t, e.Org, e.CMDB)
	cmdbtest.AddAgent(t, e.Org, "carl", "acme")
	cmdbtest.Certify(t, e.Org, e.Training, "alice", "password-reset")
	c := cmdbtest.Certify(t, e.Org, e.Training, "carl", "software-install")
	if _, err := e.Training.Revoke(ctx, e.User(t, "trainer"), c.ID, "left the team"); err != nil {
		t.Fatal(err)
	}
	if err := e.Training.Suspend(ctx, e.User(t, "trainer"), "bob", "vpn-access", "audit finding", 0); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		user, rt string
		reason   string // the authority reason the row stands for ("" for enterprise roles)
		visible  bool   // with the agreement accepted
	}{
		{"alice", "password-reset", training.ReasonCertified, true},
		{"alice", "vpn-access", training.ReasonNotRequired, true},
		{"alice", "software-install", training.ReasonNotCertified, false},
		{"carl", "software-install", training.ReasonRevoked, false},
		{"bob", "vpn-access", training.ReasonSuspended, false},
		{"gina", "vpn-access", training.ReasonNotFulfilled, false},
		{"gina", "password-reset", training.ReasonNotCertified, false},
		{"km1", "password-reset", "", true},
		{"auditor", "software-install", "", true},
		{"admin", "vpn-access", "", true},
	}
	for _, accepted := range []bool{true, false} {
		if accepted {
			cmdbtest.Agree(t, e.Org, e.CMDB, "alice", "bob", "carl", "gina")
		} else {
			cmdbtest.Agree(t, e.Org, e.CMDB) // a new version nobody accepted yet
		}
		for _, r := range rows {
			t.Run(fmt.Sprintf("%s/%s/accepted=%v", r.user, r.rt, accepted), func(t *testing.T) {
				u := e.User(t, r.user)
				enterprise := r.reason == ""
				if !enterprise {
					a, err := e.Training.Authority(ctx, u, r.user, r.rt)
					if err != nil || a.Reason != r.reason {
						t.Fatalf("authority of %s for %s = %q (%v), the row stands for %q", r.user, r.rt, a.Reason, err, r.reason)
					}
				}
				it, err := e.CMDB.Item(ctx, u, keys[r.rt], "INC-1")
				hits, serr := e.CMDB.Search(ctx, u, "server", "INC-1", 20)
				switch {
				case !enterprise && !accepted:
					wantCode(t, err, cmdb.EAGREEMENT)
					wantCode(t, serr, cmdb.EAGREEMENT)
					return
				case !r.visible:
					wantCode(t, err, attest.ENOTFOUND)
					if serr != nil {
						t.Fatalf("Search: %v", serr)
					}
					for _, h := range hits {
						if h.Key == keys[r.rt] {
							t.Fatalf("search shows %s, which the reader may not see", h.Key)
						}
					}
					return
				}
				if err != nil {
					t.Fatalf("Item: %v", err)
				}
				found := false
				for _, h := range hits {
					found = found || h.Key == keys[r.rt]
				}
				if serr != nil || !found {
					t.Fatalf("search for a visible CI: %v %v", hits, serr)
				}
				shared, restricted := false, false
				for _, a := range it.Attributes {
					shared = shared || a.Name == "site"
					restricted = restricted || a.Name == "vault" || a.Value == cmdbtest.Sentinel
				}
				if !shared {
					t.Errorf("shared attribute missing: %+v", it.Attributes)
				}
				if restricted != enterprise {
					t.Errorf("restricted attribute shown = %v, want %v (enterprise role)", restricted, enterprise)
				}
			})
		}
	}
	// Trainers are neither agents nor enterprise staff: no CMDB.
	_, err := e.CMDB.Item(ctx, e.User(t, "trainer"), "CI-PR", "INC-1")
	wantCode(t, err, attest.EFORBIDDEN)
	_, err = e.CMDB.Item(ctx, nil, "CI-PR", "INC-1")
	wantCode(t, err, attest.EUNAUTH)
}

// TestRelationsFollowScope: a relation to a CI the agent may not see is not shown.
func TestRelationsFollowScope(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cmdbtest.Estate(t, e.Org, e.CMDB)
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice", "bob")
	it, err := e.CMDB.Item(ctx, e.User(t, "bob"), "CI-VPN", "INC-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Relations) != 0 {
		t.Fatalf("bob (not certified for password-reset) sees relations %+v", it.Relations)
	}
	cmdbtest.Certify(t, e.Org, e.Training, "alice", "password-reset")
	it, err = e.CMDB.Item(ctx, e.User(t, "alice"), "CI-VPN", "INC-3")
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Relations) != 1 || it.Relations[0].To != "CI-PR" {
		t.Fatalf("alice (certified) relations = %+v, want depends_on CI-PR", it.Relations)
	}
}

func TestNoAgreementPublishedMeansNoAccess(t *testing.T) {
	e := newEnv(t)
	cmdbtest.Estate(t, e.Org, e.CMDB)
	_, err := e.CMDB.Item(context.Background(), e.User(t, "alice"), "CI-VPN", "INC-1")
	wantCode(t, err, cmdb.EAGREEMENT)
}

func TestPutVersions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.User(t, "admin")
	in := cmdbtest.Item("GW-1", "vpn-access", "Fernhill")
	steps := []struct {
		change       func(*cmdb.Input)
		version      int
		created, chg bool
	}{
		{nil, 1, true, false},
		{nil, 1, false, false},
		{func(i *cmdb.Input) { i.Attributes[0].Value = "Leeds" }, 2, false, true},
		{func(i *cmdb.Input) { i.Attributes[0], i.Attributes[1] = i.Attributes[1], i.Attributes[0] }, 2, false, false}, // order is not a change
		{func(i *cmdb.Input) { i.Attributes[0].Shared = true }, 3, false, true},
	}
	for i, st := range steps {
		if st.change != nil {
			st.change(&in)
		}
		res, err := e.CMDB.Put(ctx, admin, in)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if res.Version != st.version || res.Created != st.created || res.Changed != st.chg {
			t.Fatalf("step %d: %+v, want version %d created %v changed %v", i, res, st.version, st.created, st.chg)
		}
	}
	h, err := e.CMDB.History(ctx, admin, "GW-1")
	if err != nil || len(h) != 3 {
		t.Fatalf("History = %+v, %v; want 3 versions", h, err)
	}
	if _, err := e.DB.Write.Exec(`UPDATE cmdb_versions SET content = '{}' WHERE number = 1`); err == nil {
		t.Fatal("a stored version was modified")
	}
	for _, bad := range []struct {
		in    cmdb.Input
		field string
	}{
		{cmdb.Input{Key: "X-1", Class: "server", Name: "x", RequestTypes: []string{"nope"}}, "request_types"},
		{cmdb.Input{Key: "X-2", Class: "server", Name: "x", Relations: []cmdb.Relation{{Type: "runs_on", To: "NOPE-9"}}}, "relations"},
		{cmdb.Input{Key: "bad key", Class: "server", Name: "x"}, "key"},
		{cmdb.Input{Key: "X-3", Name: "x"}, "class"},
	} {
		_, err := e.CMDB.Put(ctx, admin, bad.in)
		var ae *attest.Error
		if !errors.As(err, &ae) || ae.Code != attest.EINVALID || ae.Fields[bad.field] == "" {
			t.Errorf("Put(%+v) = %v, want 422 on %s", bad.in, err, bad.field)
		}
	}
	_, err = e.CMDB.Put(ctx, e.User(t, "alice"), in)
	wantCode(t, err, attest.EFORBIDDEN)
}

// TestRefusalsLogged: a missing ticket, a missing agreement and a spent quota are refused and
// each refusal is in the access log, written before the answer.
func TestRefusalsLogged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cmdbtest.Estate(t, e.Org, e.CMDB)
	alice := e.User(t, "alice")
	_, err := e.CMDB.Item(ctx, alice, "CI-VPN", "T-0")
	wantCode(t, err, cmdb.EAGREEMENT)
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice")
	_, err = e.CMDB.Item(ctx, alice, "CI-VPN", "")
	wantCode(t, err, attest.EINVALID)
	_, err = e.CMDB.Search(ctx, alice, "Fernhill", "bad\x01ref", 5)
	wantCode(t, err, attest.EINVALID)
	_, err = e.CMDB.Item(ctx, alice, "CI-VPN", strings.Repeat("x", 129))
	wantCode(t, err, attest.EINVALID)
	if err := e.CMDB.SetQuota(ctx, e.User(t, "admin"), "acme", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CMDB.Item(ctx, alice, "CI-VPN", "T-1"); err != nil {
		t.Fatal(err)
	}
	_, err = e.CMDB.Item(ctx, alice, "CI-PR", "T-1") // out of scope: counts, 404
	wantCode(t, err, attest.ENOTFOUND)
	_, err = e.CMDB.Item(ctx, alice, "CI-VPN", "T-1")
	wantCode(t, err, cmdb.EQUOTA)
	var ae *attest.Error
	if !errors.As(err, &ae) || ae.RetryAfter <= 0 || ae.RetryAfter > 86400 {
		t.Fatalf("quota error %+v: want Retry-After until midnight UTC", ae)
	}
	_, err = e.CMDB.Search(ctx, alice, "Fernhill", "T-1", 5)
	wantCode(t, err, cmdb.EQUOTA)
	// The next UTC day has a fresh quota.
	e.CMDB.SetClock(func() time.Time { return time.Now().Add(24 * time.Hour) })
	if _, err := e.CMDB.Item(ctx, alice, "CI-VPN", "T-2"); err != nil {
		t.Fatalf("next day: %v", err)
	}
	e.CMDB.SetClock(nil)

	log, total, err := e.CMDB.AccessLog(ctx, e.User(t, "auditor"), cmdb.AccessFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(log) - 1; i >= 0; i-- {
		got = append(got, log[i].Kind+":"+log[i].Outcome)
	}
	want := []string{"item:agreement_required", "item:invalid", "search:invalid", "item:invalid", "item:shown", "item:not_found",
		"item:quota_exceeded", "search:quota_exceeded", "item:shown"}
	if total != len(want) || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("access log (%d) = %v\nwant %v", total, got, want)
	}
	if log[len(log)-5].Version != 1 || log[len(log)-5].TicketRef != "T-1" || log[len(log)-5].Username != "alice" || log[len(log)-5].Supplier != "acme" {
		t.Errorf("shown entry %+v: want version 1, ticket T-1, alice of acme", log[len(log)-5])
	}
	_, _, err = e.CMDB.AccessLog(ctx, alice, cmdb.AccessFilter{})
	wantCode(t, err, attest.EFORBIDDEN)
	flags, err := e.CMDB.Flags(ctx, e.User(t, "auditor"), cmdb.AccessFilter{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range flags {
		kinds[f.Kind]++
	}
	if kinds[cmdb.FlagNoUsage] != 2 || kinds[cmdb.FlagQuota] != 2 || kinds[cmdb.FlagRefused] != 5 {
		t.Errorf("flags = %v, want 2 no_usage, 2 quota_exceeded, 5 refused", kinds)
	}
}

func TestSearchNeverIndexesRestricted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cmdbtest.Estate(t, e.Org, e.CMDB)
	for _, q := range []string{cmdbtest.Sentinel, "vault", "7Q2XK9"} {
		hits, err := e.CMDB.Search(ctx, e.User(t, "admin"), q, "", 100)
		if err != nil || len(hits) != 0 {
			t.Errorf("Search(%q) = %v, %v; restricted values are not searchable", q, hits, err)
		}
	}
	for q, want := range map[string]string{"ci-vpn": "CI-VPN", "fern": "CI-VPN", "CI-PR": "CI-PR", "leeds server": "CI-PR"} {
		hits, err := e.CMDB.Search(ctx, e.User(t, "admin"), q, "", 10)
		if err != nil || len(hits) == 0 || hits[0].Key != want {
			t.Errorf("Search(%q) = %v, %v; want %s first", q, hits, err, want)
		}
	}
}

func TestAgentSearchCapped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.User(t, "admin")
	for i := range 30 {
		if _, err := e.CMDB.Put(ctx, admin, cmdbtest.Item(fmt.Sprintf("LAP-%02d", i), "vpn-access", "Leeds")); err != nil {
			t.Fatal(err)
		}
	}
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice")
	hits, err := e.CMDB.Search(ctx, e.User(t, "alice"), "lap", "T-9", 100)
	if err != nil || len(hits) != cmdb.MaxAgentHits {
		t.Fatalf("agent search: %d hits, %v; want %d", len(hits), err, cmdb.MaxAgentHits)
	}
	hits, err = e.CMDB.Search(ctx, admin, "lap", "", 100)
	if err != nil || len(hits) != 30 {
		t.Fatalf("admin search: %d hits, %v; want 30", len(hits), err)
	}
}

func TestCitedFollowsScope(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cmdbtest.Estate(t, e.Org, e.CMDB)
	keys := []string{"CI-PR", "CI-VPN", "NOPE-1"}
	names := func(u string) string {
		hits, err := e.CMDB.Cited(ctx, e.User(t, u), keys)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Key)
		}
		return strings.Join(out, ",")
	}
	if got := names("alice"); got != "" {
		t.Errorf("before the agreement alice sees cited CIs %q", got)
	}
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice")
	if got := names("alice"); got != "CI-VPN" {
		t.Errorf("alice sees cited %q, want CI-VPN", got)
	}
	if got := names("km1"); got != "CI-PR,CI-VPN" {
		t.Errorf("km1 sees cited %q, want CI-PR,CI-VPN", got)
	}
}

// TestAuthorityChangesTakeEffectAtOnce: answers are cached between lookups, but a revocation,
// a suspension or a new agreement version applies to the very next lookup.
func TestAuthorityChangesTakeEffectAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cmdbtest.Estate(t, e.Org, e.CMDB)
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice")
	c := cmdbtest.Certify(t, e.Org, e.Training, "alice", "password-reset")
	alice := e.User(t, "alice")
	for range 2 {
		if _, err := e.CMDB.Item(ctx, alice, "CI-PR", "T-1"); err != nil {
			t.Fatalf("certified: %v", err)
		}
	}
	if _, err := e.Training.Revoke(ctx, e.User(t, "trainer"), c.ID, "failed a spot check"); err != nil {
		t.Fatal(err)
	}
	_, err := e.CMDB.Item(ctx, alice, "CI-PR", "T-2")
	wantCode(t, err, attest.ENOTFOUND)
	if _, err := e.CMDB.Item(ctx, alice, "CI-VPN", "T-3"); err != nil {
		t.Fatalf("not_required: %v", err)
	}
	if err := e.Training.Suspend(ctx, e.User(t, "trainer"), "alice", "vpn-access", "audit finding", 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.CMDB.Item(ctx, alice, "CI-VPN", "T-4")
	wantCode(t, err, attest.ENOTFOUND)
	cmdbtest.Agree(t, e.Org, e.CMDB)
	_, err = e.CMDB.Item(ctx, alice, "CI-VPN", "T-5")
	wantCode(t, err, cmdb.EAGREEMENT)
}

// TestSearchCommonWords: when every word matches more than a thousand CIs, search walks the
// rarest word's matches; every hit still matches every word and the agent's scope.
func TestSearchCommonWords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var lines []cmdb.Line
	for i := range 2400 {
		in := cmdbtest.Item(fmt.Sprintf("PRN-%04d", i), []string{"vpn-access", "password-reset"}[i%2], "Leeds")
		if i%3 != 2 {
			in.Name = fmt.Sprintf("Leeds printer %d", i)
		}
		lines = append(lines, cmdb.Line{N: i, Input: in})
	}
	if _, err := e.CMDB.Import(ctx, e.User(t, "admin"), lines, cmdb.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cmdbtest.Agree(t, e.Org, e.CMDB, "alice")
	for _, who := range []string{"admin", "alice"} {
		hits, err := e.CMDB.Search(ctx, e.User(t, who), "leeds printer", "T-1", 20)
		if err != nil || len(hits) != 20 {
			t.Fatalf("%s: %d hits, %v; want 20", who, len(hits), err)
		}
		for _, h := range hits {
			var n int
			fmt.Sscanf(h.Key, "PRN-%d", &n)
			if n%3 == 2 || (who == "alice" && n%2 != 0) {
				t.Errorf("%s: hit %s does not match every word and the scope", who, h.Key)
			}
		}
	}
}
