package kb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/outbox"
)

// Decision is a knowledge manager's approval or rejection of a version.
type Decision struct {
	Comment string
	// Major marks a change staff must be retrained on (approvals only).
	Major bool
}

// ApprovalResult is where a version stands after an approval: approved, or still in review
// waiting for a second approver.
type ApprovalResult struct {
	Status    Status
	Approvals int
	Required  int
}

// VersionActions is what a person may do with a version now: the one answer that both the
// pages' buttons and the store's checks use.
type VersionActions struct {
	Submit   bool
	Withdraw bool
	Approve  bool
	Reject   bool
	// IsAuthor says the person wrote the version (and so may not approve or reject it).
	IsAuthor bool
	// ApprovedByMe says the person gave one of the approvals it still needs.
	ApprovedByMe bool
	// Stale says another version was approved after this one's base: approving it would
	// undo that change.
	Stale bool
}

// versionAction is one of the things done to a version.
type versionAction int

const (
	actSubmit versionAction = iota
	actWithdraw
	actApprove
	actReject
)

// Actions says what actor may do with version v of article a, as read by Store.Version (its
// approvals filled) and Store.History (a.Current is the current approved version when actor
// may read it). A nil actor may do nothing.
func Actions(actor *accounts.User, a *Article, v *Version) VersionActions {
	if actor == nil || a == nil || v == nil {
		return VersionActions{}
	}
	return VersionActions{
		Submit:       refusal(actor, a, v, actSubmit) == nil,
		Withdraw:     refusal(actor, a, v, actWithdraw) == nil,
		Approve:      refusal(actor, a, v, actApprove) == nil,
		Reject:       refusal(actor, a, v, actReject) == nil,
		IsAuthor:     v.authorID == actor.ID,
		ApprovedByMe: approvedBy(v, actor),
		Stale:        isStale(a, v),
	}
}

func approvedBy(v *Version, u *accounts.User) bool {
	for _, ap := range v.Approvals {
		if ap.approverID == u.ID {
			return true
		}
	}
	return false
}

// isStale reports whether v is in review on a base older than a's current approved version.
func isStale(a *Article, v *Version) bool {
	return v.Status == StatusInReview && a.Current != nil && a.Current.Number != v.Number && v.Base < a.Current.Number
}

// refusal says why actor may not do act with version v of article a, nil when they may: the
// rule behind Actions and behind Submit, Withdraw, Approve and Reject. A stale approval is
// refused with ESTALE (Approve adds the changes since the base).
func refusal(actor *accounts.User, a *Article, v *Version, act versionAction) error {
	if actor == nil {
		return attest.Errorf(attest.EFORBIDDEN, "Sign in first.")
	}
	mine := v.authorID == actor.ID
	n := v.Number
	switch act {
	case actSubmit:
		switch {
		case !mine && !actor.Has(accounts.RoleKnowledgeManager):
			return attest.Errorf(attest.EFORBIDDEN, "Only the author or a knowledge manager submits a version for review.")
		case a.Status == ArticleRetired:
			return attest.Errorf(attest.ECONFLICT, "Article %d is retired.", a.ID)
		case v.Status != StatusDraft:
			return attest.Errorf(attest.ECONFLICT, "Version %d is %s; only a draft is submitted for review.", n, v.Status.Label())
		}
	case actWithdraw:
		switch {
		case !mine:
			return attest.Errorf(attest.EFORBIDDEN, "Only the author withdraws a version.")
		case v.Status != StatusDraft && v.Status != StatusInReview:
			return attest.Errorf(attest.ECONFLICT, "Version %d is %s; only a draft or a version in review is withdrawn.", n, v.Status.Label())
		}
	case actApprove:
		switch {
		case !actor.Has(accounts.RoleKnowledgeManager):
			return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers approve versions.")
		case mine:
			return attest.Errorf(attest.EFORBIDDEN, "You wrote version %d, so someone else must approve it (four eyes).", n)
		case a.Status == ArticleRetired:
			return attest.Errorf(attest.ECONFLICT, "Article %d is retired.", a.ID)
		case v.Status != StatusInReview:
			return attest.Errorf(attest.ECONFLICT, "Version %d is %s; only a version in review is approved.", n, v.Status.Label())
		case approvedBy(v, actor):
			return attest.Errorf(attest.ECONFLICT, "You already approved version %d; a second knowledge manager must approve it too.", n)
		case isStale(a, v):
			return attest.Errorf(attest.ESTALE, "Version %d is based on version %d, but version %d was approved since.", n, v.Base, a.Current.Number)
		}
	case actReject:
		switch {
		case !actor.Has(accounts.RoleKnowledgeManager):
			return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers reject versions.")
		case mine:
			return attest.Errorf(attest.EFORBIDDEN, "You wrote version %d: withdraw it instead of rejecting it.", n)
		case v.Status != StatusInReview:
			return attest.Errorf(attest.ECONFLICT, "Version %d is %s; only a version in review is rejected.", n, v.Status.Label())
		}
	}
	return nil
}

