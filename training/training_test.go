package training_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"attest"
	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/kb"
	"attest/training"
)

// env is a test organisation with knowledge and training stores and a clock tests can move.
type env struct {
	*accountstest.Org
	KB       *kb.Store
	Training *training.Store

	mu     sync.Mutex
	offset time.Duration
}

func newEnv(t *testing.T) *env {
	t.Helper()
	org := accountstest.NewOrg(t)
	k := kb.NewStore(org.DB, org.Accounts)
	e := &env{Org: org, KB: k, Training: training.NewStore(org.DB, org.Accounts, k)}
	e.Training.SetClock(func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return time.Now().Add(e.offset)
	})
	return e
}

// advance moves the training clock forward.
func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.offset += d
	e.mu.Unlock()
}

func intp(n int) *int { return &n }

// quizInput is a four-question password-reset quiz: three single-choice, one multiple-choice.
func quizInput() training.QuizInput {
	return training.QuizInput{
		Title: "Password reset checkpoint", RequestType: "password-reset", PassPercent: intp(75), ValidityDays: intp(365),
		Questions: []training.QuestionInput{
			{Text: "Before resetting you must", Explanation: "Identity first.", Choices: []training.ChoiceInput{
				{Text: "verify identity with two factors", Correct: true}, {Text: "ask the manager by chat"}}},
			{Text: "Privileged accounts are", Choices: []training.ChoiceInput{
				{Text: "reset like any other"}, {Text: "escalated to the internal team", Correct: true}}},
			{Text: "Which are required?", Choices: []training.ChoiceInput{
				{Text: "ticket reference", Correct: true}, {Text: "callback number", Correct: true}, {Text: "the old password"}}},
			{Text: "Temporary passwords must", Choices: []training.ChoiceInput{
				{Text: "be changed at next logon", Correct: true}, {Text: "never expire"}}},
		},
	}
}

func (e *env) createQuiz(t *testing.T, in training.QuizInput) *training.Quiz {
	t.Helper()
	z, err := e.Training.CreateQuiz(context.Background(), e.Users["trainer"], in)
	if err != nil {
		t.Fatalf("CreateQuiz: %v", err)
	}
	return z
}

// answerKey maps question text to its choices' rightness, from the trainer's view of the quiz.
func (e *env) answerKey(t *testing.T, quizID int64) map[string]map[string]bool {
	t.Helper()
	z, err := e.Training.Quiz(context.Background(), e.Users["trainer"], quizID)
	if err != nil {
		t.Fatalf("Quiz: %v", err)
	}
	key := map[string]map[string]bool{}
	for _, q := range z.Questions {
		key[q.Text] = map[string]bool{}
		for _, c := range q.Choices {
			key[q.Text][c.Text] = c.Correct
		}
	}
	return key
}

// answers picks, for each question of the paper, the choices pick returns true for.
func answers(p *training.Paper, key map[string]map[string]bool, pick func(question, choice string, right bool) bool) map[int64][]int64 {
	out := map[int64][]int64{}
	for _, q := range p.Questions {
		out[q.ID] = []int64{}
		for _, c := range q.Choices {
			if pick(q.Text, c.Text, key[q.Text][c.Text]) {
				out[q.ID] = append(out[q.ID], c.ID)
			}
		}
	}
	return out
}

func allRight(_, _ string, right bool) bool { return right }
func allWrong(_, _ string, right bool) bool { return !right }

// pass has username take the quiz and answer everything right.
func (e *env) take(t *testing.T, username string, quizID int64, pick func(q, c string, right bool) bool) *training.Result {
	t.Helper()
	ctx := context.Background()
	u := e.User(t, username)
	p, _, err := e.Training.StartAttempt(ctx, u, quizID)
	if err != nil {
		t.Fatalf("StartAttempt(%s): %v", username, err)
	}
	r, err := e.Training.Submit(ctx, u, p.AttemptID, answers(p, e.answerKey(t, quizID), pick))
	if err != nil {
		t.Fatalf("Submit(%s): %v", username, err)
	}
	return r
}

