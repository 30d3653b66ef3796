package training_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"attest"
	"attest/training"
)

// bankInput is a quiz with one question of each kind.
func bankInput() training.QuizInput {
	return training.QuizInput{
		Title: "Kinds", RequestType: "password-reset", PassPercent: intp(100), ValidityDays: intp(30),
		Questions: []training.QuestionInput{
			{Kind: training.KindSingle, Text: "Single", Choices: []training.ChoiceInput{{Text: "a", Correct: true}, {Text: "b"}, {Text: "c"}}},
			{Kind: training.KindMultiple, Text: "Multiple", Choices: []training.ChoiceInput{{Text: "x", Correct: true}, {Text: "y", Correct: true}, {Text: "z"}}},
			{Kind: training.KindTrueFalse, Text: "The sky is green", Choices: []training.ChoiceInput{{Text: "True"}, {Text: "False", Correct: true}}},
		},
	}
}

// TestQuestionKinds: each kind keeps its rules — single has exactly one right choice,
// true/false exactly two choices, multiple is shown with
// check boxes even with one right choice — and a kind left out follows the choices.
func TestQuestionKinds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bad := []struct {
		name  string
		q     training.QuestionInput
		field string
	}{
		{"single with two right", training.QuestionInput{Kind: "single", Text: "q", Choices: []training.ChoiceInput{{Text: "a", Correct: true}, {Text: "b", Correct: true}}}, "questions[0].choices"},
		{"true/false with three", training.QuestionInput{Kind: "true_false", Text: "q", Choices: []training.ChoiceInput{{Text: "a", Correct: true}, {Text: "b"}, {Text: "c"}}}, "questions[0].choices"},
		{"unknown kind", training.QuestionInput{Kind: "essay", Text: "q", Choices: []training.ChoiceInput{{Text: "a", Correct: true}, {Text: "b"}}}, "questions[0].kind"},
	}
	for _, c := range bad {
		in := bankInput()
		in.Questions = []training.QuestionInput{c.q}
		_, err := e.Training.CreateQuiz(ctx, e.Users["trainer"], in)
		wantCode(t, err, attest.EINVALID)
		if ae, ok := asErr(err); !ok || ae.Fields[c.field] == "" {
			t.Errorf("%s: %v, want field %s", c.name, err, c.field)
		}
	}
	in := bankInput()
	in.Questions = append(in.Questions,
		training.QuestionInput{Kind: training.KindTrueFalse, Text: "Typed", Choices: []training.ChoiceInput{{Text: "Yes", Correct: true}, {Text: "No"}}},
		training.QuestionInput{Text: "No kind, two right", Choices: []training.ChoiceInput{{Text: "p", Correct: true}, {Text: "q", Correct: true}}})
	z := e.createQuiz(t, in)
	kinds := []string{}
	for _, q := range z.Questions {
		kinds = append(kinds, q.Kind)
	}
	if got := strings.Join(kinds, ","); got != "single,multiple,true_false,true_false,multiple" {
		t.Errorf("kinds = %s", got)
	}
	in2 := bankInput()
	in2.Questions = []training.QuestionInput{{Kind: training.KindMultiple, Text: "one right", Choices: []training.ChoiceInput{{Text: "a", Correct: true}, {Text: "b"}}}}
	z2 := e.createQuiz(t, in2)
	p, _, err := e.Training.StartAttempt(ctx, e.User(t, "alice"), z2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q := p.Questions[0]; !q.Multiple || q.Kind != training.KindMultiple {
		t.Errorf("multiple-choice with one right answer shown as %+v, want check boxes", q)
	}
}

// csvOf writes rows as the HTTP layer's CSV writer does, formula guard included.
func csvOf(rows [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		g := make([]string, len(r))
		for i, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				c = "'" + c
			}
			g[i] = c
		}
		w.Write(g)
	}
	w.Flush()
	return buf.Bytes()
}

// readBack reads CSV as the HTTP layer's reader does, formula guard undone.
func readBack(t *testing.T, data []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for i, c := range row {
			if len(c) > 1 && c[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(c[1])) {
				row[i] = c[1:]
			}
		}
	}
	return rows
}

func asErr(err error) (*attest.Error, bool) {
	for err != nil {
		if e, ok := err.(*attest.Error); ok {
			return e, true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return nil, false
		}
		err = u.Unwrap()
	}
	return nil, false
}

