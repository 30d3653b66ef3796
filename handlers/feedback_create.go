package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"attest"
	"attest/kb"
	"attest/views"
)

// handleFeedbackCreate records a rating of an article's current version: the API, and the
// article page's Helpful / Not helpful buttons (an htmx fragment in place).
func (s *Server) handleFeedbackCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in kb.FeedbackInput
	if isAPI(r) {
		var body struct {
			Helpful *bool  `json:"helpful"`
			Comment string `json:"comment"`
			Wrong   bool   `json:"wrong"`
		}
		if err := decode(r, &body); err != nil {
			s.fail(w, r, err)
			return
		}
		in = kb.FeedbackInput{Helpful: body.Helpful, Comment: body.Comment, Wrong: body.Wrong}
	} else {
		switch r.PostFormValue("helpful") {
		case "true":
			in.Helpful = new(true)
		case "false":
			in.Helpful = new(false)
		}
		in.Comment, in.Wrong = r.PostFormValue("comment"), r.PostFormValue("wrong") == "true"
	}
	f, err := s.KB.GiveFeedback(r.Context(), actor(r), id, in)
	if isAPI(r) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := map[string]any{"id": f.ID, "version": f.Version, "followup_id": nil}
		if f.FollowupID != 0 {
			out["followup_id"] = f.FollowupID
		}
		writeJSON(w, http.StatusCreated, out)
		return
	}
	if err != nil && (attest.ErrorCode(err) != attest.EINVALID || !isHTMX(r)) {
		s.refuse(w, r, err, backTo{URL: fmt.Sprintf("/articles/%d#feedback-form", id), Note: "Your feedback was not recorded: "})
		return
	}
	if !isHTMX(r) {
		msg := "Thank you for your feedback."
		if f.FollowupID != 0 {
			msg += " A knowledge manager will follow it up."
		}
		s.flash(r, "ok", msg)
		http.Redirect(w, r, fmt.Sprintf("/articles/%d#feedback-form", id), http.StatusSeeOther)
		return
	}
	d := views.FeedbackFormData{ArticleID: id, Given: f}
	st := http.StatusCreated
	if err != nil {
		st = http.StatusUnprocessableEntity
		d.Given = nil
		d.Form = views.Form{Message: attest.ErrorMessage(err), Values: map[string]string{"comment": in.Comment}}
		if in.Wrong {
			d.Form.Values["wrong"] = "true"
		}
		var e *attest.Error
		if errors.As(err, &e) {
			d.Form.Errors = e.Fields
		}
	}
	s.render(w, r, st, views.FeedbackPanel(s.page(r, ""), d))
}