// majorApproval approves a new article for the request type as a major change; it returns the
// article id.
func (e *env) majorApproval(t *testing.T, rt string) int64 {
	t.Helper()
	ctx := context.Background()
	v, err := e.KB.CreateArticle(ctx, e.Users["km1"], kb.NewArticle{Title: "Procedure for " + rt, Body: "# Steps\n\nDo it right.", RequestTypes: []string{rt}})
	if err != nil {
		t.Fatalf("CreateArticle: %v", err)
	}
	if _, err := e.KB.Submit(ctx, e.Users["km1"], v.ArticleID, v.Number); err != nil {
		t.Fatalf("Submit article: %v", err)
	}
	if _, err := e.KB.Approve(ctx, e.Users["km2"], v.ArticleID, v.Number, kb.Decision{Comment: "ok", Major: true}); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	return v.ArticleID
}

func (e *env) authority(t *testing.T, asker, username, rt string) training.Authority {
	t.Helper()
	a, err := e.Training.Authority(context.Background(), e.User(t, asker), username, rt)
	if err != nil {
		t.Fatalf("Authority(%s, %s): %v", username, rt, err)
	}
	return a
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := attest.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestScoring(t *testing.T) {
	e := newEnv(t)
	z := e.createQuiz(t, quizInput())
	cases := []struct {
		name      string
		pick      func(q, c string, right bool) bool
		wantScore int
		wantPass  bool
	}{
		{"all right", allRight, 100, true},
		{"all wrong", allWrong, 0, false},
		{"one single-choice wrong", func(q, c string, right bool) bool {
			if q == "Privileged accounts are" {
				return !right
			}
			return right
		}, 75, true},
		{"multiple-choice partly right counts as wrong", func(q, c string, right bool) bool {
			if q == "Which are required?" {
				return c == "ticket reference"
			}
			return right
		}, 75, true},
		{"multiple-choice with an extra wrong choice counts as wrong", func(q, c string, right bool) bool {
			if q == "Which are required?" {
				return true
			}
			return right
		}, 75, true},
		{"unanswered counts as wrong", func(q, c string, right bool) bool {
			if q == "Which are required?" || q == "Temporary passwords must" {
				return false
			}
			return right
		}, 50, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.take(t, "alice", z.ID, tc.pick)
			if r.ScorePercent != tc.wantScore || r.Passed != tc.wantPass {
				t.Errorf("score %d passed %v, want %d %v", r.ScorePercent, r.Passed, tc.wantScore, tc.wantPass)
			}
		})
	}
}

