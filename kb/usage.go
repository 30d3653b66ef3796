package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
)

// Outcome is how a ticket ended after an agent used an article on it.
type Outcome string

// The outcomes of a ticket.
const (
	OutcomeResolved    Outcome = "resolved"
	OutcomeNotResolved Outcome = "not_resolved"
)

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool { return o == OutcomeResolved || o == OutcomeNotResolved }

// Label is the outcome as people read it.
func (o Outcome) Label() string {
	if o == OutcomeNotResolved {
		return "not resolved"
	}
	return string(o)
}

// MaxTicketRef is the longest ticket reference, in characters.
const MaxTicketRef = 128

// UsageInput says that an agent used a version of an article on a ticket.
type UsageInput struct {
	ArticleID   int64
	Version     int
	TicketRef   string
	RequestType string
	Outcome     Outcome
	// FailureCause says why a not-resolved ticket failed ("" for none; failure.go).
	FailureCause FailureCause
	// Invalid holds field errors found before the store saw the input (a JSON value of the
	// wrong type, say); they are reported together with the store's own, and nothing is
	// recorded.
	Invalid map[string]string
}

// Usage is a recorded use of an article on a ticket.
type Usage struct {
	ID          int64
	At          time.Time
	ArticleID   int64
	Version     int
	TicketRef   string
	RequestType string
	Outcome     Outcome
	// FailureCause says why it was not resolved ("" when not given).
	FailureCause FailureCause
	// FollowupID is the follow-up a "knowledge wrong" failure opened or joined (0 for none).
	FollowupID int64
	// Outdated is true when Version was not the article's current approved version when
	// the use was recorded.
	Outdated bool
	// Repeated says this is the first record of a use recorded again (same agent, ticket,
	// article and version): nothing new was recorded.
	Repeated bool
}

// usageTarget is what validating a use needs to know of the article, the version and the
// request type it names.
type usageTarget struct {
	found         bool
	status        ArticleStatus
	requestTypes  []string
	current       int    // current approved version, 0 when none
	versionStatus Status // status of the named version, "" when it does not exist
	rtID          int64  // the request type's id, 0 when unknown
}

// usageTargetSQL reads a usageTarget in one statement (prepared once: it runs on every use).
const usageTargetSQL = `SELECT
	COALESCE((SELECT id FROM request_types WHERE key = ?1), 0),
	COALESCE((SELECT status FROM articles WHERE id = ?2), ''),
	COALESCE((SELECT group_concat(rt.key, char(31)) FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id WHERE art.article_id = ?2), ''),
	COALESCE((SELECT number FROM versions WHERE article_id = ?2 AND status = 'approved'), 0),
	COALESCE((SELECT status FROM versions WHERE article_id = ?2 AND number = ?3), '')`

// usageStatements are the prepared statements of recording usage.
type usageStatements struct {
	once   sync.Once
	err    error
	target *sql.Stmt // on the read pool
	insert *sql.Stmt // on the writer
	first  *sql.Stmt // on the writer: the record a repeated post answers with
}

func (s *Store) usageStmts(ctx context.Context) (*usageStatements, error) {
	st := &s.events.stmts
	st.once.Do(func() {
		if st.target, st.err = s.db.Read.PrepareContext(context.WithoutCancel(ctx), usageTargetSQL); st.err != nil {
			return
		}
		if st.insert, st.err = s.db.Write.PrepareContext(context.WithoutCancel(ctx), insertUsageSQL); st.err != nil {
			return
		}
		st.first, st.err = s.db.Write.PrepareContext(context.WithoutCancel(ctx), firstUsageSQL)
	})
	if st.err != nil {
		return nil, fmt.Errorf("kb: prepare usage statements: %w", st.err)
	}
	return st, nil
}

// loadUsageTarget reads the article, version and request type a use names.
func (s *Store) loadUsageTarget(ctx context.Context, id int64, version int, rtKey string) (*usageTarget, error) {
	st, err := s.usageStmts(ctx)
	if err != nil {
		return nil, err
	}
	var t usageTarget
	var rts string
	if err := st.target.QueryRowContext(ctx, rtKey, id, version).Scan(&t.rtID, &t.status, &rts, &t.current, &t.versionStatus); err != nil {
		return nil, fmt.Errorf("kb: article %d for usage: %w", id, err)
	}
	t.found = t.status != ""
	t.requestTypes = splitSorted(rts)
	return &t, nil
}

// usageReadable reports whether actor may record use of the article: it reads the article's
// approved versions (an agent: an active article that covers their supplier's request types,
// or covers none).
func usageReadable(actor *accounts.User, t *usageTarget) bool {
	if readsAll(actor) {
		return true
	}
	if t.status != ArticleActive || t.current == 0 {
		return false
	}
	return covers(actor, &Article{RequestTypes: t.requestTypes})
}