// TestScoringByKind: a multiple-choice question counts only when exactly the right choices
// are picked (a subset or a superset is wrong); true/false like single choice.
func TestScoringByKind(t *testing.T) {
	cases := []struct {
		name  string
		pick  map[string][]string // question text → chosen choice texts
		right int
	}{
		{"all right", map[string][]string{"Single": {"a"}, "Multiple": {"x", "y"}, "The sky is green": {"False"}}, 3},
		{"multiple partly", map[string][]string{"Single": {"a"}, "Multiple": {"x"}, "The sky is green": {"False"}}, 2},
		{"multiple too many", map[string][]string{"Single": {"a"}, "Multiple": {"x", "y", "z"}, "The sky is green": {"False"}}, 2},
		{"true/false wrong", map[string][]string{"Single": {"a"}, "Multiple": {"y", "x"}, "The sky is green": {"True"}}, 2},
		{"nothing", map[string][]string{}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			z := e.createQuiz(t, bankInput())
			ctx := context.Background()
			alice := e.User(t, "alice")
			p, _, err := e.Training.StartAttempt(ctx, alice, z.ID)
			if err != nil {
				t.Fatal(err)
			}
			ans := map[int64][]int64{}
			for _, q := range p.Questions {
				for _, ch := range q.Choices {
					for _, want := range c.pick[q.Text] {
						if ch.Text == want {
							ans[q.ID] = append(ans[q.ID], ch.ID)
						}
					}
				}
			}
			r, err := e.Training.Submit(ctx, alice, p.AttemptID, ans)
			if err != nil {
				t.Fatal(err)
			}
			if r.Right != c.right || r.Passed != (c.right == 3) {
				t.Errorf("right = %d passed = %v, want %d", r.Right, r.Passed, c.right)
			}
		})
	}
}