func TestNoAnswerLeakage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := quizInput()
	in.Questions[0].Explanation = "SECRET-EXPLANATION"
	z := e.createQuiz(t, in)
	alice := e.User(t, "alice")
	// Agents get the quiz without questions.
	az, err := e.Training.Quiz(ctx, alice, z.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(az.Questions) != 0 {
		t.Errorf("agent sees %d questions of the quiz bank", len(az.Questions))
	}
	p, _, err := e.Training.StartAttempt(ctx, alice, z.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	for _, leak := range []string{"correct", "right", "SECRET-EXPLANATION", "explanation"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("paper leaks %q: %s", leak, b)
		}
	}
	// After submission, without show_answers, the agent sees the score alone.
	r, err := e.Training.Submit(ctx, alice, p.AttemptID, map[int64][]int64{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Review != nil {
		t.Errorf("result shows the review to the agent although the quiz does not allow it")
	}
	r, _ = e.Training.Result(ctx, alice, p.AttemptID)
	if b, _ := json.Marshal(r); strings.Contains(string(b), "SECRET") || r.Review != nil {
		t.Errorf("result leaks answers: %s", b)
	}
	// The trainer sees the review.
	r, err = e.Training.Result(ctx, e.Users["trainer"], p.AttemptID)
	if err != nil || len(r.Review) != 4 {
		t.Fatalf("trainer review: %v, %d items", err, len(r.Review))
	}
	// With show_answers the agent sees it too.
	in.ShowAnswers = true
	if _, err := e.Training.UpdateQuiz(ctx, e.Users["trainer"], z.ID, in); err != nil {
		t.Fatal(err)
	}
	r, _ = e.Training.Result(ctx, alice, p.AttemptID)
	if len(r.Review) != 4 {
		t.Errorf("show_answers: review has %d items, want 4", len(r.Review))
	}
}

func TestQuizValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	noRight := quizInput()
	noRight.Questions[1].Choices[1].Correct = false
	over := quizInput()
	over.PassPercent = intp(140)
	under := quizInput()
	under.PassPercent = intp(-1)
	noValidity := quizInput()
	noValidity.ValidityDays = intp(0)
	unknownRT := quizInput()
	unknownRT.RequestType = "nope"
	tooMany := quizInput()
	tooMany.DrawCount = 9
	cases := []struct {
		name  string
		in    training.QuizInput
		field string
	}{
		{"a question without a correct choice", noRight, "questions[1].choices"},
		{"pass mark over 100", over, "pass_percent"},
		{"pass mark under 0", under, "pass_percent"},
		{"validity 0", noValidity, "validity_days"},
		{"unknown request type", unknownRT, "request_type"},
		{"draw more than the bank", tooMany, "draw_count"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Training.CreateQuiz(ctx, e.Users["trainer"], tc.in)
			wantCode(t, err, attest.EINVALID)
			var ae *attest.Error
			if !asError(err, &ae) || ae.Fields[tc.field] == "" {
				t.Errorf("fields %v do not name %s", ae.Fields, tc.field)
			}
		})
	}
	qs, _ := e.Training.Quizzes(ctx, e.Users["trainer"])
	if len(qs) != 0 {
		t.Errorf("refused quizzes were stored: %d", len(qs))
	}
	_, err := e.Training.CreateQuiz(ctx, e.User(t, "alice"), quizInput())
	wantCode(t, err, attest.EFORBIDDEN)
}

