package training

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"attest"
	"attest/accounts"
)

// Preview draws a paper from a quiz's bank as an agent would get it — the same draw, the same
// shuffled choices, nothing that hints at the answers — for a trainer to see the quiz as the
// learner does. Nothing is recorded: no attempt, no journal entry. Errors: EFORBIDDEN (trainers
// only), ENOTFOUND, ECONFLICT (no questions yet).
func (s *Store) Preview(ctx context.Context, actor *accounts.User, quizID int64) (*Paper, error) {
	if err := forbid(actor, "Only trainers preview quizzes.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	z, err := s.quiz(ctx, s.db.Read, quizID, true)
	if err != nil {
		return nil, err
	}
	if len(z.Questions) == 0 {
		return nil, attest.Errorf(attest.ECONFLICT, "This quiz has no questions yet.")
	}
	p := &Paper{QuizID: z.ID, QuizTitle: z.Title, RequestType: z.RequestType, RequestTypeName: z.RequestTypeName,
		StartedAt: s.clock(), Questions: []PaperQuestion{}}
	for _, q := range draw(z.Questions, z.DrawCount, nil, nil) {
		pq := PaperQuestion{ID: q.VersionID, Text: q.Text, Kind: q.kind(), Multiple: q.Multiple()}
		cs := slices.Clone(q.Choices)
		shuffle(cs)
		for _, c := range cs {
			pq.Choices = append(pq.Choices, PaperChoice{ID: c.ID, Text: c.Text})
		}
		p.Questions = append(p.Questions, pq)
	}
	return p, nil
}

// The question bank file: CSV with a header row, one question per row.
//
//	kind,question,correct,explanation,article_id,heading,choice 1,choice 2,…
//
// kind is single, multiple or true_false; correct lists the numbers of the right choices,
// separated by ";" (e.g. "1;3"); a true_false row may leave the choices empty (True, False).
// Empty trailing choice cells are ignored. Exporting then importing a bank gives it back.
var bankHeader = []string{"kind", "question", "correct", "explanation", "article_id", "heading"}

// ExportQuestions returns the rows (header first) of the question bank CSV of a quiz's current
// questions; the HTTP layer writes them with its one CSV writer. Errors: EFORBIDDEN (trainers
// only), ENOTFOUND.
func (s *Store) ExportQuestions(ctx context.Context, actor *accounts.User, quizID int64) ([][]string, error) {
	if err := forbid(actor, "Only trainers export quizzes.", accounts.RoleTrainer); err != nil {
		return nil, err
	}
	z, err := s.quiz(ctx, s.db.Read, quizID, true)
	if err != nil {
		return nil, err
	}
	most := 0
	for _, q := range z.Questions {
		most = max(most, len(q.Choices))
	}
	header := slices.Clone(bankHeader)
	for i := range most {
		header = append(header, fmt.Sprintf("choice %d", i+1))
	}
	rows := [][]string{header}
	for _, q := range z.Questions {
		var right []string
		for i, c := range q.Choices {
			if c.Correct {
				right = append(right, strconv.Itoa(i+1))
			}
		}
		art := ""
		if q.ArticleID != 0 {
			art = strconv.FormatInt(q.ArticleID, 10)
		}
		row := []string{q.kind(), q.Text, strings.Join(right, ";"), q.Explanation, art, q.Heading}
		for _, c := range q.Choices {
			row = append(row, c.Text)
		}
		for len(row) < len(header) {
			row = append(row, "")
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ParseQuestions reads the rows of a question bank CSV (header first) into questions, checking
// each row. Errors: EINVALID with field "file" naming the first bad row (the header is row 1).
func ParseQuestions(rows [][]string) ([]QuestionInput, error) {
	bad := func(format string, a ...any) error { return badFile(fmt.Sprintf(format, a...)) }
	if len(rows) == 0 {
		return nil, bad("the file is empty: it needs the header row %q and one row per question", strings.Join(bankHeader, ","))
	}
	header := slices.Clone(rows[0])
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	}
	if len(header) < len(bankHeader) || !slices.Equal(lower(header[:len(bankHeader)]), bankHeader) {
		return nil, bad("row 1 must be the header %q followed by choice columns", strings.Join(bankHeader, ","))
	}
	var out []QuestionInput
	for i, rec := range rows[1:] {
		line := i + 2
		if len(out) >= 200 {
			return nil, bad("row %d: at most 200 questions per file", line)
		}
		rec = slices.Clone(rec)
		for len(rec) < len(bankHeader) {
			rec = append(rec, "")
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		q := QuestionInput{Kind: strings.TrimSpace(rec[0]), Text: rec[1], Explanation: rec[3], Heading: rec[5]}
		if a := strings.TrimSpace(rec[4]); a != "" {
			var err error
			if q.ArticleID, err = strconv.ParseInt(a, 10, 64); err != nil || q.ArticleID <= 0 {
				return nil, bad("row %d: article_id %q is not an article number", line, a)
			}
		}
		choices := rec[len(bankHeader):]
		for len(choices) > 0 && strings.TrimSpace(choices[len(choices)-1]) == "" {
			choices = choices[:len(choices)-1]
		}
		if q.Kind == KindTrueFalse && len(choices) == 0 {
			choices = []string{"True", "False"}
		}
		for _, c := range choices {
			q.Choices = append(q.Choices, ChoiceInput{Text: c})
		}
		for _, n := range strings.Split(rec[2], ";") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			k, err := strconv.Atoi(n)
			if err != nil || k < 1 || k > len(q.Choices) {
				return nil, bad("row %d: correct %q must list choice numbers from 1 to %d, separated by ;", line, rec[2], len(q.Choices))
			}
			q.Choices[k-1].Correct = true
		}
		one := QuizInput{Title: "x", RequestType: "x", PassPercent: new(int), ValidityDays: new(int), Questions: []QuestionInput{q}}
		*one.ValidityDays = 1
		one.normalize()
		if f := one.validate(); len(f) > 0 {
			keys := make([]string, 0, len(f))
			for k := range f {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			k := keys[0]
			return nil, bad("row %d: %s %s", line, strings.TrimPrefix(k, "questions[0]."), f[k])
		}
		out = append(out, one.Questions[0])
	}
	if len(out) == 0 {
		return nil, bad("the file has no questions: add one row per question under the header")
	}
	return out, nil
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

// ImportQuestions adds the questions of a question bank CSV's rows (see ExportQuestions; the
// HTTP layer reads the file) to a quiz's bank, after the ones it has; the quiz's settings stay.
// Nothing is saved when any row is bad. It returns the quiz and how many questions were added.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (field "file", naming the row).
func (s *Store) ImportQuestions(ctx context.Context, actor *accounts.User, quizID int64, rows [][]string) (*Quiz, int, error) {
	if err := forbid(actor, "Only trainers import questions.", accounts.RoleTrainer); err != nil {
		return nil, 0, err
	}
	add, err := ParseQuestions(rows)
	if err != nil {
		return nil, 0, err
	}
	z, err := s.quiz(ctx, s.db.Read, quizID, true)
	if err != nil {
		return nil, 0, err
	}
	in := QuizInput{Title: z.Title, RequestType: z.RequestType, PassPercent: &z.PassPercent, ValidityDays: &z.ValidityDays,
		DrawCount: z.DrawCount, TimeLimitMinutes: z.TimeLimitMinutes, MaxAttempts: z.MaxAttempts, CooldownHours: z.CooldownHours,
		ShowAnswers: z.ShowAnswers}
	for _, q := range z.Questions {
		qi := QuestionInput{ID: q.ID, Kind: q.kind(), Text: q.Text, Explanation: q.Explanation, ArticleID: q.ArticleID, Heading: q.Heading}
		for _, c := range q.Choices {
			qi.Choices = append(qi.Choices, ChoiceInput{Text: c.Text, Correct: c.Correct})
		}
		in.Questions = append(in.Questions, qi)
	}
	in.Questions = append(in.Questions, add...)
	if len(in.Questions) > 200 {
		return nil, 0, badFile(fmt.Sprintf("the bank would have %d questions; at most 200", len(in.Questions)))
	}
	z, err = s.UpdateQuiz(ctx, actor, quizID, in)
	if err != nil {
		if attest.ErrorCode(err) == attest.EINVALID {
			return nil, 0, badFile(attest.ErrorMessage(err))
		}
		return nil, 0, err
	}
	return z, len(add), nil
}

// StudyArticle is an article a failed attempt points the agent to.
type StudyArticle struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	// Cited is true when a question answered wrong cites the article.
	Cited bool `json:"cited"`
}

// studyList returns the articles of the quiz's request type that the agent may read (kb's read
// rule), those cited by questions answered wrong first.
func (s *Store) studyList(ctx context.Context, actor *accounts.User, requestType string, items []item) ([]StudyArticle, error) {
	arts, err := s.kb.RequestTypeArticles(ctx, actor, requestType)
	if err != nil {
		return nil, err
	}
	cited := map[int64]bool{}
	for _, it := range items {
		if !it.right && it.articleID != 0 {
			cited[it.articleID] = true
		}
	}
	out := []StudyArticle{}
	for _, a := range arts {
		out = append(out, StudyArticle{ID: a.ID, Title: a.Title, Cited: cited[a.ID]})
	}
	slices.SortStableFunc(out, func(a, b StudyArticle) int {
		switch {
		case a.Cited == b.Cited:
			return 0
		case a.Cited:
			return -1
		}
		return 1
	})
	return out, nil
}

// badFile is the EINVALID error of a question bank file, its message saying what to fix.
func badFile(msg string) error {
	return &attest.Error{Code: attest.EINVALID, Message: "The question file was not imported: " + msg + ".",
		Fields: map[string]string{"file": msg}}
}

func shuffle[T any](xs []T) {
	rand.Shuffle(len(xs), func(a, b int) { xs[a], xs[b] = xs[b], xs[a] })
}
