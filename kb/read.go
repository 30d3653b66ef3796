package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
)

// ArticleStatus says whether an article is in use.
type ArticleStatus string

// The article statuses.
const (
	ArticleActive  ArticleStatus = "active"
	ArticleRetired ArticleStatus = "retired"
)

// Status is where a version stands in its review.
type Status string

// The version statuses: draft → in_review → approved | rejected; superseded when a newer
// version is approved; withdrawn when its author pulls it.
const (
	StatusDraft      Status = "draft"
	StatusInReview   Status = "in_review"
	StatusApproved   Status = "approved"
	StatusRejected   Status = "rejected"
	StatusSuperseded Status = "superseded"
	StatusWithdrawn  Status = "withdrawn"
)

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case StatusInReview:
		return "in review"
	default:
		return string(s)
	}
}

// DefaultReviewDays is the review interval of an article without request types or override.
const DefaultReviewDays = 180

// Article is a knowledge article: what it covers and, when one is approved, its current version.
type Article struct {
	ID     int64
	Status ArticleStatus
	// Title is the current version's title, or the newest version's the caller may read.
	Title        string
	RequestTypes []string
	Tags         []string
	// Current is the approved version, nil when none is approved yet.
	Current *Version
	// CreatedBy is the username of who created the article.
	CreatedBy string
	CreatedAt time.Time
	// ReviewDays is the article's own review interval, 0 when it follows its request types.
	ReviewDays int
	// NextReview is when the current version is due for review (zero before any approval).
	NextReview    time.Time
	RetiredAt     time.Time
	RetiredBy     string
	RetiredReason string
	// ImportKey names the file the article was imported from ("" when written in Attest).
	ImportKey string

	createdByID int64
}

// IsOverdue reports whether the active article's current version is past its review date.
func (a *Article) IsOverdue(now time.Time) bool {
	return a.Status == ArticleActive && a.Current != nil && !a.NextReview.IsZero() && a.NextReview.Before(now)
}

// Version is one immutable version of an article and where it stands in review.
type Version struct {
	ArticleID int64
	Number    int
	// Base is the version this one was edited from (0 for an article's first).
	Base  int
	Title string
	Body  string
	// HTML is the body rendered and sanitized at save; Plain is its text.
	HTML  string
	Plain string
	Note  string
	// Author is the author's username; AuthorName how pages name them.
	Author     string
	AuthorName string
	CreatedAt  time.Time
	Status     Status
	// SubmittedAt is when it entered review (zero for a draft never submitted).
	SubmittedAt time.Time
	// DecidedAt and DecidedBy record the approval (the last approver) or rejection.
	DecidedAt time.Time
	DecidedBy string
	Comment   string
	// Major marks an approval that staff must be retrained on.
	Major bool
	// ViaImport marks a version approved by `attest import --approve`.
	ViaImport bool
	// Approvals lists each approval given (filled by Store.Version).
	Approvals []Approval
	// ApprovalsRequired is how many distinct approvers it needs while in review (filled by
	// Store.Version; 0 otherwise).
	ApprovalsRequired int

	id       int64
	authorID int64
	// submittedRequired is the approvals fixed when the version was submitted (0 when it
	// never was, or was submitted before they were recorded).
	submittedRequired int
}

// Approval is one knowledge manager's approval of a version.
type Approval struct {
	Approver string
	Comment  string
	Major    bool
	At       time.Time

	approverID int64
}

// querier is a read pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sep separates values in group_concat: tags may hold commas, never control characters.
const sep = "\x1f"

