package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"attest"
)

// SearchDoc is what the search index holds for one active article: its current approved
// version only.
type SearchDoc struct {
	ArticleID int64
	Version   int
	Title     string
	// Text is the body as plain text (Rendered.Text), made by kb once at save: search
	// indexes it and never parses Markdown itself.
	Text         string
	RequestTypes []string
	Tags         []string
}

// SearchChanges returns the distinct articles named in the search change log after position
// after (at most limit rows), and the newest position read. The indexer applies them and
// records that position with the documents, so a crash at any point is caught up at start.
func (s *Store) SearchChanges(ctx context.Context, after int64, limit int) (ids []int64, upTo int64, err error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT seq, article_id FROM search_changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, after, fmt.Errorf("kb: search changes: %w", err)
	}
	defer rows.Close()
	upTo = after
	seen := map[int64]bool{}
	for rows.Next() {
		var seq, id int64
		if err := rows.Scan(&seq, &id); err != nil {
			return nil, after, fmt.Errorf("kb: search changes: %w", err)
		}
		upTo = seq
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, upTo, rows.Err()
}

// LastSearchChange returns the newest position of the search change log (0 when empty).
func (s *Store) LastSearchChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM search_changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("kb: last search change: %w", err)
	}
	return seq, nil
}

// searchDocQuery reads the stored text of each document; for a version saved before
// 0013_version_text.sql and not yet filled in by FillText, it reads the body and the old
// plain text too, so that kb can derive the text (and search never does).
const searchDocQuery = `SELECT a.id, v.number, v.title, v.text,
	CASE WHEN v.text IS NULL THEN v.body END, CASE WHEN v.text IS NULL THEN v.plain END,
	COALESCE((SELECT group_concat(rt.key) FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = a.id), ''),
	COALESCE((SELECT group_concat(tag) FROM article_tags WHERE article_id = a.id), '')
	FROM articles a JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
	WHERE a.status = 'active'`

func scanSearchDoc(ctx context.Context, row interface{ Scan(...any) error }) (SearchDoc, error) {
	var d SearchDoc
	var text, body, plain sql.NullString
	var rts, tags string
	if err := row.Scan(&d.ArticleID, &d.Version, &d.Title, &text, &body, &plain, &rts, &tags); err != nil {
		return d, err
	}
	d.Text = text.String
	if !text.Valid {
		var err error
		if d.Text, err = versionText(ctx, body.String, plain.String); err != nil {
			return d, err
		}
	}
	if rts != "" {
		d.RequestTypes = strings.Split(rts, ",")
	}
	if tags != "" {
		d.Tags = strings.Split(tags, ",")
	}
	return d, nil
}

// SearchDocs returns the documents of the given articles that search should show; an id
// without a document (retired, or no approved version) must leave the index.
func (s *Store) SearchDocs(ctx context.Context, ids []int64) ([]SearchDoc, error) {
	var out []SearchDoc
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.Read.QueryContext(ctx, searchDocQuery+` AND a.id IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("kb: search docs: %w", err)
		}
		for rows.Next() {
			d, err := scanSearchDoc(ctx, rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("kb: search docs: %w", err)
			}
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("kb: search docs: %w", err)
		}
	}
	return out, nil
}

// EachSearchDoc calls fn for every document search should hold, in article order, for a full
// rebuild of the index.
func (s *Store) EachSearchDoc(ctx context.Context, fn func(SearchDoc) error) error {
	rows, err := s.db.Read.QueryContext(ctx, searchDocQuery+` ORDER BY a.id`)
	if err != nil {
		return fmt.Errorf("kb: all search docs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanSearchDoc(ctx, rows)
		if err != nil {
			return fmt.Errorf("kb: all search docs: %w", err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rerender renders the body of a version saved before kb stored its text. For a body that the
// complexity limits now refuse (saved before they existed) ok is false: the version keeps the
// html and plain text it was saved with.
func rerender(ctx context.Context, body string) (r Rendered, ok bool, err error) {
	r, err = Render(ctx, body)
	var e *attest.Error
	switch {
	case errors.As(err, &e) && e.Code == attest.EINVALID:
		return r, false, nil
	case err != nil:
		return r, false, err
	}
	return r, true, nil
}

// versionText derives the text of a version saved before kb stored it.
func versionText(ctx context.Context, body, plain string) (string, error) {
	r, ok, err := rerender(ctx, body)
	if err != nil || !ok {
		return plain, err
	}
	return r.Text, nil
}

// FillText stores the text of every version saved before kb stored it (0013_version_text.sql),
// and, where its stored html lost raw HTML's text, the html as rendered now (rerendered_html,
// which pages show), in batches; it returns how many versions it filled. It runs at start, before the search index is
// opened or rebuilt; the index's mapping version changed with it, so an existing index is
// rebuilt from the filled text. Safe to interrupt and to run again, also by two processes at
// once: a row is only ever filled from NULL, and always with the same text.
func (s *Store) FillText(ctx context.Context, log *slog.Logger) (int, error) {
	filled := 0
	var after int64
	for {
		rows, err := s.db.Read.QueryContext(ctx, `SELECT id, body, html, plain FROM versions WHERE id > ? AND text IS NULL ORDER BY id LIMIT 200`, after)
		if err != nil {
			return filled, fmt.Errorf("kb: fill text: %w", err)
		}
		type row struct {
			id                int64
			body, html, plain string
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.body, &r.html, &r.plain); err != nil {
				rows.Close()
				return filled, fmt.Errorf("kb: fill text: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return filled, fmt.Errorf("kb: fill text: %w", err)
		}
		if len(batch) == 0 {
			return filled, nil
		}
		after = batch[len(batch)-1].id
		texts := make([]string, len(batch))
		htmls := make([]any, len(batch)) // nil: the stored html is as rendered now
		for i, r := range batch {
			now, ok, err := rerender(ctx, r.body)
			switch {
			case err != nil:
				return filled, err
			case !ok:
				texts[i] = r.plain
			default:
				texts[i] = now.Text
				if now.HTML != r.html {
					htmls[i] = now.HTML
				}
			}
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			for i, r := range batch {
				if _, err := tx.ExecContext(ctx, `UPDATE versions SET text = ?, rerendered_html = ? WHERE id = ? AND text IS NULL`, texts[i], htmls[i], r.id); err != nil {
					return fmt.Errorf("kb: fill text of version %d: %w", r.id, err)
				}
			}
			return nil
		})
		if err != nil {
			return filled, err
		}
		filled += len(batch)
		if log != nil && filled%10_000 < len(batch) {
			log.Info("storing the plain text of versions saved by an earlier release", "done", filled)
		}
	}
}
