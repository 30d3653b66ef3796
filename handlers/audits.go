package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"attest"
	"attest/accounts"
	"attest/audit"
	"attest/views"
)

// auditRoutes: quarterly audits, assessments, findings, sign-off, reports.
func (s *Server) auditRoutes() []route {
	return []route{
		// The API (API.md, "Quarterly knowledge audits"), plus reading, evidence and remediation.
		{"GET /api/v1/audits", roles(auditor, km), s.handleAuditList},
		{"POST /api/v1/audits", roles(auditor), s.handleAuditCreate},
		{"GET /api/v1/audits/sample-size", roles(auditor, km), s.handleAuditSuggest},
		{"GET /api/v1/audits/trends", roles(auditor, km), s.handleAuditTrends},
		{"GET /api/v1/audits/{id}", roles(auditor, km), s.handleAuditView},
		{"GET /api/v1/audits/{id}/items/{item}", roles(auditor, km), s.handleAuditItemView},
		{"POST /api/v1/audits/{id}/items/{item}/assessment", roles(auditor), s.handleAuditAssess},
		{"POST /api/v1/audits/{id}/items/{item}/evidence", roles(auditor), s.handleAuditEvidence},
		{"POST /api/v1/audits/{id}/findings", roles(auditor), s.handleFindingCreate},
		{"POST /api/v1/audits/{id}/cmdb-findings", roles(auditor), s.handleCMDBFindingCreate},
		{"POST /api/v1/audits/{id}/close", roles(auditor), s.handleAuditClose},
		{"POST /api/v1/audits/{id}/next", roles(auditor), s.handleAuditNext},
		{"GET /api/v1/audits/{id}/report.csv", roles(auditor, km), s.handleAuditCSV},
		{"GET /api/v1/findings", signedIn, s.handleFindingQueue},
		{"GET /api/v1/findings/{id}", signedIn, s.handleFindingView},
		{"POST /api/v1/findings/{id}/resolve", signedIn, s.handleFindingResolve},
		{"POST /api/v1/findings/{id}/verify", roles(auditor), s.handleFindingVerify},
		{"POST /api/v1/findings/{id}/reopen", roles(auditor), s.handleFindingReopen},
		{"POST /api/v1/findings/{id}/accept-risk", roles(auditor, km), s.handleFindingAcceptRisk},

		// Pages.
		{"GET /audits", roles(auditor, km), s.handleAuditList},
		{"POST /audits", roles(auditor), s.handleAuditCreate},
		{"GET /audits/suggest", roles(auditor, km), s.handleAuditSuggest},
		{"GET /audits/trends", roles(auditor, km), s.handleAuditTrends},
		{"GET /audits/{id}", roles(auditor, km), s.handleAuditView},
		{"GET /audits/{id}/items/{item}", roles(auditor, km), s.handleAuditItemView},
		{"POST /audits/{id}/items/{item}/assessment", roles(auditor), s.handleAuditAssess},
		{"POST /audits/{id}/items/{item}/evidence", roles(auditor), s.handleAuditEvidence},
		{"POST /audits/{id}/findings", roles(auditor), s.handleFindingCreate},
		{"GET /audits/{id}/cmdb-findings/new", roles(auditor), s.handleCMDBFindingForm},
		{"POST /audits/{id}/cmdb-findings", roles(auditor), s.handleCMDBFindingCreate},
		{"GET /audits/{id}/close", roles(auditor), s.handleAuditSignOffConfirm},
		{"POST /audits/{id}/close", roles(auditor), s.handleAuditClose},
		{"POST /audits/{id}/next", roles(auditor), s.handleAuditNext},
		{"GET /audits/{id}/report", roles(auditor, km), s.handleAuditReport},
		{"GET /audits/{id}/report.csv", roles(auditor, km), s.handleAuditCSV},
		{"GET /findings", signedIn, s.handleFindingQueue},
		{"GET /findings/{id}", signedIn, s.handleFindingView},
		{"POST /findings/{id}/resolve", signedIn, s.handleFindingResolve},
		{"POST /findings/{id}/verify", roles(auditor), s.handleFindingVerify},
		{"POST /findings/{id}/reopen", roles(auditor), s.handleFindingReopen},
		{"POST /findings/{id}/accept-risk", roles(auditor, km), s.handleFindingAcceptRisk},
	}
}

