package kb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// Link is an article as a short list shows it: its title, and a figure (views, uses) when the
// list counts something.
type Link struct {
	ID    int64
	Title string
	Count int
}

// readableLinks keeps, of the candidate ids (in order), the articles actor may read now, at
// most limit, with their current titles.
func readableLinks(ctx context.Context, q querier, actor *accounts.User, ids []int64, counts map[int64]int, limit int) ([]Link, error) {
	out := []Link{}
	for _, id := range ids {
		if len(out) >= limit {
			break
		}
		a, err := loadArticle(ctx, q, id)
		if attest.ErrorCode(err) == attest.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !readsCurrent(actor, a) || a.Status != ArticleActive || a.Current == nil {
			continue
		}
		out = append(out, Link{ID: id, Title: a.Title, Count: counts[id]})
	}
	return out, nil
}

// idsOf runs a query of (article id, count) rows.
func idsOf(ctx context.Context, q querier, query string, args ...any) ([]int64, map[int64]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("kb: article list: %w", err)
	}
	defer rows.Close()
	var ids []int64
	counts := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, nil, fmt.Errorf("kb: article list: %w", err)
		}
		ids = append(ids, id)
		counts[id] = n
	}
	return ids, counts, rows.Err()
}

// Related is what an article page suggests next.
type Related struct {
	// SameType are other articles of the article's request types, most used first.
	SameType []Link
	// OpenedNext are the articles readers opened within an hour after this one, most often
	// first (Count: how many times).
	OpenedNext []Link
}

// RelatedArticles suggests, for article id, other articles actor may read: those of the same
// request types and those readers opened next (from the view events).
func (s *Store) RelatedArticles(ctx context.Context, actor *accounts.User, id int64, limit int) (*Related, error) {
	q := s.db.Read
	ids, counts, err := idsOf(ctx, q, `SELECT o.article_id, (SELECT COUNT(*) FROM usage_events u WHERE u.article_id = o.article_id)
		FROM article_request_types o JOIN article_request_types me ON me.request_type_id = o.request_type_id AND me.article_id = ?
		WHERE o.article_id <> ? GROUP BY o.article_id ORDER BY 2 DESC, o.article_id LIMIT 50`, id, id)
	if err != nil {
		return nil, err
	}
	r := &Related{}
	if r.SameType, err = readableLinks(ctx, q, actor, ids, counts, limit); err != nil {
		return nil, err
	}
	ids, counts, err = idsOf(ctx, q, `SELECT n.article_id, COUNT(*) FROM article_views v
		JOIN article_views n ON n.id = (SELECT n2.id FROM article_views n2 WHERE n2.user_id = v.user_id AND n2.at > v.at
			AND n2.article_id <> v.article_id ORDER BY n2.at LIMIT 1)
		WHERE v.article_id = ? AND julianday(n.at) - julianday(v.at) < 1.0 / 24
		GROUP BY n.article_id ORDER BY 2 DESC, n.article_id LIMIT 50`, id)
	if err != nil {
		return nil, err
	}
	if r.OpenedNext, err = readableLinks(ctx, q, actor, ids, counts, limit); err != nil {
		return nil, err
	}
	return r, nil
}

// HelpfulCount is how many times readers marked article id helpful.
func (s *Store) HelpfulCount(ctx context.Context, id int64) (int, error) {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM feedback WHERE article_id = ? AND helpful = 1`, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("kb: helpful count of %d: %w", id, err)
	}
	return n, nil
}

// SetFavourite stars (on) or unstars article id for actor, who must be able to read it.
// Errors: EAGREEMENT, ENOTFOUND.
func (s *Store) SetFavourite(ctx context.Context, actor *accounts.User, id int64, on bool) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := visibleArticle(ctx, tx, actor, id); err != nil {
			return err
		}
		q := `DELETE FROM favourites WHERE user_id = ? AND article_id = ?`
		args := []any{actor.ID, id}
		if on {
			q = `INSERT INTO favourites (user_id, article_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
			args = append(args, database.Now())
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("kb: favourite %d: %w", id, err)
		}
		return nil
	})
}

