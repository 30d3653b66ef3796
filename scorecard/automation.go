package scorecard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
	"attest/kb"
)

// Candidate is a request type as a candidate for automation over a period.
type Candidate struct {
	RequestType string `json:"request_type"`
	Name        string `json:"name"`
	// Tickets counts distinct tickets (per supplier) recorded against the type.
	Tickets       int      `json:"tickets"`
	ResolvedShare *float64 `json:"resolved_share"`
	// FailureCauses counts the not-resolved tickets per cause given.
	FailureCauses map[string]int `json:"failure_causes"`
	ArticlesUsed  int            `json:"articles_used"`
	// TopArticle is the article used on the most tickets, TopArticleTickets on how many.
	TopArticle        int64  `json:"top_article,omitempty"`
	TopArticleTitle   string `json:"top_article_title,omitempty"`
	TopArticleTickets int    `json:"top_article_tickets"`
	// DaysSinceMajorChange counts days from the latest major approval of the type's knowledge
	// (or its first approval, when none was major) to the end of the period; nil without any.
	DaysSinceMajorChange *int `json:"days_since_major_change"`
	// NegativeFeedback counts "not helpful" ratings of the type's articles in the period.
	NegativeFeedback int `json:"negative_feedback"`
	// Score is 0–100 (see Automation); Points its parts by name.
	Score  int                `json:"score"`
	Points map[string]float64 `json:"points"`
	// Reasons explain the score in words for a meeting.
	Reasons []string `json:"reasons"`
	// ErrorProne is set when at least ErrorProneShare of the tickets failed on causes that
	// automation removes.
	ErrorProne bool `json:"error_prone"`
	// Proposal is set when a knowledge manager proposed automating the type.
	Proposal *Proposal `json:"automation_proposed"`
}

