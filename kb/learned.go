package kb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// Vocabulary learned from agents (issue 19). A search whose agent then opened an article (from
// the results, or by reading it afterwards) and recorded it on a ticket teaches that the
// query's words describe that article, for the agent's supplier only. The learner (Learn)
// derives it from the recorded usage and searches; search loads it (LearnedVocabulary) into
// memory and lets it count for ranking. Agents never see it; knowledge managers and admins
// see and remove it per article (LearnedTerms, RemoveLearnedTerm).

const (
	// LearnHalfLife is how long it takes a learned word's weight to halve.
	LearnHalfLife = 60 * 24 * time.Hour
	// learnWindow is how long before a use its search may have been.
	learnWindow = 2 * time.Hour
	// learnSettle is how old a use must be before it is learned from: searches and views are
	// buffered for up to a second, possibly on another node.
	learnSettle = 2 * time.Second
	// learnForget is the age past which a contribution is deleted: its weight is below 1/16.
	learnForget = 4 * LearnHalfLife
	// maxLearnedWords is how many words one search teaches at most.
	maxLearnedWords = 12
	learnBatch      = 500
)

// LearnedWord is one word of a query: Term as the search index analyses it (the key learned
// words are counted by), Word as the agent typed it (what knowledge managers read).
type LearnedWord struct {
	Term string
	Word string
}

// Decay is the factor by which a contribution last seen at last weighs at now.
func Decay(last, now time.Time) float64 {
	age := now.Sub(last)
	if age <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(LearnHalfLife))
}

type learnUse struct {
	id, userID, supplierID, articleID int64
	at                                string
}

// Learn learns from the ticket usage recorded since it last ran (at least learnSettle old),
// with words analysing a query into its words, and returns how many uses taught something.
// Applying a use twice changes nothing (an agent counts once per word and article), so two
// processes may run it at once. It also forgets contributions older than learnForget.
func (s *Store) Learn(ctx context.Context, words func(query string) []LearnedWord) (int, error) {
	// This process's buffered searches and views first: the use may follow them closely.
	if err := s.Flush(ctx); err != nil {
		return 0, err
	}
	taught := 0
	for {
		n, more, err := s.learnBatch(ctx, words, time.Now())
		taught += n
		if err != nil || !more {
			return taught, err
		}
	}
}

func (s *Store) learnBatch(ctx context.Context, words func(string) []LearnedWord, now time.Time) (int, bool, error) {
	var after int64
	if err := s.db.Read.QueryRowContext(ctx, `SELECT usage_id FROM learn_progress WHERE id = 1`).Scan(&after); err != nil {
		return 0, false, fmt.Errorf("kb: learn: %w", err)
	}
	cutoff := database.Format(now.Add(-learnSettle))
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, at, user_id, COALESCE(supplier_id, 0), article_id FROM usage_events
		WHERE id > ? ORDER BY id LIMIT ?`, after, learnBatch)
	if err != nil {
		return 0, false, fmt.Errorf("kb: learn: %w", err)
	}
	var uses []learnUse
	full := false
	for rows.Next() {
		var u learnUse
		if err := rows.Scan(&u.id, &u.at, &u.userID, &u.supplierID, &u.articleID); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("kb: learn: %w", err)
		}
		if u.at > cutoff {
			break // too recent: its search may not be written yet
		}
		uses = append(uses, u)
	}
	full = len(uses) == learnBatch
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("kb: learn: %w", err)
	}
	if len(uses) == 0 {
		return 0, false, nil
	}
	type lesson struct {
		use   learnUse
		query string
	}
	var lessons []lesson
	for _, u := range uses {
		if u.supplierID == 0 {
			continue // only supplier agents teach, and only their supplier
		}
		q, ok, err := s.searchBefore(ctx, u)
		if err != nil {
			return 0, false, err
		}
		if ok {
			lessons = append(lessons, lesson{u, q})
		}
	}
	last := uses[len(uses)-1].id
	forget := database.Format(now.Add(-learnForget))
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, l := range lessons {
			ws := words(l.query)
			seen := map[string]bool{}
			for _, w := range ws {
				if w.Term == "" || seen[w.Term] || len(seen) >= maxLearnedWords {
					continue
				}
				seen[w.Term] = true
				if _, err := tx.ExecContext(ctx, `INSERT INTO learned_terms (supplier_id, article_id, term, word, user_id, first_at, last_at)
					VALUES (?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (supplier_id, article_id, term, user_id) DO UPDATE SET word = excluded.word,
						last_at = CASE WHEN excluded.last_at > learned_terms.last_at THEN excluded.last_at ELSE learned_terms.last_at END`,
					l.use.supplierID, l.use.articleID, w.Term, clipRunes(w.Word, 100), l.use.userID, l.use.at, l.use.at); err != nil {
					return err
				}
			}
			if len(seen) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO learned_queries (supplier_id, article_id, query, user_id, last_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (supplier_id, article_id, query, user_id) DO UPDATE SET
					last_at = CASE WHEN excluded.last_at > learned_queries.last_at THEN excluded.last_at ELSE learned_queries.last_at END`,
				l.use.supplierID, l.use.articleID, l.query, l.use.userID, l.use.at); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM learned_terms WHERE last_at < ?`, forget); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM learned_queries WHERE last_at < ?`, forget); err != nil {
			return err
		}
		bump := 0
		if len(lessons) > 0 {
			bump = 1
		}
		_, err := tx.ExecContext(ctx, `UPDATE learn_progress SET usage_id = ?, generation = generation + ? WHERE id = 1 AND usage_id < ?`,
			last, bump, last)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("kb: learn: %w", err)
	}
	return len(lessons), full, nil
}