// IsFavourite reports whether actor starred article id.
func (s *Store) IsFavourite(ctx context.Context, actor *accounts.User, id int64) (bool, error) {
	var ok bool
	err := s.db.Read.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM favourites WHERE user_id = ? AND article_id = ?)`, actor.ID, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("kb: favourite %d: %w", id, err)
	}
	return ok, nil
}

// AgentHome is what an agent's home page lists: their favourites and recently opened
// articles, the most used (on tickets of the request types they fulfil, last 90 days) and the
// recently changed articles they may read.
type AgentHome struct {
	Favourites []Link
	Recent     []Link
	MostUsed   []Link
	// Changed are articles of their types with a version approved in the last 30 days.
	Changed []Link
}

// HomeFor gathers actor's AgentHome, every list limited to limit articles actor may read.
// Errors: EAGREEMENT.
func (s *Store) HomeFor(ctx context.Context, actor *accounts.User, limit int) (*AgentHome, error) {
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	q := s.db.Read
	h := &AgentHome{}
	// Agents see what is most used among the request types their supplier fulfils.
	mostUsed := `SELECT ue.article_id, COUNT(*) FROM usage_events ue JOIN request_types rt ON rt.id = ue.request_type_id WHERE ue.at > ?`
	mostArgs := []any{database.Format(time.Now().AddDate(0, 0, -90))}
	if actor.IsAgent() {
		mostUsed += ` AND rt.key IN (NULL`
		for _, key := range actor.Fulfils {
			mostUsed += `, ?`
			mostArgs = append(mostArgs, key)
		}
		mostUsed += `)`
	}
	mostUsed += ` GROUP BY ue.article_id ORDER BY 2 DESC, ue.article_id LIMIT 50`
	lists := []struct {
		dst   *[]Link
		query string
		args  []any
	}{
		{&h.Favourites, `SELECT article_id, 0 FROM favourites WHERE user_id = ? ORDER BY at DESC LIMIT 50`, []any{actor.ID}},
		{&h.Recent, `SELECT article_id, COUNT(*) FROM article_views WHERE user_id = ? GROUP BY article_id ORDER BY MAX(at) DESC LIMIT 50`, []any{actor.ID}},
		{&h.MostUsed, mostUsed, mostArgs},
		{&h.Changed, `SELECT article_id, number FROM versions WHERE status = 'approved' AND decided_at > ? AND number > 1
			ORDER BY decided_at DESC LIMIT 50`, []any{database.Format(time.Now().AddDate(0, 0, -30))}},
	}
	for _, l := range lists {
		ids, counts, err := idsOf(ctx, q, l.query, l.args...)
		if err != nil {
			return nil, err
		}
		if *l.dst, err = readableLinks(ctx, q, actor, ids, counts, limit); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Replacement is the article that replaces retired article id, when actor may read it and the
// retired article was meant for them; 0 otherwise.
func (s *Store) Replacement(ctx context.Context, actor *accounts.User, id int64) (int64, string, error) {
	var rid int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT replaced_by FROM article_replacements WHERE article_id = ?`, id).Scan(&rid)
	if err == sql.ErrNoRows {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("kb: replacement of %d: %w", id, err)
	}
	old, err := loadArticle(ctx, s.db.Read, id)
	if err != nil {
		return 0, "", err
	}
	if old.Status != ArticleRetired || !(readsAll(actor) || covers(actor, old)) {
		return 0, "", nil
	}
	links, err := readableLinks(ctx, s.db.Read, actor, []int64{rid}, nil, 1)
	if err != nil || len(links) == 0 {
		return 0, "", err
	}
	return rid, old.Title, nil
}

// setReplacement records, in the retirement's transaction, that article replacedBy replaces
// a (an active article, not a itself); journaled with the retirement's object.
func setReplacement(ctx context.Context, tx *sql.Tx, actor *accounts.User, a *Article, replacedBy int64) error {
	if replacedBy == 0 {
		return nil
	}
	r, err := loadArticle(ctx, tx, replacedBy)
	switch {
	case attest.ErrorCode(err) == attest.ENOTFOUND || (err == nil && (r.Status != ArticleActive || r.Current == nil)) || replacedBy == a.ID:
		return attest.FieldError(map[string]string{"replaced_by": "an active, approved article other than this one"})
	case err != nil:
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO article_replacements (article_id, replaced_by) VALUES (?, ?)
		ON CONFLICT (article_id) DO UPDATE SET replaced_by = excluded.replaced_by`, a.ID, replacedBy); err != nil {
		return fmt.Errorf("kb: replacement of %d: %w", a.ID, err)
	}
	return journal.Append(ctx, tx, actor.Username, "article.replaced_by", articleObject(a.ID),
		journal.Change{After: map[string]any{"replaced_by": replacedBy}})
}

// NewestFirst orders article ids by when their current version was approved, newest first
// (ties and articles without one keep their order, last): search's "recently updated" sort.
func (s *Store) NewestFirst(ctx context.Context, ids []int64) ([]int64, error) {
	at := make(map[int64]string, len(ids))
	for _, id := range ids {
		var t string
		err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(decided_at, '') FROM versions WHERE article_id = ? AND status = 'approved'`, id).Scan(&t)
		if err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("kb: approval date of %d: %w", id, err)
		}
		at[id] = t
	}
	out := slices.Clone(ids)
	slices.SortStableFunc(out, func(a, b int64) int { return strings.Compare(at[b], at[a]) })
	return out, nil
}
