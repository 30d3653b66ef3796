package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
)

// DefaultReportDays is the period a report covers when no start is given.
const DefaultReportDays = 90

// ReportFilter narrows the gap report and the dashboard: a period of whole UTC days (Until
// included) and, optionally, one supplier and one request type (keys; "" for all).
type ReportFilter struct {
	Since, Until time.Time
	Supplier     string
	RequestType  string
}

// ParseReportFilter reads a filter as the API and pages take it: since and until are
// YYYY-MM-DD ("" for the default: the DefaultReportDays days up to today; an until after
// today is today, a since after today is refused), supplier and
// request type are keys ("" for all). Errors: EINVALID naming since, until, supplier or
// request_type.
func (s *Store) ParseReportFilter(ctx context.Context, since, until, supplier, requestType string) (ReportFilter, error) {
	var f ReportFilter
	fields := map[string]string{}
	day := func(name, v string) time.Time {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
		if err != nil {
			fields[name] = "a date as YYYY-MM-DD"
		}
		return t
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	f.Until = today
	if until != "" {
		// A period ends today at the latest: nothing is recorded later, and a far end
		// (9999-12-31) would fall outside the range stored times compare in.
		f.Until = day("until", until)
		if f.Until.After(today) {
			f.Until = today
		}
	}
	f.Since = f.Until.AddDate(0, 0, -(DefaultReportDays - 1))
	if since != "" {
		f.Since = day("since", since)
	}
	switch {
	case len(fields) > 0:
	case f.Since.After(today):
		fields["since"] = "must not be after today"
	case f.Until.Before(f.Since):
		fields["until"] = "must not be before since"
	}
	f.Supplier, f.RequestType = strings.TrimSpace(supplier), strings.TrimSpace(requestType)
	for name, q := range map[string]string{"supplier": `SELECT 1 FROM suppliers WHERE key = ?`,
		"request_type": `SELECT 1 FROM request_types WHERE key = ?`} {
		key := f.Supplier
		if name == "request_type" {
			key = f.RequestType
		}
		if key == "" {
			continue
		}
		var one int
		err := s.db.Read.QueryRowContext(ctx, q, key).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			fields[name] = fmt.Sprintf("unknown %s %q", strings.ReplaceAll(name, "_", " "), key)
		} else if err != nil {
			return f, fmt.Errorf("kb: report filter: %w", err)
		}
	}
	if len(fields) > 0 {
		return f, attest.FieldError(fields)
	}
	return f, nil
}

// bounds returns the stored-time range [from, to) of the filter's period.
func (f ReportFilter) bounds() (string, string) {
	return database.Format(f.Since), database.Format(f.Until.AddDate(0, 0, 1))
}

// QueryCount is a search query (trimmed, lower-cased) and how often it was searched.
type QueryCount struct {
	Query string `json:"query"`
	Count int    `json:"count"`
}

// ArticleRating counts an article's ratings.
type ArticleRating struct {
	ArticleID  int64  `json:"article_id"`
	Title      string `json:"title"`
	Helpful    int    `json:"helpful"`
	NotHelpful int    `json:"not_helpful"`
	Wrong      int    `json:"wrong"`
}

// OutdatedUse counts a supplier's uses of superseded versions of an article.
type OutdatedUse struct {
	Supplier  string `json:"supplier"`
	ArticleID int64  `json:"article_id"`
	Title     string `json:"title"`
	Count     int    `json:"count"`
}

// UnusedArticle is an approved article nobody recorded on a ticket in the period.
type UnusedArticle struct {
	ArticleID  int64     `json:"article_id"`
	Title      string    `json:"title"`
	Version    int       `json:"version"`
	ApprovedAt time.Time `json:"approved_at"`
	Views      int       `json:"views"`
}

// LinkRate is, for a supplier, the share of its recorded tickets that name an article.
//
// A ticket is known to Attest only when an agent records using an article on it, so every
// recorded ticket names one. The tickets worked without an article leave a different trace:
// a search by the supplier's agents that ended without opening any article. The link rate is
// therefore Tickets / (Tickets + UnlinkedSearches): distinct ticket references with recorded
// usage, over those plus the searches that opened nothing. Rate is nil when both are zero.
type LinkRate struct {
	Supplier         string   `json:"supplier"`
	Name             string   `json:"name"`
	Tickets          int      `json:"tickets"`
	UnlinkedSearches int      `json:"searches_without_article"`
	Rate             *float64 `json:"link_rate"`
}

