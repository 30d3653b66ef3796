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

// handleAttemptStart starts (or resumes) an attempt: 201 with the questions and never the
// answers on the API, as API.md fixes it, also when an open attempt is resumed (then
// "resumed" is true and the questions are the ones already drawn); the page goes to the attempt.
func (s *Server) handleAttemptStart(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, resumed, err := s.Training.StartAttempt(r.Context(), actor(r), id)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/training"})
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusCreated, struct {
			*training.Paper
			Resumed bool `json:"resumed"`
		}{p, resumed})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/training/attempts/%d", p.AttemptID), http.StatusSeeOther)
}

// handleAttemptView shows an open attempt to the agent taking it, else the result.
func (s *Server) handleAttemptView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, u := r.Context(), actor(r)
	res, err := s.Training.Result(ctx, u, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Status == training.StatusOpen && res.Username == u.Username {
		p, err := s.Training.Paper(ctx, u, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if isAPI(r) {
			writeJSON(w, http.StatusOK, p)
			return
		}
		s.render(w, r, http.StatusOK, views.QuizTake(s.page(r, p.QuizTitle), *p))
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, res)
		return
	}
	s.render(w, r, http.StatusOK, views.QuizResult(s.page(r, "Result: "+res.QuizTitle), *res))
}

// handleAttemptSubmit scores the answers: API {"answers":{"<question id>":[choice ids]}};
// the page's form sends q<question id>=<choice id> per chosen choice.
func (s *Server) handleAttemptSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers := map[int64][]int64{}
	if isAPI(r) {
		var in struct {
			Answers map[string][]int64 `json:"answers"`
		}
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.Answers == nil {
			s.fail(w, r, attest.FieldError(map[string]string{"answers": "required: an object of question id → chosen choice ids"}))
			return
		}
		for k, ids := range in.Answers {
			qid, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				s.fail(w, r, attest.FieldError(map[string]string{"answers." + k: "keys are question ids"}))
				return
			}
			answers[qid] = ids
		}
	} else {
		r.ParseForm()
		for k, vals := range r.PostForm {
			qs, ok := strings.CutPrefix(k, "q")
			if !ok {
				continue
			}
			qid, err := strconv.ParseInt(qs, 10, 64)
			if err != nil {
				continue
			}
			for _, v := range vals {
				if cid, err := strconv.ParseInt(v, 10, 64); err == nil {
					answers[qid] = append(answers[qid], cid)
				}
			}
		}
	}
	u := actor(r)
	res, err := s.Training.Submit(r.Context(), u, id, answers)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: fmt.Sprintf("/training/attempts/%d", id)})
		return
	}
	msg := fmt.Sprintf("You scored %d%%: failed. Read the articles and try again.", res.ScorePercent)
	if res.Passed {
		msg = fmt.Sprintf("You scored %d%%: passed. A trainer will now review your certification.", res.ScorePercent)
	}
	s.done(w, r, http.StatusOK, res, msg, fmt.Sprintf("/training/attempts/%d", id))
}