// approvalsRequired is the most approvals any of the article's request types asks for (1
// when it has none).
func approvalsRequired(ctx context.Context, q querier, id int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(rt.approvals_required), 1) FROM article_request_types art
		JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = ?`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("kb: approvals required for %d: %w", id, err)
	}
	return max(n, 1), nil
}

// fixApprovalsRequired records, as v is submitted, the approvals it needs: the most its
// article's request types ask for now. Reclassifying the article while v is in review can
// raise what v needs, never lower it (see versionApprovalsRequired).
func fixApprovalsRequired(ctx context.Context, tx *sql.Tx, v *Version) (int, error) {
	n, err := approvalsRequired(ctx, tx, v.ArticleID)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE versions SET approvals_required = ? WHERE id = ?`, n, v.id); err != nil {
		return 0, fmt.Errorf("kb: approvals required of %d/%d: %w", v.ArticleID, v.Number, err)
	}
	v.submittedRequired = n
	return n, nil
}

// versionApprovalsRequired is how many distinct approvers v needs now: the strictest of what
// was fixed when it was submitted and what its article's request types ask for today.
func versionApprovalsRequired(ctx context.Context, q querier, v *Version) (int, error) {
	n, err := approvalsRequired(ctx, q, v.ArticleID)
	if err != nil {
		return 0, err
	}
	return max(n, v.submittedRequired), nil
}

// Approve records actor's approval of version n of article id. Nobody approves a version they
// wrote (four eyes). When the article's request types need two approvals, the first leaves
// the version in review and the second must come from someone else. The approval that
// completes it makes the version current: the previous one is superseded, the next review
// date is set, the author and watchers are told and search follows.
// Errors: EFORBIDDEN (not a knowledge manager, or the author), ENOTFOUND, ECONFLICT (not in
// review, already approved by actor, article retired), ESTALE (another version was approved
// after this one's base), EINVALID (comment too long).
func (s *Store) Approve(ctx context.Context, actor *accounts.User, id int64, n int, d Decision) (*ApprovalResult, error) {
	if err := refusal(actor, &Article{}, &Version{Status: StatusInReview}, actApprove); attest.ErrorCode(err) == attest.EFORBIDDEN {
		return nil, err // before reading anything: not a knowledge manager
	}
	d.Comment = strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(d.Comment) > MaxComment {
		return nil, attest.FieldError(map[string]string{"comment": fmt.Sprintf("at most %d characters", MaxComment)})
	}
	var res *ApprovalResult
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, v, err := transition(ctx, tx, actor, id, n)
		if err != nil {
			return err
		}
		if v.Approvals, err = loadApprovals(ctx, tx, v.id); err != nil {
			return err
		}
		cur := a.Current
		if err := refusal(actor, a, v, actApprove); err != nil {
			if attest.ErrorCode(err) != attest.ESTALE {
				return err
			}
			base, err := loadVersion(ctx, tx, id, v.Base)
			if err != nil {
				// Base 0: a first version proposed while another became current.
				base = &Version{Number: v.Base}
			}
			return staleError(base, cur)
		}
		required, err := versionApprovalsRequired(ctx, tx, v)
		if err != nil {
			return err
		}
		now := time.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO approvals (version_id, approver_id, comment, major, at) VALUES (?, ?, ?, ?, ?)`,
			v.id, actor.ID, d.Comment, d.Major, database.Format(now)); err != nil {
			return fmt.Errorf("kb: approve %d/%d: %w", id, n, err)
		}
		var count int
		var major bool
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(major), 0) FROM approvals WHERE version_id = ?`, v.id).Scan(&count, &major); err != nil {
			return fmt.Errorf("kb: approve %d/%d: %w", id, n, err)
		}
		res = &ApprovalResult{Status: StatusInReview, Approvals: count, Required: required}
		link := fmt.Sprintf("/articles/%d/versions/%d", id, n)
		if count < required {
			if err := send(ctx, tx, notice{article: a, version: v, link: link,
				text: fmt.Sprintf("%s approved version %d of “%s” (%d of %d approvals).", actor.Name(), n, v.Title, count, required)}, v.authorID); err != nil {
				return err
			}
			return journal.Append(ctx, tx, actor.Username, "version.approve", versionObject(id, n), journal.Change{
				Before: map[string]any{"status": v.Status, "approvals": count - 1},
				After:  map[string]any{"status": StatusInReview, "approvals": count, "approvals_required": required, "comment": d.Comment, "major": d.Major}})
		}
		res.Status = StatusApproved
		return approve(ctx, tx, actor, a, v, cur, approveOpts{comment: d.Comment, major: major, at: now, approvals: count, required: required})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