// searchBefore finds the search that led the agent to the article it used: its latest search
// within learnWindow before the use from whose results it opened the article, or after which
// it read the article.
func (s *Store) searchBefore(ctx context.Context, u learnUse) (string, bool, error) {
	at, err := database.Parse(u.at)
	if err != nil {
		return "", false, fmt.Errorf("kb: learn: use %d: %w", u.id, err)
	}
	from := database.Format(at.Add(-learnWindow))
	var q string
	err = s.db.Read.QueryRowContext(ctx, `SELECT q.normalized FROM search_queries q
		WHERE q.user_id = ? AND q.at >= ? AND q.at <= ? AND q.normalized != ''
		AND (q.opened_article_id = ? OR EXISTS (SELECT 1 FROM article_views v
			WHERE v.user_id = q.user_id AND v.article_id = ? AND v.at >= q.at AND v.at <= ?))
		ORDER BY q.at DESC, q.id DESC LIMIT 1`, u.userID, from, u.at, u.articleID, u.articleID, u.at).Scan(&q)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("kb: learn: search before use %d: %w", u.id, err)
	}
	return q, true, nil
}

// LearnedContribution is one agent's contribution of a word to an article, as search loads it.
type LearnedContribution struct {
	SupplierID int64
	ArticleID  int64
	Term       string
	LastAt     time.Time
}

// LearnedQuery is a search that led one agent of a supplier to use an article.
type LearnedQuery struct {
	SupplierID int64
	ArticleID  int64
	Query      string
	LastAt     time.Time
}

// LearnGeneration returns two counters: generation changes whenever what was learned changes,
// removals whenever a knowledge manager removes something. Search reloads its copy when they do.
func (s *Store) LearnGeneration(ctx context.Context) (generation, removals int64, err error) {
	if err := s.db.Read.QueryRowContext(ctx, `SELECT generation, removals FROM learn_progress WHERE id = 1`).Scan(&generation, &removals); err != nil {
		return 0, 0, fmt.Errorf("kb: learn generation: %w", err)
	}
	return generation, removals, nil
}

