package handlers

import (
	"math"
	"net/http"
	"time"

	"attest"
	"attest/kb"
)

// articleRoutes: articles, versions, review, diff, history, the request-type catalogue.
func (s *Server) articleRoutes() []route {
	return []route{
		// The API (API.md, Articles), plus classification, watching and the review queue.
		{"POST /api/v1/articles", roles(agent, km), s.handleArticleCreate},
		{"GET /api/v1/articles/{id}", signedIn.needs(knowledgeRead), s.handleArticleGet},
		{"PATCH /api/v1/articles/{id}", roles(km), s.handleArticleClassify},
		{"GET /api/v1/articles/{id}/versions", signedIn.needs(knowledgeRead), s.handleVersionList},
		{"POST /api/v1/articles/{id}/versions", roles(agent, km), s.handleVersionSave},
		{"GET /api/v1/articles/{id}/versions/{n}", signedIn.needs(knowledgeRead), s.handleVersionGet},
		{"POST /api/v1/articles/{id}/versions/{n}/submit", roles(agent, km), s.handleVersionSubmit},
		{"POST /api/v1/articles/{id}/versions/{n}/withdraw", roles(agent, km), s.handleVersionWithdraw},
		{"POST /api/v1/articles/{id}/versions/{n}/approve", roles(km), s.handleVersionApprove},
		{"POST /api/v1/articles/{id}/versions/{n}/reject", roles(km), s.handleVersionReject},
		{"GET /api/v1/articles/{id}/diff", signedIn.needs(knowledgeRead), s.handleArticleDiff},
		{"POST /api/v1/articles/{id}/retire", roles(km), s.handleArticleRetire},
		{"POST /api/v1/articles/{id}/watch", signedIn, s.handleArticleWatch},
		{"DELETE /api/v1/articles/{id}/watch", signedIn, s.handleArticleUnwatch},
		{"GET /api/v1/review", roles(km), s.handleReviewQueue},
		{"GET /api/v1/notifications", signedIn, s.handleNotifications},

		// Pages.
		{"GET /articles/new", roles(agent, km), s.handleArticleNew},
		{"POST /articles", roles(agent, km), s.handleArticleCreate},
		{"POST /articles/preview", roles(agent, km), s.handleArticlePreview},
		{"POST /articles/autosave", roles(agent, km), s.handleArticleAutosave},
		{"POST /articles/autosave/discard", roles(agent, km), s.handleArticleAutosaveDiscard},
		{"GET /articles/{id}", signedIn, s.handleArticleView},
		{"GET /articles/{id}/edit", roles(agent, km), s.handleArticleEdit},
		{"GET /articles/{id}/history", signedIn, s.handleArticleHistory},
		{"GET /articles/{id}/compare", signedIn, s.handleArticleDiff},
		{"POST /articles/{id}/versions", roles(agent, km), s.handleVersionSave},
		{"GET /articles/{id}/versions/{n}", signedIn, s.handleVersionGet},
		{"POST /articles/{id}/versions/{n}/submit", roles(agent, km), s.handleVersionSubmit},
		{"POST /articles/{id}/versions/{n}/withdraw", roles(agent, km), s.handleVersionWithdraw},
		{"POST /articles/{id}/versions/{n}/approve", roles(km), s.handleVersionApprove},
		{"POST /articles/{id}/versions/{n}/reject", roles(km), s.handleVersionReject},
		{"POST /articles/{id}/retire", roles(km), s.handleArticleRetire},
		{"POST /articles/{id}/classify", roles(km), s.handleArticleClassify},
		{"POST /articles/{id}/watch", signedIn, s.handleArticleWatch},
		{"POST /articles/{id}/favourite", signedIn, s.handleArticleFavourite},
		{"POST /articles/{id}/unfavourite", signedIn, s.handleArticleUnfavourite},
		{"POST /articles/{id}/unwatch", signedIn, s.handleArticleUnwatch},
		{"GET /review", roles(km), s.handleReviewQueue},
		{"GET /request-types", signedIn, s.handleRequestTypeCatalogue},
		{"GET /request-types/{key}", signedIn, s.handleRequestTypeView},
		{"POST /request-types/{key}/template", roles(admin, km), s.handleRequestTypeTemplate},
		{"PUT /api/v1/request-types/{key}/template", roles(admin, km), s.handleRequestTypeTemplate},
		{"GET /articles/similar", roles(agent, km), s.handleArticleSimilar},
		{"GET /notifications", signedIn, s.handleNotifications},
		{"POST /notifications/read", signedIn, s.handleNotificationsRead},
	}
}