type approveOpts struct {
	comment   string
	major     bool
	at        time.Time
	approvals int
	required  int
	viaImport bool
}

// approve makes v the current version of a: supersedes cur, sets the review date, tells
// search, notifies and journals.
func approve(ctx context.Context, tx *sql.Tx, actor *accounts.User, a *Article, v, cur *Version, o approveOpts) error {
	at := database.Format(o.at)
	if cur != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET status = 'superseded' WHERE id = ?`, cur.id); err != nil {
			return fmt.Errorf("kb: supersede %d/%d: %w", a.ID, cur.Number, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE versions SET status = 'approved', decided_at = ?, decided_by = ?, comment = ?, major = ?, via_import = ? WHERE id = ?`,
		at, actor.ID, o.comment, o.major, o.viaImport, v.id); err != nil {
		return fmt.Errorf("kb: approve %d/%d: %w", a.ID, v.Number, err)
	}
	if err := setNextReview(ctx, tx, a.ID, o.at); err != nil {
		return err
	}
	if err := searchChanged(ctx, tx, a.ID); err != nil {
		return err
	}
	// A newer approved version answers the feedback that asked for it.
	if err := resolveFollowupsTx(ctx, tx, actor, a.ID, v.Number); err != nil {
		return err
	}
	action := "version.approve"
	if o.viaImport {
		action = "import"
	}
	after := map[string]any{"status": StatusApproved, "comment": o.comment, "major": o.major, "approvals": o.approvals, "approvals_required": o.required}
	before := map[string]any{"status": v.Status}
	if cur != nil {
		before["current"] = cur.Number
		after["superseded"] = cur.Number
	}
	if o.viaImport {
		after["via_import"] = true
		after["version"] = versionDetail(v, nil, nil)
	}
	if err := journal.Append(ctx, tx, actor.Username, action, versionObject(a.ID, v.Number), journal.Change{Before: before, After: after}); err != nil {
		return err
	}
	if o.viaImport {
		return nil
	}
	link := fmt.Sprintf("/articles/%d", a.ID)
	kind := "approved"
	if o.major {
		kind = "approved as a major change"
	}
	// The notices are about the version just made current.
	now := *a
	now.Current = v
	v.Status = StatusApproved
	if err := send(ctx, tx, notice{article: &now, link: link,
		text: fmt.Sprintf("%s %s your version %d of “%s”; it is now current.", actor.Name(), kind, v.Number, v.Title)}, v.authorID); err != nil {
		return err
	}
	data := articleData(&now, v, link)
	data["major"] = o.major
	if err := hook(ctx, tx, outbox.ArticleApproved, &now, data); err != nil {
		return err
	}
	return sendWatchers(ctx, tx, notice{article: &now, link: link,
		text: fmt.Sprintf("The steps of “%s” changed: version %d was %s by %s.", v.Title, v.Number, kind, actor.Name())}, actor.ID, v.authorID)
}

// ReapplyLink is the editor opened with the text of version n of article id, what changed
// since its base and the button that re-applies it on the current version: how the author of
// a stale proposal re-applies it.
func ReapplyLink(id int64, n int) string { return fmt.Sprintf("/articles/%d/edit?reapply=%d", id, n) }

