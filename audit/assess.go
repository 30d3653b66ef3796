package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/kb"
)

// Score is the weighted share of criteria met, 0 to 100 (rounded half up).
func Score(criteria []Criterion, checks map[string]bool) int {
	met, total := 0, 0
	for _, c := range criteria {
		total += c.Weight
		if checks[c.Key] {
			met += c.Weight
		}
	}
	if total == 0 {
		return 0
	}
	return int(math.Floor(100*float64(met)/float64(total) + 0.5))
}

// checkChecks refuses an assessment that leaves out a criterion or names an unknown one.
func checkChecks(criteria []Criterion, checks map[string]bool) error {
	fields := map[string]string{}
	known := map[string]bool{}
	for _, c := range criteria {
		known[c.Key] = true
		if _, ok := checks[c.Key]; !ok {
			fields["checks."+c.Key] = "required: answer every criterion (true or false)"
		}
	}
	for k := range checks {
		if !known[k] {
			fields["checks."+k] = "not a criterion of this audit"
		}
	}
	if len(fields) > 0 {
		return attest.FieldError(fields)
	}
	return nil
}

// ItemDetail is a sampled item with what the auditor needs to judge it.
type ItemDetail struct {
	Audit *Audit
	Item  Item
	// Version is the sampled version itself (its stored HTML is shown).
	Version *kb.Version
	// Adherence is the evidence computed for the audit's quarter.
	Adherence Adherence
	// History lists every assessment, newest first.
	History  []Assessment
	Evidence []Evidence
	Findings []Finding
	// IsOwnWork is true when the caller wrote or approved the version and so may not assess it.
	IsOwnWork bool
	// Template is the article's template, for the "follows the template" criterion;
	// FollowsTemplate tells whether the sampled version has its sections in order, and
	// MissingSections names those it lacks.
	Template        kb.Template
	FollowsTemplate bool
	MissingSections []string
}

// Assessment is one assessment of an item (the newest counts).
type Assessment struct {
	ID         int64
	AssessedBy string
	AssessedAt time.Time
	Checks     map[string]bool
	Score      int
	Notes      string
}

// Evidence is a note, link or pasted text attached to an item, with the date it speaks for
// and the SHA-256 of its content.
type Evidence struct {
	ID            int64
	Kind          string
	Content       string
	EffectiveDate string
	SHA256        string
	AddedBy       string
	AddedAt       time.Time
	// Attachments are the files its content references (uploaded, frozen with it).
	Attachments []kb.AttachmentRef
}

