package kb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/outbox"
)

// Limits of what an article holds.
const (
	MaxTitle    = 200
	MaxBody     = 1 << 20
	MaxNote     = 500
	MaxTags     = 20
	MaxTag      = 40
	MaxReason   = 2000
	MaxComment  = 4000
	MaxInterval = 3650
)

// NewArticle is what creating an article takes: its first version and what it covers.
type NewArticle struct {
	Title        string
	Body         string
	Note         string
	RequestTypes []string
	Tags         []string
	// Template is the key of the template it was written from ("" when none was chosen).
	Template string
}

// NormalizeBody gives a body Unix line endings: browsers send form text with CRLF, and a
// version saved from the editor must not differ from its base in every line ending.
func NormalizeBody(body string) string {
	if !strings.Contains(body, "\r") {
		return body
	}
	return strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
}

// checkContent validates a version's title, body and note, returning field errors by JSON name.
func checkContent(title, body, note string, fields map[string]string) (string, string) {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		fields["title"] = "required"
	case utf8.RuneCountInString(title) > MaxTitle:
		fields["title"] = fmt.Sprintf("at most %d characters", MaxTitle)
	case strings.ContainsAny(title, "\r\n"):
		fields["title"] = "one line"
	case !utf8.ValidString(title):
		fields["title"] = "must be UTF-8 text"
	}
	switch {
	case strings.TrimSpace(body) == "":
		fields["body"] = "required"
	case len(body) > MaxBody:
		fields["body"] = "at most 1 MiB"
	case !utf8.ValidString(body):
		fields["body"] = "must be UTF-8 text"
	default:
		if why := Complexity(body); why != "" {
			fields["body"] = why
		}
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNote {
		fields["note"] = fmt.Sprintf("at most %d characters", MaxNote)
	}
	return title, note
}

// NormalizeTags lower-cases, trims and de-duplicates tags and checks their number and length.
func NormalizeTags(in []string) ([]string, string) {
	out := []string{}
	for _, t := range in {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTag {
			return nil, fmt.Sprintf("each tag at most %d characters (%q is longer)", MaxTag, t)
		}
		if strings.IndexFunc(t, unicode.IsControl) >= 0 {
			return nil, "tags are plain text"
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, fmt.Sprintf("at most %d tags", MaxTags)
	}
	slices.Sort(out)
	return out, ""
}

// requestTypeIDs resolves request-type keys, checking that they exist and that an agent's
// supplier fulfils them. It returns the ids and the keys, de-duplicated and sorted.
func requestTypeIDs(ctx context.Context, q querier, actor *accounts.User, keys []string) ([]int64, []string, string, error) {
	var ids []int64
	out := []string{}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || slices.Contains(out, k) {
			continue
		}
		var id int64
		err := q.QueryRowContext(ctx, `SELECT id FROM request_types WHERE key = ?`, k).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, fmt.Sprintf("unknown request type %q", k), nil
		}
		if err != nil {
			return nil, nil, "", fmt.Errorf("kb: request type %q: %w", k, err)
		}
		if actor.IsAgent() && !slices.Contains(actor.Fulfils, k) {
			return nil, nil, fmt.Sprintf("your supplier does not fulfil %q", k), nil
		}
		ids = append(ids, id)
		out = append(out, k)
	}
	slices.Sort(out)
	return ids, out, "", nil
}

func canWrite(actor *accounts.User) error {
	if !actor.Has(accounts.RoleAgent, accounts.RoleKnowledgeManager) {
		return attest.Errorf(attest.EFORBIDDEN, "Only agents and knowledge managers write articles.")
	}
	return accounts.RequireAgreement(actor)
}

