package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// ImportFile is one Markdown file to import: Key names it stably across runs (its path
// relative to the imported root), the rest comes from its front matter and body.
type ImportFile struct {
	Key          string
	Title        string
	Body         string
	RequestTypes []string
	Tags         []string
}

// ParseImportFile reads a Markdown file's optional YAML front matter (title, request_types,
// tags; `key: value`, `key: [a, b]` and block lists of `- a` lines) and its body. Without a
// title in the front matter, the first level-1 heading is the title, else the file name.
// Errors: EINVALID for front matter it cannot read.
func ParseImportFile(key string, content []byte) (ImportFile, error) {
	f := ImportFile{Key: key}
	text := strings.TrimPrefix(string(content), "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if rest, ok := strings.CutPrefix(text, "---\n"); ok {
		end := strings.Index(rest, "\n---\n")
		var fm string
		switch {
		case end >= 0:
			fm, text = rest[:end], rest[end+len("\n---\n"):]
		case strings.HasSuffix(rest, "\n---"):
			fm, text = strings.TrimSuffix(rest, "\n---"), ""
		case strings.HasPrefix(rest, "---\n"):
			fm, text = "", rest[len("---\n"):]
		default:
			return f, attest.Errorf(attest.EINVALID, "the front matter that starts on line 1 has no closing --- line")
		}
		meta, err := parseFrontMatter(fm)
		if err != nil {
			return f, err
		}
		for k, v := range meta {
			switch k {
			case "title":
				if len(v) != 1 {
					return f, attest.Errorf(attest.EINVALID, "front matter: title must be one value")
				}
				f.Title = v[0]
			case "request_types", "request-types", "requesttypes":
				f.RequestTypes = v
			case "tags":
				f.Tags = v
			}
		}
	}
	f.Body = text
	if f.Title == "" {
		f.Title = Title(f.Body)
	}
	if f.Title == "" {
		base := path.Base(strings.ReplaceAll(key, "\\", "/"))
		base = strings.TrimSuffix(strings.TrimSuffix(base, ".md"), ".markdown")
		f.Title = strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(base))
	}
	return f, nil
}