// articleQuery loads an article, its classification and its approved version in one statement.
// It is the read path of every article page and API call, so the fixed-format fields (ids,
// times, statuses, usernames: never a control character) travel packed into two columns:
// each column costs the driver more than the work of finding it.
const articleQuery = `SELECT
	a.status || char(31) || a.created_at || char(31) || a.created_by || char(31) || cu.username || char(31) ||
		COALESCE(a.review_days, 0) || char(31) || COALESCE(a.next_review, '') || char(31) ||
		COALESCE(a.retired_at, '') || char(31) || COALESCE(ru.username, ''),
	COALESCE(a.retired_reason, ''), COALESCE(a.import_key, ''),
	COALESCE((SELECT group_concat(rt.key, char(31)) FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = a.id), ''),
	COALESCE((SELECT group_concat(tag, char(31)) FROM article_tags WHERE article_id = a.id), ''),
	CASE WHEN v.id IS NULL THEN COALESCE((SELECT title FROM versions WHERE article_id = a.id ORDER BY number DESC LIMIT 1), '') ELSE '' END,
	COALESCE(v.id || char(31) || v.number || char(31) || v.base || char(31) || v.author_id || char(31) || vu.username || char(31) ||
		v.created_at || char(31) || v.status || char(31) || COALESCE(v.submitted_at, '') || char(31) ||
		COALESCE(v.decided_at, '') || char(31) || COALESCE(du.username, '') || char(31) || v.major || char(31) || v.via_import, ''),
	v.title, v.body, COALESCE(v.rerendered_html, v.html), COALESCE(v.text, v.plain), v.note, vu.display_name, v.comment
	FROM articles a
	JOIN users cu ON cu.id = a.created_by
	LEFT JOIN users ru ON ru.id = a.retired_by
	LEFT JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
	LEFT JOIN users vu ON vu.id = v.author_id
	LEFT JOIN users du ON du.id = v.decided_by
	WHERE a.id = ?`

// articleReads is the read path of articles: its query prepared once, and a bounded cache of
// loaded articles. An entry is used only while the search change log has not moved since it
// was loaded: every change to what Article shows (an approval, a retirement, a new
// classification or review interval) writes that log in its own transaction, also when
// another process (attest import) makes it. The database stays the source of truth; a read
// costs one primary-key lookup of the log's newest position.
type articleReads struct {
	once sync.Once
	stmt *sql.Stmt
	seq  *sql.Stmt
	err  error

	mu    sync.RWMutex
	cache map[int64]cachedArticle
}

type cachedArticle struct {
	seq int64
	a   *Article
}

// maxCachedArticles bounds the cache's memory (bodies and HTML of the most read articles).
const maxCachedArticles = 4096

func (r *articleReads) prepare(db *sql.DB) error {
	r.once.Do(func() {
		if r.stmt, r.err = db.Prepare(articleQuery); r.err != nil {
			return
		}
		r.seq, r.err = db.Prepare(`SELECT COALESCE(MAX(seq), 0) FROM search_changes`)
		r.cache = map[int64]cachedArticle{}
	})
	return r.err
}

// stmtQuerier runs the article query through the prepared statement.
type stmtQuerier struct {
	querier
	stmt *sql.Stmt
}

// QueryRowContext runs the article query prepared, anything else as given.
func (q stmtQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if query == articleQuery {
		return q.stmt.QueryRowContext(ctx, args...)
	}
	return q.querier.QueryRowContext(ctx, query, args...)
}

// readArticle loads article id for reading, from the cache when it is current. The returned
// article is the caller's: a copy of what the cache holds (its Current is shared and must not
// be changed). Errors: ENOTFOUND.
func (s *Store) readArticle(ctx context.Context, id int64) (*Article, error) {
	r := &s.reads
	if err := r.prepare(s.db.Read); err != nil {
		return nil, fmt.Errorf("kb: prepare article read: %w", err)
	}
	var seq int64
	if err := r.seq.QueryRowContext(ctx).Scan(&seq); err != nil {
		return nil, fmt.Errorf("kb: read article %d: %w", id, err)
	}
	r.mu.RLock()
	e, ok := r.cache[id]
	r.mu.RUnlock()
	if ok && e.seq == seq {
		cp := *e.a
		return &cp, nil
	}
	a, err := loadArticle(ctx, stmtQuerier{querier: s.db.Read, stmt: r.stmt}, id)
	if err != nil {
		return nil, err
	}
	// A draft-only article's title follows its newest draft, which the log does not record.
	if a.Current != nil {
		r.mu.Lock()
		if len(r.cache) >= maxCachedArticles {
			for k := range r.cache {
				delete(r.cache, k)
				if len(r.cache) < maxCachedArticles*3/4 {
					break
				}
			}
		}
		r.cache[id] = cachedArticle{seq: seq, a: a}
		r.mu.Unlock()
	}
	cp := *a
	return &cp, nil
}