// GapReport is where suppliers lack guidance or still use outdated steps.
type GapReport struct {
	Filter                      ReportFilter    `json:"-"`
	ZeroResultQueries           []QueryCount    `json:"zero_result_queries"`
	RequestTypesWithoutArticles []string        `json:"request_types_without_articles"`
	LowRatedArticles            []ArticleRating `json:"low_rated_articles"`
	OutdatedUsage               []OutdatedUse   `json:"outdated_usage"`
	ArticlesNeverUsed           []UnusedArticle `json:"articles_never_used"`
	LinkRates                   []LinkRate      `json:"link_rates"`
	// KnowledgeMissing counts tickets that failed for want of knowledge, per request type.
	KnowledgeMissing []MissingKnowledge `json:"knowledge_missing"`
}

// reportLimit bounds each table of a report.
const reportLimit = 500

func canReport(actor *accounts.User) error {
	if !actor.Has(accounts.RoleKnowledgeManager, accounts.RoleAuditor, accounts.RoleAdmin) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers, auditors and administrators read the gap report.")
	}
	return nil
}

// titleSQL is an article's title: its current approved version's, else its newest version's.
const titleSQL = `COALESCE((SELECT title FROM versions WHERE article_id = %[1]s AND status = 'approved' ORDER BY number DESC LIMIT 1),
	(SELECT title FROM versions WHERE article_id = %[1]s ORDER BY number DESC LIMIT 1), '')`

func titleOf(col string) string { return fmt.Sprintf(titleSQL, col) }

// GapReport returns the gap report over the filter's period (knowledge managers, auditors,
// admins). Buffered events are flushed first, so it sees every search and view recorded
// before the call. Searches have no request type: that filter does not narrow them.
// Errors: EFORBIDDEN.
func (s *Store) GapReport(ctx context.Context, actor *accounts.User, f ReportFilter) (*GapReport, error) {
	if err := canReport(actor); err != nil {
		return nil, err
	}
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	g := &GapReport{Filter: f}
	var err error
	if g.ZeroResultQueries, err = s.zeroResultQueries(ctx, f, reportLimit); err != nil {
		return nil, err
	}
	if g.RequestTypesWithoutArticles, err = s.requestTypesWithoutArticles(ctx, f); err != nil {
		return nil, err
	}
	if g.LowRatedArticles, err = s.lowRatedArticles(ctx, f); err != nil {
		return nil, err
	}
	if g.OutdatedUsage, err = s.outdatedUsage(ctx, f); err != nil {
		return nil, err
	}
	if g.ArticlesNeverUsed, err = s.articlesNeverUsed(ctx, f); err != nil {
		return nil, err
	}
	if g.LinkRates, err = s.linkRates(ctx, f); err != nil {
		return nil, err
	}
	if g.KnowledgeMissing, err = s.missingKnowledge(ctx, f); err != nil {
		return nil, err
	}
	return g, nil
}

// reportWhere builds the conditions shared by the event tables: the period, and the supplier and
// request type when the table has them.
type reportWhere struct {
	conds []string
	args  []any
}

