package kb

import (
	"context"
	"fmt"
	"sort"
	"time"

	"attest"
	"attest/accounts"
)

// Series is one line of a chart: a key (request type or supplier), its name, and a count per
// week of the dashboard's period.
type Series struct {
	Key    string
	Name   string
	Counts []int
	Total  int
}

// ArticleUse is how much an article was used and read in a period.
type ArticleUse struct {
	ArticleID int64
	Title     string
	Uses      int
	Outdated  int
	Views     int
}

// Totals are a period's headline figures.
type Totals struct {
	Uses, OutdatedUses       int
	Tickets                  int
	Views                    int
	Searches, ZeroResults    int
	Helpful, NotHelpful      int
	OpenFollowups            int
	ResolvedUses, Unresolved int
}

// Dashboard is the figures of the gap report and of usage, as the dashboard charts them.
type Dashboard struct {
	Filter ReportFilter
	// Weeks are the Mondays of the weeks of the period, oldest first.
	Weeks              []time.Time
	UsageByRequestType []Series
	UsageBySupplier    []Series
	TopArticles        []ArticleUse
	TopMissing         []QueryCount
	Totals             Totals
}

// dashboardTop is how many articles and missing topics the dashboard shows.
const dashboardTop = 10

// maxDashboardSpan bounds the weeks a dashboard draws.
const maxDashboardSpan = 10 * 365 * 24 * time.Hour