// Proposal records that a knowledge manager proposed automating a request type.
type Proposal struct {
	Note string    `json:"note"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// RemovedByAutomation are the failure causes a script removes: wrong data typed by hand and
// steps skipped against policy. A system that is down, missing knowledge or an escalation
// stays whoever does the work.
var RemovedByAutomation = []kb.FailureCause{kb.CauseDataError, kb.CausePolicyViolation}

// ErrorProneShare is the share of tickets failing on causes automation removes from which a
// type is called error-prone.
const ErrorProneShare = 0.2

// The score's parts and their maximum points (they add up to 100):
//
//	volume        30 × tickets / the busiest type's tickets
//	success       20 × resolved share
//	stability     15 × min(days since major change, 180) / 180, plus 5 with no negative feedback
//	concentration 15 × tickets on the most used article / tickets
//	error-prone   15 × min(1, 2 × share of tickets failing on causes automation removes)
//
// A type with no tickets scores 0: automating it would pay nothing.
const (
	pointsVolume        = 30
	pointsSuccess       = 20
	pointsStable        = 15
	pointsNoNegative    = 5
	pointsConcentration = 15
	pointsErrorProne    = 15
	stableDays          = 180
)

// Automation ranks every request type by how much automating it would pay over period p,
// highest score first (then most tickets, then key), each score explained (knowledge
// managers, auditors, admins). Errors: EFORBIDDEN.
func (s *Store) Automation(ctx context.Context, actor *accounts.User, p Period) ([]Candidate, error) {
	if !canReadAll(actor) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers, auditors and administrators read automation candidates.")
	}
	if err := s.kb.Flush(ctx); err != nil {
		return nil, err
	}
	from, to := p.bounds()
	end := s.end(p)
	db := s.db.Read
	rows, err := db.QueryContext(ctx, `SELECT rt.id, rt.key, rt.name,
		(SELECT COUNT(DISTINCT COALESCE(u.supplier_id, 0) || ':' || u.ticket_ref) FROM usage_events u WHERE u.request_type_id = rt.id AND u.at >= ?1 AND u.at < ?2),
		(SELECT COUNT(DISTINCT COALESCE(u.supplier_id, 0) || ':' || u.ticket_ref) FROM usage_events u WHERE u.request_type_id = rt.id AND u.at >= ?1 AND u.at < ?2 AND u.outcome = 'resolved'),
		(SELECT COUNT(DISTINCT u.article_id) FROM usage_events u WHERE u.request_type_id = rt.id AND u.at >= ?1 AND u.at < ?2),
		(SELECT COUNT(*) FROM feedback fb JOIN article_request_types art ON art.article_id = fb.article_id AND art.request_type_id = rt.id
			WHERE fb.helpful = 0 AND fb.at >= ?1 AND fb.at < ?2),
		COALESCE((SELECT MAX(ap.at) FROM approvals ap JOIN versions v ON v.id = ap.version_id
			JOIN article_request_types art ON art.article_id = v.article_id AND art.request_type_id = rt.id
			WHERE ap.major = 1 AND ap.at < ?3),
			(SELECT MIN(v.decided_at) FROM versions v JOIN article_request_types art ON art.article_id = v.article_id AND art.request_type_id = rt.id
			WHERE v.status IN ('approved', 'superseded') AND v.decided_at < ?3), ''),
		COALESCE(ap.note, ''), COALESCE(pu.username, ''), COALESCE(ap.proposed_at, '')
		FROM request_types rt LEFT JOIN automation_proposals ap ON ap.request_type_id = rt.id LEFT JOIN users pu ON pu.id = ap.proposed_by
		ORDER BY rt.key`, from, to, database.Format(end))
	if err != nil {
		return nil, fmt.Errorf("scorecard: automation: %w", err)
	}
	var out []Candidate
	ids := map[string]int64{}
	for rows.Next() {
		var c Candidate
		var id int64
		var resolved int
		var changed, note, by, at string
		if err := rows.Scan(&id, &c.RequestType, &c.Name, &c.Tickets, &resolved, &c.ArticlesUsed, &c.NegativeFeedback, &changed,
			&note, &by, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scorecard: automation: %w", err)
		}
		c.ResolvedShare = share(resolved, c.Tickets)
		if changed != "" {
			t, _ := database.Parse(changed)
			d := int(end.Sub(t).Hours() / 24)
			c.DaysSinceMajorChange = &d
		}
		if note != "" {
			t, _ := database.Parse(at)
			c.Proposal = &Proposal{Note: note, By: by, At: t}
		}
		c.FailureCauses = map[string]int{}
		ids[c.RequestType] = id
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scorecard: automation: %w", err)
	}
	busiest := 0
	for i := range out {
		c := &out[i]
		busiest = max(busiest, c.Tickets)
		if c.Tickets == 0 {
			continue
		}
		if err := s.causes(ctx, ids[c.RequestType], from, to, c); err != nil {
			return nil, err
		}
	}
	for i := range out {
		score(&out[i], busiest)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		if out[i].Tickets != out[j].Tickets {
			return out[i].Tickets > out[j].Tickets
		}
		return out[i].RequestType < out[j].RequestType
	})
	if out == nil {
		out = []Candidate{}
	}
	return out, nil
}

// causes fills the failure causes and the most used article of request type id.
func (s *Store) causes(ctx context.Context, id int64, from, to string, c *Candidate) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.failure_cause, COUNT(DISTINCT COALESCE(u.supplier_id, 0) || ':' || u.ticket_ref)
		FROM usage_events u WHERE u.request_type_id = ? AND u.at >= ? AND u.at < ? AND u.outcome = 'not_resolved'
		AND u.failure_cause IS NOT NULL GROUP BY u.failure_cause`, id, from, to)
	if err != nil {
		return fmt.Errorf("scorecard: failure causes: %w", err)
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return fmt.Errorf("scorecard: failure causes: %w", err)
		}
		c.FailureCauses[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scorecard: failure causes: %w", err)
	}
	err = s.db.Read.QueryRowContext(ctx, `SELECT u.article_id, COUNT(DISTINCT COALESCE(u.supplier_id, 0) || ':' || u.ticket_ref) AS n,
		COALESCE((SELECT title FROM versions WHERE article_id = u.article_id AND status = 'approved'),
			(SELECT title FROM versions WHERE article_id = u.article_id ORDER BY number DESC LIMIT 1), '')
		FROM usage_events u WHERE u.request_type_id = ? AND u.at >= ? AND u.at < ?
		GROUP BY u.article_id ORDER BY n DESC, u.article_id LIMIT 1`, id, from, to).Scan(&c.TopArticle, &c.TopArticleTickets, &c.TopArticleTitle)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("scorecard: most used article: %w", err)
	}
	return nil
}