// loadArticle reads article id. Errors: ENOTFOUND.
func loadArticle(ctx context.Context, q querier, id int64) (*Article, error) {
	a := Article{ID: id}
	var meta, rts, tags, latestTitle, vmeta string
	var vtitle, vbody, vhtml, vplain, vnote, vname, vcomment sql.NullString
	err := q.QueryRowContext(ctx, articleQuery, id).Scan(&meta, &a.RetiredReason, &a.ImportKey, &rts, &tags, &latestTitle,
		&vmeta, &vtitle, &vbody, &vhtml, &vplain, &vnote, &vname, &vcomment)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("kb: load article %d: %w", id, err)
	}
	m := strings.Split(meta, sep)
	if len(m) != 8 {
		return nil, fmt.Errorf("kb: load article %d: malformed row", id)
	}
	a.Status, a.CreatedAt, a.CreatedBy = ArticleStatus(m[0]), parseTime(m[1]), m[3]
	a.createdByID, _ = strconv.ParseInt(m[2], 10, 64)
	a.ReviewDays, _ = strconv.Atoi(m[4])
	a.NextReview, a.RetiredAt, a.RetiredBy = parseTime(m[5]), parseTime(m[6]), m[7]
	a.RequestTypes = splitSorted(rts)
	a.Tags = splitSorted(tags)
	a.Title = latestTitle
	if vmeta != "" {
		f := strings.Split(vmeta, sep)
		if len(f) != 12 {
			return nil, fmt.Errorf("kb: load article %d: malformed version row", id)
		}
		v := &Version{ArticleID: id, Title: vtitle.String, Body: vbody.String, HTML: vhtml.String, Plain: vplain.String,
			Note: vnote.String, AuthorName: vname.String, Comment: vcomment.String, Author: f[4], CreatedAt: parseTime(f[5]),
			Status: Status(f[6]), SubmittedAt: parseTime(f[7]), DecidedAt: parseTime(f[8]), DecidedBy: f[9],
			Major: f[10] == "1", ViaImport: f[11] == "1"}
		v.id, _ = strconv.ParseInt(f[0], 10, 64)
		v.Number, _ = strconv.Atoi(f[1])
		v.Base, _ = strconv.Atoi(f[2])
		v.authorID, _ = strconv.ParseInt(f[3], 10, 64)
		a.Current = v
		a.Title = v.Title
	}
	return &a, nil
}

const versionCols = `v.id, v.article_id, v.number, v.base, v.title, v.body, COALESCE(v.rerendered_html, v.html), COALESCE(v.text, v.plain), v.note, v.author_id, au.username,
	au.display_name, v.created_at, v.status, COALESCE(v.submitted_at, ''), COALESCE(v.decided_at, ''),
	COALESCE(du.username, ''), v.comment, v.major, v.via_import, COALESCE(v.approvals_required, 0)
	FROM versions v JOIN users au ON au.id = v.author_id LEFT JOIN users du ON du.id = v.decided_by`

func scanVersion(row interface{ Scan(...any) error }) (*Version, error) {
	var v Version
	var created, sub, dec string
	err := row.Scan(&v.id, &v.ArticleID, &v.Number, &v.Base, &v.Title, &v.Body, &v.HTML, &v.Plain, &v.Note, &v.authorID,
		&v.Author, &v.AuthorName, &created, &v.Status, &sub, &dec, &v.DecidedBy, &v.Comment, &v.Major, &v.ViaImport, &v.submittedRequired)
	if err != nil {
		return nil, err
	}
	v.CreatedAt, v.SubmittedAt, v.DecidedAt = parseTime(created), parseTime(sub), parseTime(dec)
	return &v, nil
}

// loadVersion reads version n of article id. Errors: ENOTFOUND.
func loadVersion(ctx context.Context, q querier, id int64, n int) (*Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+` WHERE v.article_id = ? AND v.number = ?`, id, n))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "Article %d has no version %d you can read.", id, n)
	}
	if err != nil {
		return nil, fmt.Errorf("kb: load version %d of article %d: %w", n, id, err)
	}
	return v, nil
}

