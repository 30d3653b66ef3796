package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"attest"
	"attest/kb"
	"attest/views"
)

// usageRoutes: usage on tickets, feedback, follow-ups, the gap report and dashboard.
func (s *Server) usageRoutes() []route {
	return []route{
		{"POST /api/v1/usage", roles(agent).needs(usageWrite), s.handleUsageCreate},
		{"POST /articles/{id}/usage", roles(agent), s.handleUsageCreate},
		{"POST /api/v1/articles/{id}/feedback", signedIn.needs(usageWrite), s.handleFeedbackCreate},
		{"POST /articles/{id}/feedback", signedIn, s.handleFeedbackCreate},
		{"GET /followups", roles(km, auditor), s.handleFollowupList},
		{"GET /api/v1/followups", roles(km, auditor), s.handleFollowupList},
		{"POST /followups/{id}/dismiss", roles(km), s.handleFollowupDismiss},
		{"POST /api/v1/followups/{id}/dismiss", roles(km), s.handleFollowupDismiss},
		{"GET /api/v1/reports/gaps", roles(km, auditor, admin), s.handleGapReport},
		{"GET /reports/gaps", roles(km, auditor, admin), s.handleGapReport},
		{"GET /reports/gaps.csv", roles(km, auditor, admin), s.handleGapCSV},
		{"GET /api/v1/reports/gaps.csv", roles(km, auditor, admin), s.handleGapCSV},
		{"GET /dashboard", roles(km, auditor), s.handleDashboard},
	}
}

// usageJSON is the body of POST /api/v1/usage, each field kept raw so that every missing or
// malformed field is named at once (decode stops at the first wrong type).
type usageJSON struct {
	ArticleID   json.RawMessage `json:"article_id"`
	Version     json.RawMessage `json:"version"`
	TicketRef   json.RawMessage `json:"ticket_ref"`
	RequestType json.RawMessage `json:"request_type"`
	Outcome     json.RawMessage `json:"outcome"`
	// FailureCause is optional: why a not_resolved ticket failed.
	FailureCause json.RawMessage `json:"failure_cause"`
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// rawInt reads a JSON integer; absent or null is 0 (the store says "required").
func rawInt(raw json.RawMessage, name string, bad map[string]string) int64 {
	if isNull(raw) {
		return 0
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		bad[name] = "must be a JSON integer"
	}
	return n
}

// rawString reads a JSON string; absent or null is "" (the store says "required").
func rawString(raw json.RawMessage, name string, bad map[string]string) string {
	if isNull(raw) {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		bad[name] = "must be a JSON string"
	}
	return s
}

// handleUsageCreate records that an agent used an article on a ticket: the API for ticketing
// systems, and the article page's "Used on a ticket" form (an htmx fragment in place).
func (s *Server) handleUsageCreate(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	in := kb.UsageInput{Invalid: map[string]string{}}
	if isAPI(r) {
		var raw usageJSON
		if err := decode(r, &raw); err != nil {
			s.fail(w, r, err)
			return
		}
		in.ArticleID = rawInt(raw.ArticleID, "article_id", in.Invalid)
		v := rawInt(raw.Version, "version", in.Invalid)
		if v > 1<<31 {
			in.Invalid["version"] = "no such version"
		}
		in.Version = int(v)
		in.TicketRef = rawString(raw.TicketRef, "ticket_ref", in.Invalid)
		in.RequestType = rawString(raw.RequestType, "request_type", in.Invalid)
		in.Outcome = kb.Outcome(rawString(raw.Outcome, "outcome", in.Invalid))
		in.FailureCause = kb.FailureCause(rawString(raw.FailureCause, "failure_cause", in.Invalid))
	} else {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		in.ArticleID = id
		if in.Version, err = strconv.Atoi(r.PostFormValue("version")); err != nil {
			in.Invalid["version"] = "reload the page: the form lost the version you read"
		}
		in.TicketRef, in.RequestType = r.PostFormValue("ticket_ref"), r.PostFormValue("request_type")
		in.Outcome = kb.Outcome(r.PostFormValue("outcome"))
		if in.Outcome == kb.OutcomeNotResolved {
			in.FailureCause = kb.FailureCause(r.PostFormValue("failure_cause"))
		}
	}
	rec, err := s.KB.RecordUsage(ctx, u, in)
	if isAPI(r) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := map[string]any{"id": rec.ID, "outdated": rec.Outdated}
		if rec.FollowupID != 0 {
			out["followup_id"] = rec.FollowupID
		}
		writeJSON(w, http.StatusCreated, out)
		return
	}
	if err != nil && (attest.ErrorCode(err) != attest.EINVALID || !isHTMX(r)) {
		s.refuse(w, r, err, backTo{URL: fmt.Sprintf("/articles/%d#usage-form", in.ArticleID), Note: "The use was not recorded: "})
		return
	}
	if !isHTMX(r) {
		msg := "Recorded: used on ticket " + rec.TicketRef + "."
		if rec.Repeated {
			msg = "Already recorded: this version was used on ticket " + rec.TicketRef + "."
		}
		if rec.Outdated {
			msg += " That version is no longer current; check the ticket against the current version."
		}
		s.flash(r, "ok", msg)
		http.Redirect(w, r, fmt.Sprintf("/articles/%d#usage-form", in.ArticleID), http.StatusSeeOther)
		return
	}
	// The fragment: a fresh form for the article as the agent reads it now, with the
	// confirmation, or what was typed with what is wrong.
	a, aerr := s.KB.Article(ctx, u, in.ArticleID)
	if aerr != nil {
		s.fail(w, r, aerr)
		return
	}
	version := in.Version
	if a.Current != nil {
		version = a.Current.Number
	}
	d := views.UsageFormFor(u, a.ID, version, a.RequestTypes, s.requestTypeNames(r))
	st := http.StatusOK
	if err != nil {
		st = http.StatusUnprocessableEntity
		d.Form = views.Form{Message: attest.ErrorMessage(err), Values: map[string]string{
			"ticket_ref": in.TicketRef, "request_type": in.RequestType, "outcome": string(in.Outcome), "failure_cause": string(in.FailureCause)}}
		var e *attest.Error
		if errors.As(err, &e) {
			d.Form.Errors = e.Fields
		}
	} else {
		d.Recorded = rec
	}
	s.render(w, r, st, views.UsageFormPanel(s.page(r, ""), d))
}

// requestTypeNames maps request-type keys to names, for labels (empty when they cannot be read).
func (s *Server) requestTypeNames(r *http.Request) map[string]string {
	out := map[string]string{}
	rts, err := s.Accounts.RequestTypes(r.Context())
	if err != nil {
		return out
	}
	for _, rt := range rts {
		out[rt.Key] = rt.Name
	}
	return out
}