// auditItemJSON is a sampled item as the API shows it (score null until assessed).
type auditItemJSON struct {
	ID          int64           `json:"id"`
	ArticleID   int64           `json:"article_id"`
	Version     int             `json:"version"`
	Title       string          `json:"title"`
	RequestType string          `json:"request_type"`
	Supplier    string          `json:"supplier"`
	Score       *int            `json:"score"`
	Checks      map[string]bool `json:"checks,omitempty"`
	Notes       string          `json:"notes,omitempty"`
}

// findingJSON is a finding as the API shows it.
type findingJSON struct {
	ID                 int64   `json:"id"`
	Audit              int64   `json:"audit"`
	Item               *int64  `json:"item"`
	ArticleID          int64   `json:"article_id"`
	Version            int     `json:"version"`
	Severity           string  `json:"severity"`
	Description        string  `json:"description"`
	RootCause          string  `json:"root_cause"`
	Owner              string  `json:"owner"`
	Due                string  `json:"due"`
	Status             string  `json:"status"`
	Overdue            bool    `json:"overdue"`
	Subject            *string `json:"subject"`
	SubjectRequestType *string `json:"subject_request_type"`
	ResolutionNote     string  `json:"resolution_note"`
	ResolutionVersion  *int    `json:"resolution_version"`
	RiskAcceptedUntil  *string `json:"risk_accepted_until"`
	AuditorNote        string  `json:"auditor_note"`
	CreatedAt          string  `json:"created_at"`
	// Flag is the CMDB access flag a finding without an item was raised from.
	Flag *flagJSON `json:"flag,omitempty"`
}

// flagJSON names a CMDB access flag, as POST /api/v1/audits/{id}/cmdb-findings takes it.
type flagJSON struct {
	Kind      string `json:"kind"`
	Supplier  string `json:"supplier"`
	Username  string `json:"username"`
	Key       string `json:"key"`
	TicketRef string `json:"ticket_ref"`
	At        string `json:"at"`
	Detail    string `json:"detail"`
}

func toFindingJSON(f audit.Finding, today string) findingJSON {
	j := findingJSON{ID: f.ID, Audit: f.AuditID, ArticleID: f.ArticleID, Version: f.Version, Severity: f.Severity,
		Description: f.Description, RootCause: f.RootCause, Owner: f.Owner, Due: f.Due, Status: string(f.Status),
		Overdue: f.IsOverdue(today), ResolutionNote: f.ResolutionNote, AuditorNote: f.AuditorNote,
		CreatedAt: f.CreatedAt.UTC().Format(time.RFC3339)}
	if f.ItemID != 0 {
		j.Item = &f.ItemID
	}
	if fl := f.Flag; fl != nil {
		j.Flag = &flagJSON{Kind: fl.Kind, Supplier: fl.Supplier, Username: fl.Username, Key: fl.Key, TicketRef: fl.TicketRef,
			At: fl.At.UTC().Format(time.RFC3339Nano), Detail: fl.Detail}
	}
	if f.Subject != "" {
		j.Subject, j.SubjectRequestType = &f.Subject, &f.SubjectRequestType
	}
	if f.ResolutionVersion != 0 {
		j.ResolutionVersion = &f.ResolutionVersion
	}
	if f.RiskAcceptedUntil != "" {
		j.RiskAcceptedUntil = &f.RiskAcceptedUntil
	}
	return j
}

func findingsJSON(fs []audit.Finding) []findingJSON {
	today := time.Now().UTC().Format(time.DateOnly)
	out := []findingJSON{}
	for _, f := range fs {
		out = append(out, toFindingJSON(f, today))
	}
	return out
}