// Item returns one sampled item with its version, adherence evidence, history, evidence and
// findings. Errors: EFORBIDDEN (auditors and knowledge managers only), ENOTFOUND.
func (s *Store) Item(ctx context.Context, actor *accounts.User, auditID, itemID int64) (*ItemDetail, error) {
	a, err := s.Get(ctx, actor, auditID)
	if err != nil {
		return nil, err
	}
	d := &ItemDetail{Audit: a}
	i := slices.IndexFunc(a.Items, func(it Item) bool { return it.ID == itemID })
	if i < 0 {
		return nil, attest.Errorf(attest.ENOTFOUND, "No item %d in audit %d.", itemID, auditID)
	}
	d.Item = a.Items[i]
	if d.Version, err = s.kb.Version(ctx, actor, d.Item.ArticleID, d.Item.Version); err != nil {
		return nil, fmt.Errorf("audit: item %d: %w", itemID, err)
	}
	if d.Adherence, err = s.Adherence(ctx, a.Quarter, d.Item); err != nil {
		return nil, err
	}
	people, err := s.kb.AuditVersionPeople(ctx, d.Item.ArticleID, d.Item.Version)
	if err != nil {
		return nil, err
	}
	d.IsOwnWork = slices.Contains(people, actor.ID)
	if d.Template, err = s.kb.ArticleTemplate(ctx, d.Item.ArticleID); err != nil {
		return nil, err
	}
	d.FollowsTemplate, d.MissingSections = kb.FollowsTemplate(d.Version.Body, d.Template)
	rows, err := s.db.Read.QueryContext(ctx, `SELECT s.id, u.username, s.assessed_at, s.checks, s.score, s.notes
		FROM audit_assessments s JOIN users u ON u.id = s.assessed_by WHERE s.item_id = ? ORDER BY s.id DESC`, itemID)
	if err != nil {
		return nil, fmt.Errorf("audit: history of item %d: %w", itemID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h Assessment
		var at, checks string
		if err := rows.Scan(&h.ID, &h.AssessedBy, &at, &checks, &h.Score, &h.Notes); err != nil {
			return nil, fmt.Errorf("audit: history of item %d: %w", itemID, err)
		}
		h.AssessedAt = parseTime(at)
		json.Unmarshal([]byte(checks), &h.Checks)
		d.History = append(d.History, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: history of item %d: %w", itemID, err)
	}
	if d.Evidence, err = s.evidence(ctx, itemID); err != nil {
		return nil, err
	}
	for _, f := range append(slices.Clone(a.Findings), a.Carried...) {
		if f.ItemID == itemID {
			d.Findings = append(d.Findings, f)
		}
	}
	return d, nil
}

// Assess records an auditor's assessment of a sampled item: every criterion of the audit met
// or not, and notes. A re-assessment before sign-off replaces the previous one (which is
// kept as history). The audit moves to fieldwork with its first assessment and to review
// when every item is assessed. The adherence evidence at that moment is kept with it.
// Errors: EFORBIDDEN (auditors only; nobody assesses a version they wrote or approved),
// ENOTFOUND, ECONFLICT (signed off), EINVALID (a criterion missing or unknown).
func (s *Store) Assess(ctx context.Context, actor *accounts.User, auditID, itemID int64, checks map[string]bool, notes string) (int, error) {
	if err := forbid(actor, "Only auditors assess audit items.", accounts.RoleAuditor); err != nil {
		return 0, err
	}
	a, err := s.load(ctx, s.db.Read, auditID)
	if err != nil {
		return 0, err
	}
	if a.IsClosed() {
		return 0, attest.Errorf(attest.ECONFLICT, "This audit is signed off: it can no longer change.")
	}
	i := slices.IndexFunc(a.Items, func(it Item) bool { return it.ID == itemID })
	if i < 0 {
		return 0, attest.Errorf(attest.ENOTFOUND, "No item %d in audit %d.", itemID, auditID)
	}
	item := a.Items[i]
	if err := checkChecks(a.Criteria, checks); err != nil {
		return 0, err
	}
	notes = strings.TrimSpace(notes)
	if utf8.RuneCountInString(notes) > 10000 {
		return 0, attest.FieldError(map[string]string{"notes": "at most 10,000 characters"})
	}
	if err := s.ownWork(ctx, actor, auditID, itemID, "assess"); err != nil {
		return 0, err
	}
	adh, err := s.Adherence(ctx, a.Quarter, item)
	if err != nil {
		return 0, err
	}
	adhJSON, _ := json.Marshal(adh)
	checksJSON, _ := json.Marshal(checks)
	score := Score(a.Criteria, checks)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		st, err := auditStatus(ctx, tx, auditID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_assessments (item_id, assessed_by, assessed_at, checks, score, notes, adherence)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, itemID, actor.ID, database.Format(s.clock()), string(checksJSON), score, notes, string(adhJSON)); err != nil {
			return fmt.Errorf("insert assessment: %w", err)
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_items i WHERE i.audit_id = ?
			AND NOT EXISTS (SELECT 1 FROM audit_assessments s WHERE s.item_id = i.id)`, auditID).Scan(&open); err != nil {
			return fmt.Errorf("count unassessed: %w", err)
		}
		next := StatusFieldwork
		if open == 0 {
			next = StatusReview
		}
		if err := journal.Append(ctx, tx, actor.Username, "audit.assess", fmt.Sprintf("audit:%d/item:%d", auditID, itemID),
			journal.Change{Before: previousAssessment(item), After: map[string]any{"checks": checks, "score": score, "notes": notes}}); err != nil {
			return err
		}
		if next != st {
			if _, err := tx.ExecContext(ctx, `UPDATE audits SET status = ? WHERE id = ?`, next, auditID); err != nil {
				return fmt.Errorf("move audit on: %w", err)
			}
			return journal.Append(ctx, tx, actor.Username, "audit.status", auditObject(auditID),
				journal.Change{Before: map[string]any{"status": st}, After: map[string]any{"status": next}})
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("audit: assess item %d: %w", itemID, err)
	}
	return score, nil
}

func previousAssessment(it Item) any {
	if it.Score == nil {
		return nil
	}
	return map[string]any{"checks": it.Checks, "score": *it.Score, "notes": it.Notes}
}

// EvidenceKinds are the kinds of evidence an item may carry.
var EvidenceKinds = []string{"note", "link", "text"}

// AddEvidence attaches a note, a link (http or https) or pasted text to a sampled item, with
// the date it speaks for (YYYY-MM-DD; today when empty) and the SHA-256 of its content.
// Evidence never changes. Errors: EFORBIDDEN (auditors only; not on a version they wrote or
// approved), ENOTFOUND, ECONFLICT (signed off), EINVALID.
func (s *Store) AddEvidence(ctx context.Context, actor *accounts.User, auditID, itemID int64, kind, content, effective string) (*Evidence, error) {
	if err := forbid(actor, "Only auditors add evidence.", accounts.RoleAuditor); err != nil {
		return nil, err
	}
	// A signed-off (or unknown) audit refuses every write, whatever the body says: 409 (404)
	// before any field is judged. The check is repeated in the transaction.
	if _, err := auditStatus(ctx, s.db.Read, auditID); err != nil {
		return nil, fmt.Errorf("audit: add evidence to item %d: %w", itemID, err)
	}
	fields := map[string]string{}
	content = strings.TrimSpace(content)
	if !slices.Contains(EvidenceKinds, kind) {
		fields["kind"] = "one of note, link, text"
	}
	switch {
	case content == "":
		fields["content"] = "required"
	case len(content) > 64<<10:
		fields["content"] = "at most 64 KiB"
	case kind == "link":
		if u, err := url.Parse(content); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fields["content"] = "a link must be an http:// or https:// address"
		}
	}
	now := s.clock()
	if effective == "" {
		effective = now.Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, effective); err != nil {
		fields["effective_date"] = "a date as YYYY-MM-DD"
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	if err := s.ownWork(ctx, actor, auditID, itemID, "add evidence to"); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(content))
	ev := &Evidence{Kind: kind, Content: content, EffectiveDate: effective, SHA256: hex.EncodeToString(sum[:]), AddedBy: actor.Username, AddedAt: now}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := auditStatus(ctx, tx, auditID); err != nil {
			return err
		}
		if err := itemInAudit(ctx, tx, auditID, itemID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO audit_evidence (item_id, kind, content, effective_date, sha256, added_by, added_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, itemID, kind, content, effective, ev.SHA256, actor.ID, database.Format(now)).Scan(&ev.ID)
		if err != nil {
			return fmt.Errorf("insert evidence: %w", err)
		}
		// Files it references are frozen with it: their hashes are in its content, so in its hash.
		if err := kb.RecordEvidenceAttachments(ctx, tx, actor, ev.ID, content); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "audit.evidence", fmt.Sprintf("audit:%d/item:%d", auditID, itemID),
			journal.Change{After: map[string]any{"evidence": ev.ID, "kind": kind, "effective_date": effective, "sha256": ev.SHA256}})
	})
	if err != nil {
		return nil, fmt.Errorf("audit: add evidence to item %d: %w", itemID, err)
	}
	return ev, nil
}

func itemInAudit(ctx context.Context, q queryer, auditID, itemID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_items WHERE id = ? AND audit_id = ?`, itemID, auditID).Scan(&n); err != nil {
		return fmt.Errorf("find item: %w", err)
	}
	if n == 0 {
		return attest.Errorf(attest.ENOTFOUND, "No item %d in audit %d.", itemID, auditID)
	}
	return nil
}

func (s *Store) evidence(ctx context.Context, itemID int64) ([]Evidence, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT e.id, e.kind, e.content, e.effective_date, e.sha256, u.username, e.added_at
		FROM audit_evidence e JOIN users u ON u.id = e.added_by WHERE e.item_id = ? ORDER BY e.id`, itemID)
	if err != nil {
		return nil, fmt.Errorf("audit: evidence of item %d: %w", itemID, err)
	}
	defer rows.Close()
	var out []Evidence
	for rows.Next() {
		var e Evidence
		var at string
		if err := rows.Scan(&e.ID, &e.Kind, &e.Content, &e.EffectiveDate, &e.SHA256, &e.AddedBy, &at); err != nil {
			return nil, fmt.Errorf("audit: evidence of item %d: %w", itemID, err)
		}
		e.AddedAt = parseTime(at)
		e.Attachments = kb.AttachmentRefs(e.Content)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Adherence is the evidence of how an article was followed in a quarter, computed from
// recorded use, training and review dates.
type Adherence struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Uses counts every recorded use in the period.
	Uses int `json:"uses"`
	// Superseded counts uses of a version that was not the current approved one, per supplier.
	Superseded []SupplierCount `json:"superseded"`
	// Unauthorized lists uses by staff who lacked authority for the request type then.
	Unauthorized []UnauthorizedUse `json:"unauthorized"`
	// NextReview is the article's review date; ReviewOverdue is true when it has passed.
	NextReview    time.Time `json:"next_review"`
	ReviewOverdue bool      `json:"review_overdue"`
	// OpenFollowups are feedback follow-ups still open on the article.
	OpenFollowups []kb.AuditFollowup `json:"open_followups"`
}

// IsClean reports whether the evidence shows nothing to look into.
func (a Adherence) IsClean() bool {
	return len(a.Superseded) == 0 && len(a.Unauthorized) == 0 && !a.ReviewOverdue && len(a.OpenFollowups) == 0
}

// SupplierCount is a count per supplier.
type SupplierCount struct {
	Supplier string `json:"supplier"`
	Count    int    `json:"count"`
}

// UnauthorizedUse is a use of the article by someone without fulfilment authority for the
// request type at that moment.
type UnauthorizedUse struct {
	At          time.Time `json:"at"`
	Username    string    `json:"username"`
	Supplier    string    `json:"supplier"`
	RequestType string    `json:"request_type"`
	TicketRef   string    `json:"ticket_ref"`
	// Reason is training's reason (not_certified, expired, revoked, suspended…).
	Reason string `json:"reason"`
}

// Adherence computes the adherence evidence for a sampled item over the audit's quarter (up
// to now while the quarter runs). Errors: EINVALID (malformed quarter).
func (s *Store) Adherence(ctx context.Context, quarter string, it Item) (Adherence, error) {
	from, to, err := QuarterRange(quarter)
	if err != nil {
		return Adherence{}, err
	}
	now := s.clock()
	if now.Before(to) {
		to = now
	}
	ad := Adherence{From: from, To: to, Superseded: []SupplierCount{}, Unauthorized: []UnauthorizedUse{}}
	events, err := s.kb.AuditUsageEvents(ctx, it.ArticleID, from, to)
	if err != nil {
		return ad, err
	}
	ad.Uses = len(events)
	per := map[string]int{}
	type key struct {
		user int64
		rt   string
		day  string
	}
	seen := map[key]string{} // one authority check per person, request type and day
	for _, e := range events {
		if e.Outdated {
			per[e.Supplier]++
		}
		k := key{e.UserID, e.RequestType, e.At.Format(time.DateOnly)}
		reason, ok := seen[k]
		if !ok {
			auth, err := s.training.AuthorityAt(ctx, e.UserID, e.RequestType, e.At)
			if err != nil {
				if attest.ErrorCode(err) != attest.ENOTFOUND {
					return ad, fmt.Errorf("audit: adherence of item %d: %w", it.ID, err)
				}
				auth.Reason = "unknown"
			}
			if !auth.Authorized {
				reason = auth.Reason
			}
			seen[k] = reason
		}
		if reason != "" {
			ad.Unauthorized = append(ad.Unauthorized, UnauthorizedUse{At: e.At, Username: e.Username, Supplier: e.Supplier,
				RequestType: e.RequestType, TicketRef: e.TicketRef, Reason: reason})
		}
	}
	for sp, n := range per {
		ad.Superseded = append(ad.Superseded, SupplierCount{sp, n})
	}
	slices.SortFunc(ad.Superseded, func(a, b SupplierCount) int { return strings.Compare(a.Supplier, b.Supplier) })
	if ad.NextReview, err = s.kb.AuditNextReview(ctx, it.ArticleID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ad, err
	}
	ad.ReviewOverdue = !ad.NextReview.IsZero() && ad.NextReview.Before(now)
	if ad.OpenFollowups, err = s.kb.AuditOpenFollowups(ctx, it.ArticleID); err != nil {
		return ad, err
	}
	if ad.OpenFollowups == nil {
		ad.OpenFollowups = []kb.AuditFollowup{}
	}
	return ad, nil
}

// ownWork refuses an auditor's work on a sampled item whose version they wrote or approved:
// nobody audits their own knowledge. An unknown item is ENOTFOUND.
func (s *Store) ownWork(ctx context.Context, actor *accounts.User, auditID, itemID int64, what string) error {
	var articleID int64
	var version int
	err := s.db.Read.QueryRowContext(ctx, `SELECT article_id, version FROM audit_items WHERE id = ? AND audit_id = ?`,
		itemID, auditID).Scan(&articleID, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return attest.Errorf(attest.ENOTFOUND, "No item %d in audit %d.", itemID, auditID)
	}
	if err != nil {
		return fmt.Errorf("audit: item %d: %w", itemID, err)
	}
	people, err := s.kb.AuditVersionPeople(ctx, articleID, version)
	if err != nil {
		return err
	}
	if slices.Contains(people, actor.ID) {
		return attest.Errorf(attest.EFORBIDDEN, "You wrote or approved version %d of this article: another auditor must %s it.", version, what)
	}
	return nil
}