func (w *reportWhere) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *reportWhere) sql() string {
	if len(w.conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(w.conds, " AND ")
}

func eventWhere(f ReportFilter, alias string, supplier, requestType bool) *reportWhere {
	w := &reportWhere{}
	from, to := f.bounds()
	w.add(alias+".at >= ? AND "+alias+".at < ?", from, to)
	if supplier && f.Supplier != "" {
		w.add(alias+".supplier_id = (SELECT id FROM suppliers WHERE key = ?)", f.Supplier)
	}
	if requestType && f.RequestType != "" {
		w.add(alias+".request_type_id = (SELECT id FROM request_types WHERE key = ?)", f.RequestType)
	}
	return w
}

// articleCoversType narrows articles (by column col) to those covering the filter's request type.
func articleCoversType(w *reportWhere, f ReportFilter, col string) {
	if f.RequestType != "" {
		w.add(`EXISTS (SELECT 1 FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id
			WHERE art.article_id = `+col+` AND rt.key = ?)`, f.RequestType)
	}
}

func (s *Store) zeroResultQueries(ctx context.Context, f ReportFilter, limit int) ([]QueryCount, error) {
	w := eventWhere(f, "q", true, false)
	w.add("q.results = 0")
	rows, err := s.db.Read.QueryContext(ctx, `SELECT q.normalized, COUNT(*) FROM search_queries q WHERE `+w.sql()+`
		GROUP BY q.normalized ORDER BY COUNT(*) DESC, q.normalized LIMIT ?`, append(w.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("kb: zero-result queries: %w", err)
	}
	defer rows.Close()
	out := []QueryCount{}
	for rows.Next() {
		var qc QueryCount
		if err := rows.Scan(&qc.Query, &qc.Count); err != nil {
			return nil, fmt.Errorf("kb: zero-result queries: %w", err)
		}
		out = append(out, qc)
	}
	return out, rows.Err()
}

// requestTypesWithoutArticles lists the request types (of the supplier, when filtered) that
// no active article with an approved version covers. It is the state now, not of a period.
func (s *Store) requestTypesWithoutArticles(ctx context.Context, f ReportFilter) ([]string, error) {
	w := &reportWhere{}
	w.add(`NOT EXISTS (SELECT 1 FROM article_request_types art JOIN articles a ON a.id = art.article_id AND a.status = 'active'
		WHERE art.request_type_id = rt.id AND EXISTS (SELECT 1 FROM versions v WHERE v.article_id = a.id AND v.status = 'approved'))`)
	if f.Supplier != "" {
		w.add(`rt.id IN (SELECT srt.request_type_id FROM supplier_request_types srt JOIN suppliers sp ON sp.id = srt.supplier_id WHERE sp.key = ?)`, f.Supplier)
	}
	if f.RequestType != "" {
		w.add(`rt.key = ?`, f.RequestType)
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT rt.key FROM request_types rt WHERE `+w.sql()+` ORDER BY rt.key`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("kb: request types without articles: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("kb: request types without articles: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// lowRatedArticles lists the articles with at least one "not helpful" and no more "helpful"
// than "not helpful" in the period.
func (s *Store) lowRatedArticles(ctx context.Context, f ReportFilter) ([]ArticleRating, error) {
	w := eventWhere(f, "fb", true, false)
	articleCoversType(w, f, "fb.article_id")
	rows, err := s.db.Read.QueryContext(ctx, `SELECT fb.article_id, `+titleOf("fb.article_id")+`,
		SUM(fb.helpful), SUM(1 - fb.helpful), SUM(fb.wrong)
		FROM feedback fb WHERE `+w.sql()+`
		GROUP BY fb.article_id HAVING SUM(1 - fb.helpful) >= 1 AND SUM(fb.helpful) <= SUM(1 - fb.helpful)
		ORDER BY SUM(1 - fb.helpful) - SUM(fb.helpful) DESC, SUM(1 - fb.helpful) DESC, fb.article_id LIMIT ?`,
		append(w.args, reportLimit)...)
	if err != nil {
		return nil, fmt.Errorf("kb: low-rated articles: %w", err)
	}
	defer rows.Close()
	out := []ArticleRating{}
	for rows.Next() {
		var a ArticleRating
		if err := rows.Scan(&a.ArticleID, &a.Title, &a.Helpful, &a.NotHelpful, &a.Wrong); err != nil {
			return nil, fmt.Errorf("kb: low-rated articles: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// outdatedUsage counts, per supplier and article, the tickets worked with a superseded version.
func (s *Store) outdatedUsage(ctx context.Context, f ReportFilter) ([]OutdatedUse, error) {
	w := eventWhere(f, "u", true, true)
	w.add("u.outdated = 1")
	rows, err := s.db.Read.QueryContext(ctx, `SELECT COALESCE(sp.key, ''), u.article_id, `+titleOf("u.article_id")+`, COUNT(*)
		FROM usage_events u LEFT JOIN suppliers sp ON sp.id = u.supplier_id WHERE `+w.sql()+`
		GROUP BY u.supplier_id, sp.key, u.article_id ORDER BY COUNT(*) DESC, sp.key, u.article_id LIMIT ?`, append(w.args, reportLimit)...)
	if err != nil {
		return nil, fmt.Errorf("kb: outdated usage: %w", err)
	}
	defer rows.Close()
	out := []OutdatedUse{}
	for rows.Next() {
		var o OutdatedUse
		if err := rows.Scan(&o.Supplier, &o.ArticleID, &o.Title, &o.Count); err != nil {
			return nil, fmt.Errorf("kb: outdated usage: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// articlesNeverUsed lists the active articles with an approved version (that the supplier's
// agents may read, when filtered by supplier) with no recorded ticket usage in the period.
func (s *Store) articlesNeverUsed(ctx context.Context, f ReportFilter) ([]UnusedArticle, error) {
	from, to := f.bounds()
	w := &reportWhere{}
	w.add("a.status = 'active'")
	used := `SELECT 1 FROM usage_events u WHERE u.article_id = a.id AND u.at >= ? AND u.at < ?`
	args := []any{from, to}
	if f.Supplier != "" {
		used += ` AND u.supplier_id = (SELECT id FROM suppliers WHERE key = ?)`
		args = append(args, f.Supplier)
		w.add(`(NOT EXISTS (SELECT 1 FROM article_request_types art WHERE art.article_id = a.id)
			OR EXISTS (SELECT 1 FROM article_request_types art JOIN supplier_request_types srt ON srt.request_type_id = art.request_type_id
				JOIN suppliers sp ON sp.id = srt.supplier_id WHERE art.article_id = a.id AND sp.key = ?))`, f.Supplier)
	}
	w.add("NOT EXISTS ("+used+")", args...)
	articleCoversType(w, f, "a.id")
	rows, err := s.db.Read.QueryContext(ctx, `SELECT a.id, v.title, v.number, COALESCE(v.decided_at, ''),
		(SELECT COUNT(*) FROM article_views av WHERE av.article_id = a.id AND av.at >= ? AND av.at < ?)
		FROM articles a JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
		WHERE `+w.sql()+` ORDER BY v.decided_at, a.id LIMIT ?`, append(append([]any{from, to}, w.args...), reportLimit)...)
	if err != nil {
		return nil, fmt.Errorf("kb: articles never used: %w", err)
	}
	defer rows.Close()
	out := []UnusedArticle{}
	for rows.Next() {
		var u UnusedArticle
		var at string
		if err := rows.Scan(&u.ArticleID, &u.Title, &u.Version, &at, &u.Views); err != nil {
			return nil, fmt.Errorf("kb: articles never used: %w", err)
		}
		u.ApprovedAt = parseTime(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

// linkRates computes each supplier's link rate (see LinkRate) over the period.
func (s *Store) linkRates(ctx context.Context, f ReportFilter) ([]LinkRate, error) {
	from, to := f.bounds()
	tickets := `SELECT COUNT(DISTINCT u.ticket_ref) FROM usage_events u WHERE u.supplier_id = sp.id AND u.at >= ? AND u.at < ?`
	targs := []any{from, to}
	if f.RequestType != "" {
		tickets += ` AND u.request_type_id = (SELECT id FROM request_types WHERE key = ?)`
		targs = append(targs, f.RequestType)
	}
	args := append(targs, from, to)
	q := `SELECT sp.key, sp.name, (` + tickets + `),
		(SELECT COUNT(*) FROM search_queries q WHERE q.supplier_id = sp.id AND q.at >= ? AND q.at < ? AND q.opened_article_id IS NULL)
		FROM suppliers sp`
	if f.Supplier != "" {
		q += ` WHERE sp.key = ?`
		args = append(args, f.Supplier)
	}
	rows, err := s.db.Read.QueryContext(ctx, q+` ORDER BY sp.key`, args...)
	if err != nil {
		return nil, fmt.Errorf("kb: link rates: %w", err)
	}
	defer rows.Close()
	out := []LinkRate{}
	for rows.Next() {
		var l LinkRate
		if err := rows.Scan(&l.Supplier, &l.Name, &l.Tickets, &l.UnlinkedSearches); err != nil {
			return nil, fmt.Errorf("kb: link rates: %w", err)
		}
		if n := l.Tickets + l.UnlinkedSearches; n > 0 {
			r := float64(l.Tickets) / float64(n)
			l.Rate = &r
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
