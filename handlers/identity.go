package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"attest"
	"attest/accounts"
	"attest/views"
)

// identityRoutes: people over their whole life, passwords, service accounts and tokens,
// access reviews (issue 17).
func (s *Server) identityRoutes() []route {
	return []route{
		{"PATCH /api/v1/users/{username}", roles(admin), s.handleUserUpdate},
		{"POST /api/v1/users/{username}/password-reset", roles(admin), s.handlePasswordReset},
		{"POST /api/v1/users/{username}/erase", roles(admin), s.handleUserErase},
		{"PUT /api/v1/me/password", signedIn.evenWithTemporaryPassword(), s.handlePasswordChange},
		{"POST /api/v1/service-accounts", roles(admin), s.handleServiceAccountCreate},
		{"POST /api/v1/tokens", signedIn, s.handleNamedTokenCreate},
		{"GET /api/v1/tokens", signedIn, s.handleTokenList},
		{"DELETE /api/v1/tokens/{id}", signedIn, s.handleTokenRevoke},
		{"GET /api/v1/access-review", roles(admin, auditor), s.handleAccessReview},
		{"POST /api/v1/access-review/certifications", roles(admin), s.handleAccessReviewCertify},

		{"POST /api/v1/articles/{id}/retire/cancel", roles(km), s.handleArticleRetireCancel},
		{"POST /articles/{id}/retire/cancel", roles(km), s.handleArticleRetireCancel},

		{"PUT /api/v1/audits/{id}/needs-reviewer", roles(auditor), s.handleAuditNeedsReviewer},
		{"POST /audits/{id}/needs-reviewer", roles(auditor), s.handleAuditNeedsReviewer},

		{"GET /admin/users/{username}", roles(admin), s.handleUserAdminView},
		{"POST /admin/users/{username}", roles(admin), s.handleUserUpdate},
		{"POST /admin/users/{username}/disable", roles(admin), s.handleUserDisable},
		{"POST /admin/users/{username}/enable", roles(admin), s.handleUserEnable},
		{"POST /admin/users/{username}/password-reset", roles(admin), s.handlePasswordReset},
		{"POST /admin/users/{username}/erase", roles(admin), s.handleUserErase},
		{"GET /admin/service-accounts", roles(admin), s.handleServiceAccountsView},
		{"POST /admin/service-accounts", roles(admin), s.handleServiceAccountCreate},
		{"GET /password", signedIn.evenWithTemporaryPassword(), s.handlePasswordView},
		{"POST /password", signedIn.evenWithTemporaryPassword(), s.handlePasswordChange},
		{"GET /tokens", signedIn, s.handleTokensView},
		{"POST /tokens", signedIn, s.handleNamedTokenCreate},
		{"POST /tokens/{id}/revoke", signedIn, s.handleTokenRevoke},
		{"GET /access-review", roles(admin, auditor), s.handleAccessReview},
		{"POST /access-review/certifications", roles(admin), s.handleAccessReviewCertify},
	}
}

// userUpdateInput reads PATCH /api/v1/users/{username} (any subset of the fields; end_date
// null clears it) or the user page's form.
func userUpdateInput(r *http.Request) (accounts.UserUpdate, error) {
	var up accounts.UserUpdate
	if !isAPI(r) {
		r.ParseForm()
		f := r.PostForm
		str := func(k string) *string {
			if _, ok := f[k]; !ok {
				return nil
			}
			v := f.Get(k)
			return &v
		}
		up.DisplayName, up.Email, up.Supplier, up.EndDate = str("display_name"), str("email"), str("supplier"), str("end_date")
		if f.Get("roles_present") != "" {
			rs := []accounts.Role{}
			for _, x := range f["roles"] {
				rs = append(rs, accounts.Role(x))
			}
			up.Roles = &rs
		}
		return up, nil
	}
	var in struct {
		DisplayName *string         `json:"display_name"`
		Email       *string         `json:"email"`
		Roles       *[]string       `json:"roles"`
		Supplier    *string         `json:"supplier"`
		Disabled    *bool           `json:"disabled"`
		Reason      string          `json:"reason"`
		EndDate     json.RawMessage `json:"end_date"`
	}
	if err := decode(r, &in); err != nil {
		return up, err
	}
	up.DisplayName, up.Email, up.Supplier, up.Disabled, up.Reason = in.DisplayName, in.Email, in.Supplier, in.Disabled, in.Reason
	if in.Roles != nil {
		rs := []accounts.Role{}
		for _, x := range *in.Roles {
			rs = append(rs, accounts.Role(x))
		}
		up.Roles = &rs
	}
	if len(in.EndDate) > 0 {
		end := ""
		if string(in.EndDate) != "null" {
			if err := json.Unmarshal(in.EndDate, &end); err != nil || end == "" {
				return up, attest.FieldError(map[string]string{"end_date": "a date as YYYY-MM-DD, or null for none"})
			}
		}
		up.EndDate = &end
	}
	return up, nil
}