// monday returns the Monday starting t's week (UTC).
func monday(t time.Time) time.Time {
	t = t.UTC().Truncate(24 * time.Hour)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// Dashboard returns usage over time by request type and by supplier, the most used articles
// and the most searched missing topics over the filter's period (knowledge managers and
// auditors). Buffered events are flushed first. Errors: EFORBIDDEN.
func (s *Store) Dashboard(ctx context.Context, actor *accounts.User, f ReportFilter) (*Dashboard, error) {
	if !actor.Has(accounts.RoleKnowledgeManager, accounts.RoleAuditor) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers and auditors see the usage dashboard.")
	}
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	d := &Dashboard{Filter: f}
	// The weeks span the period; a period of more than ten years (from the year 1, say)
	// starts at the first recorded use instead, and at most ten years before its end.
	start := f.Since
	if f.Until.Sub(start) > maxDashboardSpan {
		var first string
		if err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(MIN(at), '') FROM usage_events`).Scan(&first); err != nil {
			return nil, fmt.Errorf("kb: dashboard: %w", err)
		}
		if t, err := time.Parse(time.RFC3339Nano, first); err == nil && t.After(start) {
			start = t
		}
		if f.Until.Sub(start) > maxDashboardSpan {
			start = f.Until.Add(-maxDashboardSpan)
		}
	}
	for w := monday(start); !w.After(f.Until); w = w.AddDate(0, 0, 7) {
		d.Weeks = append(d.Weeks, w)
	}
	var err error
	if d.UsageByRequestType, err = s.weeklyUsage(ctx, f, d.Weeks, `rt.key, rt.name`,
		`JOIN request_types rt ON rt.id = u.request_type_id`); err != nil {
		return nil, err
	}
	if d.UsageBySupplier, err = s.weeklyUsage(ctx, f, d.Weeks, `COALESCE(sp.key, ''), COALESCE(sp.name, 'No supplier')`,
		`LEFT JOIN suppliers sp ON sp.id = u.supplier_id`); err != nil {
		return nil, err
	}
	if d.TopArticles, err = s.topArticles(ctx, f); err != nil {
		return nil, err
	}
	if d.TopMissing, err = s.zeroResultQueries(ctx, f, dashboardTop); err != nil {
		return nil, err
	}
	if d.Totals, err = s.totals(ctx, f); err != nil {
		return nil, err
	}
	return d, nil
}

// weeklyUsage counts ticket usage per week and per group (key, name columns), biggest first.
func (s *Store) weeklyUsage(ctx context.Context, f ReportFilter, weeks []time.Time, cols, join string) ([]Series, error) {
	w := eventWhere(f, "u", true, true)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+cols+`, substr(u.at, 1, 10), COUNT(*)
		FROM usage_events u `+join+` WHERE `+w.sql()+` GROUP BY 1, 2, 3`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("kb: weekly usage: %w", err)
	}
	defer rows.Close()
	index := map[string]int{}
	for i, wk := range weeks {
		index[wk.Format(time.DateOnly)] = i
	}
	byKey := map[string]*Series{}
	for rows.Next() {
		var key, name, day string
		var n int
		if err := rows.Scan(&key, &name, &day, &n); err != nil {
			return nil, fmt.Errorf("kb: weekly usage: %w", err)
		}
		i, ok := index[weekOf(day)]
		if !ok {
			continue
		}
		sr := byKey[key]
		if sr == nil {
			sr = &Series{Key: key, Name: name, Counts: make([]int, len(weeks))}
			byKey[key] = sr
		}
		sr.Counts[i] += n
		sr.Total += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb: weekly usage: %w", err)
	}
	out := []Series{}
	for _, sr := range byKey {
		out = append(out, *sr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// topArticles lists the most used articles of the period, then the most read.
func (s *Store) topArticles(ctx context.Context, f ReportFilter) ([]ArticleUse, error) {
	uw := eventWhere(f, "u", true, true)
	vw := eventWhere(f, "av", true, false)
	articleCoversType(vw, f, "av.article_id")
	rows, err := s.db.Read.QueryContext(ctx, `WITH uses AS (
			SELECT u.article_id AS id, COUNT(*) AS n, SUM(u.outdated) AS outdated FROM usage_events u WHERE `+uw.sql()+` GROUP BY u.article_id),
		reads AS (SELECT av.article_id AS id, COUNT(*) AS n FROM article_views av WHERE `+vw.sql()+` GROUP BY av.article_id),
		ids AS (SELECT id FROM uses UNION SELECT id FROM reads)
		SELECT ids.id, `+titleOf("ids.id")+`, COALESCE(uses.n, 0), COALESCE(uses.outdated, 0), COALESCE(reads.n, 0)
		FROM ids LEFT JOIN uses ON uses.id = ids.id LEFT JOIN reads ON reads.id = ids.id
		ORDER BY COALESCE(uses.n, 0) DESC, COALESCE(reads.n, 0) DESC, ids.id LIMIT ?`,
		append(append(uw.args, vw.args...), dashboardTop)...)
	if err != nil {
		return nil, fmt.Errorf("kb: top articles: %w", err)
	}
	defer rows.Close()
	out := []ArticleUse{}
	for rows.Next() {
		var a ArticleUse
		if err := rows.Scan(&a.ArticleID, &a.Title, &a.Uses, &a.Outdated, &a.Views); err != nil {
			return nil, fmt.Errorf("kb: top articles: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Store) totals(ctx context.Context, f ReportFilter) (Totals, error) {
	var t Totals
	uw := eventWhere(f, "u", true, true)
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(u.outdated), 0), COUNT(DISTINCT u.ticket_ref),
		COALESCE(SUM(u.outcome = 'resolved'), 0), COALESCE(SUM(u.outcome = 'not_resolved'), 0)
		FROM usage_events u WHERE `+uw.sql(), uw.args...).Scan(&t.Uses, &t.OutdatedUses, &t.Tickets, &t.ResolvedUses, &t.Unresolved)
	if err != nil {
		return t, fmt.Errorf("kb: usage totals: %w", err)
	}
	vw := eventWhere(f, "av", true, false)
	articleCoversType(vw, f, "av.article_id")
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM article_views av WHERE `+vw.sql(), vw.args...).Scan(&t.Views); err != nil {
		return t, fmt.Errorf("kb: view totals: %w", err)
	}
	qw := eventWhere(f, "q", true, false)
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(q.results = 0), 0) FROM search_queries q WHERE `+qw.sql(),
		qw.args...).Scan(&t.Searches, &t.ZeroResults); err != nil {
		return t, fmt.Errorf("kb: search totals: %w", err)
	}
	fw := eventWhere(f, "fb", true, false)
	articleCoversType(fw, f, "fb.article_id")
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(SUM(fb.helpful), 0), COALESCE(SUM(1 - fb.helpful), 0) FROM feedback fb WHERE `+fw.sql(),
		fw.args...).Scan(&t.Helpful, &t.NotHelpful); err != nil {
		return t, fmt.Errorf("kb: feedback totals: %w", err)
	}
	n, err := s.OpenFollowups(ctx)
	if err != nil {
		return t, err
	}
	t.OpenFollowups = n
	return t, nil
}

// weekOf returns the Monday that starts the week of day (YYYY-MM-DD), in the same form.
func weekOf(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, -(int(t.Weekday())+6)%7).Format(time.DateOnly)
}