// LearnedVocabulary returns everything learned, for search's in-memory copy (which is derived:
// the database is the source of truth). It is read by the index, never shown to people.
func (s *Store) LearnedVocabulary(ctx context.Context) ([]LearnedContribution, []LearnedQuery, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT supplier_id, article_id, term, last_at FROM learned_terms`)
	if err != nil {
		return nil, nil, fmt.Errorf("kb: learned vocabulary: %w", err)
	}
	var cs []LearnedContribution
	for rows.Next() {
		var c LearnedContribution
		var at string
		if err := rows.Scan(&c.SupplierID, &c.ArticleID, &c.Term, &at); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("kb: learned vocabulary: %w", err)
		}
		c.LastAt = parseTime(at)
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("kb: learned vocabulary: %w", err)
	}
	rows, err = s.db.Read.QueryContext(ctx, `SELECT supplier_id, article_id, query, last_at FROM learned_queries`)
	if err != nil {
		return nil, nil, fmt.Errorf("kb: learned queries: %w", err)
	}
	defer rows.Close()
	var qs []LearnedQuery
	for rows.Next() {
		var q LearnedQuery
		var at string
		if err := rows.Scan(&q.SupplierID, &q.ArticleID, &q.Query, &at); err != nil {
			return nil, nil, fmt.Errorf("kb: learned queries: %w", err)
		}
		q.LastAt = parseTime(at)
		qs = append(qs, q)
	}
	return cs, qs, rows.Err()
}

// LearnedTerm is a word learned for an article from one supplier's agents, as knowledge
// managers see it.
type LearnedTerm struct {
	Term     string // as the index analyses it: what Remove names
	Word     string // as agents typed it, most recently
	Supplier string // the supplier's key
	// SupplierName is what people read for the supplier.
	SupplierName string
	// Weight is what it counts for now: each agent once, halving every LearnHalfLife.
	Weight   float64
	Agents   int
	LastSeen time.Time
}

// mayManageLearned reports whether actor may see and remove learned words.
func mayManageLearned(actor *accounts.User) bool {
	return actor.Has(accounts.RoleKnowledgeManager, accounts.RoleAdmin)
}

// LearnedTerms lists the words learned for an article, heaviest first. Only knowledge managers
// and admins see them. Errors: EFORBIDDEN, ENOTFOUND.
func (s *Store) LearnedTerms(ctx context.Context, actor *accounts.User, articleID int64) ([]LearnedTerm, error) {
	if !mayManageLearned(actor) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers and admins see what was learned for an article.")
	}
	if err := s.articleExists(ctx, articleID); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.term, t.word, sp.key, sp.name, t.last_at FROM learned_terms t
		JOIN suppliers sp ON sp.id = t.supplier_id WHERE t.article_id = ? ORDER BY sp.key, t.term, t.last_at`, articleID)
	if err != nil {
		return nil, fmt.Errorf("kb: learned terms of article %d: %w", articleID, err)
	}
	defer rows.Close()
	now := time.Now()
	var out []LearnedTerm
	for rows.Next() {
		var term, word, key, name, at string
		if err := rows.Scan(&term, &word, &key, &name, &at); err != nil {
			return nil, fmt.Errorf("kb: learned terms of article %d: %w", articleID, err)
		}
		last := parseTime(at)
		if n := len(out); n > 0 && out[n-1].Term == term && out[n-1].Supplier == key {
			t := &out[n-1]
			t.Weight += Decay(last, now)
			t.Agents++
			t.LastSeen, t.Word = last, word // rows come oldest first
			continue
		}
		out = append(out, LearnedTerm{Term: term, Word: word, Supplier: key, SupplierName: name, Weight: Decay(last, now), Agents: 1, LastSeen: last})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kb: learned terms of article %d: %w", articleID, err)
	}
	slices.SortStableFunc(out, func(a, b LearnedTerm) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), strings.Compare(a.Term, b.Term))
	})
	return out, nil
}

// RemoveLearnedTerm forgets a word learned for an article: from one supplier's agents, or from
// every supplier's when supplier is "". Journaled. Errors: EFORBIDDEN, ENOTFOUND (no such
// article, supplier, or learned word).
func (s *Store) RemoveLearnedTerm(ctx context.Context, actor *accounts.User, articleID int64, term, supplier string) error {
	if !mayManageLearned(actor) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers and admins remove what was learned for an article.")
	}
	term = strings.TrimSpace(term)
	if term == "" {
		return attest.FieldError(map[string]string{"term": "required"})
	}
	if err := s.articleExists(ctx, articleID); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var where string
		args := []any{articleID, term}
		if supplier != "" {
			var sid int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM suppliers WHERE key = ?`, supplier).Scan(&sid)
			if errors.Is(err, sql.ErrNoRows) {
				return attest.Errorf(attest.ENOTFOUND, "No supplier %q.", supplier)
			}
			if err != nil {
				return err
			}
			where = ` AND supplier_id = ?`
			args = append(args, sid)
		}
		var words []string
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT word FROM learned_terms WHERE article_id = ? AND term = ?`+where+` ORDER BY word`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				rows.Close()
				return err
			}
			words = append(words, w)
		}
		rows.Close()
		res, err := tx.ExecContext(ctx, `DELETE FROM learned_terms WHERE article_id = ? AND term = ?`+where, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return attest.Errorf(attest.ENOTFOUND, "Nothing was learned for article %d as %q.", articleID, term)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE learn_progress SET generation = generation + 1, removals = removals + 1 WHERE id = 1`); err != nil {
			return err
		}
		after := map[string]any{"term": term, "words": words, "contributions": n}
		if supplier != "" {
			after["supplier"] = supplier
		}
		return journal.Append(ctx, tx, actor.Username, "article.unlearn", articleObject(articleID),
			journal.Change{Before: map[string]any{"term": term, "words": words}, After: after})
	})
	if err != nil {
		var e *attest.Error
		if errors.As(err, &e) {
			return err
		}
		return fmt.Errorf("kb: remove learned term of article %d: %w", articleID, err)
	}
	return nil
}

func (s *Store) articleExists(ctx context.Context, id int64) error {
	var n int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE id = ?`, id).Scan(&n)
	if err != nil {
		return fmt.Errorf("kb: article %d: %w", id, err)
	}
	if n == 0 {
		return attest.Errorf(attest.ENOTFOUND, "No article %d.", id)
	}
	return nil
}