func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	up, err := userUpdateInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.updateUser(w, r, up, "Saved.")
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, up accounts.UserUpdate, msg string) {
	u, err := s.Accounts.UpdateUser(r.Context(), actor(r), r.PathValue("username"), up)
	if err != nil {
		s.refuse(w, r, err, s.backToUser(r))
		return
	}
	s.done(w, r, http.StatusOK, toUserJSON(u), msg, "/admin/users/"+urlPathEscape(u.Username))
}

func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) {
	yes := true
	s.updateUser(w, r, accounts.UserUpdate{Disabled: &yes, Reason: r.PostFormValue("reason")},
		"The account is disabled: every session and token of it has ended.")
}

func (s *Server) handleUserEnable(w http.ResponseWriter, r *http.Request) {
	no := false
	s.updateUser(w, r, accounts.UserUpdate{Disabled: &no, Reason: r.PostFormValue("reason")}, "The account is enabled again.")
}

func (s *Server) handlePasswordReset(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		if err := decode(r, &struct{}{}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	temp, err := s.Accounts.ResetPassword(r.Context(), actor(r), r.PathValue("username"))
	if err != nil {
		s.refuse(w, r, err, s.backToUser(r))
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]string{"temporary_password": temp})
		return
	}
	// Shown once, on this page; never stored in the session or a flash.
	s.renderUserAdmin(w, r, http.StatusOK, userPageExtras{TemporaryPassword: temp})
}

func (s *Server) handleUserErase(w http.ResponseWriter, r *http.Request) {
	reason, err := reasonInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Accounts.EraseUser(r.Context(), actor(r), r.PathValue("username"), reason)
	if err != nil {
		s.refuse(w, r, err, s.backToUser(r))
		return
	}
	s.done(w, r, http.StatusOK, toUserJSON(u), "Personal data removed; the account is now "+u.Username+".",
		"/admin/users/"+urlPathEscape(u.Username))
}

func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Current, in.New = r.PostFormValue("current"), r.PostFormValue("new")
	}
	epoch, err := s.Accounts.ChangePassword(r.Context(), actor(r), in.Current, in.New)
	if err != nil {
		s.refuse(w, r, err, backTo{Form: func(f views.Form) (templ.Component, error) {
			return s.passwordPage(r, f), nil
		}})
		return
	}
	if !isAPI(r) {
		// This session carries on; every other one of the person's has ended.
		if err := s.sessions.RenewToken(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(r.Context(), "epoch", epoch)
	}
	s.done(w, r, http.StatusOK, map[string]any{"changed": true}, "Your password is changed; your other sessions have ended.", "/")
}

