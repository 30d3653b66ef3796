package audit

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"attest/accounts"
)

// WriteCSV writes the audit's report: a header, then one row per sampled item (article,
// title, version, stratum, score, each criterion, notes, findings, and the journal heads at
// sign-off and at this export). Cells that a spreadsheet
// would read as a formula get a leading apostrophe.
func WriteCSV(w io.Writer, a *Audit) error {
	cw := csv.NewWriter(w)
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
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("audit: csv: %w", err)
	}
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
		row = append(row, it.AssessedBy, it.Notes, strings.Join(fs, "; "), signedHead, exportHead)
		for i := range row {
			row[i] = SafeCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("audit: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("audit: csv: %w", err)
	}
	return nil
}

// SafeCell neutralises a cell a spreadsheet would evaluate as a formula (one starting with
// =, +, -, @, a tab or a carriage return) by prefixing an apostrophe.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
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
