package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// Quiz is a checkpoint quiz for a request type: a bank of questions, of which each attempt
// draws some, a pass mark and the validity of the certification a pass leads to.
type Quiz struct {
	ID              int64  `json:"id"`
	Title           string `json:"title"`
	RequestType     string `json:"request_type"`
	RequestTypeName string `json:"request_type_name"`
	PassPercent     int    `json:"pass_percent"`
	ValidityDays    int    `json:"validity_days"`
	// DrawCount questions are drawn per attempt; 0 draws the whole bank.
	DrawCount int `json:"draw_count"`
	// TimeLimitMinutes is 0 for no time limit.
	TimeLimitMinutes int `json:"time_limit_minutes"`
	// MaxAttempts is 0 for no attempt limit; otherwise at most that many attempts per
	// CooldownHours (in all since the last certification when CooldownHours is 0).
	MaxAttempts   int  `json:"max_attempts"`
	CooldownHours int  `json:"cooldown_hours"`
	ShowAnswers   bool `json:"show_answers"`
	// Revision counts the edits of the quiz.
	Revision      int       `json:"revision"`
	QuestionCount int       `json:"question_count"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Questions, with their answers, only for trainers.
	Questions []Question `json:"questions,omitempty"`
}

// Question is the current version of a question of a quiz's bank.
type Question struct {
	// ID names the question across its versions.
	ID int64 `json:"id"`
	// VersionID names this version; attempts record it.
	VersionID int64 `json:"version_id"`
	Version   int   `json:"version"`
	// Kind is how the question is answered: KindSingle, KindMultiple or KindTrueFalse.
	Kind        string   `json:"kind"`
	Text        string   `json:"text"`
	Choices     []Choice `json:"choices"`
	Explanation string   `json:"explanation"`
	// ArticleID and Heading name the article (and section) the question tests, when cited.
	ArticleID int64  `json:"article_id,omitempty"`
	Heading   string `json:"heading,omitempty"`
}

// Question kinds.
const (
	KindSingle    = "single"
	KindMultiple  = "multiple"
	KindTrueFalse = "true_false"
)

// KindLabel names a question kind for people.
func KindLabel(kind string) string {
	switch kind {
	case KindSingle:
		return "Single choice"
	case KindMultiple:
		return "Multiple choice"
	case KindTrueFalse:
		return "True or false"
	}
	return "Unknown kind"
}

// Multiple reports whether the agent picks every choice that applies: a multiple-choice
// question, or (for questions saved before kinds existed) one with more than one right choice.
func (q Question) Multiple() bool {
	if q.Kind == KindMultiple {
		return true
	}
	if q.Kind != "" {
		return false
	}
	n := 0
	for _, c := range q.Choices {
		if c.Correct {
			n++
		}
	}
	return n > 1
}

// Choice is one answer a question offers.
type Choice struct {
	ID      int64  `json:"id"`
	Text    string `json:"text"`
	Correct bool   `json:"correct"`
}

// QuizInput is what creating or editing a quiz takes.
type QuizInput struct {
	Title            string          `json:"title"`
	RequestType      string          `json:"request_type"`
	PassPercent      *int            `json:"pass_percent"`
	ValidityDays     *int            `json:"validity_days"`
	DrawCount        int             `json:"draw_count"`
	TimeLimitMinutes int             `json:"time_limit_minutes"`
	MaxAttempts      int             `json:"max_attempts"`
	CooldownHours    int             `json:"cooldown_hours"`
	ShowAnswers      bool            `json:"show_answers"`
	Questions        []QuestionInput `json:"questions"`
}

// QuestionInput is one question of a QuizInput.
type QuestionInput struct {
	// ID keeps an existing question's identity when editing (0 adds a new one).
	ID int64 `json:"id"`
	// Kind is KindSingle, KindMultiple or KindTrueFalse; left out, it follows the choices
	// (more than one right: multiple choice, else single choice).
	Kind        string        `json:"kind"`
	Text        string        `json:"text"`
	Choices     []ChoiceInput `json:"choices"`
	Explanation string        `json:"explanation"`
	ArticleID   int64         `json:"article_id"`
	Heading     string        `json:"heading"`
}

// ChoiceInput is one choice of a QuestionInput.
type ChoiceInput struct {
	Text    string `json:"text"`
	Correct bool   `json:"correct"`
}

func (in *QuizInput) normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.RequestType = strings.TrimSpace(in.RequestType)
	for i := range in.Questions {
		q := &in.Questions[i]
		q.Text = strings.TrimSpace(q.Text)
		q.Explanation = strings.TrimSpace(q.Explanation)
		q.Heading = strings.TrimSpace(q.Heading)
		q.Kind = strings.TrimSpace(q.Kind)
		for j := range q.Choices {
			q.Choices[j].Text = strings.TrimSpace(q.Choices[j].Text)
		}
		if q.Kind == "" {
			q.Kind = KindSingle
			if countCorrect(q.Choices) > 1 {
				q.Kind = KindMultiple
			}
		}
		// A true/false question needs no choices typed: they are True and False.
		if q.Kind == KindTrueFalse && len(q.Choices) == 0 {
			q.Choices = []ChoiceInput{{Text: "True"}, {Text: "False"}}
		}
	}
}

func countCorrect(cs []ChoiceInput) int {
	n := 0
	for _, c := range cs {
		if c.Correct {
			n++
		}
	}
	return n
}

// validate checks everything that needs no database, naming JSON fields.
func (in *QuizInput) validate() map[string]string {
	f := map[string]string{}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		f["title"] = "required"
	case n > 200:
		f["title"] = "at most 200 characters"
	}
	if in.RequestType == "" {
		f["request_type"] = "required"
	}
	switch {
	case in.PassPercent == nil:
		f["pass_percent"] = "required: a whole number from 0 to 100"
	case *in.PassPercent < 0 || *in.PassPercent > 100:
		f["pass_percent"] = "must be from 0 to 100"
	}
	switch {
	case in.ValidityDays == nil:
		f["validity_days"] = "required: the number of days a certification lasts"
	case *in.ValidityDays < 1 || *in.ValidityDays > 3650:
		f["validity_days"] = "must be from 1 to 3650 days"
	}
	if in.DrawCount < 0 || (len(in.Questions) > 0 && in.DrawCount > len(in.Questions)) {
		f["draw_count"] = fmt.Sprintf("must be from 0 (all) to the number of questions (%d)", len(in.Questions))
	}
	if in.TimeLimitMinutes < 0 || in.TimeLimitMinutes > 600 {
		f["time_limit_minutes"] = "must be from 0 (no limit) to 600 minutes"
	}
	if in.MaxAttempts < 0 || in.MaxAttempts > 100 {
		f["max_attempts"] = "must be from 0 (no limit) to 100"
	}
	if in.CooldownHours < 0 || in.CooldownHours > 8760 {
		f["cooldown_hours"] = "must be from 0 to 8760 hours"
	}
	switch {
	case len(in.Questions) == 0:
		f["questions"] = "add at least one question"
	case len(in.Questions) > 200:
		f["questions"] = "at most 200 questions"
	}
	seen := map[int64]bool{}
	for i, q := range in.Questions {
		p := fmt.Sprintf("questions[%d]", i)
		switch n := utf8.RuneCountInString(q.Text); {
		case n == 0:
			f[p+".text"] = "required"
		case n > 2000:
			f[p+".text"] = "at most 2000 characters"
		}
		if utf8.RuneCountInString(q.Explanation) > 4000 {
			f[p+".explanation"] = "at most 4000 characters"
		}
		if utf8.RuneCountInString(q.Heading) > 200 {
			f[p+".heading"] = "at most 200 characters"
		}
		if q.ArticleID < 0 {
			f[p+".article_id"] = "not an article"
		}
		if q.ID != 0 {
			if seen[q.ID] {
				f[p+".id"] = "the same question appears twice"
			}
			seen[q.ID] = true
		}
		correct := 0
		for j, c := range q.Choices {
			switch n := utf8.RuneCountInString(c.Text); {
			case n == 0:
				f[fmt.Sprintf("%s.choices[%d].text", p, j)] = "required"
			case n > 500:
				f[fmt.Sprintf("%s.choices[%d].text", p, j)] = "at most 500 characters"
			}
			if c.Correct {
				correct++
			}
		}
		switch {
		case q.Kind != KindSingle && q.Kind != KindMultiple && q.Kind != KindTrueFalse:
			f[p+".kind"] = "must be single, multiple or true_false"
		case q.Kind == KindTrueFalse && len(q.Choices) != 2:
			f[p+".choices"] = "a true/false question has exactly two choices"
		case len(q.Choices) < 2:
			f[p+".choices"] = "give at least two choices"
		case len(q.Choices) > 10:
			f[p+".choices"] = "at most 10 choices"
		case correct == 0:
			f[p+".choices"] = "mark at least one choice as correct"
		case q.Kind != KindMultiple && correct > 1:
			f[p+".choices"] = "mark exactly one choice as correct (or make it a multiple-choice question)"
		}
	}
	return f
}

// CreateQuiz adds a quiz with its question bank. Errors: EFORBIDDEN (trainers only),
// EINVALID naming the fields (e.g. "questions[0].choices" when no choice is correct).
func (s *Store) CreateQuiz(ctx context.Context, actor *accounts.User, in QuizInput) (*Quiz, error) {
	if err := forbid(actor, "Only trainers write quizzes.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	in.normalize()
	if f := in.validate(); len(f) > 0 {
		return nil, attest.FieldError(f)
	}
	for _, q := range in.Questions {
		if q.ID != 0 {
			return nil, attest.FieldError(map[string]string{"questions": "a new quiz has no existing questions (remove \"id\")"})
		}
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		rtID, _, err := requestTypeID(ctx, tx, in.RequestType)
		if err != nil {
			return err
		}
		if err := checkArticles(ctx, tx, in.Questions); err != nil {
			return err
		}
		now := database.Format(s.clock())
		err = tx.QueryRowContext(ctx, `INSERT INTO quizzes (request_type_id, title, pass_percent, validity_days, draw_count,
			time_limit_minutes, max_attempts, cooldown_hours, show_answers, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, rtID, in.Title, *in.PassPercent, *in.ValidityDays, in.DrawCount,
			in.TimeLimitMinutes, in.MaxAttempts, in.CooldownHours, in.ShowAnswers, actor.ID, now, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("training: create quiz: %w", err)
		}
		for i, q := range in.Questions {
			var qid int64
			err := tx.QueryRowContext(ctx, `INSERT INTO questions (quiz_id, position) VALUES (?, ?) RETURNING id`, id, i).Scan(&qid)
			if err != nil {
				return fmt.Errorf("training: create quiz: %w", err)
			}
			if err := insertQuestionVersion(ctx, tx, qid, 1, q, now); err != nil {
				return err
			}
		}
		return journal.Append(ctx, tx, actor.Username, "quiz.create", fmt.Sprintf("quiz:%d", id),
			journal.Change{After: in})
	})
	if err != nil {
		return nil, fmt.Errorf("training: create quiz: %w", err)
	}
	return s.quiz(ctx, s.db.Read, id, true)
}

