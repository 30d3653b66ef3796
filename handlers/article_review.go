package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"attest"
	"attest/kb"
	"attest/views"
)

func versionPage(id int64, n int) string { return fmt.Sprintf("/articles/%d/versions/%d", id, n) }

func (s *Server) handleVersionSubmit(w http.ResponseWriter, r *http.Request) {
	id, n, err := pathVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.KB.Submit(r.Context(), actor(r), id, n); err != nil {
		s.refuse(w, r, err, backTo{URL: versionPage(id, n)})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"status": kb.StatusInReview},
		fmt.Sprintf("Version %d is submitted for review.", n), versionPage(id, n))
}

func (s *Server) handleVersionWithdraw(w http.ResponseWriter, r *http.Request) {
	id, n, err := pathVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.KB.Withdraw(r.Context(), actor(r), id, n); err != nil {
		s.refuse(w, r, err, backTo{URL: versionPage(id, n)})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"status": kb.StatusWithdrawn},
		fmt.Sprintf("Version %d is withdrawn.", n), versionPage(id, n))
}

// decision reads {"comment","major"} from the API or the review form.
func decision(r *http.Request) (kb.Decision, error) {
	var in struct {
		Comment string `json:"comment"`
		Major   bool   `json:"major"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			return kb.Decision{}, err
		}
	} else {
		in.Comment, in.Major = r.PostFormValue("comment"), r.PostFormValue("major") == "true"
	}
	return kb.Decision{Comment: in.Comment, Major: in.Major}, nil
}

func (s *Server) handleVersionApprove(w http.ResponseWriter, r *http.Request) {
	id, n, err := pathVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := decision(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.KB.Approve(r.Context(), actor(r), id, n, d)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: versionPage(id, n)})
		return
	}
	msg := fmt.Sprintf("Version %d is approved and is now what agents read.", n)
	if res.Status != kb.StatusApproved {
		msg = fmt.Sprintf("Your approval is recorded (%d of %d); a second knowledge manager must approve version %d too.", res.Approvals, res.Required, n)
	}
	s.done(w, r, http.StatusOK, map[string]any{"status": res.Status, "approvals": res.Approvals, "approvals_required": res.Required},
		msg, versionPage(id, n))
}

func (s *Server) handleVersionReject(w http.ResponseWriter, r *http.Request) {
	id, n, err := pathVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := decision(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.KB.Reject(r.Context(), actor(r), id, n, d); err != nil {
		s.refuse(w, r, err, backTo{URL: versionPage(id, n)})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"status": kb.StatusRejected},
		fmt.Sprintf("Version %d is rejected; its author is told why.", n), versionPage(id, n))
}

func (s *Server) handleArticleRetire(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason, replacedBy, err := retireInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.KB.RetireReplacing(r.Context(), actor(r), id, reason, replacedBy); err != nil {
		s.refuse(w, r, err, backTo{URL: fmt.Sprintf("/articles/%d", id)})
		return
	}
	// Two knowledge managers retire an article: the first call requests it (the article is
	// out of use at once), a second knowledge manager's call confirms it.
	ret, err := s.KB.RetirementOf(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ret.IsPending() {
		s.done(w, r, http.StatusOK, map[string]any{"id": id, "status": "retirement_requested", "requested_by": ret.RequestedBy},
			"Retirement requested: agents no longer read or find the article; a second knowledge manager confirms or cancels it.", fmt.Sprintf("/articles/%d", id))
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"id": id, "status": kb.ArticleRetired},
		"The article is retired: agents no longer read or find it.", fmt.Sprintf("/articles/%d", id))
}

func (s *Server) handleArticleRetireCancel(w http.ResponseWriter, r *http.Request) {
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
	if err := s.KB.CancelRetirement(r.Context(), actor(r), id, reason); err != nil {
		s.refuse(w, r, err, backTo{URL: fmt.Sprintf("/articles/%d", id)})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"id": id, "status": kb.ArticleActive},
		"The retirement is cancelled: the article is in use again.", fmt.Sprintf("/articles/%d", id))
}

// handleArticleClassify changes request types, tags or the review interval (knowledge managers):
// PATCH /api/v1/articles/{id} {"request_types","tags","review_days"}, or the article page's form.
func (s *Server) handleArticleClassify(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		RequestTypes *[]string `json:"request_types"`
		Tags         *[]string `json:"tags"`
		ReviewDays   *int      `json:"review_days"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		r.ParseForm()
		rts, tags := r.PostForm["request_types"], splitTags(r.PostFormValue("tags"))
		in.RequestTypes, in.Tags = &rts, &tags
		days := 0
		if v := strings.TrimSpace(r.PostFormValue("review_days")); v != "" {
			if days, err = strconv.Atoi(v); err != nil {
				s.refuse(w, r, attest.FieldError(map[string]string{"review_days": "a whole number of days"}), backTo{URL: fmt.Sprintf("/articles/%d", id)})
				return
			}
		}
		in.ReviewDays = &days
	}
	a, err := s.KB.Classify(r.Context(), actor(r), id, kb.Classification{RequestTypes: in.RequestTypes, Tags: in.Tags, ReviewDays: in.ReviewDays})
	if err != nil {
		s.refuse(w, r, err, backTo{URL: fmt.Sprintf("/articles/%d", id)})
		return
	}
	var body any
	if isAPI(r) {
		body = toArticleJSON(a)
	}
	s.done(w, r, http.StatusOK, body, "Classification saved.", fmt.Sprintf("/articles/%d", id))
}