// checkTicketRef validates a ticket reference: 1 to 128 printable characters, trimmed.
func checkTicketRef(ref string) (string, string) {
	ref = strings.TrimSpace(ref)
	switch {
	case ref == "":
		return "", "required"
	case !utf8.ValidString(ref):
		return "", "must be UTF-8 text"
	case utf8.RuneCountInString(ref) > MaxTicketRef:
		return "", fmt.Sprintf("at most %d characters", MaxTicketRef)
	case strings.IndexFunc(ref, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "", "printable characters only"
	}
	return ref, ""
}

// usageRow is a validated use, ready to write.
type usageRow struct {
	at          string
	userID      int64
	supplierID  int64
	articleID   int64
	version     int
	ticketRef   string
	requestType string
	rtID        int64
	outcome     Outcome
	cause       FailureCause
}

// checkUsage validates in for actor, naming every field that is missing, malformed or
// unknown. Errors: EINVALID, or the database's.
func (s *Store) checkUsage(ctx context.Context, actor *accounts.User, in UsageInput) (*usageRow, error) {
	fields := map[string]string{}
	maps.Copy(fields, in.Invalid)
	row := &usageRow{userID: actor.ID, supplierID: actor.SupplierID, articleID: in.ArticleID, version: in.Version, outcome: in.Outcome,
		cause: in.FailureCause}
	checkFailureCause(in, fields)
	if _, bad := fields["article_id"]; !bad && in.ArticleID <= 0 {
		fields["article_id"] = positive(in.ArticleID)
	}
	if _, bad := fields["version"]; !bad && in.Version <= 0 {
		fields["version"] = positive(int64(in.Version))
	}
	if _, bad := fields["ticket_ref"]; !bad {
		var why string
		if row.ticketRef, why = checkTicketRef(in.TicketRef); why != "" {
			fields["ticket_ref"] = why
		}
	}
	if _, bad := fields["outcome"]; !bad {
		switch {
		case in.Outcome == "":
			fields["outcome"] = "required"
		case !in.Outcome.Valid():
			fields["outcome"] = `must be "resolved" or "not_resolved"`
		}
	}
	rtKey := strings.TrimSpace(in.RequestType)
	row.requestType = rtKey
	t, err := s.loadUsageTarget(ctx, in.ArticleID, in.Version, rtKey)
	if err != nil {
		return nil, err
	}
	row.rtID = t.rtID
	if _, bad := fields["request_type"]; !bad {
		switch {
		case rtKey == "":
			fields["request_type"] = "required"
		case t.rtID == 0:
			fields["request_type"] = fmt.Sprintf("unknown request type %q", rtKey)
		case actor.IsAgent() && !actor.FulfilsType(rtKey):
			fields["request_type"] = fmt.Sprintf("your supplier does not fulfil %q", rtKey)
		}
	}
	if _, bad := fields["article_id"]; !bad {
		switch {
		case !t.found || !usageReadable(actor, t):
			// An article the caller may not read answers like an unknown one: its existence
			// does not leak.
			fields["article_id"] = fmt.Sprintf("no article %d that you can read", in.ArticleID)
		default:
			if _, bad := fields["version"]; !bad {
				switch t.versionStatus {
				case StatusApproved, StatusSuperseded:
				case "":
					fields["version"] = fmt.Sprintf("article %d has no version %d", in.ArticleID, in.Version)
				default:
					fields["version"] = fmt.Sprintf("version %d of article %d was never approved", in.Version, in.ArticleID)
				}
			}
			if _, bad := fields["request_type"]; !bad && len(t.requestTypes) > 0 && !slices.Contains(t.requestTypes, rtKey) {
				fields["request_type"] = fmt.Sprintf("article %d does not cover %q (it covers %s)", in.ArticleID, rtKey,
					strings.Join(t.requestTypes, ", "))
			}
		}
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	return row, nil
}

func positive(n int64) string {
	if n == 0 {
		return "required"
	}
	return "must be a whole number ≥ 1"
}

// RecordUsage records that actor (an agent) used a version of an article on a ticket. The
// record is committed before it returns and is never dropped: it is evidence for audits.
// Outdated says whether the version was not the current approved one at that moment. A
// repeated record (the same agent, ticket, article and version: a retried post) records
// nothing and returns the first record.
// Validation names every field that is missing, malformed or unknown: article_id (unknown,
// or an article the agent may not read), version (not an approved or superseded version of
// it), ticket_ref (1–128 printable characters), request_type (unknown, not covered by the
// article, or not fulfilled by the agent's supplier), outcome.
// Errors: EFORBIDDEN (not an agent), EAGREEMENT, EINVALID.
func (s *Store) RecordUsage(ctx context.Context, actor *accounts.User, in UsageInput) (*Usage, error) {
	return s.RecordUsageAt(ctx, actor, in, time.Time{})
}

// RecordUsageAt is RecordUsage with an explicit time, for imports and the demo only (a zero
// at means now). Outdated is judged against the current version when the record is written.
func (s *Store) RecordUsageAt(ctx context.Context, actor *accounts.User, in UsageInput, at time.Time) (*Usage, error) {
	if !actor.Has(accounts.RoleAgent) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only agents record the use of an article on a ticket.")
	}
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	row, err := s.checkUsage(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = time.Now()
	}
	row.at = database.Format(at)
	if row.cause == CauseKnowledgeWrong {
		return s.recordWrongKnowledge(ctx, actor, row)
	}
	u, err := s.events.usage.commit(ctx, s, row)
	if err != nil {
		return nil, fmt.Errorf("kb: record usage of article %d: %w", in.ArticleID, err)
	}
	return u, nil
}

// groupCommit writes ticket usage from concurrent callers in shared transactions: the first
// caller to find no commit running leads, writing everything queued (its own record included)
// in one transaction and answering each caller after the commit, then the next batch, until
// the queue is empty. One commit per batch instead of one per record keeps the single writer
// connection from serializing every request, and no caller is answered before its record is
// committed.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*usageJob
	leading bool
}