func asError(err error, target **attest.Error) bool {
	for err != nil {
		if e, ok := err.(*attest.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	*target = &attest.Error{}
	return false
}

func TestSubmitRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	z := e.createQuiz(t, quizInput())
	alice, bob, gina := e.User(t, "alice"), e.User(t, "bob"), e.User(t, "gina")
	key := e.answerKey(t, z.ID)
	pa, _, err := e.Training.StartAttempt(ctx, alice, z.ID)
	if err != nil {
		t.Fatal(err)
	}
	other := quizInput()
	other.RequestType = "software-install"
	z2 := e.createQuiz(t, other)
	pb, _, err := e.Training.StartAttempt(ctx, bob, z2.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Another agent cannot submit alice's attempt.
	_, err = e.Training.Submit(ctx, bob, pa.AttemptID, answers(pa, key, allRight))
	wantCode(t, err, attest.ENOTFOUND)
	// Answers naming the questions of bob's attempt (another quiz) are refused and change nothing.
	_, err = e.Training.Submit(ctx, alice, pa.AttemptID, answers(pb, e.answerKey(t, z2.ID), allRight))
	wantCode(t, err, attest.EINVALID)
	// A choice of another question is refused.
	bad := answers(pa, key, allRight)
	bad[pa.Questions[0].ID] = []int64{pa.Questions[1].Choices[0].ID}
	_, err = e.Training.Submit(ctx, alice, pa.AttemptID, bad)
	wantCode(t, err, attest.EINVALID)
	r, err := e.Training.Submit(ctx, alice, pa.AttemptID, answers(pa, key, allRight))
	if err != nil || !r.Passed || r.ScorePercent != 100 {
		t.Fatalf("submit: %v %+v", err, r)
	}
	_, err = e.Training.Submit(ctx, alice, pa.AttemptID, answers(pa, key, allWrong))
	wantCode(t, err, attest.ECONFLICT)
	if r, _ := e.Training.Result(ctx, alice, pa.AttemptID); r.ScorePercent != 100 {
		t.Errorf("a second submission changed the score to %d", r.ScorePercent)
	}
	// An agent whose supplier does not fulfil the request type neither sees nor starts its quiz.
	qs, _ := e.Training.Quizzes(ctx, gina)
	for _, q := range qs {
		if q.RequestType == "software-install" {
			t.Errorf("gina sees a software-install quiz")
		}
	}
	_, _, err = e.Training.StartAttempt(ctx, gina, z2.ID)
	wantCode(t, err, attest.EFORBIDDEN)
	// A trainer does not take quizzes.
	_, _, err = e.Training.StartAttempt(ctx, e.Users["trainer"], z.ID)
	wantCode(t, err, attest.EFORBIDDEN)
}

func TestTimeLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := quizInput()
	in.TimeLimitMinutes = 10
	z := e.createQuiz(t, in)
	alice := e.User(t, "alice")
	p, _, err := e.Training.StartAttempt(ctx, alice, z.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Deadline == nil || p.Deadline.Sub(p.StartedAt) != 10*time.Minute {
		t.Fatalf("deadline %v, started %v", p.Deadline, p.StartedAt)
	}
	e.advance(11 * time.Minute)
	_, err = e.Training.Submit(ctx, alice, p.AttemptID, answers(p, e.answerKey(t, z.ID), allRight))
	wantCode(t, err, attest.ECONFLICT)
	r, err := e.Training.Result(ctx, alice, p.AttemptID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != training.StatusTimedOut || r.Passed {
		t.Errorf("late attempt: status %s passed %v, want timed_out and failed", r.Status, r.Passed)
	}
	_, err = e.Training.Certify(ctx, e.Users["trainer"], "alice", "password-reset")
	wantCode(t, err, attest.EINVALID)
	// Within the limit a new attempt is fine.
	if r := e.take(t, "alice", z.ID, allRight); !r.Passed {
		t.Errorf("in-time attempt failed")
	}
}

func TestAttemptLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := quizInput()
	in.MaxAttempts, in.CooldownHours = 2, 24
	z := e.createQuiz(t, in)
	e.take(t, "alice", z.ID, allWrong)
	e.take(t, "alice", z.ID, allWrong)
	_, _, err := e.Training.StartAttempt(ctx, e.User(t, "alice"), z.ID)
	wantCode(t, err, attest.ETHROTTLED)
	var ae *attest.Error
	if asError(err, &ae); ae.RetryAfter <= 0 {
		t.Errorf("RetryAfter = %d", ae.RetryAfter)
	}
	// Bob's attempts are his own.
	e.take(t, "bob", z.ID, allWrong)
	e.advance(25 * time.Hour)
	if r := e.take(t, "alice", z.ID, allRight); !r.Passed {
		t.Errorf("after the cool-down: not passed")
	}

	// Without a cool-down the limit holds until the next certification.
	in.MaxAttempts, in.CooldownHours = 1, 0
	in.RequestType = "software-install"
	z2 := e.createQuiz(t, in)
	e.take(t, "bob", z2.ID, allWrong)
	_, _, err = e.Training.StartAttempt(ctx, e.User(t, "bob"), z2.ID)
	wantCode(t, err, attest.ECONFLICT)

	// Off by default.
	z3 := e.createQuiz(t, quizInput())
	for range 5 {
		e.take(t, "bob", z3.ID, allWrong)
	}
}

func TestOpenAttemptIsResumed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	z := e.createQuiz(t, quizInput())
	alice := e.User(t, "alice")
	p1, resumed, err := e.Training.StartAttempt(ctx, alice, z.ID)
	if err != nil || resumed {
		t.Fatalf("first: %v resumed=%v", err, resumed)
	}
	p2, resumed, err := e.Training.StartAttempt(ctx, alice, z.ID)
	if err != nil || !resumed || p2.AttemptID != p1.AttemptID {
		t.Fatalf("second: %v resumed=%v id %d vs %d", err, resumed, p2.AttemptID, p1.AttemptID)
	}
}

func TestCertifyOnlyAfterPass(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tr := e.Users["trainer"]
	z := e.createQuiz(t, quizInput())
	_, err := e.Training.Certify(ctx, tr, "alice", "password-reset")
	wantCode(t, err, attest.EINVALID)
	failed := e.take(t, "alice", z.ID, allWrong)
	_, err = e.Training.Certify(ctx, tr, "alice", "password-reset")
	wantCode(t, err, attest.EINVALID)
	_, err = e.Training.CertifyAttempt(ctx, tr, failed.AttemptID)
	wantCode(t, err, attest.ECONFLICT)
	if q, _ := e.Training.Queue(ctx, tr); len(q) != 0 {
		t.Errorf("queue has %d items before a pass", len(q))
	}
	passed := e.take(t, "alice", z.ID, allRight)
	q, err := e.Training.Queue(ctx, tr)
	if err != nil || len(q) != 1 || q[0].AttemptID != passed.AttemptID {
		t.Fatalf("queue: %v %+v", err, q)
	}
	_, err = e.Training.Certify(ctx, e.User(t, "alice"), "alice", "password-reset")
	wantCode(t, err, attest.EFORBIDDEN)
	_, err = e.Training.Certify(ctx, tr, "nobody", "password-reset")
	wantCode(t, err, attest.EINVALID)
	c, err := e.Training.Certify(ctx, tr, "alice", "password-reset")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.ExpiresAt.Sub(c.CertifiedAt), 365*24*time.Hour; got != want {
		t.Errorf("validity %v, want %v", got, want)
	}
	if a := e.authority(t, "bob", "alice", "password-reset"); !a.Authorized || a.Reason != training.ReasonCertified || a.ExpiresAt == nil {
		t.Errorf("authority after certification: %+v", a)
	}
	// The pass is used up.
	_, err = e.Training.Certify(ctx, tr, "alice", "password-reset")
	wantCode(t, err, attest.EINVALID)
	if q, _ := e.Training.Queue(ctx, tr); len(q) != 0 {
		t.Errorf("queue still has %d items", len(q))
	}
	// Declining needs a reason and takes the pass out of the queue.
	bobPass := e.take(t, "bob", z.ID, allRight)
	wantCode(t, e.Training.Decline(ctx, tr, bobPass.AttemptID, " "), attest.EINVALID)
	if err := e.Training.Decline(ctx, tr, bobPass.AttemptID, "Answers were shared in chat."); err != nil {
		t.Fatal(err)
	}
	_, err = e.Training.Certify(ctx, tr, "bob", "password-reset")
	wantCode(t, err, attest.EINVALID)
	r, _ := e.Training.Result(ctx, e.User(t, "bob"), bobPass.AttemptID)
	if r.Decision != "declined" || r.DecisionReason == "" {
		t.Errorf("bob's result: decision %q reason %q", r.Decision, r.DecisionReason)
	}
}

func TestExpiryAndReminders(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := quizInput()
	in.ValidityDays = intp(90)
	z := e.createQuiz(t, in)
	e.take(t, "alice", z.ID, allRight)
	if _, err := e.Training.Certify(ctx, e.Users["trainer"], "alice", "password-reset"); err != nil {
		t.Fatal(err)
	}
	if a := e.authority(t, "alice", "alice", "password-reset"); training.Reminder(a) != "" {
		t.Errorf("reminder 90 days before expiry: %q", training.Reminder(a))
	}
	for _, tc := range []struct {
		day      int
		reminder bool
	}{{31, true}, {61, true}, {84, true}} {
		e.advance(time.Duration(tc.day)*24*time.Hour - e.offset)
		a := e.authority(t, "alice", "alice", "password-reset")
		if got := training.Reminder(a) != ""; got != tc.reminder || !a.Authorized {
			t.Errorf("day %d: reminder %v authorized %v", tc.day, got, a.Authorized)
		}
	}
	e.advance(7 * 24 * time.Hour)
	a := e.authority(t, "alice", "alice", "password-reset")
	if a.Authorized || a.Reason != training.ReasonExpired {
		t.Errorf("after expiry: %+v", a)
	}
}

func TestRecertificationWindowExtendsFromOldExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	z := e.createQuiz(t, quizInput())
	e.take(t, "alice", z.ID, allRight)
	c1, err := e.Training.Certify(ctx, e.Users["trainer"], "alice", "password-reset")
	if err != nil {
		t.Fatal(err)
	}
	e.advance(340 * 24 * time.Hour)
	e.take(t, "alice", z.ID, allRight)
	c2, err := e.Training.Certify(ctx, e.Users["trainer"], "alice", "password-reset")
	if err != nil {
		t.Fatal(err)
	}
	if want := c1.ExpiresAt.AddDate(0, 0, 365); !c2.ExpiresAt.Equal(want) || c2.Renews != c1.ID {
		t.Errorf("renewal expires %v (renews %d), want %v (renews %d)", c2.ExpiresAt, c2.Renews, want, c1.ID)
	}
}

