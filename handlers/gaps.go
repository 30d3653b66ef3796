package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"attest"
	"attest/kb"
	"attest/views"
)

// reportFilter reads the report filter of a request (since, until, supplier, request_type).
func (s *Server) reportFilter(r *http.Request) (kb.ReportFilter, error) {
	q := r.URL.Query()
	return s.KB.ParseReportFilter(r.Context(), q.Get("since"), q.Get("until"), q.Get("supplier"), q.Get("request_type"))
}

// gapsData is the report pages' filter as typed, with the lists it chooses from.
func (s *Server) gapsData(r *http.Request, f kb.ReportFilter, ferr error) (views.GapsData, error) {
	q := r.URL.Query()
	u := actor(r)
	d := views.GapsData{Since: q.Get("since"), Until: q.Get("until"), Supplier: q.Get("supplier"), RequestType: q.Get("request_type"),
		CanDashboard: u.Has(km, auditor), CanFollowups: u.Has(km, auditor)}
	if ferr == nil {
		d.Since, d.Until = f.Since.Format(time.DateOnly), f.Until.Format(time.DateOnly)
		v := url.Values{"since": {d.Since}, "until": {d.Until}}
		if f.Supplier != "" {
			v.Set("supplier", f.Supplier)
		}
		if f.RequestType != "" {
			v.Set("request_type", f.RequestType)
		}
		d.Query = v.Encode()
	} else {
		var e *attest.Error
		errors.As(ferr, &e)
		d.Form = views.Form{Message: attest.ErrorMessage(ferr)}
		if e != nil {
			d.Form.Errors = e.Fields
		}
	}
	var err error
	if d.Suppliers, err = s.Accounts.Suppliers(r.Context()); err != nil {
		return d, err
	}
	if d.RequestTypes, err = s.Accounts.RequestTypes(r.Context()); err != nil {
		return d, err
	}
	return d, nil
}

// gapJSON is the API's gap report: API.md's four tables plus the extra ones and the period.
type gapJSON struct {
	Since string `json:"since"`
	Until string `json:"until"`
	*kb.GapReport
}

// handleGapReport answers the gap report: JSON on the API, the page otherwise.
func (s *Server) handleGapReport(w http.ResponseWriter, r *http.Request) {
	f, ferr := s.reportFilter(r)
	if ferr != nil && (isAPI(r) || attest.ErrorCode(ferr) != attest.EINVALID) {
		s.fail(w, r, ferr)
		return
	}
	var g *kb.GapReport
	if ferr == nil {
		var err error
		if g, err = s.KB.GapReport(r.Context(), actor(r), f); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, gapJSON{Since: f.Since.Format(time.DateOnly), Until: f.Until.Format(time.DateOnly), GapReport: g})
		return
	}
	d, err := s.gapsData(r, f, ferr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Report = g
	st := http.StatusOK
	if ferr != nil {
		st = http.StatusUnprocessableEntity
	}
	s.render(w, r, st, views.Gaps(s.page(r, "Gap report"), d))
}