func (s *Server) handleServiceAccountCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string   `json:"name"`
		Supplier string   `json:"supplier"`
		Scopes   []string `json:"scopes"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		r.ParseForm()
		in.Name, in.Supplier, in.Scopes = r.PostFormValue("name"), r.PostFormValue("supplier"), r.PostForm["scopes"]
	}
	nsa := accounts.NewServiceAccount{Name: in.Name, Supplier: in.Supplier}
	for _, sc := range in.Scopes {
		nsa.Scopes = append(nsa.Scopes, accounts.Scope(sc))
	}
	u, err := s.Accounts.CreateServiceAccount(r.Context(), actor(r), nsa)
	if err != nil {
		s.refuse(w, r, err, backTo{Form: func(f views.Form) (templ.Component, error) {
			return s.serviceAccountsPage(r, f, nil)
		}})
		return
	}
	s.done(w, r, http.StatusCreated, map[string]any{"username": u.Username, "name": u.DisplayName, "supplier": u.Supplier, "scopes": u.Scopes},
		"Service account "+u.Username+" added. Make it a token below.", "/admin/service-accounts")
}

// tokenJSON is how the API lists a token: never its secret.
type tokenJSON struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Username   string  `json:"username"`
	Kind       string  `json:"kind"`
	CreatedAt  string  `json:"created_at"`
	ExpiresAt  string  `json:"expires_at"`
	LastUsedAt *string `json:"last_used_at"`
}

func toTokenJSON(t accounts.Token) tokenJSON {
	j := tokenJSON{ID: t.ID, Name: t.Name, Username: t.Username, Kind: t.Kind,
		CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339), ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339)}
	if !t.LastUsedAt.IsZero() {
		used := t.LastUsedAt.UTC().Format(time.RFC3339)
		j.LastUsedAt = &used
	}
	return j
}

func (s *Server) handleNamedTokenCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name      string `json:"name"`
		ExpiresAt string `json:"expires_at"`
		Username  string `json:"username"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Name, in.ExpiresAt, in.Username = r.PostFormValue("name"), r.PostFormValue("expires_at"), r.PostFormValue("username")
	}
	nt := accounts.NewToken{Name: in.Name, Username: in.Username}
	if in.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, in.ExpiresAt)
		if err != nil {
			t, err = time.Parse(time.DateOnly, in.ExpiresAt) // the page's date field
		}
		if err != nil {
			s.refuse(w, r, attest.FieldError(map[string]string{"expires_at": "a time as 2026-12-31T00:00:00Z, or a date"}), s.backToTokens(r))
			return
		}
		nt.ExpiresAt = t
	}
	t, secret, err := s.Accounts.CreateToken(r.Context(), actor(r), nt)
	if err != nil {
		s.refuse(w, r, err, s.backToTokens(r))
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusCreated, map[string]any{"id": t.ID, "token": secret, "expires_at": t.ExpiresAt.UTC().Format(time.RFC3339),
			"name": t.Name, "username": t.Username})
		return
	}
	shown := &createdToken{Token: *t, Secret: secret}
	if in.Username != "" && !strings.EqualFold(in.Username, actor(r).Username) {
		s.renderServiceAccounts(w, r, http.StatusCreated, views.Form{}, shown)
		return
	}
	s.renderTokens(w, r, http.StatusCreated, views.Form{}, shown)
}

func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Accounts.Tokens(r.Context(), actor(r), r.URL.Query().Get("username"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []tokenJSON{}
	for _, t := range ts {
		out = append(out, toTokenJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Accounts.RevokeToken(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/tokens"
	if ref := r.PostFormValue("back"); strings.HasPrefix(ref, "/admin/") {
		back = ref
	}
	s.done(w, r, http.StatusOK, map[string]any{"id": id, "revoked": true}, "The token is revoked: it no longer works.", back)
}

// handleAuditNeedsReviewer marks an audit as needing a reviewer to sign it off, or not:
// PUT /api/v1/audits/{id}/needs-reviewer {"needs_reviewer":bool}, or the audit page's form.
func (s *Server) handleAuditNeedsReviewer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		NeedsReviewer *bool `json:"needs_reviewer"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		v := r.PostFormValue("needs_reviewer") == "true"
		in.NeedsReviewer = &v
	}
	if in.NeedsReviewer == nil {
		s.fail(w, r, attest.FieldError(map[string]string{"needs_reviewer": "required: true or false"}))
		return
	}
	if err := s.Audit.SetNeedsReviewer(r.Context(), actor(r), id, *in.NeedsReviewer); err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "No reviewer is needed to sign this audit off."
	if *in.NeedsReviewer {
		msg = "This audit now needs a reviewer: an auditor who assessed none of its items signs it off."
	}
	s.done(w, r, http.StatusOK, map[string]any{"id": id, "needs_reviewer": *in.NeedsReviewer}, msg, "/audits/"+strconv.FormatInt(id, 10))
}