func TestRevocation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tr := e.Users["trainer"]
	z := e.createQuiz(t, quizInput())
	e.take(t, "alice", z.ID, allRight)
	c, err := e.Training.Certify(ctx, tr, "alice", "password-reset")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	_, err = e.Training.Revoke(ctx, tr, c.ID, "")
	wantCode(t, err, attest.EINVALID)
	_, err = e.Training.Revoke(ctx, e.User(t, "bob"), c.ID, "x")
	wantCode(t, err, attest.EFORBIDDEN)
	if _, err := e.Training.Revoke(ctx, tr, c.ID, "Left the account."); err != nil {
		t.Fatal(err)
	}
	_, err = e.Training.Revoke(ctx, tr, c.ID, "again")
	wantCode(t, err, attest.ECONFLICT)
	if a := e.authority(t, "trainer", "alice", "password-reset"); a.Authorized || a.Reason != training.ReasonRevoked {
		t.Errorf("after revocation: %+v", a)
	}
	// AuthorityAt answers for the past.
	a, err := e.Training.AuthorityAt(ctx, e.Users["alice"].ID, "password-reset", before)
	if err != nil || !a.Authorized {
		t.Errorf("AuthorityAt before revocation: %v %+v", err, a)
	}
	a, _ = e.Training.AuthorityAt(ctx, e.Users["alice"].ID, "password-reset", c.CertifiedAt.Add(-time.Second))
	if a.Authorized || a.Reason != training.ReasonNotCertified {
		t.Errorf("AuthorityAt before certification: %+v", a)
	}
	_, _ = e.Training.AuthorityAt(ctx, e.Users["alice"].ID, "password-reset", time.Now())
}

