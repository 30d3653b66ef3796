package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"attest"
	"attest/audit"
	"attest/views"
)

// flagRefOf reads a CMDB access flag's reference from form or query values (flag_kind,
// flag_supplier, flag_username, flag_key, flag_ticket_ref, flag_at as RFC 3339).
func flagRefOf(v url.Values) (audit.FlagRef, error) {
	ref := audit.FlagRef{Kind: v.Get("flag_kind"), Supplier: v.Get("flag_supplier"), Username: v.Get("flag_username"),
		Key: v.Get("flag_key"), TicketRef: v.Get("flag_ticket_ref")}
	at, err := parseFlagAt(v.Get("flag_at"))
	ref.At = at
	return ref, err
}

func parseFlagAt(s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, attest.FieldError(map[string]string{"flag.at": "a time in RFC 3339, as the flag gives it"})
	}
	return t, nil
}

// cmdbFindingPage draws the "Raise finding" form of a flag of audit id's CMDB-access section.
func (s *Server) cmdbFindingPage(r *http.Request, id int64, ref audit.FlagRef, f views.Form) (templ.Component, error) {
	ctx, u := r.Context(), actor(r)
	a, err := s.Audit.Get(ctx, u, id)
	if err != nil {
		return nil, err
	}
	d := views.AuditCMDBFindingData{Audit: a, Flag: ref, Form: f}
	if from, to, qerr := audit.QuarterRange(a.Quarter); qerr == nil && s.CMDB != nil {
		d.Detail, err = s.CMDB.AuditFlagDetail(ctx, u, a.Suppliers, from, to, ref.Kind, ref.Supplier, ref.Username, ref.Key, ref.TicketRef, ref.At)
		if err != nil && attest.ErrorCode(err) != attest.ENOTFOUND {
			return nil, err
		}
	}
	if d.Users, err = s.Accounts.Users(ctx); err != nil {
		return nil, err
	}
	if d.RequestTypes, err = s.Accounts.RequestTypes(ctx); err != nil {
		return nil, err
	}
	return views.AuditCMDBFinding(s.page(r, "Raise a finding: audit "+a.Quarter), d), nil
}

// handleCMDBFindingForm shows the form that raises a finding from a CMDB access flag (the
// audit page's "Raise finding" link carries the flag in its query).
func (s *Server) handleCMDBFindingForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ref, err := flagRefOf(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.cmdbFindingPage(r, id, ref, views.Form{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, c)
}

// handleCMDBFindingCreate raises a finding from a CMDB access flag of the audit (API or the
// form).
func (s *Server) handleCMDBFindingCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ref audit.FlagRef
	var nf audit.NewFinding
	if isAPI(r) {
		var in struct {
			Flag *struct {
				Kind      string `json:"kind"`
				Supplier  string `json:"supplier"`
				Username  string `json:"username"`
				Key       string `json:"key"`
				TicketRef string `json:"ticket_ref"`
				At        string `json:"at"`
			} `json:"flag"`
			Severity    string `json:"severity"`
			Description string `json:"description"`
			RootCause   string `json:"root_cause"`
			Owner       string `json:"owner"`
			Due         string `json:"due"`
			Subject     *struct {
				Username    string `json:"username"`
				RequestType string `json:"request_type"`
			} `json:"subject"`
			Suspend bool `json:"suspend"`
		}
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.Flag == nil {
			s.fail(w, r, attest.FieldError(map[string]string{"flag": "required: the flag, as the audit's CMDB-access section lists it"}))
			return
		}
		ref = audit.FlagRef{Kind: in.Flag.Kind, Supplier: in.Flag.Supplier, Username: in.Flag.Username, Key: in.Flag.Key, TicketRef: in.Flag.TicketRef}
		if ref.At, err = parseFlagAt(in.Flag.At); err != nil {
			s.fail(w, r, err)
			return
		}
		nf = audit.NewFinding{Severity: in.Severity, Description: in.Description, RootCause: in.RootCause, Owner: in.Owner,
			Due: in.Due, Suspend: in.Suspend}
		if in.Subject != nil {
			nf.Subject, nf.SubjectRequestType = in.Subject.Username, in.Subject.RequestType
		}
	} else {
		r.ParseForm()
		ref, err = flagRefOf(r.PostForm)
		nf = audit.NewFinding{Severity: r.PostFormValue("severity"), Description: r.PostFormValue("description"),
			RootCause: r.PostFormValue("root_cause"), Owner: r.PostFormValue("owner"), Due: r.PostFormValue("due"),
			Subject: r.PostFormValue("subject"), SubjectRequestType: r.PostFormValue("subject_request_type"),
			Suspend: r.PostFormValue("suspend") == "true"}
	}
	var fid int64
	if err == nil {
		fid, err = s.Audit.RaiseFlagFinding(r.Context(), actor(r), id, ref, nf)
	}
	if err != nil {
		s.refuse(w, r, err, backTo{Form: func(f views.Form) (templ.Component, error) { return s.cmdbFindingPage(r, id, ref, f) }})
		return
	}
	msg := "Finding #" + strconv.FormatInt(fid, 10) + " recorded from the CMDB access flag; " + nf.Owner + " sees it in their findings."
	if nf.Suspend {
		msg += " " + nf.Subject + "'s authority for " + nf.SubjectRequestType + " is suspended until they recertify."
	}
	s.done(w, r, http.StatusCreated, map[string]any{"id": fid}, msg, "/findings/"+strconv.FormatInt(fid, 10))
}
