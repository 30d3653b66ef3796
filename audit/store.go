// Package audit runs the quarterly knowledge audit: a population snapshot, a seeded stratified
// sample, a weighted checklist per sampled article with adherence evidence beside it,
// findings with owners and due dates, sign-off and the report.
package audit

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/kb"
	"attest/training"
)

// Store keeps audits, their samples, assessments and findings.
type Store struct {
	db       *database.DB
	accounts *accounts.Store
	kb       *kb.Store
	training *training.Store

	mu    sync.RWMutex
	now   func() time.Time
	flags AccessFlags
}

// NewStore returns a Store over db.
func NewStore(db *database.DB, acc *accounts.Store, k *kb.Store, t *training.Store) *Store {
	return &Store{db: db, accounts: acc, kb: k, training: t, now: time.Now}
}

// SetClock replaces the store's clock: the demo seed backdates last quarter's audit with it
// and tests move time. nil restores the real clock.
func (s *Store) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.now = now
}

func (s *Store) clock() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.now().UTC()
}

// Status is where an audit stands. It moves by itself: planned (created) → fieldwork (first
// assessment) → review (every item assessed) → signed_off (closed by an auditor).
type Status string

// The audit statuses.
const (
	StatusPlanned   Status = "planned"
	StatusFieldwork Status = "fieldwork"
	StatusReview    Status = "review"
	StatusSignedOff Status = "signed_off"
)

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case StatusSignedOff:
		return "signed off"
	default:
		return string(s)
	}
}

// Criterion is one line of the checklist: a key, what it asks, and its weight in the score.
type Criterion struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Weight int    `json:"weight"`
}

// DefaultCriteria is the checklist after the KCS content standard. Accuracy weighs most
// (a wrong step does harm), completeness and currency next (a missing or stale step sends the
// agent elsewhere), the presentation criteria one each.
var DefaultCriteria = []Criterion{
	{"accurate", "Accurate: the steps are correct and work as written", 3},
	{"complete", "Complete: nothing needed to resolve the request is missing", 2},
	{"current", "Current: matches today's systems, forms and policy", 2},
	{"clear", "Clear: one action per step, plain words, no ambiguity", 1},
	{"findable", "Findable: the title says what it resolves, in the requester's words", 1},
	{"unique", "Unique: not a duplicate of another article", 1},
	{"template", "Follows its template: the sections its article's template names, in order (the check above the checklist says which)", 1},
}

// Audit is a quarterly audit with its sample, findings and the findings carried into it.
type Audit struct {
	ID         int64
	Quarter    string
	Status     Status
	Seed       int64
	SampleSize int
	// Population is the number of versions in the population snapshot.
	Population   int
	Suppliers    []string
	RequestTypes []string
	Criteria     []Criterion
	// Algorithm describes how the sample was drawn; Weighting is "use" or "size".
	Algorithm   string
	Weighting   string
	CreatedBy   string
	CreatedAt   time.Time
	Previous    int64
	SignedOffBy string
	SignedOffAt time.Time

	Items    []Item
	Strata   []Stratum
	Findings []Finding
	// Carried are open findings of the previous audit carried into this one.
	Carried []Finding
	// JournalHead is the journal's head recorded at sign-off (nil before).
	JournalHead *journal.Anchor
	// Exports are the report's exports so far, each with the journal head at that moment;
	// ThisExport is the one being made, when the audit was loaded by Export.
	Exports    []Export
	ThisExport *Export
}

// IsClosed reports whether the audit is signed off, and so frozen.
func (a *Audit) IsClosed() bool { return a.Status == StatusSignedOff }

// Assessed counts the items assessed so far.
func (a *Audit) Assessed() int {
	n := 0
	for _, it := range a.Items {
		if it.Score != nil {
			n++
		}
	}
	return n
}

// Deviations counts the assessed items that missed at least one criterion.
func (a *Audit) Deviations() int {
	n := 0
	for _, it := range a.Items {
		if it.Score != nil && it.IsDeviation() {
			n++
		}
	}
	return n
}