// UpdateQuiz edits a quiz. A question whose text, choices, explanation or citation changed
// gets a new version; questions left out are removed from the bank; finished attempts keep
// what they showed. Errors: EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Store) UpdateQuiz(ctx context.Context, actor *accounts.User, id int64, in QuizInput) (*Quiz, error) {
	if err := forbid(actor, "Only trainers edit quizzes.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	in.normalize()
	if f := in.validate(); len(f) > 0 {
		return nil, attest.FieldError(f)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.quiz(ctx, tx, id, true)
		if err != nil {
			return err
		}
		rtID, _, err := requestTypeID(ctx, tx, in.RequestType)
		if err != nil {
			return err
		}
		if err := checkArticles(ctx, tx, in.Questions); err != nil {
			return err
		}
		current := map[int64]Question{}
		for _, q := range before.Questions {
			current[q.ID] = q
		}
		for i, q := range in.Questions {
			if _, ok := current[q.ID]; q.ID != 0 && !ok {
				return attest.FieldError(map[string]string{fmt.Sprintf("questions[%d].id", i): "not a question of this quiz"})
			}
		}
		now := database.Format(s.clock())
		if _, err := tx.ExecContext(ctx, `UPDATE quizzes SET request_type_id = ?, title = ?, pass_percent = ?, validity_days = ?,
			draw_count = ?, time_limit_minutes = ?, max_attempts = ?, cooldown_hours = ?, show_answers = ?,
			revision = revision + 1, updated_at = ? WHERE id = ?`, rtID, in.Title, *in.PassPercent, *in.ValidityDays,
			in.DrawCount, in.TimeLimitMinutes, in.MaxAttempts, in.CooldownHours, in.ShowAnswers, now, id); err != nil {
			return fmt.Errorf("training: update quiz %d: %w", id, err)
		}
		kept := map[int64]bool{}
		for i, q := range in.Questions {
			if q.ID == 0 {
				var qid int64
				err := tx.QueryRowContext(ctx, `INSERT INTO questions (quiz_id, position) VALUES (?, ?) RETURNING id`, id, i).Scan(&qid)
				if err != nil {
					return fmt.Errorf("training: update quiz %d: %w", id, err)
				}
				if err := insertQuestionVersion(ctx, tx, qid, 1, q, now); err != nil {
					return err
				}
				continue
			}
			kept[q.ID] = true
			if _, err := tx.ExecContext(ctx, `UPDATE questions SET position = ? WHERE id = ?`, i, q.ID); err != nil {
				return fmt.Errorf("training: update quiz %d: %w", id, err)
			}
			if old := current[q.ID]; !sameQuestion(old, q) {
				if err := insertQuestionVersion(ctx, tx, q.ID, old.Version+1, q, now); err != nil {
					return err
				}
			}
		}
		for qid := range current {
			if !kept[qid] {
				if _, err := tx.ExecContext(ctx, `UPDATE questions SET removed_at = ? WHERE id = ?`, now, qid); err != nil {
					return fmt.Errorf("training: update quiz %d: %w", id, err)
				}
			}
		}
		return journal.Append(ctx, tx, actor.Username, "quiz.update", fmt.Sprintf("quiz:%d", id),
			journal.Change{Before: before, After: in})
	})
	if err != nil {
		return nil, fmt.Errorf("training: update quiz %d: %w", id, err)
	}
	return s.quiz(ctx, s.db.Read, id, true)
}