// apiTime formats a time as API.md's RFC 3339 UTC; nil for the zero time.
func apiTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type currentJSON struct {
	Number     int     `json:"number"`
	Title      string  `json:"title"`
	Body       string  `json:"body"`
	HTML       string  `json:"html"`
	ApprovedBy string  `json:"approved_by"`
	ApprovedAt *string `json:"approved_at"`
	Major      bool    `json:"major"`
}

type articleJSON struct {
	ID            int64        `json:"id"`
	Title         string       `json:"title"`
	Status        string       `json:"status"`
	RequestTypes  []string     `json:"request_types"`
	Tags          []string     `json:"tags"`
	Current       *currentJSON `json:"current"`
	ReviewDays    *int         `json:"review_days"`
	NextReview    *string      `json:"next_review"`
	Overdue       bool         `json:"overdue"`
	RetiredReason *string      `json:"retired_reason,omitempty"`
}

func toArticleJSON(a *kb.Article) articleJSON {
	j := articleJSON{ID: a.ID, Title: a.Title, Status: string(a.Status), RequestTypes: a.RequestTypes, Tags: a.Tags,
		NextReview: apiTime(a.NextReview), Overdue: a.IsOverdue(time.Now()), RetiredReason: strOrNil(a.RetiredReason)}
	if a.ReviewDays > 0 {
		d := a.ReviewDays
		j.ReviewDays = &d
	}
	if c := a.Current; c != nil {
		j.Current = &currentJSON{Number: c.Number, Title: c.Title, Body: c.Body, HTML: c.HTML, ApprovedBy: c.DecidedBy,
			ApprovedAt: apiTime(c.DecidedAt), Major: c.Major}
	}
	return j
}

type versionItemJSON struct {
	Number     int     `json:"number"`
	Status     string  `json:"status"`
	Author     string  `json:"author"`
	Base       int     `json:"base"`
	CreatedAt  *string `json:"created_at"`
	Title      string  `json:"title"`
	Note       string  `json:"note"`
	ApprovedBy *string `json:"approved_by"`
	ApprovedAt *string `json:"approved_at"`
}

func toVersionItem(v *kb.Version) versionItemJSON {
	j := versionItemJSON{Number: v.Number, Status: string(v.Status), Author: v.Author, Base: v.Base,
		CreatedAt: apiTime(v.CreatedAt), Title: v.Title, Note: v.Note}
	if v.Status == kb.StatusApproved || v.Status == kb.StatusSuperseded {
		j.ApprovedBy, j.ApprovedAt = strOrNil(v.DecidedBy), apiTime(v.DecidedAt)
	}
	return j
}

type approvalJSON struct {
	Approver string  `json:"approver"`
	Comment  string  `json:"comment"`
	Major    bool    `json:"major"`
	At       *string `json:"at"`
}

type versionJSON struct {
	Number      int            `json:"number"`
	Status      string         `json:"status"`
	Title       string         `json:"title"`
	Body        string         `json:"body"`
	HTML        string         `json:"html"`
	Author      string         `json:"author"`
	Base        int            `json:"base"`
	Note        string         `json:"note"`
	CreatedAt   *string        `json:"created_at"`
	SubmittedAt *string        `json:"submitted_at"`
	DecidedAt   *string        `json:"decided_at"`
	DecidedBy   *string        `json:"decided_by"`
	Comment     string         `json:"comment"`
	Major       bool           `json:"major"`
	ViaImport   bool           `json:"via_import"`
	Approvals   []approvalJSON `json:"approvals"`
}

