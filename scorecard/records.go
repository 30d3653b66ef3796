package scorecard

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
)

// Cell is one value of a record, with the page it comes from ("" for none).
type Cell struct {
	Text string
	Link string
}

// Records are the records behind one figure of a supplier's scorecard.
type Records struct {
	Supplier, Name string
	Figure         string
	// Label names the figure as the scorecard shows it; Note says how it is counted.
	Label, Note string
	Columns     []string
	Rows        [][]Cell
	// Truncated is set when there were more than RecordLimit records.
	Truncated bool
}

// RecordLimit bounds the records listed behind a figure.
const RecordLimit = 500

// Figures are the figures of a scorecard that have records behind them, in the order the
// scorecard shows them.
var Figures = []string{"agents", "tickets", "resolved", "link_rate", "outdated_uses", "proposals", "approved_contributions",
	"feedback_given", "certification_coverage", "open_findings", "overdue_findings", "audit_score"}

type figureQuery struct {
	label, note string
	columns     []string
	query       string
	// cells turns the scanned strings into cells.
	cells func(v []string) []Cell
}

func articleLink(id, n string) string {
	if n == "" {
		return "/articles/" + id
	}
	return "/articles/" + id + "/versions/" + n
}

func at(s string) string {
	t, err := database.Parse(s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// usageFigure lists the supplier's usage events in the period matching cond.
func usageFigure(label, note, cond string) figureQuery {
	return figureQuery{label: label, note: note,
		columns: []string{"When", "Ticket", "Agent", "Article", "Version", "Request type", "Outcome", "Cause"},
		query: `SELECT u.at, u.ticket_ref, us.username, u.article_id, u.version, rt.key, u.outcome, COALESCE(u.failure_cause, '')
			FROM usage_events u JOIN users us ON us.id = u.user_id JOIN request_types rt ON rt.id = u.request_type_id
			WHERE u.supplier_id = ?1 AND u.at >= ?2 AND u.at < ?3 AND ` + cond + ` ORDER BY u.at DESC, u.id DESC`,
		cells: func(v []string) []Cell {
			return []Cell{{Text: at(v[0])}, {Text: v[1]}, {Text: v[2]}, {Text: "Article " + v[3], Link: articleLink(v[3], "")},
				{Text: v[4], Link: articleLink(v[3], v[4])}, {Text: v[5], Link: "/request-types/" + v[5]}, {Text: v[6]}, {Text: v[7]}}
		}}
}

func versionFigure(label, note, cond string) figureQuery {
	return figureQuery{label: label, note: note,
		columns: []string{"Article", "Version", "Title", "Author", "Submitted", "Status", "Decided"},
		query: `SELECT v.article_id, v.number, v.title, au.username, COALESCE(v.submitted_at, ''), v.status, COALESCE(v.decided_at, '')
			FROM versions v JOIN users au ON au.id = v.author_id
			WHERE au.supplier_id = ?1 AND v.via_import = 0 AND ` + cond + ` ORDER BY v.id DESC`,
		cells: func(v []string) []Cell {
			return []Cell{{Text: "Article " + v[0], Link: articleLink(v[0], "")}, {Text: v[1], Link: articleLink(v[0], v[1])},
				{Text: v[2]}, {Text: v[3]}, {Text: at(v[4])}, {Text: v[5]}, {Text: at(v[6])}}
		}}
}

func findingFigure(label, note, extra string) figureQuery {
	return figureQuery{label: label, note: note,
		columns: []string{"Finding", "Audit", "Severity", "Owner", "Due", "Status", "Description"},
		query: `SELECT f.id, f.audit_id, f.severity, ou.username, f.due, f.status, f.description
			FROM audit_findings f LEFT JOIN audit_items i ON i.id = f.item_id JOIN users ou ON ou.id = f.owner_id
			WHERE f.created_at < ?5 AND (f.status = 'open' OR f.resolved_at >= ?5) AND ` + findingOf + extra + ` ORDER BY f.due, f.id`,
		cells: func(v []string) []Cell {
			return []Cell{{Text: "#" + v[0], Link: "/audits/" + v[1] + "#finding-" + v[0]}, {Text: "Audit " + v[1], Link: "/audits/" + v[1]},
				{Text: v[2]}, {Text: v[3]}, {Text: v[4]}, {Text: v[5]}, {Text: v[6]}}
		}}
}

var figureQueries = map[string]figureQuery{
	"agents": {label: "Agents", note: "The supplier's agent accounts.", columns: []string{"Username", "Name"},
		query: `SELECT u.username, u.display_name FROM users u WHERE u.supplier_id = ?1
			AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'agent') ORDER BY u.username`,
		cells: func(v []string) []Cell {
			return []Cell{{Text: v[0], Link: "/authority?username=" + v[0]}, {Text: v[1]}}
		}},
	"tickets":       usageFigure("Tickets", "Every use of an article on a ticket in the period; a ticket counts once.", "1 = 1"),
	"resolved":      usageFigure("Resolved", "Uses recorded as resolved.", "u.outcome = 'resolved'"),
	"outdated_uses": usageFigure("Outdated uses", "Uses of a version that was no longer current.", "u.outdated = 1"),
	"link_rate": {label: "Searches without an article",
		note:    "The link rate is tickets over tickets plus these searches: searches that opened no article.",
		columns: []string{"When", "Agent", "Query", "Results"},
		query: `SELECT q.at, us.username, q.query, q.results FROM search_queries q JOIN users us ON us.id = q.user_id
			WHERE q.supplier_id = ?1 AND q.at >= ?2 AND q.at < ?3 AND q.opened_article_id IS NULL ORDER BY q.at DESC`,
		cells: func(v []string) []Cell {
			return []Cell{{Text: at(v[0])}, {Text: v[1]}, {Text: v[2], Link: "/search?q=" + url.QueryEscape(v[2])}, {Text: v[3]}}
		}},
	"proposals": versionFigure("Proposals", "Versions the supplier's agents submitted for review in the period, and their fate.",
		"v.submitted_at >= ?2 AND v.submitted_at < ?3"),
	"approved_contributions": versionFigure("Approved contributions", "Versions written by the supplier's agents and approved in the period.",
		"v.status IN ('approved', 'superseded') AND v.decided_at >= ?2 AND v.decided_at < ?3"),
	"feedback_given": {label: "Feedback given", note: "Ratings the supplier's people gave in the period.",
		columns: []string{"When", "By", "Article", "Version", "Helpful", "Comment"},
		query: `SELECT fb.at, us.username, fb.article_id, fb.version, CASE WHEN fb.wrong = 1 THEN 'wrong' WHEN fb.helpful = 1 THEN 'yes' ELSE 'no' END, fb.comment
			FROM feedback fb JOIN users us ON us.id = fb.user_id WHERE fb.supplier_id = ?1 AND fb.at >= ?2 AND fb.at < ?3
			AND NOT EXISTS (SELECT 1 FROM followups f JOIN followup_failures ff ON ff.followup_id = f.id WHERE f.feedback_id = fb.id)
			ORDER BY fb.at DESC`,
		cells: func(v []string) []Cell {
			return []Cell{{Text: at(v[0])}, {Text: v[1]}, {Text: "Article " + v[2], Link: articleLink(v[2], "")},
				{Text: v[3], Link: articleLink(v[2], v[3])}, {Text: v[4]}, {Text: v[5]}}
		}},
	"open_findings":    findingFigure("Open findings", "Audit findings about the supplier open at the end of the period.", ""),
	"overdue_findings": findingFigure("Overdue findings", "Open findings past their due date at the end of the period.", " AND f.due < ?6"),
	"audit_score": {label: "Audit score", note: "The supplier's items in audits signed off in the period, with their latest score.",
		columns: []string{"Audit", "Quarter", "Article", "Version", "Title", "Score"},
		query: `SELECT a.id, a.quarter, i.article_id, i.version, i.title,
			COALESCE(CAST((SELECT score FROM audit_assessments WHERE item_id = i.id ORDER BY id DESC LIMIT 1) AS TEXT), '')
			FROM audit_items i JOIN audits a ON a.id = i.audit_id
			WHERE a.status = 'signed_off' AND a.signed_off_at >= ?2 AND a.signed_off_at < ?3 AND ` + itemOf + ` ORDER BY a.id, i.position`,
		cells: func(v []string) []Cell {
			return []Cell{{Text: "Audit " + v[0], Link: "/audits/" + v[0]}, {Text: v[1]}, {Text: "Article " + v[2], Link: articleLink(v[2], "")},
				{Text: v[3], Link: articleLink(v[2], v[3])}, {Text: v[4]}, {Text: v[5]}}
		}},
}

// Records returns the records behind one figure of supplier key's scorecard for period p, to
// those who may read that scorecard (an agent: its own supplier's only; another supplier does
// not exist for it). Errors: EFORBIDDEN, ENOTFOUND (supplier or figure).
func (s *Store) Records(ctx context.Context, actor *accounts.User, key, figure string, p Period) (*Records, error) {
	sps, err := s.suppliers(ctx, actor)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(sps, func(sp supplierRef) bool { return sp.key == key })
	if i < 0 {
		return nil, attest.Errorf(attest.ENOTFOUND, "No supplier %q whose scorecard you can read.", key)
	}
	sp := sps[i]
	out := &Records{Supplier: sp.key, Name: sp.name, Figure: figure}
	if figure == "certification_coverage" {
		return s.coverageRecords(ctx, sp, p, out)
	}
	fq, ok := figureQueries[figure]
	if !ok {
		return nil, attest.Errorf(attest.ENOTFOUND, "No figure %q on a scorecard.", figure)
	}
	if err := s.kb.Flush(ctx); err != nil {
		return nil, err
	}
	out.Label, out.Note, out.Columns = fq.label, fq.note, fq.columns
	from, to := p.bounds()
	end := s.end(p)
	args := []any{sp.id, from, to, sp.key, database.Format(end), end.Format(time.DateOnly)}
	rows, err := s.db.Read.QueryContext(ctx, fq.query, args[:maxParam(fq.query)]...)
	if err != nil {
		return nil, fmt.Errorf("scorecard: records of %s/%s: %w", key, figure, err)
	}
	defer rows.Close()
	for rows.Next() {
		if len(out.Rows) == RecordLimit {
			out.Truncated = true
			break
		}
		v := make([]string, len(fq.columns))
		ptrs := make([]any, len(v))
		for i := range v {
			ptrs[i] = &v[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scorecard: records of %s/%s: %w", key, figure, err)
		}
		out.Rows = append(out.Rows, fq.cells(v))
	}
	return out, rows.Err()
}

var paramRE = regexp.MustCompile(`\?(\d)`)

// maxParam is the highest numbered parameter (?N) of a query: the driver wants exactly as many
// arguments.
func maxParam(q string) int {
	n := 0
	for _, m := range paramRE.FindAllStringSubmatch(q, -1) {
		n = max(n, int(m[1][0]-'0'))
	}
	return n
}

func (s *Store) coverageRecords(ctx context.Context, sp supplierRef, p Period, out *Records) (*Records, error) {
	out.Label = "Certification coverage"
	out.Note = "Each agent and request type needing certification that the supplier fulfils, and whether the agent held authority at the end of the period."
	out.Columns = []string{"Agent", "Request type", "Authorized", "Why"}
	pairs, err := s.coveragePairs(ctx, sp.id)
	if err != nil {
		return nil, err
	}
	end := s.end(p)
	for _, c := range pairs {
		a, err := s.training.AuthorityAt(ctx, c.userID, c.rt, end)
		if err != nil {
			return nil, fmt.Errorf("scorecard: authority of %s for %s: %w", c.username, c.rt, err)
		}
		out.Rows = append(out.Rows, []Cell{{Text: c.username, Link: "/authority?username=" + c.username},
			{Text: c.rt, Link: "/request-types/" + c.rt}, {Text: strconv.FormatBool(a.Authorized)}, {Text: a.Label()}})
	}
	return out, nil
}