// TestBankDrawsAndPreview: each attempt draws draw_count questions from the bank; a trainer's
// preview draws the same way, hides the answers and records nothing; agents cannot preview.
func TestBankDrawsAndPreview(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := quizInput()
	in.DrawCount = 2
	z := e.createQuiz(t, in)
	trainer := e.Users["trainer"]
	drawn := map[string]bool{}
	for range 30 {
		p, err := e.Training.Preview(ctx, trainer, z.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.AttemptID != 0 || len(p.Questions) != 2 {
			t.Fatalf("preview: attempt %d with %d questions, want none recorded and 2 drawn", p.AttemptID, len(p.Questions))
		}
		for _, q := range p.Questions {
			drawn[q.Text] = true
		}
	}
	if len(drawn) != 4 {
		t.Errorf("30 previews drew %d distinct questions of 4", len(drawn))
	}
	var attempts, entries int
	e.DB.Read.QueryRow(`SELECT COUNT(*) FROM attempts`).Scan(&attempts)
	e.DB.Read.QueryRow(`SELECT COUNT(*) FROM journal WHERE action LIKE 'attempt.%'`).Scan(&entries)
	if attempts != 0 || entries != 0 {
		t.Errorf("preview recorded %d attempts, %d journal entries; want none", attempts, entries)
	}
	_, err := e.Training.Preview(ctx, e.User(t, "alice"), z.ID)
	wantCode(t, err, attest.EFORBIDDEN)
	p, _, err := e.Training.StartAttempt(ctx, e.User(t, "alice"), z.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Questions) != 2 {
		t.Errorf("attempt drew %d questions, want 2", len(p.Questions))
	}
}

// TestQuestionFileRoundTrip: exporting a bank and importing it into another quiz gives the
// same questions (kind, text, choices, right answers, explanation, citation); a bad row names
// its line and saves nothing.
func TestQuestionFileRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	trainer := e.Users["trainer"]
	art := e.majorApproval(t, "password-reset")
	in := bankInput()
	in.Questions[0].Explanation = "Because, \"quoted\"\nand on two lines"
	in.Questions[0].ArticleID = art
	in.Questions[0].Heading = "Steps"
	in.Questions[1].Text = "=SUM(A1) is not a formula here"
	src := e.createQuiz(t, in)
	rows, err := e.Training.ExportQuestions(ctx, trainer, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	data := csvOf(rows)
	back := readBack(t, data)
	if !strings.HasPrefix(string(data), "kind,question,correct,explanation,article_id,heading,choice 1,choice 2,choice 3\n") {
		t.Errorf("export header: %q", strings.SplitN(string(data), "\n", 2)[0])
	}
	dst := e.createQuiz(t, quizInput())
	got, n, err := e.Training.ImportQuestions(ctx, trainer, dst.ID, back)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(got.Questions) != 7 {
		t.Fatalf("imported %d, bank has %d; want 3 and 7", n, len(got.Questions))
	}
	for i, want := range src.Questions {
		have := got.Questions[4+i]
		if have.Kind != want.Kind || have.Text != want.Text || have.Explanation != want.Explanation ||
			have.ArticleID != want.ArticleID || have.Heading != want.Heading || len(have.Choices) != len(want.Choices) {
			t.Errorf("question %d: got %+v, want %+v", i, have, want)
			continue
		}
		for j := range want.Choices {
			if have.Choices[j].Text != want.Choices[j].Text || have.Choices[j].Correct != want.Choices[j].Correct {
				t.Errorf("question %d choice %d: got %+v, want %+v", i, j, have.Choices[j], want.Choices[j])
			}
		}
	}
	againRows, _ := e.Training.ExportQuestions(ctx, trainer, dst.ID)
	again := csvOf(againRows)
	if !strings.HasSuffix(string(again), strings.SplitN(string(data), "\n", 2)[1]) {
		t.Errorf("re-export differs:\n%s\nwant suffix\n%s", again, data)
	}

	bad := []struct{ name, file, want string }{
		{"empty", "", "empty"},
		{"no header", "single,Q,1,,,,a,b\n", "row 1"},
		{"correct out of range", "kind,question,correct,explanation,article_id,heading,choice 1,choice 2\nsingle,Q,1,,,,a,b\nsingle,Q2,3,,,,a,b\n", "row 3"},
		{"single with two right", "kind,question,correct,explanation,article_id,heading,choice 1,choice 2\nsingle,Q,1;2,,,,a,b\n", "row 2"},
		{"unknown article", "kind,question,correct,explanation,article_id,heading,choice 1,choice 2\nsingle,Q,1,,99999,,a,b\n", "article"},
	}
	for _, c := range bad {
		_, _, err := e.Training.ImportQuestions(ctx, trainer, dst.ID, readBack(t, []byte(c.file)))
		wantCode(t, err, attest.EINVALID)
		if !strings.Contains(attest.ErrorMessage(err), c.want) {
			t.Errorf("%s: message %q, want it to mention %q", c.name, attest.ErrorMessage(err), c.want)
		}
	}
	after, _ := e.Training.Quiz(ctx, trainer, dst.ID)
	if len(after.Questions) != 7 {
		t.Errorf("bad imports changed the bank: %d questions", len(after.Questions))
	}
	tf := "kind,question,correct,explanation,article_id,heading\ntrue_false,Is it,2,,,\n"
	if _, n, err := e.Training.ImportQuestions(ctx, trainer, dst.ID, readBack(t, []byte(tf))); err != nil || n != 1 {
		t.Errorf("true/false row without choices: n=%d err=%v", n, err)
	}
	_, _, err = e.Training.ImportQuestions(ctx, e.User(t, "alice"), dst.ID, back)
	wantCode(t, err, attest.EFORBIDDEN)
}

// TestFailedAttemptListsArticlesToStudy: the agent who failed is pointed to the approved
// articles of the quiz's request type, cited ones first; a pass lists none.
func TestFailedAttemptListsArticlesToStudy(t *testing.T) {
	e := newEnv(t)
	other := e.majorApproval(t, "password-reset")
	cited := e.majorApproval(t, "password-reset")
	e.majorApproval(t, "vpn-access")
	in := quizInput()
	in.Questions[0].ArticleID = cited
	z := e.createQuiz(t, in)
	r := e.take(t, "alice", z.ID, allWrong)
	if r.Passed || len(r.Study) != 2 || r.Study[0].ID != cited || !r.Study[0].Cited || r.Study[1].ID != other {
		t.Errorf("failed attempt study list = %+v, want the cited article then the other of the type", r.Study)
	}
	r = e.take(t, "bob", z.ID, allRight)
	if !r.Passed || len(r.Study) != 0 {
		t.Errorf("passed attempt study list = %+v, want none", r.Study)
	}
}
