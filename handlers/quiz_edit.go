package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"attest"
	"attest/training"
	"attest/views"
)

func (s *Server) handleQuizList(w http.ResponseWriter, r *http.Request) {
	qs, err := s.Training.Quizzes(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"quizzes": qs})
}

func (s *Server) handleQuizGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	z, err := s.Training.Quiz(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, z)
}

// handleQuizNew shows the empty quiz form.
func (s *Server) handleQuizNew(w http.ResponseWriter, r *http.Request) {
	f := views.QuizForm{Values: map[string]string{"pass_percent": "80", "validity_days": "365", "draw_count": "0",
		"time_limit_minutes": "0", "max_attempts": "0", "cooldown_hours": "0"}}
	for range 3 {
		f.Questions = append(f.Questions, views.QuestionSlot{})
	}
	s.renderQuizForm(w, r, http.StatusOK, f)
}

// handleQuizEdit shows a quiz in the form.
func (s *Server) handleQuizEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	z, err := s.Training.Quiz(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := views.QuizForm{ID: z.ID, Revision: z.Revision, Values: map[string]string{
		"title": z.Title, "request_type": z.RequestType, "pass_percent": strconv.Itoa(z.PassPercent),
		"validity_days": strconv.Itoa(z.ValidityDays), "draw_count": strconv.Itoa(z.DrawCount),
		"time_limit_minutes": strconv.Itoa(z.TimeLimitMinutes), "max_attempts": strconv.Itoa(z.MaxAttempts),
		"cooldown_hours": strconv.Itoa(z.CooldownHours), "show_answers": strconv.FormatBool(z.ShowAnswers)}}
	for _, q := range z.Questions {
		slot := views.QuestionSlot{ID: q.ID, Version: q.Version, Kind: q.Kind, Text: q.Text, Explanation: q.Explanation, Heading: q.Heading}
		if q.ArticleID != 0 {
			slot.ArticleID = strconv.FormatInt(q.ArticleID, 10)
		}
		for _, c := range q.Choices {
			slot.Choices = append(slot.Choices, views.ChoiceSlot{Text: c.Text, Correct: c.Correct})
		}
		f.Questions = append(f.Questions, slot)
	}
	s.renderQuizForm(w, r, http.StatusOK, f)
}

func (s *Server) renderQuizForm(w http.ResponseWriter, r *http.Request, st int, f views.QuizForm) {
	rts, err := s.Accounts.RequestTypes(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.RequestTypes = rts
	title := "New quiz"
	if f.ID != 0 {
		title = "Edit quiz"
	}
	s.render(w, r, st, views.QuizEdit(s.page(r, title), f))
}

func (s *Server) handleQuizCreate(w http.ResponseWriter, r *http.Request) {
	s.saveQuiz(w, r, 0)
}

func (s *Server) handleQuizUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.saveQuiz(w, r, id)
}

// saveQuiz creates (id 0) or edits a quiz from the API's JSON or the page's form.
func (s *Server) saveQuiz(w http.ResponseWriter, r *http.Request, id int64) {
	var in training.QuizInput
	var form views.QuizForm
	var slots []int
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		r.ParseForm()
		form, in, slots = parseQuizForm(r)
		form.ID = id
		if r.PostFormValue("add_question") != "" {
			form.Questions = append(form.Questions, views.QuestionSlot{})
			s.renderQuizForm(w, r, http.StatusOK, form)
			return
		}
	}
	var z *training.Quiz
	var err error
	if id == 0 {
		z, err = s.Training.CreateQuiz(r.Context(), actor(r), in)
	} else {
		z, err = s.Training.UpdateQuiz(r.Context(), actor(r), id, in)
	}
	if err != nil {
		code := attest.ErrorCode(err)
		if isAPI(r) || (code != attest.EINVALID && code != attest.ECONFLICT) {
			s.fail(w, r, err)
			return
		}
		form.Message = attest.ErrorMessage(err)
		form.Errors = map[string]string{}
		if e, ok := asAttestError(err); ok {
			for k, v := range e.Fields {
				form.Errors[slotField(k, slots)] = v
			}
		}
		s.renderQuizForm(w, r, status(code), form)
		return
	}
	st, msg := http.StatusCreated, "Quiz “"+z.Title+"” created."
	if id != 0 {
		st, msg = http.StatusOK, "Quiz “"+z.Title+"” saved."
	}
	s.done(w, r, st, z, msg, "/training")
}