type usageJob struct {
	row  *usageRow
	out  *Usage
	err  error
	done chan struct{}
}

// maxUsageBatch bounds one group-commit transaction.
const maxUsageBatch = 256

func (g *groupCommit) commit(ctx context.Context, s *Store, row *usageRow) (*Usage, error) {
	job := &usageJob{row: row, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, job)
	if g.leading {
		g.mu.Unlock()
		<-job.done // the leader always answers: the record may be committed, so do not give up early
		return job.out, job.err
	}
	g.leading = true
	for len(g.queue) > 0 {
		n := min(len(g.queue), maxUsageBatch)
		batch := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, n)
		g.mu.Unlock()
		s.writeUsage(context.WithoutCancel(ctx), batch)
		g.mu.Lock()
	}
	g.leading = false
	g.mu.Unlock()
	<-job.done
	return job.out, job.err
}

// writeUsage writes a batch in one transaction; when that fails, each record on its own, so
// that one bad record does not fail the others. Every job is answered.
func (s *Store) writeUsage(ctx context.Context, batch []*usageJob) {
	stmts, err := s.usageStmts(ctx)
	if err == nil {
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			ins, first := tx.StmtContext(ctx, stmts.insert), tx.StmtContext(ctx, stmts.first)
			defer ins.Close()
			defer first.Close()
			return insertUsages(ctx, ins, first, batch)
		})
	}
	if err != nil && len(batch) > 1 {
		for _, j := range batch {
			s.writeUsage(ctx, []*usageJob{j})
		}
		return
	}
	for _, j := range batch {
		if err != nil {
			j.out, j.err = nil, err
		}
		close(j.done)
	}
}

// insertUsageSQL computes outdated in the writing transaction, so that an approval committed
// just before is seen.
const insertUsageSQL = `INSERT INTO usage_events (at, user_id, supplier_id, article_id, version, ticket_ref, request_type_id, outcome, failure_cause, outdated)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''),
		CASE WHEN COALESCE((SELECT number FROM versions WHERE article_id = ? AND status = 'approved'), 0) != ? THEN 1 ELSE 0 END)
	RETURNING id, outdated`

// firstUsageSQL finds the first record of the same agent, ticket, article and version. It
// runs in the writing transaction, on the one writer, so a repeat in the same batch or in a
// concurrent request finds the record written before it.
const firstUsageSQL = `SELECT u.id, u.at, u.outcome, u.outdated, rt.key FROM usage_events u JOIN request_types rt ON rt.id = u.request_type_id
	WHERE u.user_id = ? AND u.ticket_ref = ? AND u.article_id = ? AND u.version = ? ORDER BY u.id LIMIT 1`

func insertUsages(ctx context.Context, ins, first *sql.Stmt, batch []*usageJob) error {
	for _, j := range batch {
		u, found, err := firstUsage(ctx, first, j.row)
		if err != nil {
			return err
		}
		if !found {
			u, err = insertUsage(ctx, ins, j.row)
			if err != nil {
				return err
			}
		}
		j.out = u
	}
	return nil
}

// firstUsage returns the earlier record that r repeats, and whether there is one.
func firstUsage(ctx context.Context, st *sql.Stmt, r *usageRow) (*Usage, bool, error) {
	u := &Usage{ArticleID: r.articleID, Version: r.version, TicketRef: r.ticketRef, Repeated: true}
	var at string
	err := st.QueryRowContext(ctx, r.userID, r.ticketRef, r.articleID, r.version).Scan(&u.ID, &at, &u.Outcome, &u.Outdated, &u.RequestType)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	u.At = parseTime(at)
	return u, true, nil
}

func insertUsage(ctx context.Context, st *sql.Stmt, r *usageRow) (*Usage, error) {
	u := &Usage{ArticleID: r.articleID, Version: r.version, TicketRef: r.ticketRef, RequestType: r.requestType,
		Outcome: r.outcome, FailureCause: r.cause, At: parseTime(r.at)}
	err := st.QueryRowContext(ctx, r.at, r.userID, usageNullID(r.supplierID), r.articleID, r.version, r.ticketRef, r.rtID,
		r.outcome, r.cause, r.articleID, r.version).Scan(&u.ID, &u.Outdated)
	if err != nil {
		return nil, err
	}
	return u, nil
}