// MeanScore is the average score of the assessed items (0 when none is assessed).
func (a *Audit) MeanScore() float64 {
	sum, n := 0, 0
	for _, it := range a.Items {
		if it.Score != nil {
			sum += *it.Score
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(sum) / float64(n)
}

// Conclusion is the statement the sample supports at 95 % confidence: "95 % confident the
// deviation rate is at most X %", from the sample size and the deviations found.
func (a *Audit) Conclusion() string {
	n := len(a.Items)
	if n == 0 {
		return "The sample is empty: it supports no conclusion."
	}
	ub := UpperBound(n, a.Deviations(), 0.95)
	return fmt.Sprintf("With %d of %d sampled articles deviating, we are 95 %% confident the deviation rate in the population is at most %s %%.",
		a.Deviations(), n, strconv.FormatFloat(100*ub, 'f', 1, 64))
}

// CriterionKeys lists the criteria keys in checklist order.
func (a *Audit) CriterionKeys() []string {
	out := make([]string, len(a.Criteria))
	for i, c := range a.Criteria {
		out[i] = c.Key
	}
	return out
}

// Item is one sampled article version and its current assessment.
type Item struct {
	ID          int64
	AuditID     int64
	Position    int
	ArticleID   int64
	Version     int
	Title       string
	Stratum     string
	Supplier    string
	RequestType string
	// Score is nil until the item is assessed.
	Score      *int
	Checks     map[string]bool
	Notes      string
	AssessedBy string
	AssessedAt time.Time
	// Assessments counts every assessment made (the newest is the one that counts).
	Assessments int
}

// IsDeviation reports whether the assessed item missed at least one criterion.
func (it Item) IsDeviation() bool {
	for _, ok := range it.Checks {
		if !ok {
			return true
		}
	}
	return false
}

// Stratum is one stratum of the population and how much of it was sampled.
type Stratum struct {
	Key         string
	Supplier    string
	RequestType string
	Size        int
	Uses        int
	Sampled     int
}

var quarterRE = regexp.MustCompile(`^(\d{4})-Q([1-4])$`)

// QuarterRange returns the first moment of quarter q ("2026-Q4") and of the one after.
// Errors: EINVALID.
func QuarterRange(q string) (from, to time.Time, err error) {
	m := quarterRE.FindStringSubmatch(q)
	if m == nil {
		return from, to, attest.FieldError(map[string]string{"quarter": "must look like 2026-Q4 (a year, -Q, and 1 to 4)"})
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	from = time.Date(y, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, 3, 0), nil
}

// QuarterOf returns the label of the quarter t falls in.
func QuarterOf(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// NextQuarter returns the label of the quarter after q (q itself when it is malformed).
func NextQuarter(q string) string {
	_, to, err := QuarterRange(q)
	if err != nil {
		return q
	}
	return QuarterOf(to)
}

// queryer is what both the read pool and a transaction offer.
type queryer interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func forbid(actor *accounts.User, msg string, roles ...accounts.Role) error {
	if actor == nil {
		return attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	if !actor.Has(roles...) {
		return attest.Errorf(attest.EFORBIDDEN, "%s", msg)
	}
	return nil
}

func parseTime(s string) time.Time {
	t, _ := database.Parse(s)
	return t
}

func parseNullTime(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	return parseTime(s.String)
}

func auditObject(id int64) string { return "audit:" + strconv.FormatInt(id, 10) }

func findingObject(id int64) string { return "finding:" + strconv.FormatInt(id, 10) }

// userIDByName returns the id of username. Errors: EINVALID naming field.
func userIDByName(ctx context.Context, q queryer, username, field string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, attest.FieldError(map[string]string{field: fmt.Sprintf("no user %q", username)})
	}
	if err != nil {
		return 0, fmt.Errorf("audit: user %q: %w", username, err)
	}
	return id, nil
}
