package handlers

import (
	"errors"
	"net/http"
	"time"

	"attest"
	"attest/kb"
	"attest/views"
)

// followupJSON is how the API shows a follow-up.
type followupJSON struct {
	ID              int64     `json:"id"`
	ArticleID       int64     `json:"article_id"`
	Title           string    `json:"title"`
	Version         int       `json:"version"`
	Status          string    `json:"status"`
	OpenedAt        time.Time `json:"opened_at"`
	OpenedBy        string    `json:"opened_by"`
	Supplier        string    `json:"supplier"`
	Wrong           bool      `json:"wrong"`
	Comment         string    `json:"comment"`
	ClosedAt        *string   `json:"closed_at"`
	ClosedBy        string    `json:"closed_by"`
	Reason          string    `json:"reason"`
	ResolvedVersion int       `json:"resolved_version,omitempty"`
	// Failures are the failed tickets behind a follow-up opened by "knowledge wrong".
	Failures []failureJSON `json:"failures,omitempty"`
}

type failureJSON struct {
	TicketRef string    `json:"ticket_ref"`
	Supplier  string    `json:"supplier"`
	Agent     string    `json:"agent"`
	Version   int       `json:"version"`
	Cause     string    `json:"cause"`
	At        time.Time `json:"at"`
}

func followupFilter(r *http.Request) (kb.FollowupFilter, string, error) {
	var f kb.FollowupFilter
	st := r.URL.Query().Get("status")
	switch kb.FollowupStatus(st) {
	case "":
	case kb.FollowupOpen, kb.FollowupResolved, kb.FollowupDismissed:
		s := kb.FollowupStatus(st)
		f.Status = &s
	default:
		return f, st, attest.FieldError(map[string]string{"status": `one of "open", "resolved", "dismissed"`})
	}
	return f, st, nil
}

// handleFollowupList lists feedback follow-ups (open first) for knowledge managers and auditors.
func (s *Server) handleFollowupList(w http.ResponseWriter, r *http.Request) {
	f, st, err := followupFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.KB.Followups(r.Context(), actor(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]int64, len(list))
	for i, fu := range list {
		ids[i] = fu.ID
	}
	failures, err := s.KB.FailuresOf(r.Context(), actor(r), ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		out := []followupJSON{}
		for _, fu := range list {
			j := followupJSON{ID: fu.ID, ArticleID: fu.ArticleID, Title: fu.ArticleTitle, Version: fu.Version, Status: string(fu.Status),
				OpenedAt: fu.OpenedAt, OpenedBy: fu.OpenedBy, Supplier: fu.Supplier, Wrong: fu.Wrong, Comment: fu.Comment,
				ClosedBy: fu.ClosedBy, Reason: fu.Reason, ResolvedVersion: fu.ResolvedVersion}
			if !fu.ClosedAt.IsZero() {
				c := fu.ClosedAt.UTC().Format(time.RFC3339)
				j.ClosedAt = &c
			}
			for _, f := range failures[fu.ID] {
				j.Failures = append(j.Failures, failureJSON{TicketRef: f.TicketRef, Supplier: f.Supplier, Agent: f.Agent,
					Version: f.Version, Cause: string(f.Cause), At: f.At})
			}
			out = append(out, j)
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.render(w, r, http.StatusOK, views.Followups(s.page(r, "Feedback follow-ups"), views.FollowupsData{Followups: list, Status: st, Failures: failures}))
}

// handleFollowupDismiss closes an open follow-up with a reason (knowledge managers).
func (s *Server) handleFollowupDismiss(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason, err := reasonInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.KB.DismissFollowup(r.Context(), actor(r), id, reason)
	if err != nil {
		var e *attest.Error
		if isAPI(r) || attest.ErrorCode(err) != attest.EINVALID || !errors.As(err, &e) {
			s.fail(w, r, err)
			return
		}
		// Re-show the queue with the refused reason in place.
		list, lerr := s.KB.Followups(r.Context(), actor(r), kb.FollowupFilter{})
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		p := s.page(r, "Feedback follow-ups")
		p.Flash, p.FlashKind = e.Message, "error"
		s.render(w, r, http.StatusUnprocessableEntity, views.Followups(p, views.FollowupsData{Followups: list,
			Forms: map[int64]views.Form{id: {Values: map[string]string{"reason": reason}, Errors: e.Fields}}}))
		return
	}
	s.done(w, r, http.StatusOK, map[string]string{"status": string(kb.FollowupDismissed)}, "Follow-up dismissed.", "/followups?status=open")
}