// CreateArticle creates an article with its first version, a draft by actor (who then watches
// the article). Agents may only name request types their supplier fulfils.
// Errors: EFORBIDDEN, EAGREEMENT, EINVALID (title, body, note, request_types, tags).
func (s *Store) CreateArticle(ctx context.Context, actor *accounts.User, in NewArticle) (*Version, error) {
	if err := canWrite(actor); err != nil {
		return nil, err
	}
	in.Body = NormalizeBody(in.Body)
	fields := map[string]string{}
	title, note := checkContent(in.Title, in.Body, in.Note, fields)
	tags, why := NormalizeTags(in.Tags)
	if why != "" {
		fields["tags"] = why
	}
	rtIDs, rtKeys, why, err := requestTypeIDs(ctx, s.db.Read, actor, in.RequestTypes)
	if err != nil {
		return nil, err
	}
	if why != "" {
		fields["request_types"] = why
	}
	if _, ok := TemplateByKey(in.Template); in.Template != "" && !ok {
		fields["template"] = "one of kcs, steps"
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	r, err := Render(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	var v *Version
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		v, err = insertArticle(ctx, tx, actor, newArticleRow{title: title, body: in.Body, note: note, rendered: r,
			rtIDs: rtIDs, tags: tags, status: StatusDraft})
		if err != nil {
			return err
		}
		if err := setArticleTemplate(ctx, tx, v.ArticleID, in.Template); err != nil {
			return err
		}
		if err := journal.Append(ctx, tx, actor.Username, "article.create", articleObject(v.ArticleID),
			journal.Change{After: versionDetail(v, rtKeys, tags)}); err != nil {
			return err
		}
		return clearAutosave(ctx, tx, actor, 0)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

type newArticleRow struct {
	title, body, note string
	rendered          Rendered
	rtIDs             []int64
	tags              []string
	status            Status
	importKey         string
	at                string
}

// insertArticle writes an article, its version 1, classification and watcher.
func insertArticle(ctx context.Context, tx *sql.Tx, actor *accounts.User, row newArticleRow) (*Version, error) {
	at := row.at
	if at == "" {
		at = database.Now()
	}
	var key any
	if row.importKey != "" {
		key = row.importKey
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO articles (created_by, created_at, import_key) VALUES (?, ?, ?) RETURNING id`, actor.ID, at, key).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("kb: create article: %w", err)
	}
	for _, rt := range row.rtIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_request_types (article_id, request_type_id) VALUES (?, ?)`, id, rt); err != nil {
			return nil, fmt.Errorf("kb: create article: %w", err)
		}
	}
	for _, t := range row.tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_tags (article_id, tag) VALUES (?, ?)`, id, t); err != nil {
			return nil, fmt.Errorf("kb: create article: %w", err)
		}
	}
	return insertVersion(ctx, tx, actor, id, 1, 0, row.title, row.body, row.note, row.rendered, row.status, at)
}

// insertVersion writes a version and makes its author a watcher.
func insertVersion(ctx context.Context, tx *sql.Tx, actor *accounts.User, articleID int64, number, base int,
	title, body, note string, r Rendered, st Status, at string) (*Version, error) {
	var vid int64
	err := tx.QueryRowContext(ctx, `INSERT INTO versions (article_id, number, base, title, body, html, plain, text, note, author_id, created_at, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, articleID, number, base, title, body, r.HTML, r.Text, r.Text, note, actor.ID, at, st).Scan(&vid)
	if err != nil {
		return nil, fmt.Errorf("kb: save version %d of article %d: %w", number, articleID, err)
	}
	if err := recordAttachments(ctx, tx, actor, vid, body); err != nil {
		return nil, err
	}
	if err := recordCitations(ctx, tx, vid, body); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO watchers (article_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, articleID, actor.ID); err != nil {
		return nil, fmt.Errorf("kb: watch article %d: %w", articleID, err)
	}
	return &Version{id: vid, ArticleID: articleID, Number: number, Base: base, Title: title, Body: body, HTML: r.HTML,
		Plain: r.Text, Note: note, authorID: actor.ID, Author: actor.Username, AuthorName: actor.Name(),
		CreatedAt: parseTime(at), Status: st}, nil
}

func articleObject(id int64) string { return "article:" + strconv.FormatInt(id, 10) }

// versionDetail is what the journal records of a saved version: never the body itself (it
// can be large), but its hash, so an auditor can tie the entry to the stored text.
func versionDetail(v *Version, rts, tags []string) map[string]any {
	sum := sha256.Sum256([]byte(v.Body))
	d := map[string]any{"number": v.Number, "base": v.Base, "title": v.Title, "note": v.Note,
		"status": v.Status, "body_sha256": hex.EncodeToString(sum[:])}
	if rts != nil {
		d["request_types"] = rts
	}
	if tags != nil {
		d["tags"] = tags
	}
	return d
}

// Classification changes what an article covers; nil fields stay as they are.
// ReviewDays 0 clears the article's own review interval.
type Classification struct {
	RequestTypes *[]string
	Tags         *[]string
	ReviewDays   *int
}

// Classify changes an article's request types, tags or review interval (knowledge managers).
// What agents may read and find changes with it, so search is told.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (request_types, tags, review_days).
func (s *Store) Classify(ctx context.Context, actor *accounts.User, id int64, c Classification) (*Article, error) {
	if !actor.Has(accounts.RoleKnowledgeManager) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers classify articles.")
	}
	fields := map[string]string{}
	var tags []string
	if c.Tags != nil {
		var why string
		if tags, why = NormalizeTags(*c.Tags); why != "" {
			fields["tags"] = why
		}
	}
	if c.ReviewDays != nil && (*c.ReviewDays < 0 || *c.ReviewDays > MaxInterval) {
		fields["review_days"] = fmt.Sprintf("between 1 and %d days, or 0 to follow the request types", MaxInterval)
	}
	var out *Article
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		var rtIDs []int64
		var rtKeys []string
		if c.RequestTypes != nil {
			var why string
			if rtIDs, rtKeys, why, err = requestTypeIDs(ctx, tx, actor, *c.RequestTypes); err != nil {
				return err
			}
			if why != "" {
				fields["request_types"] = why
			}
		}
		if len(fields) > 0 {
			return attest.FieldError(fields)
		}
		before := map[string]any{"request_types": a.RequestTypes, "tags": a.Tags, "review_days": a.ReviewDays}
		after := map[string]any{}
		if c.RequestTypes != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM article_request_types WHERE article_id = ?`, id); err != nil {
				return fmt.Errorf("kb: classify %d: %w", id, err)
			}
			for _, rt := range rtIDs {
				if _, err := tx.ExecContext(ctx, `INSERT INTO article_request_types (article_id, request_type_id) VALUES (?, ?)`, id, rt); err != nil {
					return fmt.Errorf("kb: classify %d: %w", id, err)
				}
			}
			after["request_types"] = rtKeys
		}
		if c.Tags != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM article_tags WHERE article_id = ?`, id); err != nil {
				return fmt.Errorf("kb: classify %d: %w", id, err)
			}
			for _, t := range tags {
				if _, err := tx.ExecContext(ctx, `INSERT INTO article_tags (article_id, tag) VALUES (?, ?)`, id, t); err != nil {
					return fmt.Errorf("kb: classify %d: %w", id, err)
				}
			}
			after["tags"] = tags
		}
		if c.ReviewDays != nil {
			var days any
			if *c.ReviewDays > 0 {
				days = *c.ReviewDays
			}
			if _, err := tx.ExecContext(ctx, `UPDATE articles SET review_days = ? WHERE id = ?`, days, id); err != nil {
				return fmt.Errorf("kb: classify %d: %w", id, err)
			}
			after["review_days"] = *c.ReviewDays
		}
		if a.Current != nil {
			if err := setNextReview(ctx, tx, id, a.Current.DecidedAt); err != nil {
				return err
			}
		}
		if err := searchChanged(ctx, tx, id); err != nil {
			return err
		}
		if err := journal.Append(ctx, tx, actor.Username, "article.classify", articleObject(id),
			journal.Change{Before: before, After: after}); err != nil {
			return err
		}
		out, err = loadArticle(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reviewDays is the article's review interval: its own, else the shortest of its request
// types', else DefaultReviewDays.
func reviewDays(ctx context.Context, q querier, id int64) (int, error) {
	var days int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(
		(SELECT review_days FROM articles WHERE id = ?),
		(SELECT MIN(rt.review_days) FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = ?),
		?)`, id, id, DefaultReviewDays).Scan(&days)
	if err != nil {
		return 0, fmt.Errorf("kb: review interval of %d: %w", id, err)
	}
	return days, nil
}

// ReviewInterval returns article id's review interval in days (its own, else the shortest of
// its request types', else 180).
func (s *Store) ReviewInterval(ctx context.Context, id int64) (int, error) {
	return reviewDays(ctx, s.db.Read, id)
}

// setNextReview sets the next review date from the approval time and the review interval.
func setNextReview(ctx context.Context, tx *sql.Tx, id int64, approved time.Time) error {
	days, err := reviewDays(ctx, tx, id)
	if err != nil {
		return err
	}
	next := approved.AddDate(0, 0, days)
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET next_review = ? WHERE id = ?`, database.Format(next), id); err != nil {
		return fmt.Errorf("kb: next review of %d: %w", id, err)
	}
	return nil
}

