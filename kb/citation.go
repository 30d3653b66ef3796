package kb

import (
	"context"
	"database/sql"
	"fmt"
)

// A version's citations of configuration items ([[ci:KEY]]) are recorded when it is saved, so
// that a CI's page finds the articles citing it by key (an index lookup) instead of reading
// every current body.

// recordCitations records the CIs body cites, in the transaction that saves version vid.
func recordCitations(ctx context.Context, tx *sql.Tx, vid int64, body string) error {
	for _, key := range CitedCIs(body) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO version_citations (ci_key, version_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, key, vid); err != nil {
			return fmt.Errorf("kb: record citation of %s: %w", key, err)
		}
	}
	return nil
}

// CitingArticles returns the active articles whose current approved version cites the CI key,
// in id order, at most limit. It does not check who may read them: the caller asks Article.
func (s *Store) CitingArticles(ctx context.Context, key string, limit int) ([]int64, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT v.article_id FROM version_citations c
		JOIN versions v ON v.id = c.version_id JOIN articles a ON a.id = v.article_id
		WHERE c.ci_key = ? AND v.status = 'approved' AND a.status = 'active' ORDER BY v.article_id LIMIT ?`, key, limit)
	if err != nil {
		return nil, fmt.Errorf("kb: articles citing %s: %w", key, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("kb: articles citing %s: %w", key, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// FillCitations records the citations of the versions saved before citations were recorded
// (migration 0023 notes up to which version), once; later it finds nothing to do.
func (s *Store) FillCitations(ctx context.Context) (int, error) {
	var upto int64
	if err := s.db.Read.QueryRowContext(ctx, `SELECT upto FROM citations_backfill`).Scan(&upto); err != nil {
		return 0, fmt.Errorf("kb: fill citations: %w", err)
	}
	filled := 0
	var after int64
	for upto > 0 {
		rows, err := s.db.Read.QueryContext(ctx, `SELECT id, body FROM versions WHERE id > ? AND id <= ? ORDER BY id LIMIT 500`, after, upto)
		if err != nil {
			return filled, fmt.Errorf("kb: fill citations: %w", err)
		}
		type row struct {
			id   int64
			body string
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.body); err != nil {
				rows.Close()
				return filled, fmt.Errorf("kb: fill citations: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return filled, fmt.Errorf("kb: fill citations: %w", err)
		}
		last := len(batch) == 0
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			for _, r := range batch {
				if err := recordCitations(ctx, tx, r.id, r.body); err != nil {
					return err
				}
				after = r.id
			}
			if last {
				_, err := tx.ExecContext(ctx, `UPDATE citations_backfill SET upto = 0`)
				return err
			}
			return nil
		})
		if err != nil {
			return filled, fmt.Errorf("kb: fill citations: %w", err)
		}
		filled += len(batch)
		if last {
			break
		}
	}
	return filled, nil
}
