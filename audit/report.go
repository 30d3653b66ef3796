package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"attest/accounts"
)

// ReportRows returns the audit's report as table rows for export: a header, then one row per
// sampled item (audit, quarter, item, article, title, version, request type, supplier, score,
// each criterion, assessor, notes, findings, and the journal heads at sign-off and at this
// export). The handlers' CSV writer guards the cells.
func ReportRows(a *Audit) [][]string {
	head := []string{"audit", "quarter", "item", "article", "title", "version", "request_type", "supplier", "score"}
	for _, c := range a.Criteria {
		head = append(head, c.Key)
	}
	// The journal heads at sign-off and at this export (ID:HASH), on every row so that any
	// CSV reader keeps them: `attest journal verify --anchor` checks the journal against them.
	head = append(head, "assessed_by", "notes", "findings", "journal_head_at_sign_off", "journal_head_at_export")
	var signedHead, exportHead string
	if a.JournalHead != nil {
		signedHead = a.JournalHead.String()
	}
	if a.ThisExport != nil {
		exportHead = a.ThisExport.JournalHead.String()
	}
	out := [][]string{head}
	for _, it := range a.Items {
		score := ""
		if it.Score != nil {
			score = strconv.Itoa(*it.Score)
		}
		row := []string{strconv.FormatInt(a.ID, 10), a.Quarter, strconv.FormatInt(it.ID, 10), strconv.FormatInt(it.ArticleID, 10),
			it.Title, strconv.Itoa(it.Version), it.RequestType, it.Supplier, score}
		for _, c := range a.Criteria {
			switch met, ok := it.Checks[c.Key]; {
			case it.Score == nil || !ok:
				row = append(row, "")
			case met:
				row = append(row, "met")
			default:
				row = append(row, "not met")
			}
		}
		var fs []string
		for _, f := range a.Findings {
			if f.ItemID == it.ID {
				fs = append(fs, fmt.Sprintf("#%d %s: %s (owner %s, due %s, %s)", f.ID, f.Severity, f.Description, f.Owner, f.Due, f.Status.Label()))
			}
		}
		out = append(out, append(row, it.AssessedBy, it.Notes, strings.Join(fs, "; "), signedHead, exportHead))
	}
	return out
}

// TrendRow is one quarter's result for a request type or supplier.
type TrendRow struct {
	Quarter string
	// Dimension is "request_type" or "supplier"; Key its value ("" for articles covering no
	// request type, or items of audits not scoped by supplier).
	Dimension string
	Key       string
	Items     int
	Assessed  int
	MeanScore float64
	Findings  int
	Major     int
}

// Trends returns, per quarter, the mean score and findings of the sampled items by request
// type and by supplier (supplier only for audits scoped by supplier), over every audit.
// Errors: EFORBIDDEN (auditors and knowledge managers only).
func (s *Store) Trends(ctx context.Context, actor *accounts.User) ([]TrendRow, error) {
	if err := forbid(actor, "Only auditors and knowledge managers read audit trends.", accounts.RoleAuditor, accounts.RoleKnowledgeManager); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT a.quarter, i.request_type, i.supplier, s.score,
		(SELECT COUNT(*) FROM audit_findings f WHERE f.item_id = i.id),
		(SELECT COUNT(*) FROM audit_findings f WHERE f.item_id = i.id AND f.severity = 'major')
		FROM audit_items i JOIN audits a ON a.id = i.audit_id
		LEFT JOIN audit_assessments s ON s.id = (SELECT MAX(id) FROM audit_assessments WHERE item_id = i.id)`)
	if err != nil {
		return nil, fmt.Errorf("audit: trends: %w", err)
	}
	defer rows.Close()
	type key struct{ q, dim, k string }
	acc := map[key]*TrendRow{}
	sums := map[key]int{}
	add := func(k key, score *int, findings, major int) {
		r := acc[k]
		if r == nil {
			r = &TrendRow{Quarter: k.q, Dimension: k.dim, Key: k.k}
			acc[k] = r
		}
		r.Items++
		r.Findings += findings
		r.Major += major
		if score != nil {
			r.Assessed++
			sums[k] += *score
		}
	}
	for rows.Next() {
		var q, rt, sp string
		var score *int
		var findings, major int
		if err := rows.Scan(&q, &rt, &sp, &score, &findings, &major); err != nil {
			return nil, fmt.Errorf("audit: trends: %w", err)
		}
		add(key{q, "request_type", rt}, score, findings, major)
		if sp != "" {
			add(key{q, "supplier", sp}, score, findings, major)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: trends: %w", err)
	}
	out := make([]TrendRow, 0, len(acc))
	for k, r := range acc {
		if r.Assessed > 0 {
			r.MeanScore = float64(sums[k]) / float64(r.Assessed)
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b TrendRow) int {
		return cmp.Or(cmp.Compare(a.Dimension, b.Dimension), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Quarter, b.Quarter))
	})
	return out, nil
}