// searchChanged tells the search indexer (through its change log, in the change's
// transaction) that what article id shows in search may have changed.
func searchChanged(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_changes (article_id, at) VALUES (?, ?)`, id, database.Now()); err != nil {
		return fmt.Errorf("kb: search change for %d: %w", id, err)
	}
	return nil
}

// Retire takes an article out of use with a reason; a retirement needs two knowledge
// managers (separation of duties). The first one's call requests it: the article leaves
// agents and search at once (steps a knowledge manager doubts are not served while a second
// one looks), and the request waits. A different knowledge manager's call confirms it, and
// the retirement is final; the requester cannot confirm their own request (EFORBIDDEN). Until
// then any knowledge manager may cancel it (CancelRetirement). RetirementOf tells which step
// an article is at. Errors: EFORBIDDEN, ENOTFOUND, EINVALID (reason), ECONFLICT when retired.
func (s *Store) Retire(ctx context.Context, actor *accounts.User, id int64, reason string) error {
	return s.RetireReplacing(ctx, actor, id, reason, 0)
}

// RetireReplacing is Retire naming, on the request, the article that replaces the retired one
// (0: none); agents who reach the retired article are sent there. Errors: those of Retire,
// and EINVALID (replaced_by: not an active approved article other than this one).
func (s *Store) RetireReplacing(ctx context.Context, actor *accounts.User, id int64, reason string, replacedBy int64) error {
	if !actor.Has(accounts.RoleKnowledgeManager) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers retire articles.")
	}
	reason = strings.TrimSpace(reason)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		if utf8.RuneCountInString(reason) > MaxReason {
			return attest.FieldError(map[string]string{"reason": fmt.Sprintf("at most %d characters", MaxReason)})
		}
		if a.Status == ArticleRetired {
			return confirmRetirement(ctx, tx, actor, a, reason)
		}
		if reason == "" {
			return attest.FieldError(map[string]string{"reason": "required: say why the article is retired"})
		}
		if err := setReplacement(ctx, tx, actor, a, replacedBy); err != nil {
			return err
		}
		now := database.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET status = 'retired', retired_at = ?, retired_by = ?, retired_reason = ? WHERE id = ?`,
			now, actor.ID, reason, id); err != nil {
			return fmt.Errorf("kb: retire %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_retirements (article_id, requested_by, requested_at, reason) VALUES (?, ?, ?, ?)
			ON CONFLICT (article_id) DO UPDATE SET requested_by = excluded.requested_by, requested_at = excluded.requested_at,
			reason = excluded.reason, confirmed_by = NULL, confirmed_at = NULL`,
			id, actor.ID, now, reason); err != nil {
			return fmt.Errorf("kb: retire %d: %w", id, err)
		}
		if err := searchChanged(ctx, tx, id); err != nil {
			return err
		}
		// Told to the watchers who could read the article until now.
		if err := sendWatchers(ctx, tx, notice{article: a, link: fmt.Sprintf("/articles/%d/history", id),
			text: fmt.Sprintf("%s asked to retire “%s”: %s", actor.Name(), a.Title, reason)}, actor.ID); err != nil {
			return err
		}
		// Withdrawn from use at once; retired when a second knowledge manager confirms.
		if err := hook(ctx, tx, outbox.ArticleWithdrawn, a, articleData(a, nil, fmt.Sprintf("/articles/%d/history", id))); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "article.retire_request", articleObject(id),
			journal.Change{Before: map[string]any{"status": a.Status}, After: map[string]any{"status": ArticleRetired, "reason": reason, "confirmed": false}})
	})
	if err != nil {
		return fmt.Errorf("kb: retire %d: %w", id, err)
	}
	return nil
}

// confirmRetirement is the second knowledge manager's step of Retire.
func confirmRetirement(ctx context.Context, tx *sql.Tx, actor *accounts.User, a *Article, comment string) error {
	var requestedBy int64
	err := tx.QueryRowContext(ctx, `SELECT requested_by FROM article_retirements WHERE article_id = ? AND confirmed_at IS NULL`, a.ID).Scan(&requestedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return attest.Errorf(attest.ECONFLICT, "Article %d is already retired.", a.ID)
	}
	if err != nil {
		return fmt.Errorf("kb: confirm retirement of %d: %w", a.ID, err)
	}
	if requestedBy == actor.ID {
		return attest.Errorf(attest.EFORBIDDEN, "You asked for this retirement: a second knowledge manager confirms it.")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE article_retirements SET confirmed_by = ?, confirmed_at = ? WHERE article_id = ?`,
		actor.ID, database.Now(), a.ID); err != nil {
		return fmt.Errorf("kb: confirm retirement of %d: %w", a.ID, err)
	}
	if err := hook(ctx, tx, outbox.ArticleRetired, a, articleData(a, nil, fmt.Sprintf("/articles/%d/history", a.ID))); err != nil {
		return err
	}
	return journal.Append(ctx, tx, actor.Username, "article.retire", articleObject(a.ID),
		journal.Change{Before: map[string]any{"status": ArticleRetired, "confirmed": false}, After: map[string]any{"status": ArticleRetired, "confirmed": true, "comment": comment}})
}

