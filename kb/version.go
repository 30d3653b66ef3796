package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// NewVersion is an edit of an article: the version it was edited from and the new content.
type NewVersion struct {
	Base  int
	Title string
	Body  string
	Note  string
}

// staleError is the 409 of API.md's "No lost update": the current version and what changed
// from the base to it.
func staleError(base, current *Version) error {
	return &attest.Error{Code: attest.ESTALE,
		Message: fmt.Sprintf("Version %d was approved after version %d, which this is based on. Nothing was lost: look at what changed and re-apply the change on version %d.",
			current.Number, base.Number, current.Number),
		Extra: map[string]any{"current": current.Number, "changes": Diff(base.Body, current.Body)}}
}

// SaveVersion saves an edit of article id as a new draft by actor, numbered after the
// article's newest version. The edit names its base; a base older than the current approved
// version is stale (ESTALE, with the current number and the changes from the base to it),
// so that nobody's approved change is silently undone. Other people's drafts never make a
// save stale. Agents edit articles they may read, and their own.
// Errors: EFORBIDDEN, EAGREEMENT, ENOTFOUND, EINVALID (base, title, body, note),
// ECONFLICT (retired), ESTALE.
func (s *Store) SaveVersion(ctx context.Context, actor *accounts.User, id int64, in NewVersion) (*Version, error) {
	if err := canWrite(actor); err != nil {
		return nil, err
	}
	in.Body = NormalizeBody(in.Body)
	fields := map[string]string{}
	title, note := checkContent(in.Title, in.Body, in.Note, fields)
	var r Rendered
	if len(fields) == 0 {
		var err error
		if r, err = Render(ctx, in.Body); err != nil {
			return nil, err
		}
	}
	var v *Version
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := visibleArticle(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if a.Status == ArticleRetired {
			return attest.Errorf(attest.ECONFLICT, "Article %d is retired; it takes no new versions.", id)
		}
		base, err := loadVersion(ctx, tx, id, in.Base)
		switch {
		case attest.ErrorCode(err) == attest.ENOTFOUND:
			fields["base"] = fmt.Sprintf("no version %d of this article", in.Base)
		case err != nil:
			return err
		case !readsVersion(actor, a, base) && base.Status != StatusSuperseded:
			// A superseded version was current once: its readers may still be editing from it.
			fields["base"] = fmt.Sprintf("no version %d of this article", in.Base)
		}
		if len(fields) > 0 {
			return attest.FieldError(fields)
		}
		if cur, err := currentVersion(ctx, tx, id); err != nil {
			return err
		} else if cur != nil && base.Number < cur.Number {
			return staleError(base, cur)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE article_id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("kb: save version of %d: %w", id, err)
		}
		if v, err = insertVersion(ctx, tx, actor, id, n, base.Number, title, in.Body, note, r, StatusDraft, database.Now()); err != nil {
			return err
		}
		if err := journal.Append(ctx, tx, actor.Username, "version.save", versionObject(id, n),
			journal.Change{After: versionDetail(v, nil, nil)}); err != nil {
			return err
		}
		return clearAutosave(ctx, tx, actor, id)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// currentVersion loads the approved version of article id, nil when there is none.
func currentVersion(ctx context.Context, q querier, id int64) (*Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+` WHERE v.article_id = ? AND v.status = 'approved'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kb: current version of %d: %w", id, err)
	}
	return v, nil
}

func versionObject(id int64, n int) string { return fmt.Sprintf("article:%d/version:%d", id, n) }

// transition loads version n of article id for a state change by actor, checking that actor
// may see it. Errors: EAGREEMENT, ENOTFOUND.
func transition(ctx context.Context, tx *sql.Tx, actor *accounts.User, id int64, n int) (*Article, *Version, error) {
	a, err := visibleArticle(ctx, tx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	v, err := loadVersion(ctx, tx, id, n)
	if err != nil {
		return nil, nil, err
	}
	if !readsVersion(actor, a, v) {
		return nil, nil, attest.Errorf(attest.ENOTFOUND, "Article %d has no version %d you can read.", id, n)
	}
	return a, v, nil
}

// setStatus records a version's new status and journals it.
func setStatus(ctx context.Context, tx *sql.Tx, actor *accounts.User, v *Version, to Status, action string, extra map[string]any) error {
	now := database.Now()
	q := `UPDATE versions SET status = ? WHERE id = ?`
	args := []any{to, v.id}
	switch to {
	case StatusInReview:
		q = `UPDATE versions SET status = ?, submitted_at = ? WHERE id = ?`
		args = []any{to, now, v.id}
	case StatusWithdrawn:
		q = `UPDATE versions SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?`
		args = []any{to, now, actor.ID, v.id}
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("kb: %s version %d of %d: %w", action, v.Number, v.ArticleID, err)
	}
	after := map[string]any{"status": to}
	for k, x := range extra {
		after[k] = x
	}
	return journal.Append(ctx, tx, actor.Username, action, versionObject(v.ArticleID, v.Number),
		journal.Change{Before: map[string]any{"status": v.Status}, After: after})
}

// Submit sends a draft for review: by its author or a knowledge manager. A draft identical
// to its base (same title and body) is refused: there is nothing to review.
// Errors: EAGREEMENT, ENOTFOUND, EFORBIDDEN, ECONFLICT (not a draft, or the article is
// retired), EINVALID (identical to its base).
func (s *Store) Submit(ctx context.Context, actor *accounts.User, id int64, n int) (*Version, error) {
	var v *Version
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, ver, err := transition(ctx, tx, actor, id, n)
		if err != nil {
			return err
		}
		v = ver
		if err := refusal(actor, a, v, actSubmit); err != nil {
			return err
		}
		if err := checkChangesBase(ctx, tx, v); err != nil {
			return err
		}
		required, err := fixApprovalsRequired(ctx, tx, v)
		if err != nil {
			return err
		}
		if err := setStatus(ctx, tx, actor, v, StatusInReview, "version.submit", map[string]any{"approvals_required": required}); err != nil {
			return err
		}
		// A version to review: the knowledge managers who may approve it are told.
		reviewers, err := reviewersOf(ctx, tx, actor.ID, v.authorID)
		if err != nil {
			return err
		}
		if err := send(ctx, tx, notice{article: a, version: v, review: true, link: fmt.Sprintf("/articles/%d/versions/%d", id, n),
			text: fmt.Sprintf("%s sent version %d of “%s” for review.", actor.Name(), n, v.Title)}, reviewers...); err != nil {
			return err
		}
		v.Status, v.SubmittedAt = StatusInReview, time.Now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// checkChangesBase refuses a version whose title and body are those of its base: reviewing
// it would change nothing. Errors: EINVALID.
func checkChangesBase(ctx context.Context, q querier, v *Version) error {
	if v.Base == 0 {
		return nil
	}
	base, err := loadVersion(ctx, q, v.ArticleID, v.Base)
	if attest.ErrorCode(err) == attest.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if base.Title == v.Title && strings.TrimSpace(NormalizeBody(base.Body)) == strings.TrimSpace(NormalizeBody(v.Body)) {
		return &attest.Error{Code: attest.EINVALID,
			Message: fmt.Sprintf("Version %d is identical to version %d, which it is based on: change the title or the steps before submitting it.", v.Number, v.Base),
			Fields:  map[string]string{"body": fmt.Sprintf("identical to version %d: change the title or the steps", v.Base)}}
	}
	return nil
}

// Withdraw pulls a draft or a version in review: by its author only.
// Errors: EAGREEMENT, ENOTFOUND, EFORBIDDEN, ECONFLICT (neither draft nor in review).
func (s *Store) Withdraw(ctx context.Context, actor *accounts.User, id int64, n int) (*Version, error) {
	var v *Version
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, ver, err := transition(ctx, tx, actor, id, n)
		if err != nil {
			return err
		}
		v = ver
		if err := refusal(actor, a, v, actWithdraw); err != nil {
			return err
		}
		if err := setStatus(ctx, tx, actor, v, StatusWithdrawn, "version.withdraw", nil); err != nil {
			return err
		}
		v.Status = StatusWithdrawn
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Autosave is text typed in the editor and not yet saved as a version. It is not a version:
// nobody else sees it and it is never reviewed; saving a version clears it.
type Autosave struct {
	ArticleID int64 // 0 for an article not created yet
	Base      int
	Title     string
	Body      string
	Note      string
	SavedAt   time.Time
}

// SaveAutosave keeps what actor is typing for article id (0 for a new article), replacing
// their previous autosave of it and nothing else. Errors: EFORBIDDEN, EAGREEMENT, ENOTFOUND,
// EINVALID (too large).
func (s *Store) SaveAutosave(ctx context.Context, actor *accounts.User, in Autosave) (time.Time, error) {
	if err := canWrite(actor); err != nil {
		return time.Time{}, err
	}
	if len(in.Body) > MaxBody || len(in.Title) > 4*MaxTitle || len(in.Note) > 4*MaxNote {
		return time.Time{}, attest.FieldError(map[string]string{"body": "too large to keep"})
	}
	now := time.Now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if in.ArticleID != 0 {
			if _, err := visibleArticle(ctx, tx, actor, in.ArticleID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO drafts_autosave (user_id, article_id, base, title, body, note, saved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, article_id) DO UPDATE SET
			base = excluded.base, title = excluded.title, body = excluded.body, note = excluded.note, saved_at = excluded.saved_at`,
			actor.ID, in.ArticleID, in.Base, in.Title, in.Body, in.Note, database.Format(now))
		if err != nil {
			return fmt.Errorf("kb: autosave: %w", err)
		}
		return nil
	})
	return now, err
}