func asAttestError(err error) (*attest.Error, bool) {
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

// slotField renames "questions[k]…" (k counting the questions sent) to the form slot shown.
func slotField(field string, slots []int) string {
	rest, ok := strings.CutPrefix(field, "questions[")
	if !ok {
		return field
	}
	n, tail, ok := strings.Cut(rest, "]")
	k, err := strconv.Atoi(n)
	if !ok || err != nil || k < 0 || k >= len(slots) {
		return field
	}
	return fmt.Sprintf("questions[%d]%s", slots[k], tail)
}

// parseQuizForm reads the quiz form: settings, then question slots q{i}_… with choice slots
// q{i}_c{j}_…; blank slots and removed questions are left out. slots maps each question sent
// to the slot it came from.
func parseQuizForm(r *http.Request) (views.QuizForm, training.QuizInput, []int) {
	v := r.PostFormValue
	f := views.QuizForm{Values: map[string]string{}}
	for _, k := range []string{"title", "request_type", "pass_percent", "validity_days", "draw_count", "time_limit_minutes", "max_attempts", "cooldown_hours", "show_answers"} {
		f.Values[k] = v(k)
	}
	f.Revision, _ = strconv.Atoi(v("revision"))
	in := training.QuizInput{Title: v("title"), RequestType: v("request_type"), ShowAnswers: v("show_answers") == "true"}
	num := func(name string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(v(name)))
		return n, err == nil
	}
	if n, ok := num("pass_percent"); ok {
		in.PassPercent = &n
	}
	if n, ok := num("validity_days"); ok {
		in.ValidityDays = &n
	}
	in.DrawCount, _ = num("draw_count")
	in.TimeLimitMinutes, _ = num("time_limit_minutes")
	in.MaxAttempts, _ = num("max_attempts")
	in.CooldownHours, _ = num("cooldown_hours")
	count, _ := num("questions")
	count = min(max(count, 0), 200)
	var slots []int
	for i := range count {
		p := fmt.Sprintf("q%d_", i)
		slot := views.QuestionSlot{Text: v(p + "text"), Explanation: v(p + "explanation"), ArticleID: v(p + "article_id"),
			Heading: v(p + "heading"), Kind: v(p + "kind"), Remove: v(p+"remove") == "true"}
		slot.ID, _ = strconv.ParseInt(v(p+"id"), 10, 64)
		slot.Version, _ = strconv.Atoi(v(p + "version"))
		nc, _ := num(p + "choices")
		nc = min(max(nc, 0), 20)
		qi := training.QuestionInput{ID: slot.ID, Kind: slot.Kind, Text: slot.Text, Explanation: slot.Explanation, Heading: slot.Heading}
		qi.ArticleID, _ = strconv.ParseInt(strings.TrimSpace(slot.ArticleID), 10, 64)
		if strings.TrimSpace(slot.ArticleID) != "" && qi.ArticleID == 0 {
			qi.ArticleID = -1 // not a number: the domain names the field
		}
		blank := strings.TrimSpace(slot.Text) == ""
		for j := range nc {
			c := views.ChoiceSlot{Text: v(fmt.Sprintf("%sc%d_text", p, j)), Correct: v(fmt.Sprintf("%sc%d_correct", p, j)) == "true"}
			slot.Choices = append(slot.Choices, c)
			if strings.TrimSpace(c.Text) != "" {
				qi.Choices = append(qi.Choices, training.ChoiceInput{Text: c.Text, Correct: c.Correct})
				blank = false
			}
		}
		f.Questions = append(f.Questions, slot)
		if slot.Remove || (blank && slot.ID == 0) {
			continue
		}
		in.Questions = append(in.Questions, qi)
		slots = append(slots, i)
	}
	return f, in, slots
}