// loadVersions reads every version of article id, newest first.
func loadVersions(ctx context.Context, q querier, id int64) ([]*Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+versionCols+` WHERE v.article_id = ? ORDER BY v.number DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("kb: versions of article %d: %w", id, err)
	}
	defer rows.Close()
	var out []*Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("kb: versions of article %d: %w", id, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func notFound(id int64) error {
	return attest.Errorf(attest.ENOTFOUND, "No article %d that you can read.", id)
}

// readsAll reports whether u reads every version of every article: knowledge managers and
// auditors (and the command-line actor).
func readsAll(u *accounts.User) bool {
	return u.Has(accounts.RoleKnowledgeManager, accounts.RoleAuditor)
}

// Scope is which articles a reader is meant to read, by what they cover: every article
// (All), or those for everyone (General: they cover no request type) and those covering one
// of RequestTypes. It is the read rule's answer for lists and search, which filter by it
// instead of building their own filter. The zero Scope covers nothing.
type Scope struct {
	All          bool
	General      bool
	RequestTypes []string
}

// ReadScope is the scope of u, the one place that says which articles a person is meant
// to read: an agent reads the articles for everyone and those covering a request type that
// their supplier fulfils; enterprise staff (and the command-line actor) read every article.
// Nobody (nil), a person without a role, and an agent who has not accepted the usage
// agreement read nothing: the rule fails closed.
func ReadScope(u *accounts.User) Scope {
	switch {
	case u == nil, u.NeedsAgreement():
		return Scope{}
	case u.IsAgent():
		return Scope{General: true, RequestTypes: u.Fulfils}
	case u.Has(accounts.RoleKnowledgeManager, accounts.RoleAuditor, accounts.RoleAdmin, accounts.RoleTrainer):
		return Scope{All: true}
	default:
		return Scope{}
	}
}

// Covers reports whether an article covering requestTypes (none: it is for everyone) is in
// the scope.
func (s Scope) Covers(requestTypes []string) bool {
	if s.All {
		return true
	}
	if len(requestTypes) == 0 {
		return s.General
	}
	for _, k := range requestTypes {
		if slices.Contains(s.RequestTypes, k) {
			return true
		}
	}
	return false
}

// FindsNothing reports whether no article is in the scope.
func (s Scope) FindsNothing() bool {
	return !s.All && !s.General && len(s.RequestTypes) == 0
}

// covers reports whether the article is meant for u (ReadScope).
func covers(u *accounts.User, a *Article) bool {
	return ReadScope(u).Covers(a.RequestTypes)
}

// readsCurrent reports whether u may read the article's current approved version.
func readsCurrent(u *accounts.User, a *Article) bool {
	if readsAll(u) {
		return true
	}
	return a.Status == ArticleActive && a.Current != nil && covers(u, a)
}

// readsVersion reports whether u may read version v of article a.
func readsVersion(u *accounts.User, a *Article, v *Version) bool {
	switch {
	case u == nil:
		return false
	case readsAll(u):
		return true
	case a.Status != ArticleActive:
		return false
	case v.authorID == u.ID:
		return true
	default:
		return v.Status == StatusApproved && covers(u, a)
	}
}

// ownsVersions reports whether u wrote any version of article id.
func ownsVersions(ctx context.Context, q querier, u *accounts.User, id int64) (bool, error) {
	var ok bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM versions WHERE article_id = ? AND author_id = ?)`, id, u.ID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("kb: versions of article %d by %s: %w", id, u.Username, err)
	}
	return ok, nil
}

// visibleArticle loads an article that u may see at all: its current version, or (for agents)
// versions of their own. The returned article's Current is nil when u may not read it.
// Errors: EAGREEMENT, ENOTFOUND.
func visibleArticle(ctx context.Context, q querier, u *accounts.User, id int64) (*Article, error) {
	if err := accounts.RequireAgreement(u); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, notFound(id)
	}
	a, err := loadArticle(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if readsCurrent(u, a) {
		return a, nil
	}
	a.Current = nil
	if a.Status != ArticleActive {
		return nil, notFound(id)
	}
	own, err := ownsVersions(ctx, q, u, id)
	if err != nil {
		return nil, err
	}
	if !own {
		return nil, notFound(id)
	}
	return a, nil
}

// Article returns the article and its current approved version as u may read it: knowledge
// managers and auditors read every article; others read an active article with an approved
// version that covers them (an agent's supplier fulfils one of its request types, or it has
// none). Errors: EAGREEMENT, ENOTFOUND (also when an agent may not read it, so that its
// existence does not leak).
func (s *Store) Article(ctx context.Context, actor *accounts.User, id int64) (*Article, error) {
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	a, err := s.readArticle(ctx, id)
	if err != nil {
		return nil, err
	}
	if !readsCurrent(actor, a) {
		return nil, notFound(id)
	}
	return a, nil
}

// CurrentVersion returns the number of article id's current approved version as actor may
// read it (for recording usage: a used version that is not current is outdated).
// Errors: EAGREEMENT, ENOTFOUND (no article the actor may read, or none approved).
func (s *Store) CurrentVersion(ctx context.Context, actor *accounts.User, id int64) (int, error) {
	a, err := s.Article(ctx, actor, id)
	if err != nil {
		return 0, err
	}
	if a.Current == nil {
		return 0, attest.Errorf(attest.ENOTFOUND, "Article %d has no approved version.", id)
	}
	return a.Current.Number, nil
}