// AutosaveOf returns actor's autosave for article id (0 for a new article).
// Errors: ENOTFOUND when there is none.
func (s *Store) AutosaveOf(ctx context.Context, actor *accounts.User, id int64) (*Autosave, error) {
	a := Autosave{ArticleID: id}
	var at string
	err := s.db.Read.QueryRowContext(ctx, `SELECT base, title, body, note, saved_at FROM drafts_autosave WHERE user_id = ? AND article_id = ?`,
		actor.ID, id).Scan(&a.Base, &a.Title, &a.Body, &a.Note, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "Nothing autosaved.")
	}
	if err != nil {
		return nil, fmt.Errorf("kb: autosave of %d: %w", id, err)
	}
	a.SavedAt = parseTime(at)
	return &a, nil
}

// DiscardAutosave forgets actor's autosave for article id (0 for a new article).
func (s *Store) DiscardAutosave(ctx context.Context, actor *accounts.User, id int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return clearAutosave(ctx, tx, actor, id) })
}

func clearAutosave(ctx context.Context, tx *sql.Tx, actor *accounts.User, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM drafts_autosave WHERE user_id = ? AND article_id = ?`, actor.ID, id); err != nil {
		return fmt.Errorf("kb: clear autosave: %w", err)
	}
	return nil
}

// reviewersOf lists the enabled knowledge managers other than the users except.
func reviewersOf(ctx context.Context, tx *sql.Tx, except ...int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = ?
		WHERE u.disabled_at IS NULL ORDER BY u.id`, string(accounts.RoleKnowledgeManager))
	if err != nil {
		return nil, fmt.Errorf("kb: reviewers: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("kb: reviewers: %w", err)
		}
		if !slices.Contains(except, id) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}