// Retirement is where an article's retirement stands.
type Retirement struct {
	RequestedBy string
	RequestedAt time.Time
	Reason      string
	// ConfirmedBy is "" while the request waits for a second knowledge manager.
	ConfirmedBy string
	ConfirmedAt time.Time
}

// IsPending reports whether the retirement waits for a second knowledge manager.
func (r *Retirement) IsPending() bool { return r != nil && r.ConfirmedBy == "" }

// RetirementOf returns article id's retirement, nil when it is active or was retired before
// retirements needed two knowledge managers. Errors: ENOTFOUND (also for a caller who may not
// read the article's history: only knowledge managers and auditors).
func (s *Store) RetirementOf(ctx context.Context, actor *accounts.User, id int64) (*Retirement, error) {
	if !actor.Has(accounts.RoleKnowledgeManager, accounts.RoleAuditor) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No article %d.", id)
	}
	var r Retirement
	var requested, confirmed string
	err := s.db.Read.QueryRowContext(ctx, `SELECT ru.username, r.requested_at, r.reason, COALESCE(cu.username, ''), COALESCE(r.confirmed_at, '')
		FROM article_retirements r JOIN users ru ON ru.id = r.requested_by LEFT JOIN users cu ON cu.id = r.confirmed_by
		JOIN articles a ON a.id = r.article_id AND a.status = 'retired'
		WHERE r.article_id = ?`, id).Scan(&r.RequestedBy, &requested, &r.Reason, &r.ConfirmedBy, &confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kb: retirement of %d: %w", id, err)
	}
	r.RequestedAt, _ = database.Parse(requested)
	r.ConfirmedAt, _ = database.Parse(confirmed)
	return &r, nil
}

