package training

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// Attempt statuses. A timed-out attempt was not submitted before its deadline: it counts as
// failed, and a submission after the deadline is refused (409) and changes nothing.
const (
	StatusOpen      = "open"
	StatusSubmitted = "submitted"
	StatusTimedOut  = "timed_out"
)

// lateGrace absorbs the network between pressing Submit and the server reading the answers.
const lateGrace = 5 * time.Second

// Paper is an attempt as the agent taking it sees it: questions and choices in the order
// drawn, and nothing that hints at the answers. It has no field that could hold them.
type Paper struct {
	AttemptID       int64           `json:"attempt_id"`
	QuizID          int64           `json:"quiz_id"`
	QuizTitle       string          `json:"quiz_title"`
	RequestType     string          `json:"request_type"`
	RequestTypeName string          `json:"request_type_name"`
	StartedAt       time.Time       `json:"started_at"`
	Deadline        *time.Time      `json:"deadline,omitempty"`
	Recertification bool            `json:"recertification"`
	Questions       []PaperQuestion `json:"questions"`
}

// PaperQuestion is one question of a Paper. ID is the question version shown; answers name it.
type PaperQuestion struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
	// Kind is how the question is answered: single, multiple or true_false.
	Kind string `json:"kind"`
	// Multiple tells the agent to pick every choice that applies rather than one.
	Multiple bool          `json:"multiple"`
	Choices  []PaperChoice `json:"choices"`
}

// PaperChoice is one choice of a PaperQuestion.
type PaperChoice struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

// Result is a finished (or still open) attempt: its score and, where the reader may see it,
// the review of each question.
type Result struct {
	AttemptID       int64      `json:"attempt_id"`
	QuizID          int64      `json:"quiz_id"`
	QuizTitle       string     `json:"quiz_title"`
	RequestType     string     `json:"request_type"`
	RequestTypeName string     `json:"request_type_name"`
	Username        string     `json:"username"`
	UserName        string     `json:"user_name"`
	Supplier        string     `json:"supplier"`
	Status          string     `json:"status"`
	StartedAt       time.Time  `json:"started_at"`
	Deadline        *time.Time `json:"deadline,omitempty"`
	// EndedAt is the submission time, or the deadline of a timed-out attempt.
	EndedAt         *time.Time `json:"ended_at,omitempty"`
	ScorePercent    int        `json:"score_percent"`
	Passed          bool       `json:"passed"`
	PassPercent     int        `json:"pass_percent"`
	Recertification bool       `json:"recertification"`
	// Decision is the trainer's on a passed attempt: "" (waiting), "certified" or "declined".
	Decision       string `json:"decision,omitempty"`
	DecisionReason string `json:"decision_reason,omitempty"`
	// Questions is how many questions the attempt showed; Right how many were answered right.
	Questions int `json:"questions"`
	Right     int `json:"questions_right"`
	// Review is set only after submission and only when the reader may see the answers.
	Review []ReviewItem `json:"review,omitempty"`
	// Study, for the agent who failed, lists the articles of the quiz's request type they may
	// read, those cited by questions answered wrong first.
	Study []StudyArticle `json:"study,omitempty"`
}

// ReviewItem is one question of a finished attempt with what was chosen and what was right.
type ReviewItem struct {
	QuestionID  int64          `json:"question_id"`
	Text        string         `json:"text"`
	Right       bool           `json:"right"`
	Choices     []ReviewChoice `json:"choices"`
	Explanation string         `json:"explanation"`
	ArticleID   int64          `json:"article_id,omitempty"`
	Heading     string         `json:"heading,omitempty"`
}

// ReviewChoice is one choice of a ReviewItem.
type ReviewChoice struct {
	ID     int64  `json:"id"`
	Text   string `json:"text"`
	Chosen bool   `json:"chosen"`
	Right  bool   `json:"right"`
}