func sameQuestion(old Question, in QuestionInput) bool {
	if old.Kind != in.Kind || old.Text != in.Text || old.Explanation != in.Explanation || old.ArticleID != in.ArticleID ||
		old.Heading != in.Heading || len(old.Choices) != len(in.Choices) {
		return false
	}
	for i, c := range old.Choices {
		if c.Text != in.Choices[i].Text || c.Correct != in.Choices[i].Correct {
			return false
		}
	}
	return true
}

func checkArticles(ctx context.Context, tx *sql.Tx, qs []QuestionInput) error {
	for i, q := range qs {
		if q.ArticleID == 0 {
			continue
		}
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM articles WHERE id = ?)`, q.ArticleID).Scan(&ok); err != nil {
			return fmt.Errorf("training: check article %d: %w", q.ArticleID, err)
		}
		if !ok {
			return attest.FieldError(map[string]string{fmt.Sprintf("questions[%d].article_id", i): fmt.Sprintf("no article %d", q.ArticleID)})
		}
	}
	return nil
}

func insertQuestionVersion(ctx context.Context, tx *sql.Tx, questionID int64, number int, q QuestionInput, now string) error {
	var vid int64
	err := tx.QueryRowContext(ctx, `INSERT INTO question_versions (question_id, number, kind, text, explanation, article_id, heading, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, questionID, number, q.Kind, q.Text, q.Explanation, nullInt(q.ArticleID), q.Heading, now).Scan(&vid)
	if err != nil {
		return fmt.Errorf("training: save question %d: %w", questionID, err)
	}
	for i, c := range q.Choices {
		if _, err := tx.ExecContext(ctx, `INSERT INTO choices (question_version_id, position, text, correct) VALUES (?, ?, ?, ?)`,
			vid, i, c.Text, c.Correct); err != nil {
			return fmt.Errorf("training: save question %d: %w", questionID, err)
		}
	}
	return nil
}