// parseFrontMatter reads the small YAML subset front matter uses: scalars, flow lists and
// block lists, with # comments. Values come back as lists (a scalar is a list of one).
func parseFrontMatter(fm string) (map[string][]string, error) {
	out := map[string][]string{}
	var list string // key whose block list is being read
	for i, line := range strings.Split(fm, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if item, ok := strings.CutPrefix(trimmed, "- "); ok || trimmed == "-" {
			if list == "" {
				return nil, attest.Errorf(attest.EINVALID, "front matter line %d: a list item without a key", i+2)
			}
			if v := unquote(stripComment(item)); v != "" {
				out[list] = append(out[list], v)
			}
			continue
		}
		key, val, ok := strings.Cut(trimmed, ":")
		if !ok {
			return nil, attest.Errorf(attest.EINVALID, "front matter line %d: expected `key: value`", i+2)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(stripComment(val))
		list = ""
		switch {
		case val == "":
			list = key
			out[key] = []string{}
		case strings.HasPrefix(val, "["):
			if !strings.HasSuffix(val, "]") {
				return nil, attest.Errorf(attest.EINVALID, "front matter line %d: a [list] without its closing ]", i+2)
			}
			items := []string{}
			for _, it := range strings.Split(val[1:len(val)-1], ",") {
				if it = unquote(strings.TrimSpace(it)); it != "" {
					items = append(items, it)
				}
			}
			out[key] = items
		default:
			out[key] = []string{unquote(val)}
		}
	}
	return out, nil
}

// stripComment removes a trailing " # comment" outside quotes.
func stripComment(s string) string {
	if strings.HasPrefix(strings.TrimSpace(s), `"`) || strings.HasPrefix(strings.TrimSpace(s), `'`) {
		return s
	}
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	return s
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// ImportReport says what an import did.
type ImportReport struct {
	Created   int
	Updated   int
	Unchanged int
	Failed    []ImportFailure
}

// ImportFailure is a file that was not imported, and why.
type ImportFailure struct {
	Key    string
	Reason string
}

// ImportOptions controls an import.
type ImportOptions struct {
	// Approve makes each new version approved at once, journaled as "import": the one way
	// past four eyes, for knowledge managers migrating already-approved knowledge.
	Approve bool
	// Progress, when set, is called after each batch with how many files are done.
	Progress func(done, total int)
	// Batch is how many files share a transaction (default 200): short enough for a running
	// server's writers to interleave, long enough to be quick.
	Batch int
}

// Import creates or updates one article per file, keyed by the file's Key: an unchanged file
// adds nothing, a changed one adds a version based on the current one. Bad files are
// reported in the report and the rest carry on. Search follows through its change log; the
// importer never touches the index. Errors: EFORBIDDEN (approving without being a knowledge
// manager, or not allowed to write articles), EAGREEMENT; a database error stops the import
// (the batches before it stay committed).
func (s *Store) Import(ctx context.Context, actor *accounts.User, files []ImportFile, o ImportOptions) (*ImportReport, error) {
	if err := canWrite(actor); err != nil {
		return nil, err
	}
	if o.Approve && !actor.Has(accounts.RoleKnowledgeManager) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only a knowledge manager imports approved knowledge (--approve).")
	}
	if o.Batch <= 0 {
		o.Batch = 200
	}
	rep := &ImportReport{Failed: []ImportFailure{}}
	// Two files with one key would silently become versions of one article.
	seen := make(map[string]bool, len(files))
	for start := 0; start < len(files); start += o.Batch {
		batch := files[start:min(start+o.Batch, len(files))]
		// Render outside the transaction: it is the slow part, and needs no lock.
		prepared := make([]preparedImport, len(batch))
		for i, f := range batch {
			var err error
			if prepared[i], err = prepareImport(ctx, f); err != nil {
				return nil, err
			}
			if f.Key != "" && seen[f.Key] {
				prepared[i].reason = fmt.Sprintf("another file in this import has the same import key %q; import them separately", f.Key)
			}
			seen[f.Key] = true
		}
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			for i := range prepared {
				p := &prepared[i]
				if p.reason != "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, `SAVEPOINT import_file`); err != nil {
					return fmt.Errorf("kb: import: %w", err)
				}
				outcome, err := importOne(ctx, tx, actor, p, o.Approve)
				if err != nil && attest.ErrorCode(err) == attest.EINTERNAL {
					return fmt.Errorf("kb: import %s: %w", p.f.Key, err)
				}
				if err != nil {
					p.reason = attest.ErrorMessage(err)
					if _, err := tx.ExecContext(ctx, `ROLLBACK TO import_file`); err != nil {
						return fmt.Errorf("kb: import: %w", err)
					}
				}
				p.outcome = outcome
				if _, err := tx.ExecContext(ctx, `RELEASE import_file`); err != nil {
					return fmt.Errorf("kb: import: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		for _, p := range prepared {
			switch {
			case p.reason != "":
				rep.Failed = append(rep.Failed, ImportFailure{Key: p.f.Key, Reason: p.reason})
			case p.outcome == "created":
				rep.Created++
			case p.outcome == "updated":
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		if o.Progress != nil {
			o.Progress(start+len(batch), len(files))
		}
	}
	return rep, nil
}

type preparedImport struct {
	f        ImportFile
	title    string
	tags     []string
	rendered Rendered
	reason   string
	outcome  string
}

func prepareImport(ctx context.Context, f ImportFile) (preparedImport, error) {
	p := preparedImport{f: f}
	fields := map[string]string{}
	p.title, _ = checkContent(f.Title, f.Body, "", fields)
	tags, why := NormalizeTags(f.Tags)
	if why != "" {
		fields["tags"] = why
	}
	p.tags = tags
	switch {
	case f.Key == "":
		p.reason = "no import key"
	case len(fields) > 0:
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+": "+fields[k])
		}
		p.reason = strings.Join(parts, "; ")
	default:
		r, err := Render(ctx, f.Body)
		var e *attest.Error
		switch {
		case errors.As(err, &e) && e.Code == attest.EINVALID:
			p.reason = "body: " + e.Fields["body"]
		case err != nil:
			return p, err
		}
		p.rendered = r
	}
	return p, nil
}

// importOne imports one prepared file in tx, returning "created", "updated" or "unchanged".
func importOne(ctx context.Context, tx *sql.Tx, actor *accounts.User, p *preparedImport, approveIt bool) (string, error) {
	rtIDs, rtKeys, why, err := requestTypeIDs(ctx, tx, actor, p.f.RequestTypes)
	if err != nil {
		return "", err
	}
	if why != "" {
		return "", attest.Errorf(attest.EINVALID, "request_types: %s", why)
	}
	now := time.Now()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE import_key = ?`, p.f.Key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		st := StatusDraft
		if approveIt {
			st = StatusInReview
		}
		v, err := insertArticle(ctx, tx, actor, newArticleRow{title: p.title, body: p.f.Body, rendered: p.rendered,
			rtIDs: rtIDs, tags: p.tags, status: st, importKey: p.f.Key, at: database.Format(now)})
		if err != nil {
			return "", err
		}
		if err := journal.Append(ctx, tx, actor.Username, "import", articleObject(v.ArticleID),
			journal.Change{After: map[string]any{"import_key": p.f.Key, "request_types": rtKeys, "tags": p.tags, "version": versionDetail(v, nil, nil)}}); err != nil {
			return "", err
		}
		if approveIt {
			a := &Article{ID: v.ArticleID}
			if err := approveImported(ctx, tx, actor, a, v, nil, now); err != nil {
				return "", err
			}
		}
		return "created", nil
	}
	if err != nil {
		return "", fmt.Errorf("kb: import %s: %w", p.f.Key, err)
	}
	a, err := loadArticle(ctx, tx, id)
	if err != nil {
		return "", err
	}
	if a.Status == ArticleRetired {
		return "", attest.Errorf(attest.ECONFLICT, "article %d, imported from this file, is retired", id)
	}
	classChanged := !slices.Equal(a.RequestTypes, rtKeys) || !slices.Equal(a.Tags, p.tags)
	if classChanged && !actor.Has(accounts.RoleKnowledgeManager) {
		return "", attest.Errorf(attest.EFORBIDDEN, "its request types or tags differ from article %d's; only a knowledge manager changes them", id)
	}
	var latest struct {
		title, body string
		number      int
		status      Status
	}
	if err := tx.QueryRowContext(ctx, `SELECT number, title, body, status FROM versions WHERE article_id = ? ORDER BY number DESC LIMIT 1`, id).
		Scan(&latest.number, &latest.title, &latest.body, &latest.status); err != nil {
		return "", fmt.Errorf("kb: import %s: %w", p.f.Key, err)
	}
	outcome := "unchanged"
	if classChanged {
		if err := reclassify(ctx, tx, id, rtIDs, p.tags); err != nil {
			return "", err
		}
		if err := searchChanged(ctx, tx, id); err != nil {
			return "", err
		}
		if err := journal.Append(ctx, tx, actor.Username, "import", articleObject(id), journal.Change{
			Before: map[string]any{"request_types": a.RequestTypes, "tags": a.Tags},
			After:  map[string]any{"request_types": rtKeys, "tags": p.tags, "import_key": p.f.Key}}); err != nil {
			return "", err
		}
		outcome = "updated"
	}
	// The file is already in Attest when it is the current approved version, or (without
	// --approve) the newest version: someone's later proposal does not make it new again.
	if c := a.Current; c != nil && c.Title == p.title && c.Body == p.f.Body {
		return outcome, nil
	}
	if latest.title == p.title && latest.body == p.f.Body {
		if !approveIt {
			return outcome, nil
		}
		// Imported before as a draft, now with --approve: approve that very version rather
		// than leaving it waiting (or adding a copy of it).
		if latest.status == StatusDraft || latest.status == StatusInReview {
			v, err := loadVersion(ctx, tx, id, latest.number)
			if err != nil {
				return "", err
			}
			if err := approveImported(ctx, tx, actor, a, v, a.Current, now); err != nil {
				return "", err
			}
			return "updated", nil
		}
	}
	base := latest.number
	if a.Current != nil {
		base = a.Current.Number
	}
	st := StatusDraft
	if approveIt {
		st = StatusInReview
	}
	v, err := insertVersion(ctx, tx, actor, id, latest.number+1, base, p.title, p.f.Body, "imported from "+p.f.Key, p.rendered, st, database.Format(now))
	if err != nil {
		return "", err
	}
	if err := journal.Append(ctx, tx, actor.Username, "import", versionObject(id, v.Number),
		journal.Change{After: map[string]any{"import_key": p.f.Key, "version": versionDetail(v, nil, nil)}}); err != nil {
		return "", err
	}
	if approveIt {
		if err := approveImported(ctx, tx, actor, a, v, a.Current, now); err != nil {
			return "", err
		}
	}
	return "updated", nil
}

// approveImported approves an imported version on the importer's word (--approve).
func approveImported(ctx context.Context, tx *sql.Tx, actor *accounts.User, a *Article, v, cur *Version, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO approvals (version_id, approver_id, comment, major, at) VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`,
		v.id, actor.ID, "imported as approved", database.Format(at)); err != nil {
		return fmt.Errorf("kb: import approve: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE versions SET submitted_at = COALESCE(submitted_at, ?) WHERE id = ?`, database.Format(at), v.id); err != nil {
		return fmt.Errorf("kb: import approve: %w", err)
	}
	return approve(ctx, tx, actor, a, v, cur, approveOpts{comment: "imported as approved", at: at, approvals: 1, required: 1, viaImport: true})
}

func reclassify(ctx context.Context, tx *sql.Tx, id int64, rtIDs []int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_request_types WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("kb: reclassify %d: %w", id, err)
	}
	for _, rt := range rtIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_request_types (article_id, request_type_id) VALUES (?, ?)`, id, rt); err != nil {
			return fmt.Errorf("kb: reclassify %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_tags WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("kb: reclassify %d: %w", id, err)
	}
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_tags (article_id, tag) VALUES (?, ?)`, id, t); err != nil {
			return fmt.Errorf("kb: reclassify %d: %w", id, err)
		}
	}
	return nil
}