// StartAttempt draws questions from a quiz for the agent and starts the clock. Questions the
// agent has not seen come first; on a recertification, questions citing an article changed in a
// major way since the last certification come before all others. An attempt still open is
// resumed instead (resumed is true). Errors: EFORBIDDEN (not an agent, or the supplier does not
// fulfil the request type), EAGREEMENT, ENOTFOUND, ECONFLICT (no questions, or every attempt
// used), ETHROTTLED (attempt limit within the cool-down, with RetryAfter).
func (s *Store) StartAttempt(ctx context.Context, actor *accounts.User, quizID int64) (p *Paper, resumed bool, err error) {
	if err := forbid(actor, "Only supplier agents take quizzes.", accounts.RoleAgent); err != nil {
		return nil, false, err
	}
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, false, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		z, err := s.quiz(ctx, tx, quizID, true)
		if err != nil {
			return err
		}
		if !actor.FulfilsType(z.RequestType) {
			return attest.Errorf(attest.EFORBIDDEN, "Your supplier does not fulfil %s, so its quiz is not for you.", z.RequestTypeName)
		}
		if len(z.Questions) == 0 {
			return attest.Errorf(attest.ECONFLICT, "This quiz has no questions yet.")
		}
		now := s.clock()
		// Resume an open attempt rather than draw again (which would let people fish for
		// easy questions).
		rows, err := tx.QueryContext(ctx, `SELECT id, deadline FROM attempts WHERE quiz_id = ? AND user_id = ? AND submitted_at IS NULL ORDER BY id DESC`, quizID, actor.ID)
		if err != nil {
			return fmt.Errorf("training: open attempts: %w", err)
		}
		for rows.Next() {
			var aid int64
			var dl sql.NullString
			if err := rows.Scan(&aid, &dl); err != nil {
				rows.Close()
				return fmt.Errorf("training: open attempts: %w", err)
			}
			if d := parseNullTime(dl); d == nil || now.Before(*d) {
				id, resumed = aid, true
				break
			}
		}
		rows.Close()
		if resumed {
			return nil
		}
		last, err := s.latestCertification(ctx, tx, actor.ID, z.RequestType)
		if err != nil {
			return err
		}
		if err := s.checkAttemptLimit(ctx, tx, z, actor.ID, last, now); err != nil {
			return err
		}
		seen, err := seenQuestions(ctx, tx, quizID, actor.ID)
		if err != nil {
			return err
		}
		changed := map[int64]bool{}
		if last != nil {
			changes, err := s.kb.MajorChanges(ctx, z.RequestType, last.BasisAt)
			if err != nil {
				return err
			}
			for _, c := range changes {
				changed[c.ArticleID] = true
			}
		}
		drawn := draw(z.Questions, z.DrawCount, seen, changed)
		var deadline *time.Time
		if z.TimeLimitMinutes > 0 {
			d := now.Add(time.Duration(z.TimeLimitMinutes) * time.Minute)
			deadline = &d
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO attempts (quiz_id, user_id, started_at, deadline, pass_percent, validity_days, recertification)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, quizID, actor.ID, database.Format(now), nullTime(deadline), z.PassPercent, z.ValidityDays, last != nil).Scan(&id)
		if err != nil {
			return fmt.Errorf("training: start attempt: %w", err)
		}
		versions := []int64{}
		for i, q := range drawn {
			order := make([]int64, len(q.Choices))
			for j, c := range q.Choices {
				order[j] = c.ID
			}
			rand.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
			ob, _ := json.Marshal(order)
			if _, err := tx.ExecContext(ctx, `INSERT INTO attempt_questions (attempt_id, position, question_version_id, choice_order) VALUES (?, ?, ?, ?)`,
				id, i, q.VersionID, string(ob)); err != nil {
				return fmt.Errorf("training: start attempt: %w", err)
			}
			versions = append(versions, q.VersionID)
		}
		return journal.Append(ctx, tx, actor.Username, "attempt.start", fmt.Sprintf("attempt:%d", id),
			journal.Change{After: map[string]any{"quiz": quizID, "question_versions": versions, "deadline": deadline, "recertification": last != nil}})
	})
	if err != nil {
		return nil, false, fmt.Errorf("training: start attempt on quiz %d: %w", quizID, err)
	}
	p, err = s.paper(ctx, s.db.Read, id)
	return p, resumed, err
}