// History returns what u may see of an article for its pages: the article (Current nil when u
// may not read it) and the versions u may read, newest first, without bodies' HTML.
// Agents see the current version and their own. Errors: EAGREEMENT, ENOTFOUND.
func (s *Store) History(ctx context.Context, actor *accounts.User, id int64) (*Article, []*Version, error) {
	a, err := visibleArticle(ctx, s.db.Read, actor, id)
	if err != nil {
		return nil, nil, err
	}
	all, err := loadVersions(ctx, s.db.Read, id)
	if err != nil {
		return nil, nil, err
	}
	var out []*Version
	for _, v := range all {
		if readsVersion(actor, a, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, nil, notFound(id)
	}
	if a.Current == nil {
		a.Title = out[0].Title
	}
	return a, out, nil
}

// Version returns version n of article id with its approvals, when actor may read it.
// An agent reading a version that is no longer current gets ENOTFOUND whose Extra names the
// current version ("current"), so a page can send them there.
// Errors: EAGREEMENT, ENOTFOUND.
func (s *Store) Version(ctx context.Context, actor *accounts.User, id int64, n int) (*Version, error) {
	a, err := visibleArticle(ctx, s.db.Read, actor, id)
	if err != nil {
		return nil, err
	}
	v, err := loadVersion(ctx, s.db.Read, id, n)
	if err != nil {
		return nil, err
	}
	if !readsVersion(actor, a, v) {
		if v.Status == StatusSuperseded && a.Current != nil {
			return nil, &attest.Error{Code: attest.ENOTFOUND,
				Message: fmt.Sprintf("Version %d is no longer current: the steps changed on %s. Read version %d.",
					n, a.Current.DecidedAt.Format("2006-01-02"), a.Current.Number),
				Extra: map[string]any{"current": a.Current.Number}}
		}
		return nil, attest.Errorf(attest.ENOTFOUND, "Article %d has no version %d you can read.", id, n)
	}
	if v.Approvals, err = loadApprovals(ctx, s.db.Read, v.id); err != nil {
		return nil, err
	}
	if v.Status == StatusInReview {
		if v.ApprovalsRequired, err = versionApprovalsRequired(ctx, s.db.Read, v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func loadApprovals(ctx context.Context, q querier, versionID int64) ([]Approval, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.approver_id, u.username, a.comment, a.major, a.at FROM approvals a
		JOIN users u ON u.id = a.approver_id WHERE a.version_id = ? ORDER BY a.at`, versionID)
	if err != nil {
		return nil, fmt.Errorf("kb: approvals of version %d: %w", versionID, err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var ap Approval
		var at string
		if err := rows.Scan(&ap.approverID, &ap.Approver, &ap.Comment, &ap.Major, &at); err != nil {
			return nil, fmt.Errorf("kb: approvals of version %d: %w", versionID, err)
		}
		ap.At = parseTime(at)
		out = append(out, ap)
	}
	return out, rows.Err()
}

// Diff returns the word-level difference between versions from and to of article id, both of
// which actor must be able to read. Errors: EAGREEMENT, ENOTFOUND.
func (s *Store) Diff(ctx context.Context, actor *accounts.User, id int64, from, to int) (a, b *Version, changes []Change, err error) {
	if a, err = s.Version(ctx, actor, id, from); err != nil {
		return nil, nil, nil, err
	}
	if b, err = s.Version(ctx, actor, id, to); err != nil {
		return nil, nil, nil, err
	}
	return a, b, Diff(a.Body, b.Body), nil
}

// Summary is an article as lists show it.
type Summary struct {
	ID           int64
	Title        string
	Number       int
	ApprovedAt   time.Time
	NextReview   time.Time
	RequestTypes []string
	Overdue      bool
}

// RequestTypeArticles lists the active articles with an approved version that cover request
// type key and that actor may read, by title. Errors: EAGREEMENT.
func (s *Store) RequestTypeArticles(ctx context.Context, actor *accounts.User, key string) ([]Summary, error) {
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	if !ReadScope(actor).Covers([]string{key}) {
		return []Summary{}, nil
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT a.id, v.title, v.number, COALESCE(v.decided_at, ''), COALESCE(a.next_review, ''),
		COALESCE((SELECT group_concat(rt2.key, char(31)) FROM article_request_types art2 JOIN request_types rt2 ON rt2.id = art2.request_type_id WHERE art2.article_id = a.id), '')
		FROM request_types rt
		JOIN article_request_types art ON art.request_type_id = rt.id
		JOIN articles a ON a.id = art.article_id AND a.status = 'active'
		JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
		WHERE rt.key = ? ORDER BY lower(v.title)`, key)
	if err != nil {
		return nil, fmt.Errorf("kb: articles for %s: %w", key, err)
	}
	defer rows.Close()
	out := []Summary{}
	now := time.Now()
	for rows.Next() {
		var sm Summary
		var approved, next, rts string
		if err := rows.Scan(&sm.ID, &sm.Title, &sm.Number, &approved, &next, &rts); err != nil {
			return nil, fmt.Errorf("kb: articles for %s: %w", key, err)
		}
		sm.ApprovedAt, sm.NextReview, sm.RequestTypes = parseTime(approved), parseTime(next), splitSorted(rts)
		sm.Overdue = !sm.NextReview.IsZero() && sm.NextReview.Before(now)
		out = append(out, sm)
	}
	return out, rows.Err()
}

// ArticleCounts returns, per request-type key, how many active articles with an approved
// version cover it.
func (s *Store) ArticleCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT rt.key, COUNT(*) FROM request_types rt
		JOIN article_request_types art ON art.request_type_id = rt.id
		JOIN articles a ON a.id = art.article_id AND a.status = 'active'
		WHERE EXISTS (SELECT 1 FROM versions v WHERE v.article_id = a.id AND v.status = 'approved')
		GROUP BY rt.key`)
	if err != nil {
		return nil, fmt.Errorf("kb: article counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("kb: article counts: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := database.Parse(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func splitSorted(s string) []string {
	if s == "" {
		return []string{}
	}
	out := strings.Split(s, sep)
	sort.Strings(out)
	return out
}

// GeneralArticles lists the active articles with an approved version that cover no request
// type (they are for everyone), by title. Errors: EAGREEMENT.
func (s *Store) GeneralArticles(ctx context.Context, actor *accounts.User) ([]Summary, error) {
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	if !ReadScope(actor).Covers(nil) {
		return []Summary{}, nil
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT a.id, v.title, v.number, COALESCE(v.decided_at, ''), COALESCE(a.next_review, '')
		FROM articles a JOIN versions v ON v.article_id = a.id AND v.status = 'approved'
		WHERE a.status = 'active' AND NOT EXISTS (SELECT 1 FROM article_request_types WHERE article_id = a.id)
		ORDER BY lower(v.title) LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("kb: general articles: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	now := time.Now()
	for rows.Next() {
		var sm Summary
		var approved, next string
		if err := rows.Scan(&sm.ID, &sm.Title, &sm.Number, &approved, &next); err != nil {
			return nil, fmt.Errorf("kb: general articles: %w", err)
		}
		sm.ApprovedAt, sm.NextReview, sm.RequestTypes = parseTime(approved), parseTime(next), []string{}
		sm.Overdue = !sm.NextReview.IsZero() && sm.NextReview.Before(now)
		out = append(out, sm)
	}
	return out, rows.Err()
}

// Proposal is a version of actor's own that is still open (a draft or in review).
type Proposal struct {
	ArticleID int64
	Number    int
	Title     string
	Status    Status
	CreatedAt time.Time
}

// OpenProposals lists actor's own drafts and versions in review, newest first.
func (s *Store) OpenProposals(ctx context.Context, actor *accounts.User) ([]Proposal, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT v.article_id, v.number, v.title, v.status, v.created_at
		FROM versions v JOIN articles a ON a.id = v.article_id AND a.status = 'active'
		WHERE v.author_id = ? AND v.status IN ('draft', 'in_review') ORDER BY v.id DESC LIMIT 100`, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("kb: proposals of %s: %w", actor.Username, err)
	}
	defer rows.Close()
	out := []Proposal{}
	for rows.Next() {
		var p Proposal
		var at string
		if err := rows.Scan(&p.ArticleID, &p.Number, &p.Title, &p.Status, &at); err != nil {
			return nil, fmt.Errorf("kb: proposals of %s: %w", actor.Username, err)
		}
		p.CreatedAt = parseTime(at)
		out = append(out, p)
	}
	return out, rows.Err()
}
