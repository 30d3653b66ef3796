package kb

import (
	"context"
	"fmt"
	"strings"
)

// SearchDoc is what the search index holds for one active article: its current approved
// version only.
type SearchDoc struct {
	ArticleID    int64
	Version      int
	Title        string
	Body         string
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

const searchDocQuery = `SELECT a.id, v.number, v.title, v.body,
	COALESCE((SELECT group_concat(rt.key) FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = a.id), ''),
	COALESCE((SELECT group_concat(tag) FROM article_tags WHERE article_id = a.id), '')
	FROM articles a JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
	WHERE a.status = 'active'`

func scanSearchDoc(row interface{ Scan(...any) error }) (SearchDoc, error) {
	var d SearchDoc
	var rts, tags string
	if err := row.Scan(&d.ArticleID, &d.Version, &d.Title, &d.Body, &rts, &tags); err != nil {
		return d, err
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
			d, err := scanSearchDoc(rows)
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
		d, err := scanSearchDoc(rows)
		if err != nil {
			return fmt.Errorf("kb: all search docs: %w", err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}