// Reject turns down a version in review with a comment saying why (knowledge managers other
// than its author, who withdraws instead). The author and watchers who may see it are told.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (comment), ECONFLICT (not in review).
func (s *Store) Reject(ctx context.Context, actor *accounts.User, id int64, n int, d Decision) (*Version, error) {
	if err := refusal(actor, &Article{}, &Version{Status: StatusInReview}, actReject); attest.ErrorCode(err) == attest.EFORBIDDEN {
		return nil, err // before reading anything: not a knowledge manager
	}
	d.Comment = strings.TrimSpace(d.Comment)
	switch {
	case d.Comment == "":
		return nil, attest.FieldError(map[string]string{"comment": "required: tell the author why"})
	case utf8.RuneCountInString(d.Comment) > MaxComment:
		return nil, attest.FieldError(map[string]string{"comment": fmt.Sprintf("at most %d characters", MaxComment)})
	}
	var v *Version
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, ver, err := transition(ctx, tx, actor, id, n)
		if err != nil {
			return err
		}
		v = ver
		if err := refusal(actor, a, v, actReject); err != nil {
			return err
		}
		now := database.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET status = 'rejected', decided_at = ?, decided_by = ?, comment = ? WHERE id = ?`,
			now, actor.ID, d.Comment, v.id); err != nil {
			return fmt.Errorf("kb: reject %d/%d: %w", id, n, err)
		}
		link := fmt.Sprintf("/articles/%d/versions/%d", id, n)
		// The notices are about the rejected proposal: its author and those who read every
		// version are told; agents watching the article do not read other people's proposals.
		// The author of a stale proposal is offered to re-apply it on the current version: the
		// editor opens on the current version with their text loaded.
		text, authorLink := fmt.Sprintf("%s rejected your version %d of “%s”: %s", actor.Name(), n, v.Title, d.Comment), link
		if isStale(a, v) {
			text += fmt.Sprintf(" It was based on version %d; version %d is current now: open this to re-apply your change on it.", v.Base, a.Current.Number)
			authorLink = ReapplyLink(id, n)
		}
		if err := send(ctx, tx, notice{article: a, version: v, link: authorLink, text: text}, v.authorID); err != nil {
			return err
		}
		if err := sendWatchers(ctx, tx, notice{article: a, version: v, link: link,
			text: fmt.Sprintf("%s rejected version %d of “%s” by %s: %s", actor.Name(), n, v.Title, v.AuthorName, d.Comment)}, actor.ID, v.authorID); err != nil {
			return err
		}
		if err := journal.Append(ctx, tx, actor.Username, "version.reject", versionObject(id, n), journal.Change{
			Before: map[string]any{"status": v.Status}, After: map[string]any{"status": StatusRejected, "comment": d.Comment}}); err != nil {
			return err
		}
		v.Status, v.Comment, v.DecidedBy = StatusRejected, d.Comment, actor.Username
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// QueueItem is a version waiting for review.
type QueueItem struct {
	ArticleID   int64
	Number      int
	Base        int
	Title       string
	Author      string
	AuthorName  string
	Note        string
	SubmittedAt time.Time
	Approvals   int
	Required    int
	// Current is the article's approved version number (0 when none); Stale says the version
	// is based on an older one, so approving it would be refused.
	Current int
	Stale   bool
	// ApprovedByMe says the reader already gave one of two approvals.
	ApprovedByMe bool
	// Mine says the reader wrote it (and may not approve it).
	Mine bool
	// Supplier is the name of the author's supplier ("" for staff without one).
	Supplier string
	// RequestTypes are the keys of the article's request types.
	RequestTypes []string
	// Competing are the numbers of the other versions in review on the same base: approving
	// one makes the others stale.
	Competing []int
}

// QueueState is where a queued version stands for the person reading the queue.
type QueueState string

// The states of a queued version, for the reader.
const (
	QueueReady        QueueState = "ready"
	QueueStale        QueueState = "stale"
	QueueMine         QueueState = "mine"
	QueueApprovedByMe QueueState = "approved_by_me"
)

// QueueStates lists the states in the order the queue's filter offers them.
var QueueStates = []QueueState{QueueReady, QueueApprovedByMe, QueueMine, QueueStale}

// Label is the state's name for people.
func (s QueueState) Label() string {
	switch s {
	case QueueReady:
		return "Ready for your review"
	case QueueStale:
		return "Stale: based on an older version"
	case QueueMine:
		return "Yours: someone else reviews it"
	case QueueApprovedByMe:
		return "You approved: needs a second approver"
	}
	return string(s)
}

// State is where the item stands for the reader; a stale version is stale whoever reads it.
func (it QueueItem) State() QueueState {
	switch {
	case it.Stale:
		return QueueStale
	case it.Mine:
		return QueueMine
	case it.ApprovedByMe:
		return QueueApprovedByMe
	}
	return QueueReady
}

// Age is how long the version has waited for review at now.
func (it QueueItem) Age(now time.Time) time.Duration { return now.Sub(it.SubmittedAt) }

// QueueFilter narrows and orders the versions in review; zero fields do not filter.
type QueueFilter struct {
	RequestType string
	Supplier    string
	State       QueueState
	// Newest lists the newest first; the default is oldest first.
	Newest bool
}

// IsZero reports whether the filter narrows nothing.
func (f QueueFilter) IsZero() bool { return f.RequestType == "" && f.Supplier == "" && f.State == "" }

// Queue is the knowledge managers' review queue.
type Queue struct {
	InReview []QueueItem
	// Waiting is how many versions are in review before filtering.
	Waiting int
	// Suppliers and RequestTypes are the choices of the filter: those of the versions in review.
	Suppliers    []string
	RequestTypes []string
	Overdue      []Summary
	// Retirements wait for a second knowledge manager's confirmation.
	Retirements []PendingRetirement
}

// PendingRetirement is an article whose retirement a knowledge manager requested.
type PendingRetirement struct {
	ArticleID   int64
	Title       string
	RequestedBy string
	RequestedAt time.Time
	Reason      string
}

// ReviewQueue returns the versions in review and the overdue articles, oldest first
// (knowledge managers). Errors: EFORBIDDEN.
func (s *Store) ReviewQueue(ctx context.Context, actor *accounts.User) (*Queue, error) {
	return s.FilteredReviewQueue(ctx, actor, QueueFilter{})
}

// FilteredReviewQueue is ReviewQueue with the versions in review narrowed and ordered by f.
// Errors: EFORBIDDEN, EINVALID (an unknown state).
func (s *Store) FilteredReviewQueue(ctx context.Context, actor *accounts.User, f QueueFilter) (*Queue, error) {
	if !actor.Has(accounts.RoleKnowledgeManager) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers review versions.")
	}
	q := &Queue{InReview: []QueueItem{}, Overdue: []Summary{}}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT v.article_id, v.number, v.base, v.title, u.username, u.display_name, v.note,
		COALESCE(v.submitted_at, v.created_at),
		(SELECT COUNT(*) FROM approvals WHERE version_id = v.id),
		MAX(COALESCE(v.approvals_required, 1), (SELECT COALESCE(MAX(rt.approvals_required), 1) FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = v.article_id)),
		COALESCE((SELECT number FROM versions c WHERE c.article_id = v.article_id AND c.status = 'approved'), 0),
		EXISTS(SELECT 1 FROM approvals WHERE version_id = v.id AND approver_id = ?),
		v.author_id = ?, COALESCE(sp.name, ''),
		COALESCE((SELECT group_concat(rt.key, char(31)) FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id
			WHERE art.article_id = v.article_id), ''),
		COALESCE((SELECT group_concat(c.number) FROM versions c WHERE c.article_id = v.article_id AND c.base = v.base
			AND c.status = 'in_review' AND c.id <> v.id), '')
		FROM versions v JOIN users u ON u.id = v.author_id JOIN articles a ON a.id = v.article_id AND a.status = 'active'
		LEFT JOIN suppliers sp ON sp.id = u.supplier_id
		WHERE v.status = 'in_review' ORDER BY COALESCE(v.submitted_at, v.created_at), v.id`, actor.ID, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("kb: review queue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it QueueItem
		var sub, rts, competing string
		if err := rows.Scan(&it.ArticleID, &it.Number, &it.Base, &it.Title, &it.Author, &it.AuthorName, &it.Note, &sub,
			&it.Approvals, &it.Required, &it.Current, &it.ApprovedByMe, &it.Mine, &it.Supplier, &rts, &competing); err != nil {
			return nil, fmt.Errorf("kb: review queue: %w", err)
		}
		it.SubmittedAt = parseTime(sub)
		it.Stale = it.Current > 0 && it.Base < it.Current
		it.RequestTypes = splitSorted(rts)
		for _, c := range strings.Split(competing, ",") {
			if n, err := strconv.Atoi(c); err == nil {
				it.Competing = append(it.Competing, n)
			}
		}
		slices.Sort(it.Competing)
		q.InReview = append(q.InReview, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb: review queue: %w", err)
	}
	q.InReview, err = filterQueue(q, q.InReview, f)
	if err != nil {
		return nil, err
	}
	orows, err := s.db.Read.QueryContext(ctx, `SELECT a.id, v.title, v.number, COALESCE(v.decided_at, ''), a.next_review
		FROM articles a JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
		WHERE a.status = 'active' AND a.next_review IS NOT NULL AND a.next_review < ? ORDER BY a.next_review, a.id`, database.Now())
	if err != nil {
		return nil, fmt.Errorf("kb: overdue articles: %w", err)
	}
	defer orows.Close()
	for orows.Next() {
		var sm Summary
		var approved, next string
		if err := orows.Scan(&sm.ID, &sm.Title, &sm.Number, &approved, &next); err != nil {
			return nil, fmt.Errorf("kb: overdue articles: %w", err)
		}
		sm.ApprovedAt, sm.NextReview, sm.Overdue = parseTime(approved), parseTime(next), true
		q.Overdue = append(q.Overdue, sm)
	}
	if err := orows.Err(); err != nil {
		return nil, err
	}
	if q.Retirements, err = s.pendingRetirements(ctx); err != nil {
		return nil, err
	}
	return q, nil
}

// filterQueue records the filter's choices and the count in q and returns the items f keeps,
// in f's order. Errors: EINVALID (an unknown state).
func filterQueue(q *Queue, items []QueueItem, f QueueFilter) ([]QueueItem, error) {
	if f.State != "" && !slices.Contains(QueueStates, f.State) {
		return nil, attest.FieldError(map[string]string{"state": "one of ready, approved_by_me, mine, stale"})
	}
	q.Waiting = len(items)
	q.Suppliers, q.RequestTypes = []string{}, []string{}
	out := []QueueItem{}
	for _, it := range items {
		if it.Supplier != "" && !slices.Contains(q.Suppliers, it.Supplier) {
			q.Suppliers = append(q.Suppliers, it.Supplier)
		}
		for _, rt := range it.RequestTypes {
			if !slices.Contains(q.RequestTypes, rt) {
				q.RequestTypes = append(q.RequestTypes, rt)
			}
		}
		if (f.RequestType != "" && !slices.Contains(it.RequestTypes, f.RequestType)) ||
			(f.Supplier != "" && it.Supplier != f.Supplier) || (f.State != "" && it.State() != f.State) {
			continue
		}
		out = append(out, it)
	}
	slices.Sort(q.Suppliers)
	slices.Sort(q.RequestTypes)
	if f.Newest {
		slices.Reverse(out)
	}
	return out, nil
}

// pendingRetirements lists the retirements waiting for a second knowledge manager, oldest first.
func (s *Store) pendingRetirements(ctx context.Context) ([]PendingRetirement, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT r.article_id, COALESCE((SELECT title FROM versions v WHERE v.article_id = r.article_id
			ORDER BY (v.status = 'approved') DESC, v.number DESC LIMIT 1), ''), u.username, r.requested_at, r.reason
		FROM article_retirements r JOIN users u ON u.id = r.requested_by JOIN articles a ON a.id = r.article_id AND a.status = 'retired'
		WHERE r.confirmed_at IS NULL ORDER BY r.requested_at, r.article_id`)
	if err != nil {
		return nil, fmt.Errorf("kb: pending retirements: %w", err)
	}
	defer rows.Close()
	out := []PendingRetirement{}
	for rows.Next() {
		var p PendingRetirement
		var at string
		if err := rows.Scan(&p.ArticleID, &p.Title, &p.RequestedBy, &at, &p.Reason); err != nil {
			return nil, fmt.Errorf("kb: pending retirements: %w", err)
		}
		p.RequestedAt = parseTime(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Reapply is what the author of a stale version n of article id needs to re-apply it: the
// version, the current version and what changed from its base to the current one (its base
// may be superseded: it was current once, as in SaveVersion). changes is nil when n is not
// stale. Errors: EAGREEMENT, ENOTFOUND.
func (s *Store) Reapply(ctx context.Context, actor *accounts.User, id int64, n int) (v, current *Version, changes []Change, err error) {
	if v, err = s.Version(ctx, actor, id, n); err != nil {
		return nil, nil, nil, err
	}
	a, err := visibleArticle(ctx, s.db.Read, actor, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if a.Current == nil || v.Base == 0 || v.Base >= a.Current.Number {
		return v, a.Current, nil, nil
	}
	base, err := loadVersion(ctx, s.db.Read, id, v.Base)
	if err != nil {
		return nil, nil, nil, err
	}
	return v, a.Current, Diff(base.Body, a.Current.Body), nil
}