// CancelRetirement puts an article whose retirement waits for confirmation back in use
// (knowledge managers, the requester too), with a reason.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (reason), ECONFLICT (no pending retirement).
func (s *Store) CancelRetirement(ctx context.Context, actor *accounts.User, id int64, reason string) error {
	if !actor.Has(accounts.RoleKnowledgeManager) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers cancel a retirement.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > MaxReason {
		return attest.FieldError(map[string]string{"reason": "required: say why the article stays in use"})
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM article_retirements WHERE article_id = ? AND confirmed_at IS NULL`, id)
		if err != nil {
			return fmt.Errorf("kb: cancel retirement of %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 || a.Status != ArticleRetired {
			return attest.Errorf(attest.ECONFLICT, "Article %d has no retirement waiting for confirmation.", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET status = 'active', retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = ?`, id); err != nil {
			return fmt.Errorf("kb: cancel retirement of %d: %w", id, err)
		}
		if err := searchChanged(ctx, tx, id); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "article.retire_cancel", articleObject(id),
			journal.Change{Before: map[string]any{"status": ArticleRetired, "reason": a.RetiredReason}, After: map[string]any{"status": ArticleActive, "reason": reason}})
	})
	if err != nil {
		return fmt.Errorf("kb: cancel retirement of %d: %w", id, err)
	}
	return nil
}

// Watch makes actor a watcher of an article they may see: they are told of its decisions.
// Errors: EAGREEMENT, ENOTFOUND.
func (s *Store) Watch(ctx context.Context, actor *accounts.User, id int64) error {
	return s.setWatch(ctx, actor, id, true)
}

// Unwatch stops actor watching an article. Errors: EAGREEMENT, ENOTFOUND.
func (s *Store) Unwatch(ctx context.Context, actor *accounts.User, id int64) error {
	return s.setWatch(ctx, actor, id, false)
}

func (s *Store) setWatch(ctx context.Context, actor *accounts.User, id int64, on bool) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := visibleArticle(ctx, tx, actor, id); err != nil {
			return err
		}
		q := `DELETE FROM watchers WHERE article_id = ? AND user_id = ?`
		if on {
			q = `INSERT INTO watchers (article_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
		}
		if _, err := tx.ExecContext(ctx, q, id, actor.ID); err != nil {
			return fmt.Errorf("kb: watch %d: %w", id, err)
		}
		return nil
	})
}

// Watching reports whether actor watches article id.
func (s *Store) Watching(ctx context.Context, actor *accounts.User, id int64) (bool, error) {
	var ok bool
	err := s.db.Read.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM watchers WHERE article_id = ? AND user_id = ?)`, id, actor.ID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("kb: watching %d: %w", id, err)
	}
	return ok, nil
}