func TestRecertificationAfterMajorApproval(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tr := e.Users["trainer"]
	art := e.majorApproval(t, "password-reset")
	in := quizInput()
	in.DrawCount = 1
	in.Questions[3].ArticleID = art
	in.Questions[3].Heading = "Steps"
	z := e.createQuiz(t, in)
	e.take(t, "alice", z.ID, allRight)
	if _, err := e.Training.Certify(ctx, tr, "alice", "password-reset"); err != nil {
		t.Fatalf("certify after an earlier major approval: %v", err)
	}
	if a := e.authority(t, "alice", "alice", "password-reset"); !a.Authorized {
		t.Fatalf("authority: %+v", a)
	}
	// A new major approval: recertification, at once.
	v, err := e.KB.SaveVersion(ctx, e.Users["km1"], art, kb.NewVersion{Base: 1, Title: "Procedure", Body: "# Steps\n\nDo it differently now."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.KB.Submit(ctx, e.Users["km1"], art, v.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := e.KB.Approve(ctx, e.Users["km2"], art, v.Number, kb.Decision{Major: true}); err != nil {
		t.Fatal(err)
	}
	a := e.authority(t, "alice", "alice", "password-reset")
	if a.Authorized || a.Reason != training.ReasonRecertificationRequired {
		t.Fatalf("after a major approval: %+v", a)
	}
	_, err = e.Training.Certify(ctx, tr, "alice", "password-reset")
	wantCode(t, err, attest.EINVALID)
	o, err := e.Training.Overview(ctx, e.User(t, "alice"), "alice")
	if err != nil {
		t.Fatal(err)
	}
	var changes []kb.MajorChange
	for _, r := range o.Rows {
		if r.RequestType == "password-reset" {
			changes = r.Changes
		}
	}
	if len(changes) != 1 || changes[0].ArticleID != art || changes[0].Number != v.Number || len(changes[0].Diff) == 0 {
		t.Errorf("what changed: %+v", changes)
	}
	// The recertification attempt draws the question citing the changed article first.
	p, _, err := e.Training.StartAttempt(ctx, e.User(t, "alice"), z.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Recertification || len(p.Questions) != 1 || p.Questions[0].Text != "Temporary passwords must" {
		t.Errorf("recertification paper: %+v", p)
	}
	if _, err := e.Training.Submit(ctx, e.User(t, "alice"), p.AttemptID, answers(p, e.answerKey(t, z.ID), allRight)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Training.Certify(ctx, tr, "alice", "password-reset"); err != nil {
		t.Fatal(err)
	}
	if a := e.authority(t, "alice", "alice", "password-reset"); !a.Authorized {
		t.Errorf("after recertification: %+v", a)
	}
}

func TestGracePeriod(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sys := accounts.System("test")
	if _, err := e.Accounts.CreateRequestType(ctx, sys, accounts.RequestType{Key: "mfa-reset", Name: "MFA reset", Risk: accounts.RiskHigh, RequiresCertification: true, GraceDays: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Accounts.SetSupplierRequestTypes(ctx, sys, "acme", []string{"password-reset", "software-install", "vpn-access", "mfa-reset"}); err != nil {
		t.Fatal(err)
	}
	in := quizInput()
	in.RequestType = "mfa-reset"
	z := e.createQuiz(t, in)
	e.take(t, "alice", z.ID, allRight)
	if _, err := e.Training.Certify(ctx, e.Users["trainer"], "alice", "mfa-reset"); err != nil {
		t.Fatal(err)
	}
	e.majorApproval(t, "mfa-reset")
	a := e.authority(t, "alice", "alice", "mfa-reset")
	if !a.Authorized || a.RecertifyBy == nil {
		t.Fatalf("within grace: %+v", a)
	}
	e.advance(8 * 24 * time.Hour)
	if a := e.authority(t, "alice", "alice", "mfa-reset"); a.Authorized || a.Reason != training.ReasonRecertificationRequired {
		t.Errorf("after grace: %+v", a)
	}
}

func TestAuthorityReasonsAndIsolation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		asker, user, rt string
		want            string
	}{
		{"alice", "alice", "password-reset", training.ReasonNotCertified},
		{"bob", "alice", "vpn-access", training.ReasonNotRequired},
		{"trainer", "gina", "vpn-access", training.ReasonNotFulfilled},
		{"auditor", "gina", "password-reset", training.ReasonNotCertified},
		{"admin", "alice", "software-install", training.ReasonNotCertified},
	} {
		if a := e.authority(t, tc.asker, tc.user, tc.rt); a.Reason != tc.want {
			t.Errorf("%s asks about %s/%s: %s, want %s", tc.asker, tc.user, tc.rt, a.Reason, tc.want)
		}
	}
	_, err := e.Training.Authority(ctx, e.User(t, "gina"), "alice", "password-reset")
	wantCode(t, err, attest.EFORBIDDEN)
	_, err = e.Training.Authority(ctx, e.User(t, "km1"), "alice", "password-reset")
	wantCode(t, err, attest.EFORBIDDEN)
	_, err = e.Training.Authority(ctx, e.User(t, "bob"), "nobody", "password-reset")
	wantCode(t, err, attest.ENOTFOUND)
	_, err = e.Training.Overview(ctx, e.User(t, "gina"), "alice")
	wantCode(t, err, attest.EFORBIDDEN)
	m, err := e.Training.Matrix(ctx, e.User(t, "gina"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Staff) != 1 || m.Staff[0].Username != "gina" {
		t.Errorf("gina's matrix shows %+v", m.Staff)
	}
	m, _ = e.Training.Matrix(ctx, e.Users["trainer"])
	if len(m.Staff) != 3 {
		t.Errorf("trainer's matrix shows %d people, want 3", len(m.Staff))
	}
}

func TestSuspension(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	z := e.createQuiz(t, quizInput())
	e.take(t, "alice", z.ID, allRight)
	if _, err := e.Training.Certify(ctx, e.Users["trainer"], "alice", "password-reset"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.Training.Suspend(ctx, e.User(t, "bob"), "alice", "password-reset", "x", 0), attest.EFORBIDDEN)
	if err := e.Training.Suspend(ctx, e.Users["auditor"], "alice", "password-reset", "Used a superseded procedure (finding 3).", 3); err != nil {
		t.Fatal(err)
	}
	if a := e.authority(t, "alice", "alice", "password-reset"); a.Authorized || a.Reason != training.ReasonSuspended {
		t.Errorf("suspended: %+v", a)
	}
	// Recertification lifts it.
	e.take(t, "alice", z.ID, allRight)
	if _, err := e.Training.Certify(ctx, e.Users["trainer"], "alice", "password-reset"); err != nil {
		t.Fatal(err)
	}
	if a := e.authority(t, "alice", "alice", "password-reset"); !a.Authorized {
		t.Errorf("after recertification: %+v", a)
	}
	// A suspension of a type that needs no certification is lifted by hand.
	if err := e.Training.Suspend(ctx, e.Users["auditor"], "bob", "vpn-access", "Finding 4.", 4); err != nil {
		t.Fatal(err)
	}
	o, _ := e.Training.Overview(ctx, e.Users["trainer"], "bob")
	if len(o.Suspensions) != 1 {
		t.Fatalf("bob's suspensions: %+v", o.Suspensions)
	}
	if err := e.Training.LiftSuspension(ctx, e.Users["trainer"], o.Suspensions[0].ID, "Coached."); err != nil {
		t.Fatal(err)
	}
	if a := e.authority(t, "bob", "bob", "vpn-access"); !a.Authorized {
		t.Errorf("after lifting: %+v", a)
	}
}

func TestEditNeverChangesAFinishedAttempt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	z := e.createQuiz(t, quizInput())
	r := e.take(t, "alice", z.ID, allRight)
	before, _ := e.Training.Result(ctx, e.Users["trainer"], r.AttemptID)
	full, _ := e.Training.Quiz(ctx, e.Users["trainer"], z.ID)
	in := quizInput()
	in.PassPercent = intp(100)
	in.Questions = nil
	for i, q := range full.Questions {
		qi := training.QuestionInput{ID: q.ID, Text: q.Text + " (edited)"}
		for _, c := range q.Choices {
			qi.Choices = append(qi.Choices, training.ChoiceInput{Text: c.Text, Correct: !c.Correct && i == 0 || c.Correct && i != 0})
		}
		if i == 0 {
			qi.Choices[0].Correct = true // keep one right choice
		}
		if i < 3 {
			in.Questions = append(in.Questions, qi)
		}
	}
	edited, err := e.Training.UpdateQuiz(ctx, e.Users["trainer"], z.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(edited.Questions) != 3 || edited.Questions[0].Version != 2 || edited.Revision != 2 {
		t.Errorf("edited quiz: %d questions, first at version %d, revision %d", len(edited.Questions), edited.Questions[0].Version, edited.Revision)
	}
	after, _ := e.Training.Result(ctx, e.Users["trainer"], r.AttemptID)
	a, _ := json.Marshal(before)
	b, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Errorf("the edit changed a finished attempt:\n%s\n%s", a, b)
	}
	// A question id of another quiz is refused.
	in.Questions[0].ID = 999999
	_, err = e.Training.UpdateQuiz(ctx, e.Users["trainer"], z.ID, in)
	wantCode(t, err, attest.EINVALID)
}

func TestRetakeDrawsUnseenFirst(t *testing.T) {
	e := newEnv(t)
	in := quizInput()
	in.DrawCount = 2
	z := e.createQuiz(t, in)
	ctx := context.Background()
	alice := e.User(t, "alice")
	seen := map[string]bool{}
	for range 2 {
		p, _, err := e.Training.StartAttempt(ctx, alice, z.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range p.Questions {
			if seen[q.Text] {
				t.Errorf("retake drew %q again while unseen questions were left", q.Text)
			}
			seen[q.Text] = true
		}
		if _, err := e.Training.Submit(ctx, alice, p.AttemptID, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 4 {
		t.Errorf("two attempts of two saw %d questions, want 4", len(seen))
	}
}