func timeJSON(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// auditJSON is an audit as the API shows it.
func auditJSON(a *audit.Audit) map[string]any {
	items := []auditItemJSON{}
	for _, it := range a.Items {
		items = append(items, auditItemJSON{ID: it.ID, ArticleID: it.ArticleID, Version: it.Version, Title: it.Title,
			RequestType: it.RequestType, Supplier: it.Supplier, Score: it.Score, Checks: it.Checks, Notes: it.Notes})
	}
	strata := []map[string]any{}
	for _, st := range a.Strata {
		strata = append(strata, map[string]any{"key": st.Key, "supplier": st.Supplier, "request_type": st.RequestType,
			"size": st.Size, "uses": st.Uses, "sampled": st.Sampled})
	}
	out := map[string]any{
		"id": a.ID, "quarter": a.Quarter, "status": string(a.Status), "seed": a.Seed, "population": a.Population,
		"sample_size": a.SampleSize, "suppliers": nonNilStrings(a.Suppliers), "request_types": nonNilStrings(a.RequestTypes),
		"criteria": a.Criteria, "algorithm": a.Algorithm, "weighting": a.Weighting, "strata": strata,
		"created_by": a.CreatedBy, "created_at": timeJSON(a.CreatedAt), "signed_off_by": nil, "signed_off_at": timeJSON(a.SignedOffAt),
		"previous": nil, "items": items, "findings": findingsJSON(a.Findings), "carried_findings": findingsJSON(a.Carried),
	}
	if a.SignedOffBy != "" {
		out["signed_off_by"] = a.SignedOffBy
	}
	// The journal head at sign-off and at each export: keep one outside Attest to detect a
	// journal cut short or rewritten (attest journal verify --anchor ID:HASH).
	out["journal_head"] = nil
	if a.JournalHead != nil {
		out["journal_head"] = map[string]any{"id": a.JournalHead.ID, "hash": a.JournalHead.Hash}
	}
	exports := []map[string]any{}
	for _, e := range a.Exports {
		exports = append(exports, map[string]any{"format": e.Format, "exported_by": e.ExportedBy, "exported_at": timeJSON(e.ExportedAt),
			"journal_head": map[string]any{"id": e.JournalHead.ID, "hash": e.JournalHead.Hash}})
	}
	out["exports"] = exports
	if a.Previous != 0 {
		out["previous"] = a.Previous
	}
	if a.IsClosed() {
		out["conclusion"] = a.Conclusion()
		out["deviations"] = a.Deviations()
		out["deviation_upper_bound_95"] = audit.UpperBound(len(a.Items), a.Deviations(), 0.95)
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// auditListData loads the audits page, keeping a refused "New audit" form.
func (s *Server) auditListData(r *http.Request, form views.Form) (views.AuditListData, error) {
	ctx, u := r.Context(), actor(r)
	d := views.AuditListData{CanCreate: u.Has(accounts.RoleAuditor), Criteria: audit.DefaultCriteria, Form: form}
	var err error
	if d.Audits, err = s.Audit.List(ctx, u); err != nil {
		return d, err
	}
	if !d.CanCreate {
		return d, nil
	}
	if d.Suppliers, err = s.Accounts.Suppliers(ctx); err != nil {
		return d, err
	}
	if d.RequestTypes, err = s.Accounts.RequestTypes(ctx); err != nil {
		return d, err
	}
	pop, err := s.KB.AuditPopulation(ctx)
	if err != nil {
		return d, err
	}
	d.Suggest = suggestion("95", "5", len(pop))
	if d.Form.Values == nil {
		d.Form.Values = map[string]string{
			"quarter":     audit.QuarterOf(time.Now()),
			"sample_size": strconv.Itoa(max(1, d.Suggest.Corrected)),
			"seed":        strconv.FormatInt(audit.RandomSeed(), 10),
		}
	}
	return d, nil
}

func suggestion(confidence, tolerable string, population int) views.AuditSuggestion {
	sg := views.AuditSuggestion{Confidence: confidence, Tolerable: tolerable, Population: population}
	c, err1 := strconv.ParseFloat(confidence, 64)
	p, err2 := strconv.ParseFloat(tolerable, 64)
	if err1 != nil || err2 != nil || c <= 0 || c >= 100 || p <= 0 || p >= 100 || population < 0 {
		sg.Error = "Give a confidence and a tolerable deviation rate between 0 and 100 %, and a population of 0 or more."
		return sg
	}
	sg.N, sg.Corrected = audit.SuggestSampleSize(c/100, p/100, population)
	return sg
}

func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		list, err := s.Audit.List(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := []map[string]any{}
		for _, a := range list {
			out = append(out, map[string]any{"id": a.ID, "quarter": a.Quarter, "status": string(a.Status), "seed": a.Seed,
				"population": a.Population, "sample_size": a.SampleSize, "created_at": timeJSON(a.CreatedAt),
				"signed_off_at": timeJSON(a.SignedOffAt)})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	d, err := s.auditListData(r, views.Form{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AuditList(s.page(r, "Audits"), d))
}

// handleAuditSuggest answers the sample-size calculator: an htmx fragment, or JSON.
func (s *Server) handleAuditSuggest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pop, err := strconv.Atoi(q.Get("population"))
	if err != nil {
		pop = 0
	}
	c, p := q.Get("confidence"), q.Get("tolerable")
	if c == "" {
		c = "95"
	}
	if p == "" {
		p = "5"
	}
	sg := suggestion(c, p, pop)
	if isAPI(r) {
		if sg.Error != "" {
			s.fail(w, r, attest.FieldError(map[string]string{"confidence": sg.Error}))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"n": sg.N, "corrected": sg.Corrected, "population": pop})
		return
	}
	st := http.StatusOK
	if sg.Error != "" {
		st = http.StatusUnprocessableEntity
	}
	if isHTMX(r) {
		s.render(w, r, st, views.AuditSuggest(sg))
		return
	}
	d, err := s.auditListData(r, views.Form{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Suggest = sg
	if sg.Error == "" && d.Form.Values != nil {
		d.Form.Values["sample_size"] = strconv.Itoa(max(1, sg.Corrected))
	}
	s.render(w, r, st, views.AuditList(s.page(r, "Audits"), d))
}

func (s *Server) handleAuditCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Quarter      string            `json:"quarter"`
		SampleSize   *int              `json:"sample_size"`
		Seed         *int64            `json:"seed"`
		Suppliers    []string          `json:"suppliers"`
		RequestTypes []string          `json:"request_types"`
		Criteria     []audit.Criterion `json:"criteria"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.SampleSize == nil {
			s.fail(w, r, attest.FieldError(map[string]string{"sample_size": "required: a whole number of at least 1"}))
			return
		}
	} else {
		r.ParseForm()
		in.Quarter = r.PostFormValue("quarter")
		fields := map[string]string{}
		if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("sample_size"))); err == nil {
			in.SampleSize = &n
		} else {
			zero := 0
			in.SampleSize = &zero
		}
		if v := strings.TrimSpace(r.PostFormValue("seed")); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				fields["seed"] = "a whole number"
			}
			in.Seed = &n
		}
		in.Suppliers, in.RequestTypes = r.PostForm["suppliers"], r.PostForm["request_types"]
		for _, c := range audit.DefaultCriteria {
			wt := c.Weight
			if v := strings.TrimSpace(r.PostFormValue("weight_" + c.Key)); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 10 {
					fields["criteria"] = "each weight is a whole number from 0 to 10"
					continue
				}
				wt = n
			}
			if wt > 0 {
				in.Criteria = append(in.Criteria, audit.Criterion{Key: c.Key, Label: c.Label, Weight: wt})
			}
		}
		if in.Criteria == nil && fields["criteria"] == "" {
			fields["criteria"] = "keep at least one criterion"
		}
		if len(fields) > 0 {
			s.refuse(w, r, attest.FieldError(fields), s.auditForm(r))
			return
		}
	}
	a, err := s.Audit.Create(r.Context(), actor(r), audit.NewAudit{Quarter: in.Quarter, SampleSize: *in.SampleSize, Seed: in.Seed,
		Suppliers: in.Suppliers, RequestTypes: in.RequestTypes, Criteria: in.Criteria})
	if err != nil {
		s.refuse(w, r, err, s.auditForm(r))
		return
	}
	items := []map[string]any{}
	for _, it := range a.Items {
		items = append(items, map[string]any{"id": it.ID, "article_id": it.ArticleID, "version": it.Version})
	}
	s.done(w, r, http.StatusCreated, map[string]any{"id": a.ID, "quarter": a.Quarter, "status": string(a.Status), "seed": a.Seed,
		"population": a.Population, "sample_size": a.SampleSize, "weighting": a.Weighting, "items": items},
		"Audit started: "+strconv.Itoa(len(a.Items))+" articles sampled from "+strconv.Itoa(a.Population)+".",
		"/audits/"+strconv.FormatInt(a.ID, 10))
}

// auditForm sends the refused "New audit" form back to the audits page.
func (s *Server) auditForm(r *http.Request) backTo {
	return backTo{Form: func(f views.Form) (templ.Component, error) {
		d, err := s.auditListData(r, f)
		if err != nil {
			return nil, err
		}
		return views.AuditList(s.page(r, "Audits"), d), nil
	}}
}

func (s *Server) handleAuditView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Audit.Get(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, auditJSON(a))
		return
	}
	needs, err := s.Audit.NeedsReviewer(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, err := s.names(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := views.AuditData{Audit: a, IsAuditor: actor(r).Has(accounts.RoleAuditor), Today: time.Now().UTC().Format(time.DateOnly), NeedsReviewer: needs, Names: names}
	if from, to, qerr := audit.QuarterRange(a.Quarter); qerr == nil && s.CMDB != nil && actor(r).Has(auditor, admin) {
		if d.CMDB, err = s.CMDB.AuditFlags(r.Context(), actor(r), a.Suppliers, from, to); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, views.AuditView(s.page(r, "Audit "+a.Quarter), d))
}

// handleAuditSignOffConfirm shows what signing off means and asks to confirm it.
func (s *Server) handleAuditSignOffConfirm(w http.ResponseWriter, r *http.Request) {
	s.renderSignOff(w, r, http.StatusOK, views.Form{})
}

func (s *Server) renderSignOff(w http.ResponseWriter, r *http.Request, st int, f views.Form) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Audit.Get(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, st, views.AuditSignOff(s.page(r, "Sign off audit "+a.Quarter), a, f))
}

func (s *Server) handleAuditClose(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The page's form must confirm: sign-off cannot be undone. (The API call is the
	// confirmation itself, as API.md fixes it.)
	if !isAPI(r) && r.PostFormValue("confirm") != "yes" {
		msg := "Tick the box to confirm: a signed-off audit can never change again."
		s.renderSignOff(w, r, http.StatusUnprocessableEntity, views.Form{Message: msg, Errors: map[string]string{"confirm": msg}})
		return
	}
	a, err := s.Audit.Close(r.Context(), actor(r), id)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/audits/" + strconv.FormatInt(id, 10)})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"id": a.ID, "status": string(a.Status), "signed_off_by": a.SignedOffBy,
		"signed_off_at": timeJSON(a.SignedOffAt), "conclusion": a.Conclusion()},
		"Audit signed off. "+a.Conclusion(), "/audits/"+strconv.FormatInt(a.ID, 10))
}

func (s *Server) handleAuditNext(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Quarter string `json:"quarter"`
		Seed    *int64 `json:"seed"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	a, err := s.Audit.NextFrom(r.Context(), actor(r), id, in.Quarter, in.Seed)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/audits/" + strconv.FormatInt(id, 10)})
		return
	}
	s.done(w, r, http.StatusCreated, auditJSON(a), "Audit for "+a.Quarter+" started from audit #"+strconv.FormatInt(id, 10)+".",
		"/audits/"+strconv.FormatInt(a.ID, 10))
}
