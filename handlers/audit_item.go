package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"attest"
	"attest/accounts"
	"attest/audit"
	"attest/views"
)

// auditItemData loads an item's page, keeping refused forms by name.
func (s *Server) auditItemData(r *http.Request, forms map[string]views.Form) (views.AuditItemData, error) {
	ctx, u := r.Context(), actor(r)
	d := views.AuditItemData{IsAuditor: u.Has(accounts.RoleAuditor), Forms: forms, Today: time.Now().UTC().Format(time.DateOnly)}
	id, err := pathID(r, "id")
	if err != nil {
		return d, err
	}
	item, err := pathID(r, "item")
	if err != nil {
		return d, err
	}
	if d.D, err = s.Audit.Item(ctx, u, id, item); err != nil {
		return d, err
	}
	if d.Names, err = s.names(r); err != nil {
		return d, err
	}
	if d.IsAuditor {
		if d.Users, err = s.Accounts.Users(ctx); err != nil {
			return d, err
		}
		if d.RequestTypes, err = s.Accounts.RequestTypes(ctx); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (s *Server) handleAuditItemView(w http.ResponseWriter, r *http.Request) {
	d, err := s.auditItemData(r, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		it := d.D.Item
		ev := []map[string]any{}
		for _, e := range d.D.Evidence {
			ev = append(ev, map[string]any{"id": e.ID, "kind": e.Kind, "content": e.Content, "effective_date": e.EffectiveDate,
				"sha256": e.SHA256, "added_by": e.AddedBy, "added_at": timeJSON(e.AddedAt)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": it.ID, "article_id": it.ArticleID, "version": it.Version, "title": it.Title,
			"request_type": it.RequestType, "supplier": it.Supplier, "score": it.Score, "checks": it.Checks, "notes": it.Notes,
			"assessments": len(d.D.History), "adherence": d.D.Adherence, "evidence": ev, "findings": findingsJSON(d.D.Findings)})
		return
	}
	s.render(w, r, http.StatusOK, views.AuditItem(s.page(r, d.D.Item.Title), d))
}

// itemForm sends a refused form of an audit item's page back to that page.
func (s *Server) itemForm(r *http.Request, name string) backTo {
	return backTo{Form: func(f views.Form) (templ.Component, error) {
		d, err := s.auditItemData(r, map[string]views.Form{name: f})
		if err != nil {
			return nil, err
		}
		return views.AuditItem(s.page(r, d.D.Item.Title), d), nil
	}}
}

func (s *Server) handleAuditAssess(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	item, err := pathID(r, "item")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Checks map[string]bool `json:"checks"`
		Notes  string          `json:"notes"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		// A checkbox form answers every criterion: ticked is met, the rest are not.
		r.ParseForm()
		a, err := s.Audit.Get(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		in.Checks = map[string]bool{}
		for _, c := range a.Criteria {
			in.Checks[c.Key] = false
		}
		for _, k := range r.PostForm["met"] {
			in.Checks[k] = true
		}
		in.Notes = r.PostFormValue("notes")
	}
	score, err := s.Audit.Assess(r.Context(), actor(r), id, item, in.Checks, in.Notes)
	if err != nil {
		s.refuse(w, r, err, s.itemForm(r, "assessment"))
		return
	}
	msg, to := "Assessment saved: score "+strconv.Itoa(score)+".", "/audits/"+strconv.FormatInt(id, 10)
	if !isAPI(r) && r.PostFormValue("then") == "next" {
		next, err := s.Audit.NextToAssess(r.Context(), actor(r), id, item)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if next != nil {
			msg += " Next: " + next.Title + "."
			to += "/items/" + strconv.FormatInt(next.ID, 10)
		} else {
			msg += " Every article you may assess is assessed: review and sign off below."
		}
	}
	s.done(w, r, http.StatusOK, map[string]any{"score": score}, msg, to)
}

// names are the names of suppliers and request types, for pages that show their keys.
func (s *Server) names(r *http.Request) (views.Names, error) {
	sps, err := s.Accounts.Suppliers(r.Context())
	if err != nil {
		return views.Names{}, err
	}
	rts, err := s.Accounts.RequestTypes(r.Context())
	if err != nil {
		return views.Names{}, err
	}
	return views.NewNames(sps, rts), nil
}

func (s *Server) handleAuditEvidence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	item, err := pathID(r, "item")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Kind          string `json:"kind"`
		Content       string `json:"content"`
		EffectiveDate string `json:"effective_date"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Kind, in.Content, in.EffectiveDate = r.PostFormValue("kind"), r.PostFormValue("content"), r.PostFormValue("effective_date")
	}
	ev, err := s.Audit.AddEvidence(r.Context(), actor(r), id, item, in.Kind, in.Content, in.EffectiveDate)
	if err != nil {
		s.refuse(w, r, err, s.itemForm(r, "evidence"))
		return
	}
	s.done(w, r, http.StatusCreated, map[string]any{"id": ev.ID, "sha256": ev.SHA256, "effective_date": ev.EffectiveDate},
		"Evidence attached.", "/audits/"+strconv.FormatInt(id, 10)+"/items/"+strconv.FormatInt(item, 10))
}

// handleFindingCreate records a finding (API or the item page's form).
func (s *Server) handleFindingCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Item        int64  `json:"item"`
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
	nf := audit.NewFinding{}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		nf = audit.NewFinding{Item: in.Item, Severity: in.Severity, Description: in.Description, RootCause: in.RootCause,
			Owner: in.Owner, Due: in.Due, Suspend: in.Suspend}
		if in.Subject != nil {
			nf.Subject, nf.SubjectRequestType = in.Subject.Username, in.Subject.RequestType
		}
	} else {
		item, _ := strconv.ParseInt(r.PostFormValue("item"), 10, 64)
		nf = audit.NewFinding{Item: item, Severity: r.PostFormValue("severity"), Description: r.PostFormValue("description"),
			RootCause: r.PostFormValue("root_cause"), Owner: r.PostFormValue("owner"), Due: r.PostFormValue("due"),
			Subject: r.PostFormValue("subject"), SubjectRequestType: r.PostFormValue("subject_request_type"),
			Suspend: r.PostFormValue("suspend") == "true"}
		// The page's item id names the page to re-render on a refusal.
		r.SetPathValue("item", strconv.FormatInt(item, 10))
	}
	fid, err := s.Audit.RaiseFinding(r.Context(), actor(r), id, nf)
	if err != nil {
		if !isAPI(r) && attest.ErrorCode(err) == attest.EINVALID && nf.Item > 0 {
			s.refuse(w, r, err, s.itemForm(r, "finding"))
			return
		}
		s.fail(w, r, err)
		return
	}
	back := "/audits/" + strconv.FormatInt(id, 10)
	if nf.Item > 0 {
		back += "/items/" + strconv.FormatInt(nf.Item, 10)
	}
	msg := "Finding #" + strconv.FormatInt(fid, 10) + " recorded; " + nf.Owner + " sees it in their findings."
	if nf.Suspend {
		msg += " " + nf.Subject + "'s authority for " + nf.SubjectRequestType + " is suspended until they recertify."
	}
	s.done(w, r, http.StatusCreated, map[string]any{"id": fid}, msg, back)
}