const quizCols = `q.id, q.title, rt.key, rt.name, q.pass_percent, q.validity_days, q.draw_count, q.time_limit_minutes,
	q.max_attempts, q.cooldown_hours, q.show_answers, q.revision, q.updated_at,
	(SELECT COUNT(*) FROM questions x WHERE x.quiz_id = q.id AND x.removed_at IS NULL)`

func scanQuiz(row interface{ Scan(...any) error }) (*Quiz, error) {
	var z Quiz
	var updated string
	if err := row.Scan(&z.ID, &z.Title, &z.RequestType, &z.RequestTypeName, &z.PassPercent, &z.ValidityDays, &z.DrawCount,
		&z.TimeLimitMinutes, &z.MaxAttempts, &z.CooldownHours, &z.ShowAnswers, &z.Revision, &updated, &z.QuestionCount); err != nil {
		return nil, err
	}
	z.UpdatedAt = parseTime(updated)
	return &z, nil
}

// quiz loads a quiz, with its current questions and their answers when withQuestions.
func (s *Store) quiz(ctx context.Context, q queryer, id int64, withQuestions bool) (*Quiz, error) {
	z, err := scanQuiz(q.QueryRowContext(ctx, `SELECT `+quizCols+` FROM quizzes q JOIN request_types rt ON rt.id = q.request_type_id WHERE q.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No quiz %d.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("training: quiz %d: %w", id, err)
	}
	if withQuestions {
		if z.Questions, err = currentQuestions(ctx, q, id); err != nil {
			return nil, err
		}
	}
	return z, nil
}

// currentQuestions returns the newest version of every question in a quiz's bank, in order.
func currentQuestions(ctx context.Context, q queryer, quizID int64) ([]Question, error) {
	rows, err := q.QueryContext(ctx, `SELECT qn.id, v.id, v.number, v.kind, v.text, v.explanation, COALESCE(v.article_id, 0), v.heading
		FROM questions qn JOIN question_versions v ON v.question_id = qn.id
		WHERE qn.quiz_id = ? AND qn.removed_at IS NULL
		  AND v.number = (SELECT MAX(number) FROM question_versions WHERE question_id = qn.id)
		ORDER BY qn.position, qn.id`, quizID)
	if err != nil {
		return nil, fmt.Errorf("training: questions of quiz %d: %w", quizID, err)
	}
	var out []Question
	for rows.Next() {
		var x Question
		if err := rows.Scan(&x.ID, &x.VersionID, &x.Version, &x.Kind, &x.Text, &x.Explanation, &x.ArticleID, &x.Heading); err != nil {
			rows.Close()
			return nil, fmt.Errorf("training: questions of quiz %d: %w", quizID, err)
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("training: questions of quiz %d: %w", quizID, err)
	}
	for i := range out {
		if out[i].Choices, err = versionChoices(ctx, q, out[i].VersionID); err != nil {
			return nil, err
		}
		out[i].Kind = out[i].kind()
	}
	return out, nil
}

// kind is the question's kind, read from its choices for versions saved before kinds.
func (q Question) kind() string {
	if q.Kind != "" {
		return q.Kind
	}
	if q.Multiple() {
		return KindMultiple
	}
	return KindSingle
}

func versionChoices(ctx context.Context, q queryer, versionID int64) ([]Choice, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, text, correct FROM choices WHERE question_version_id = ? ORDER BY position`, versionID)
	if err != nil {
		return nil, fmt.Errorf("training: choices of question version %d: %w", versionID, err)
	}
	defer rows.Close()
	var out []Choice
	for rows.Next() {
		var c Choice
		if err := rows.Scan(&c.ID, &c.Text, &c.Correct); err != nil {
			return nil, fmt.Errorf("training: choices of question version %d: %w", versionID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Quiz returns a quiz. Trainers get its questions with their answers; agents get the quiz
// without questions, and only for request types their supplier fulfils.
// Errors: ENOTFOUND, EFORBIDDEN, EAGREEMENT.
func (s *Store) Quiz(ctx context.Context, actor *accounts.User, id int64) (*Quiz, error) {
	if err := forbid(actor, "Only trainers and agents see quizzes.", accounts.RoleTrainer, accounts.RoleAgent); err != nil {
		return nil, err
	}
	trainer := actor.Has(accounts.RoleTrainer)
	z, err := s.quiz(ctx, s.db.Read, id, trainer)
	if err != nil {
		return nil, err
	}
	if !trainer {
		if err := accounts.RequireAgreement(actor); err != nil {
			return nil, err
		}
		if !actor.FulfilsType(z.RequestType) {
			return nil, attest.Errorf(attest.EFORBIDDEN, "Your supplier does not fulfil %s.", z.RequestTypeName)
		}
	}
	return z, nil
}

// Quizzes lists quizzes by request type and title: every quiz for trainers, those for request
// types their supplier fulfils for agents (without questions). Errors: EFORBIDDEN, EAGREEMENT.
func (s *Store) Quizzes(ctx context.Context, actor *accounts.User) ([]Quiz, error) {
	if err := forbid(actor, "Only trainers and agents see quizzes.", accounts.RoleTrainer, accounts.RoleAgent); err != nil {
		return nil, err
	}
	trainer := actor.Has(accounts.RoleTrainer)
	if !trainer {
		if err := accounts.RequireAgreement(actor); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+quizCols+` FROM quizzes q JOIN request_types rt ON rt.id = q.request_type_id ORDER BY rt.name, q.title, q.id`)
	if err != nil {
		return nil, fmt.Errorf("training: list quizzes: %w", err)
	}
	defer rows.Close()
	out := []Quiz{}
	for rows.Next() {
		z, err := scanQuiz(rows)
		if err != nil {
			return nil, fmt.Errorf("training: list quizzes: %w", err)
		}
		if trainer || actor.FulfilsType(z.RequestType) {
			out = append(out, *z)
		}
	}
	return out, rows.Err()
}