func (s *Server) handleArticleWatch(w http.ResponseWriter, r *http.Request) {
	s.setWatch(w, r, true)
}

func (s *Server) handleArticleUnwatch(w http.ResponseWriter, r *http.Request) {
	s.setWatch(w, r, false)
}

func (s *Server) setWatch(w http.ResponseWriter, r *http.Request, on bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "You watch this article: you are told when its steps change."
	if on {
		err = s.KB.Watch(r.Context(), actor(r), id)
	} else {
		err, msg = s.KB.Unwatch(r.Context(), actor(r), id), "You no longer watch this article."
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := fmt.Sprintf("/articles/%d", id)
	if ref := r.Referer(); strings.Contains(ref, back+"/") {
		back = ref[strings.Index(ref, back):]
	}
	s.done(w, r, http.StatusOK, map[string]any{"watching": on}, msg, back)
}

// handleReviewQueue is the review queue, narrowed by ?type=, ?supplier= and ?state= and
// ordered by ?sort=oldest|newest.
func (s *Server) handleReviewQueue(w http.ResponseWriter, r *http.Request) {
	qv := r.URL.Query()
	f := kb.QueueFilter{RequestType: qv.Get("type"), Supplier: qv.Get("supplier"), State: kb.QueueState(qv.Get("state"))}
	switch qv.Get("sort") {
	case "", "oldest":
	case "newest":
		f.Newest = true
	default:
		s.fail(w, r, attest.FieldError(map[string]string{"sort": "oldest or newest"}))
		return
	}
	q, err := s.KB.FilteredReviewQueue(r.Context(), actor(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		s.handleReviewQueueAPI(w, r, q)
		return
	}
	names, err := s.typeNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ReviewQueue(s.page(r, "Review queue"), views.ReviewQueueView{Queue: q, Filter: f, TypeNames: names}))
}

// typeNames names the request types by key, for pages that must never show a key.
func (s *Server) typeNames(r *http.Request) (map[string]string, error) {
	rts, err := s.Accounts.RequestTypes(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rts))
	for _, rt := range rts {
		out[rt.Key] = rt.Name
	}
	return out, nil
}

// retireInput reads {"reason","replaced_by"} (replaced_by optional: the article that replaces
// the retired one) from the API or the article page's form.
func retireInput(r *http.Request) (string, int64, error) {
	if !isAPI(r) {
		var rid int64
		if v := strings.TrimSpace(r.PostFormValue("replaced_by")); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return "", 0, attest.FieldError(map[string]string{"replaced_by": "an article number"})
			}
			rid = n
		}
		return r.PostFormValue("reason"), rid, nil
	}
	var in struct {
		Reason     string `json:"reason"`
		ReplacedBy int64  `json:"replaced_by"`
	}
	if err := decode(r, &in); err != nil {
		return "", 0, err
	}
	return in.Reason, in.ReplacedBy, nil
}
