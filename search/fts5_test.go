//go:build sqlite_fts5

package search

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	_ "github.com/mattn/go-sqlite3"
)

// The SQLite FTS5 baseline: the same articles (plain text) in an FTS5 table
// with the porter tokenizer, ranked by bm25 with the title weighted 10 to 1,
// queried with the same strategy as Search (all terms, then any term) from
// the same English stop-word-free terms, quoted so no input is FTS5 syntax.
func init() {
	baselines = append(baselines, fts5Engine)
	descriptiveBaselines = append(descriptiveBaselines, fts5OrEngine)
}

func fts5Engine(tb testing.TB, dir string, docs func() func() (Doc, bool, error)) engine {
	return fts5EngineMode(tb, dir, docs, false)
}

// fts5OrEngine is FTS5 bm25 over the OR of the query's words, the plain
// disjunctive baseline for descriptions.
func fts5OrEngine(tb testing.TB, dir string, docs func() func() (Doc, bool, error)) engine {
	return fts5EngineMode(tb, dir, docs, true)
}

func fts5EngineMode(tb testing.TB, dir string, docs func() func() (Doc, bool, error), orOnly bool) engine {
	tb.Helper()
	path := filepath.Join(dir, "fts5.db")
	built, _ := exists(path)
	db, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_synchronous=NORMAL")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if !built {
		start := time.Now()
		if err := fillFTS5(db, docs()); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("fts5: indexed in %v", time.Since(start).Round(time.Millisecond))
	}
	stmt, err := db.Prepare(`SELECT rowid FROM article WHERE article MATCH ? ORDER BY bm25(article, 10.0, 1.0) LIMIT 10`)
	if err != nil {
		tb.Fatal(err)
	}
	words := ftsAnalyzer(tb)
	run := func(match string) ([]int64, error) {
		rows, err := stmt.Query(match)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	name := "fts5 bm25(10,1) AND→OR"
	if orOnly {
		name = fts5OrName
	}
	return engine{
		name: name,
		search: func(text string) ([]int64, error) {
			terms := words(text)
			if len(terms) == 0 {
				return nil, nil
			}
			quoted := make([]string, len(terms))
			for i, t := range terms {
				quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
			}
			if orOnly {
				return run(strings.Join(quoted, " OR "))
			}
			ids, err := run(strings.Join(quoted, " "))
			if err != nil || len(ids) > 0 || len(terms) == 1 {
				return ids, err
			}
			return run(strings.Join(quoted, " OR "))
		},
		close: func() error {
			_ = stmt.Close()
			return db.Close()
		},
	}
}

func fillFTS5(db *sql.DB, next func() (Doc, bool, error)) error {
	if _, err := db.Exec(`CREATE VIRTUAL TABLE article USING fts5(title, body, tokenize='porter unicode61')`); err != nil {
		return fmt.Errorf("create fts5 table (build with -tags sqlite_fts5): %w", err)
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	ins, err := tx.Prepare(`INSERT INTO article(rowid, title, body) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	for {
		d, ok, _ := next()
		if !ok {
			break
		}
		if _, err := ins.Exec(d.ArticleID, d.Title, d.Body); err != nil {
			return err
		}
	}
	if err := ins.Close(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.Exec(`INSERT INTO article(article) VALUES ('optimize')`)
	return err
}

// ftsAnalyzer splits a query into lower-case words without English stop
// words; FTS5's porter tokenizer stems them.
func ftsAnalyzer(tb testing.TB) func(string) []string {
	tb.Helper()
	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer("fts_query", map[string]any{
		"type":          "custom",
		"tokenizer":     "unicode",
		"token_filters": []any{"possessive_en", "to_lower", "stop_en"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	a := m.AnalyzerNamed("fts_query")
	return func(s string) []string {
		seen := map[string]bool{}
		var out []string
		for _, t := range analyze(a, s) {
			if !seen[t] && len(out) < maxTerms {
				seen[t] = true
				out = append(out, t)
			}
		}
		return out
	}
}
