package kb

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
)

// MaxFeedbackComment is the longest feedback comment, in characters.
const MaxFeedbackComment = 2000

// FeedbackInput is a reader's rating of an article's current version.
type FeedbackInput struct {
	// Helpful is required unless Wrong is set (then it is false).
	Helpful *bool
	Comment string
	// Wrong flags "this is wrong": it always opens a follow-up.
	Wrong bool
	// Invalid holds field errors found before the store saw the input; they are reported
	// with the store's own and nothing is recorded.
	Invalid map[string]string
}

// Feedback is a recorded rating.
type Feedback struct {
	ID        int64
	ArticleID int64
	Version   int
	Helpful   bool
	Wrong     bool
	Comment   string
	At        time.Time
	// FollowupID is the follow-up the feedback opened, 0 when it opened none.
	FollowupID int64
}

// IsActionable reports whether feedback opens a follow-up: "not helpful" with a comment, or
// "this is wrong".
func (f *Feedback) IsActionable() bool { return f.Wrong || (!f.Helpful && f.Comment != "") }

// GiveFeedback records actor's rating of the current version of article id (anyone who may
// read it). "Not helpful" with a comment, or "this is wrong", opens a follow-up for the
// knowledge managers and tells the article's watchers (its authors among them). The record
// and the follow-up are committed before it returns; opening the follow-up is journaled.
// Errors: EAGREEMENT, ENOTFOUND (no article the actor may read), EINVALID (helpful, comment),
// ECONFLICT (the article has no approved version to rate).
func (s *Store) GiveFeedback(ctx context.Context, actor *accounts.User, id int64, in FeedbackInput) (*Feedback, error) {
	return s.GiveFeedbackAt(ctx, actor, id, in, time.Time{})
}

// GiveFeedbackAt is GiveFeedback with an explicit time, for imports and the demo only (a zero
// at means now).
func (s *Store) GiveFeedbackAt(ctx context.Context, actor *accounts.User, id int64, in FeedbackInput, at time.Time) (*Feedback, error) {
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	maps.Copy(fields, in.Invalid)
	comment := strings.TrimSpace(in.Comment)
	if _, bad := fields["helpful"]; !bad && in.Helpful == nil && !in.Wrong {
		fields["helpful"] = "required: true or false"
	}
	if _, bad := fields["comment"]; !bad {
		switch {
		case !utf8.ValidString(comment):
			fields["comment"] = "must be UTF-8 text"
		case utf8.RuneCountInString(comment) > MaxFeedbackComment:
			fields["comment"] = fmt.Sprintf("at most %d characters", MaxFeedbackComment)
		}
	}
	a, err := loadArticle(ctx, s.db.Read, id)
	if err != nil {
		return nil, err
	}
	if !readsCurrent(actor, a) {
		return nil, notFound(id)
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	if a.Current == nil {
		return nil, attest.Errorf(attest.ECONFLICT, "Article %d has no approved version to rate yet.", id)
	}
	if at.IsZero() {
		at = time.Now()
	}
	f := &Feedback{ArticleID: id, Version: a.Current.Number, Helpful: in.Helpful != nil && *in.Helpful, Wrong: in.Wrong,
		Comment: comment, At: at.UTC()}
	if f.Wrong {
		f.Helpful = false
	}
	stamp := database.Format(at)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO feedback (at, user_id, supplier_id, article_id, version, helpful, wrong, comment)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, stamp, actor.ID, usageNullID(actor.SupplierID), id, f.Version,
			f.Helpful, f.Wrong, f.Comment).Scan(&f.ID)
		if err != nil {
			return err
		}
		if !f.IsActionable() {
			return nil
		}
		return openFollowup(ctx, tx, actor, a, f, stamp)
	})
	if err != nil {
		return nil, fmt.Errorf("kb: feedback on article %d: %w", id, err)
	}
	return f, nil
}