// score computes c's score, its parts and the reasons in words.
func score(c *Candidate, busiest int) {
	c.Points = map[string]float64{}
	if c.Tickets == 0 {
		c.Reasons = []string{"No tickets were recorded for this type in the period: automating it would pay nothing yet."}
		return
	}
	n := float64(c.Tickets)
	removable := 0
	for _, k := range RemovedByAutomation {
		removable += c.FailureCauses[string(k)]
	}
	resolved := 0.0
	if c.ResolvedShare != nil {
		resolved = *c.ResolvedShare
	}
	c.Points["volume"] = pointsVolume * n / float64(busiest)
	c.Points["success"] = pointsSuccess * resolved
	stable := 0.0
	if c.DaysSinceMajorChange != nil {
		stable = pointsStable * float64(min(*c.DaysSinceMajorChange, stableDays)) / stableDays
	}
	if c.NegativeFeedback == 0 {
		stable += pointsNoNegative
	}
	c.Points["stability"] = stable
	c.Points["concentration"] = pointsConcentration * float64(c.TopArticleTickets) / n
	removableShare := float64(removable) / n
	c.Points["error_prone"] = pointsErrorProne * math.Min(1, 2*removableShare)
	c.ErrorProne = removableShare >= ErrorProneShare
	total := 0.0
	for k, v := range c.Points {
		c.Points[k] = round1(v)
		total += v
	}
	c.Score = int(math.Round(total))

	var why []string
	if c.Tickets == busiest {
		why = append(why, fmt.Sprintf("Volume: %s in the period, the most of any request type.", plural(c.Tickets, "ticket")))
	} else {
		why = append(why, fmt.Sprintf("Volume: %s in the period, %d%% of the busiest type's.", plural(c.Tickets, "ticket"),
			int(math.Round(100*n/float64(busiest)))))
	}
	res := int(math.Round(resolved * n))
	switch {
	case resolved >= 0.8:
		why = append(why, fmt.Sprintf("Success: %d of %d tickets resolved with the steps as written — a procedure that works can be scripted.", res, c.Tickets))
	case resolved >= 0.5:
		why = append(why, fmt.Sprintf("Success: %d of %d tickets resolved — the procedure mostly works.", res, c.Tickets))
	default:
		why = append(why, fmt.Sprintf("Success: only %d of %d tickets resolved — fix the procedure before automating it.", res, c.Tickets))
	}
	switch {
	case c.DaysSinceMajorChange == nil:
		why = append(why, "Stability: no approved article covers this type, so there are no steps to automate yet.")
	case *c.DaysSinceMajorChange >= stableDays:
		why = append(why, fmt.Sprintf("Stability: the steps have not changed in a major way for %d days.", *c.DaysSinceMajorChange))
	default:
		when := plural(*c.DaysSinceMajorChange, "day") + " ago"
		if *c.DaysSinceMajorChange == 0 {
			when = "today"
		}
		why = append(why, fmt.Sprintf("Stability: the steps last changed in a major way %s; a script would have to follow further changes.", when))
	}
	if c.NegativeFeedback > 0 {
		why = append(why, fmt.Sprintf("Feedback: %s on its articles in the period.", plural(c.NegativeFeedback, "“not helpful” rating")))
	} else {
		why = append(why, "Feedback: no “not helpful” ratings on its articles in the period.")
	}
	if c.TopArticle != 0 {
		if c.TopArticleTickets == c.Tickets {
			why = append(why, fmt.Sprintf("Concentration: one article, “%s”, covers every ticket — one procedure to automate.", c.TopArticleTitle))
		} else {
			why = append(why, fmt.Sprintf("Concentration: the most used article, “%s”, covers %d of %d tickets.", c.TopArticleTitle, c.TopArticleTickets, c.Tickets))
		}
	}
	if removable > 0 {
		prefix := "Failures automation removes"
		if c.ErrorProne {
			prefix = "Error-prone"
		}
		why = append(why, fmt.Sprintf("%s: %d of %d tickets failed on data errors or policy violations, which a script does not make.", prefix, removable, c.Tickets))
	}
	if k := c.FailureCauses[string(kb.CauseSystemUnavailable)]; k > 0 {
		why = append(why, fmt.Sprintf("Not removed by automation: %s failed because a system was unavailable.", plural(k, "ticket")))
	}
	c.Reasons = why
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// MaxNote is the longest automation note, in characters.
const MaxNote = 2000

// ProposeAutomation marks request type key "automation proposed" with a note (knowledge
// managers); proposing again replaces the note. Journaled.
// Errors: EFORBIDDEN, ENOTFOUND (request type), EINVALID (note).
func (s *Store) ProposeAutomation(ctx context.Context, actor *accounts.User, key, note string) error {
	if actor == nil || !actor.Has(accounts.RoleKnowledgeManager) {
		return attest.Errorf(attest.EFORBIDDEN, "Only knowledge managers propose automation.")
	}
	var id int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT id FROM request_types WHERE key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return attest.Errorf(attest.ENOTFOUND, "No request type %q.", key)
	} else if err != nil {
		return fmt.Errorf("scorecard: request type %s: %w", key, err)
	}
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return attest.FieldError(map[string]string{"note": "required: what to automate and why"})
	case !utf8.ValidString(note) || utf8.RuneCountInString(note) > MaxNote:
		return attest.FieldError(map[string]string{"note": fmt.Sprintf("at most %d characters of text", MaxNote)})
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO automation_proposals (request_type_id, note, proposed_by, proposed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (request_type_id) DO UPDATE SET note = excluded.note, proposed_by = excluded.proposed_by, proposed_at = excluded.proposed_at`,
			id, note, actor.ID, database.Now()); err != nil {
			return err
		}
		return journal.Append(ctx, tx, actor.Username, "automation.propose", "request_type:"+key, journal.Change{
			After: map[string]any{"automation_proposed": true, "note": note}})
	})
	if err != nil {
		return fmt.Errorf("scorecard: propose automation of %s: %w", key, err)
	}
	return nil
}