func toVersionJSON(v *kb.Version) versionJSON {
	j := versionJSON{Number: v.Number, Status: string(v.Status), Title: v.Title, Body: v.Body, HTML: v.HTML,
		Author: v.Author, Base: v.Base, Note: v.Note, CreatedAt: apiTime(v.CreatedAt), SubmittedAt: apiTime(v.SubmittedAt),
		DecidedAt: apiTime(v.DecidedAt), DecidedBy: strOrNil(v.DecidedBy), Comment: v.Comment, Major: v.Major,
		ViaImport: v.ViaImport, Approvals: []approvalJSON{}}
	for _, ap := range v.Approvals {
		j.Approvals = append(j.Approvals, approvalJSON{Approver: ap.Approver, Comment: ap.Comment, Major: ap.Major, At: apiTime(ap.At)})
	}
	return j
}

// pathVersion parses {id} and {n}. Errors: ENOTFOUND.
func pathVersion(r *http.Request) (int64, int, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	n, err := pathID(r, "n")
	if err != nil || n > math.MaxInt32 {
		return 0, 0, attest.Errorf(attest.ENOTFOUND, "No such version.")
	}
	return id, int(n), nil
}

func (s *Server) handleArticleGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.KB.Article(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Current != nil {
		s.KB.RecordView(actor(r), id, a.Current.Number)
	}
	writeJSON(w, http.StatusOK, toArticleJSON(a))
}

func (s *Server) handleVersionList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, vs, err := s.KB.History(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []versionItemJSON{}
	for _, v := range vs {
		out = append(out, toVersionItem(v))
	}
	// Oldest first, as numbers count up.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleReviewQueueAPI(w http.ResponseWriter, r *http.Request, q *kb.Queue) {
	type item struct {
		ArticleID   int64   `json:"article_id"`
		Number      int     `json:"number"`
		Title       string  `json:"title"`
		Author      string  `json:"author"`
		SubmittedAt *string `json:"submitted_at"`
		Approvals   int     `json:"approvals"`
		Required    int     `json:"approvals_required"`
		Stale       bool    `json:"stale"`
		// Supplier, RequestTypes and Competing are the queue's figures (issue 18).
		Supplier     string   `json:"supplier"`
		RequestTypes []string `json:"request_types"`
		Competing    []int    `json:"competing"`
	}
	type overdue struct {
		ArticleID  int64   `json:"article_id"`
		Title      string  `json:"title"`
		NextReview *string `json:"next_review"`
	}
	type retirement struct {
		ArticleID   int64   `json:"article_id"`
		Title       string  `json:"title"`
		RequestedBy string  `json:"requested_by"`
		RequestedAt *string `json:"requested_at"`
		Reason      string  `json:"reason"`
	}
	out := struct {
		InReview    []item       `json:"in_review"`
		Overdue     []overdue    `json:"overdue"`
		Retirements []retirement `json:"retirements"`
	}{[]item{}, []overdue{}, []retirement{}}
	for _, p := range q.Retirements {
		out.Retirements = append(out.Retirements, retirement{p.ArticleID, p.Title, p.RequestedBy, apiTime(p.RequestedAt), p.Reason})
	}
	for _, it := range q.InReview {
		out.InReview = append(out.InReview, item{it.ArticleID, it.Number, it.Title, it.Author, apiTime(it.SubmittedAt), it.Approvals, it.Required, it.Stale,
			it.Supplier, it.RequestTypes, append([]int{}, it.Competing...)})
	}
	for _, o := range q.Overdue {
		out.Overdue = append(out.Overdue, overdue{o.ID, o.Title, apiTime(o.NextReview)})
	}
	writeJSON(w, http.StatusOK, out)
}