// draw picks n questions (all when n is 0): those citing a changed article first, then those
// not seen before, at random within each group; then shuffles the ones drawn.
func draw(bank []Question, n int, seen map[int64]bool, changed map[int64]bool) []Question {
	qs := slices.Clone(bank)
	rand.Shuffle(len(qs), func(a, b int) { qs[a], qs[b] = qs[b], qs[a] })
	rank := func(q Question) int {
		r := 0
		if !(q.ArticleID != 0 && changed[q.ArticleID]) {
			r += 2
		}
		if seen[q.ID] {
			r++
		}
		return r
	}
	sort.SliceStable(qs, func(a, b int) bool { return rank(qs[a]) < rank(qs[b]) })
	if n > 0 && n < len(qs) {
		qs = qs[:n]
	}
	rand.Shuffle(len(qs), func(a, b int) { qs[a], qs[b] = qs[b], qs[a] })
	return qs
}

func seenQuestions(ctx context.Context, q queryer, quizID, userID int64) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT v.question_id FROM attempt_questions aq
		JOIN attempts a ON a.id = aq.attempt_id JOIN question_versions v ON v.id = aq.question_version_id
		WHERE a.quiz_id = ? AND a.user_id = ?`, quizID, userID)
	if err != nil {
		return nil, fmt.Errorf("training: seen questions: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("training: seen questions: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// checkAttemptLimit refuses a new attempt when the quiz's attempt limit is used up: within the
// cool-down window when it has one, else since the last certification.
func (s *Store) checkAttemptLimit(ctx context.Context, tx *sql.Tx, z *Quiz, userID int64, last *Certification, now time.Time) error {
	if z.MaxAttempts == 0 {
		return nil
	}
	since := time.Time{}
	if z.CooldownHours > 0 {
		since = now.Add(-time.Duration(z.CooldownHours) * time.Hour)
	} else if last != nil {
		since = last.CertifiedAt
	}
	rows, err := tx.QueryContext(ctx, `SELECT started_at FROM attempts WHERE quiz_id = ? AND user_id = ? AND started_at > ? ORDER BY started_at`,
		z.ID, userID, database.Format(since))
	if err != nil {
		return fmt.Errorf("training: attempt limit: %w", err)
	}
	defer rows.Close()
	var starts []time.Time
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			return fmt.Errorf("training: attempt limit: %w", err)
		}
		starts = append(starts, parseTime(at))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("training: attempt limit: %w", err)
	}
	if len(starts) < z.MaxAttempts {
		return nil
	}
	if z.CooldownHours == 0 {
		return attest.Errorf(attest.ECONFLICT, "You have used all %d attempts at this quiz. Ask a trainer for help.", z.MaxAttempts)
	}
	// The window frees up when the oldest attempt that counts leaves it.
	free := starts[len(starts)-z.MaxAttempts].Add(time.Duration(z.CooldownHours) * time.Hour)
	wait := int(free.Sub(now).Seconds()) + 1
	return &attest.Error{Code: attest.ETHROTTLED, RetryAfter: wait,
		Message: fmt.Sprintf("You have used %d attempts within %d hours. You can try again after %s.", z.MaxAttempts, z.CooldownHours, free.Format("2006-01-02 15:04 UTC"))}
}

// Paper returns an open attempt to the agent taking it. Errors: ENOTFOUND (also for someone
// else's attempt), ECONFLICT when it is no longer open.
func (s *Store) Paper(ctx context.Context, actor *accounts.User, attemptID int64) (*Paper, error) {
	var userID int64
	var submitted, deadline sql.NullString
	err := s.db.Read.QueryRowContext(ctx, `SELECT user_id, submitted_at, deadline FROM attempts WHERE id = ?`, attemptID).Scan(&userID, &submitted, &deadline)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (actor == nil || userID != actor.ID)) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No attempt %d.", attemptID)
	}
	if err != nil {
		return nil, fmt.Errorf("training: attempt %d: %w", attemptID, err)
	}
	if err := accounts.RequireAgreement(actor); err != nil {
		return nil, err
	}
	if submitted.Valid {
		return nil, attest.Errorf(attest.ECONFLICT, "This attempt was submitted.")
	}
	if d := parseNullTime(deadline); d != nil && s.clock().After(d.Add(lateGrace)) {
		return nil, attest.Errorf(attest.ECONFLICT, "The time limit of this attempt ran out.")
	}
	return s.paper(ctx, s.db.Read, attemptID)
}

func (s *Store) paper(ctx context.Context, q queryer, attemptID int64) (*Paper, error) {
	p := Paper{AttemptID: attemptID, Questions: []PaperQuestion{}}
	var started string
	var deadline sql.NullString
	err := q.QueryRowContext(ctx, `SELECT a.quiz_id, z.title, rt.key, rt.name, a.started_at, a.deadline, a.recertification
		FROM attempts a JOIN quizzes z ON z.id = a.quiz_id JOIN request_types rt ON rt.id = z.request_type_id WHERE a.id = ?`, attemptID).
		Scan(&p.QuizID, &p.QuizTitle, &p.RequestType, &p.RequestTypeName, &started, &deadline, &p.Recertification)
	if err != nil {
		return nil, fmt.Errorf("training: attempt %d: %w", attemptID, err)
	}
	p.StartedAt, p.Deadline = parseTime(started), parseNullTime(deadline)
	items, err := attemptItems(ctx, q, attemptID)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		pq := PaperQuestion{ID: it.versionID, Text: it.text, Kind: Question{Kind: it.kind, Choices: it.choices}.kind(), Multiple: it.multiple()}
		for _, c := range it.ordered() {
			pq.Choices = append(pq.Choices, PaperChoice{ID: c.ID, Text: c.Text})
		}
		p.Questions = append(p.Questions, pq)
	}
	return &p, nil
}

// item is one question of an attempt as stored, with its answer once submitted.
type item struct {
	versionID   int64
	kind        string
	text        string
	explanation string
	articleID   int64
	heading     string
	choices     []Choice
	order       []int64
	answer      []int64
	answered    bool
	right       bool
}

func (it item) multiple() bool {
	return Question{Kind: it.kind, Choices: it.choices}.Multiple()
}

// ordered returns the choices in the order the attempt showed them.
func (it item) ordered() []Choice {
	byID := map[int64]Choice{}
	for _, c := range it.choices {
		byID[c.ID] = c
	}
	out := make([]Choice, 0, len(it.order))
	for _, id := range it.order {
		if c, ok := byID[id]; ok {
			out = append(out, c)
		}
	}
	return out
}

// isRight reports whether the chosen ids are exactly the right ones: a partly right answer
// to a multiple-choice question is wrong.
func (it item) isRight(chosen []int64) bool {
	want := map[int64]bool{}
	for _, c := range it.choices {
		if c.Correct {
			want[c.ID] = true
		}
	}
	got := map[int64]bool{}
	for _, id := range chosen {
		got[id] = true
	}
	if len(got) != len(want) {
		return false
	}
	for id := range want {
		if !got[id] {
			return false
		}
	}
	return true
}

func attemptItems(ctx context.Context, q queryer, attemptID int64) ([]item, error) {
	rows, err := q.QueryContext(ctx, `SELECT aq.question_version_id, v.kind, v.text, v.explanation, COALESCE(v.article_id, 0), v.heading,
		aq.choice_order, aq.answer, COALESCE(aq.correct, 0)
		FROM attempt_questions aq JOIN question_versions v ON v.id = aq.question_version_id
		WHERE aq.attempt_id = ? ORDER BY aq.position`, attemptID)
	if err != nil {
		return nil, fmt.Errorf("training: questions of attempt %d: %w", attemptID, err)
	}
	var out []item
	for rows.Next() {
		var it item
		var order string
		var answer sql.NullString
		if err := rows.Scan(&it.versionID, &it.kind, &it.text, &it.explanation, &it.articleID, &it.heading, &order, &answer, &it.right); err != nil {
			rows.Close()
			return nil, fmt.Errorf("training: questions of attempt %d: %w", attemptID, err)
		}
		json.Unmarshal([]byte(order), &it.order)
		if answer.Valid {
			it.answered = true
			json.Unmarshal([]byte(answer.String), &it.answer)
		}
		out = append(out, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("training: questions of attempt %d: %w", attemptID, err)
	}
	for i := range out {
		if out[i].choices, err = versionChoices(ctx, q, out[i].versionID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Submit scores the agent's answers (question version id → chosen choice ids) on the server.
// A question counts only when exactly the right choices are chosen; unanswered is wrong.
// Errors: ENOTFOUND (also for someone else's attempt), EAGREEMENT, ECONFLICT (submitted
// already, or the time limit ran out: the attempt then counts as failed), EINVALID (an answer
// for a question or choice this attempt did not show).
func (s *Store) Submit(ctx context.Context, actor *accounts.User, attemptID int64, answers map[int64][]int64) (*Result, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var userID int64
		var submitted, deadline sql.NullString
		var passPercent int
		err := tx.QueryRowContext(ctx, `SELECT user_id, submitted_at, deadline, pass_percent FROM attempts WHERE id = ?`, attemptID).
			Scan(&userID, &submitted, &deadline, &passPercent)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && userID != actor.ID) {
			return attest.Errorf(attest.ENOTFOUND, "No attempt %d.", attemptID)
		}
		if err != nil {
			return fmt.Errorf("training: load attempt: %w", err)
		}
		if err := accounts.RequireAgreement(actor); err != nil {
			return err
		}
		if submitted.Valid {
			return attest.Errorf(attest.ECONFLICT, "This attempt was submitted already; start a new attempt to try again.")
		}
		now := s.clock()
		if d := parseNullTime(deadline); d != nil && now.After(d.Add(lateGrace)) {
			return attest.Errorf(attest.ECONFLICT, "The time limit ran out at %s; this attempt counts as failed. Start a new attempt to try again.",
				d.Format("15:04:05 UTC"))
		}
		items, err := attemptItems(ctx, tx, attemptID)
		if err != nil {
			return err
		}
		byVersion := map[int64]*item{}
		for i := range items {
			byVersion[items[i].versionID] = &items[i]
		}
		fields := map[string]string{}
		for qid, chosen := range answers {
			it := byVersion[qid]
			if it == nil {
				fields[fmt.Sprintf("answers.%d", qid)] = "not a question of this attempt"
				continue
			}
			for _, cid := range chosen {
				if !slices.ContainsFunc(it.choices, func(c Choice) bool { return c.ID == cid }) {
					fields[fmt.Sprintf("answers.%d", qid)] = fmt.Sprintf("choice %d is not a choice of this question", cid)
				}
			}
		}
		if len(fields) > 0 {
			return attest.FieldError(fields)
		}
		right := 0
		for i := range items {
			it := &items[i]
			chosen := dedupe(answers[it.versionID])
			it.right = it.isRight(chosen)
			if it.right {
				right++
			}
			ab, _ := json.Marshal(chosen)
			if _, err := tx.ExecContext(ctx, `UPDATE attempt_questions SET answer = ?, correct = ? WHERE attempt_id = ? AND question_version_id = ?`,
				string(ab), it.right, attemptID, it.versionID); err != nil {
				return fmt.Errorf("training: record answers: %w", err)
			}
		}
		score := 0
		if len(items) > 0 {
			score = right * 100 / len(items)
		}
		passed := len(items) > 0 && right*100 >= passPercent*len(items)
		if _, err := tx.ExecContext(ctx, `UPDATE attempts SET submitted_at = ?, score_percent = ?, passed = ? WHERE id = ?`,
			database.Format(now), score, passed, attemptID); err != nil {
			return fmt.Errorf("training: record answers: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "attempt.submit", fmt.Sprintf("attempt:%d", attemptID),
			journal.Change{After: map[string]any{"score_percent": score, "passed": passed, "right": right, "questions": len(items)}})
	})
	if err != nil {
		return nil, fmt.Errorf("training: submit attempt %d: %w", attemptID, err)
	}
	return s.Result(ctx, actor, attemptID)
}

func dedupe(ids []int64) []int64 {
	out := []int64{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

const resultCols = `a.id, a.quiz_id, z.title, rt.key, rt.name, u.id, u.username, u.display_name, COALESCE(sp.key, ''),
	a.started_at, a.deadline, a.submitted_at, COALESCE(a.score_percent, 0), COALESCE(a.passed, 0), a.pass_percent,
	a.recertification, COALESCE(a.decision, ''), a.decision_reason, z.show_answers,
	(SELECT COUNT(*) FROM attempt_questions WHERE attempt_id = a.id),
	(SELECT COUNT(*) FROM attempt_questions WHERE attempt_id = a.id AND correct = 1)`

const resultFrom = ` FROM attempts a JOIN quizzes z ON z.id = a.quiz_id JOIN request_types rt ON rt.id = z.request_type_id
	JOIN users u ON u.id = a.user_id LEFT JOIN suppliers sp ON sp.id = u.supplier_id`

type resultRow struct {
	Result
	userID      int64
	showAnswers bool
}

func (s *Store) scanResult(row interface{ Scan(...any) error }) (*resultRow, error) {
	var r resultRow
	var started string
	var deadline, submitted sql.NullString
	if err := row.Scan(&r.AttemptID, &r.QuizID, &r.QuizTitle, &r.RequestType, &r.RequestTypeName, &r.userID, &r.Username, &r.UserName,
		&r.Supplier, &started, &deadline, &submitted, &r.ScorePercent, &r.Passed, &r.PassPercent, &r.Recertification,
		&r.Decision, &r.DecisionReason, &r.showAnswers, &r.Questions, &r.Right); err != nil {
		return nil, err
	}
	r.StartedAt, r.Deadline = parseTime(started), parseNullTime(deadline)
	switch {
	case submitted.Valid:
		r.Status, r.EndedAt = StatusSubmitted, parseNullTime(submitted)
	case r.Deadline != nil && s.clock().After(r.Deadline.Add(lateGrace)):
		r.Status, r.EndedAt = StatusTimedOut, r.Deadline
	default:
		r.Status = StatusOpen
	}
	return &r, nil
}

// Result returns an attempt's outcome. The agent who took it sees the score, and the review
// of each question only when the quiz shows answers; trainers, auditors and admins see the
// review. Errors: ENOTFOUND (also for an agent's look at someone else's attempt).
func (s *Store) Result(ctx context.Context, actor *accounts.User, attemptID int64) (*Result, error) {
	r, err := s.scanResult(s.db.Read.QueryRowContext(ctx, `SELECT `+resultCols+resultFrom+` WHERE a.id = ?`, attemptID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No attempt %d.", attemptID)
	}
	if err != nil {
		return nil, fmt.Errorf("training: attempt %d: %w", attemptID, err)
	}
	own := actor != nil && actor.ID == r.userID
	staff := actor.Has(accounts.RoleTrainer, accounts.RoleAuditor, accounts.RoleAdmin)
	if !own && !staff {
		return nil, attest.Errorf(attest.ENOTFOUND, "No attempt %d.", attemptID)
	}
	if own {
		if err := accounts.RequireAgreement(actor); err != nil {
			return nil, err
		}
	}
	if r.Status == StatusSubmitted && (staff || r.showAnswers) {
		items, err := attemptItems(ctx, s.db.Read, attemptID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			ri := ReviewItem{QuestionID: it.versionID, Text: it.text, Right: it.right, Explanation: it.explanation,
				ArticleID: it.articleID, Heading: it.heading}
			for _, c := range it.ordered() {
				ri.Choices = append(ri.Choices, ReviewChoice{ID: c.ID, Text: c.Text, Chosen: slices.Contains(it.answer, c.ID), Right: c.Correct})
			}
			r.Review = append(r.Review, ri)
		}
	}
	if own && r.Status != StatusOpen && !r.Passed {
		var items []item
		if r.Status == StatusSubmitted {
			if items, err = attemptItems(ctx, s.db.Read, attemptID); err != nil {
				return nil, err
			}
		}
		if r.Study, err = s.studyList(ctx, actor, r.RequestType, items); err != nil {
			return nil, err
		}
	}
	return &r.Result, nil
}

// attempts lists a user's attempts, newest first, without reviews.
func (s *Store) attempts(ctx context.Context, userID int64) ([]Result, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+resultCols+resultFrom+` WHERE a.user_id = ? ORDER BY a.started_at DESC, a.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("training: attempts of user %d: %w", userID, err)
	}
	defer rows.Close()
	out := []Result{}
	for rows.Next() {
		r, err := s.scanResult(rows)
		if err != nil {
			return nil, fmt.Errorf("training: attempts of user %d: %w", userID, err)
		}
		out = append(out, r.Result)
	}
	return out, rows.Err()
}
