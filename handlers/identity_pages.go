package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"

	"attest/accounts"
	"attest/views"
)

func urlPathEscape(s string) string { return url.PathEscape(s) }

// userPageExtras is what a user page shows beside the account: a refused form, or a
// temporary password just issued.
type userPageExtras struct {
	Form              views.Form
	TemporaryPassword string
}

func (s *Server) handleUserAdminView(w http.ResponseWriter, r *http.Request) {
	s.renderUserAdmin(w, r, http.StatusOK, userPageExtras{})
}

func (s *Server) renderUserAdmin(w http.ResponseWriter, r *http.Request, st int, x userPageExtras) {
	c, err := s.userAdminPage(r, x)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, st, c)
}

func (s *Server) userAdminPage(r *http.Request, x userPageExtras) (templ.Component, error) {
	ctx := r.Context()
	u, err := s.Accounts.UserByUsername(ctx, r.PathValue("username"))
	if err != nil {
		return nil, err
	}
	d := views.UserAdminData{User: u, Form: x.Form, TemporaryPassword: x.TemporaryPassword, Self: u.ID == actor(r).ID}
	if d.Suppliers, err = s.Accounts.Suppliers(ctx); err != nil {
		return nil, err
	}
	if d.Tokens, err = s.Accounts.Tokens(ctx, actor(r), u.Username); err != nil {
		return nil, err
	}
	return views.UserAdmin(s.page(r, u.Name()), d), nil
}

// backToUser is where a refused change of a person goes back to: their page, drawn again with
// what was typed and what is wrong.
func (s *Server) backToUser(r *http.Request) backTo {
	return backTo{URL: "/admin", Form: func(f views.Form) (templ.Component, error) {
		return s.userAdminPage(r, userPageExtras{Form: f})
	}}
}

func (s *Server) handlePasswordView(w http.ResponseWriter, r *http.Request) {
	s.renderPassword(w, r, http.StatusOK, views.Form{})
}

func (s *Server) renderPassword(w http.ResponseWriter, r *http.Request, st int, f views.Form) {
	s.render(w, r, st, s.passwordPage(r, f))
}

func (s *Server) passwordPage(r *http.Request, f views.Form) templ.Component {
	return views.Password(s.page(r, "Change your password"), views.PasswordData{Form: f, Temporary: actor(r).MustChangePassword})
}

func (s *Server) handleTokensView(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, views.Form{}, nil)
}

type createdToken = views.CreatedToken

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, st int, f views.Form, created *createdToken) {
	c, err := s.tokensPage(r, f, created)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, st, c)
}

func (s *Server) tokensPage(r *http.Request, f views.Form, created *createdToken) (templ.Component, error) {
	ts, err := s.Accounts.Tokens(r.Context(), actor(r), actor(r).Username)
	if err != nil {
		return nil, err
	}
	return views.Tokens(s.page(r, "My API tokens"), views.TokensData{Tokens: ts, Form: f, Created: created}), nil
}

func (s *Server) handleServiceAccountsView(w http.ResponseWriter, r *http.Request) {
	s.renderServiceAccounts(w, r, http.StatusOK, views.Form{}, nil)
}

func (s *Server) renderServiceAccounts(w http.ResponseWriter, r *http.Request, st int, f views.Form, created *createdToken) {
	c, err := s.serviceAccountsPage(r, f, created)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, st, c)
}

func (s *Server) serviceAccountsPage(r *http.Request, f views.Form, created *createdToken) (templ.Component, error) {
	ctx := r.Context()
	d := views.ServiceAccountsData{Form: f, Created: created}
	us, err := s.Accounts.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		if u.Service {
			d.Accounts = append(d.Accounts, u)
		}
	}
	if d.Suppliers, err = s.Accounts.Suppliers(ctx); err != nil {
		return nil, err
	}
	all, err := s.Accounts.Tokens(ctx, actor(r), "")
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		for _, u := range d.Accounts {
			if u.Username == t.Username {
				d.Tokens = append(d.Tokens, t)
			}
		}
	}
	return views.ServiceAccounts(s.page(r, "Service accounts"), d), nil
}

// backToTokens is where a refused token form goes back to: the service accounts page when it
// named a service account, else the person's own tokens.
func (s *Server) backToTokens(r *http.Request) backTo {
	return backTo{URL: "/tokens", Form: func(f views.Form) (templ.Component, error) {
		if u := r.PostFormValue("username"); u != "" && !strings.EqualFold(u, actor(r).Username) {
			return s.serviceAccountsPage(r, f, nil)
		}
		return s.tokensPage(r, f, nil)
	}}
}

// unusedAfter is the configured period after which an unused account is flagged.
func (s *Server) unusedAfter() time.Duration {
	if s.UnusedAfter > 0 {
		return s.UnusedAfter
	}
	return 90 * 24 * time.Hour
}

func (s *Server) handleAccessReview(w http.ResponseWriter, r *http.Request) {
	rev, err := s.Accounts.AccessReview(r.Context(), actor(r), r.URL.Query().Get("quarter"), s.unusedAfter(), time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, toReviewJSON(rev))
		return
	}
	s.render(w, r, http.StatusOK, views.AccessReview(s.page(r, "Access review"),
		views.AccessReviewData{Review: rev, CanCertify: actor(r).Has(accounts.RoleAdmin)}))
}

func (s *Server) handleAccessReviewCertify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Supplier string `json:"supplier"`
		Quarter  string `json:"quarter"`
		Note     string `json:"note"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Supplier, in.Quarter, in.Note = r.PostFormValue("supplier"), r.PostFormValue("quarter"), r.PostFormValue("note")
	}
	if in.Quarter == "" {
		in.Quarter = accounts.QuarterOf(time.Now())
	}
	if err := s.Accounts.CertifyAccessReview(r.Context(), actor(r), in.Supplier, in.Quarter, in.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, http.StatusCreated, map[string]any{"supplier": in.Supplier, "quarter": in.Quarter},
		"Access review certified for "+in.Quarter+".", "/access-review?quarter="+url.QueryEscape(in.Quarter))
}

type reviewAccountJSON struct {
	Username      string   `json:"username"`
	DisplayName   string   `json:"display_name"`
	Roles         []string `json:"roles"`
	Supplier      *string  `json:"supplier"`
	Service       bool     `json:"service"`
	State         string   `json:"state"`
	LastLoginAt   *string  `json:"last_login_at"`
	Agreements    []int    `json:"agreements_accepted"`
	CMDB          []int    `json:"cmdb_agreements_accepted"`
	Tokens        int      `json:"tokens"`
	TokenLastUsed *string  `json:"token_last_used_at"`
	Unused        bool     `json:"unused"`
}

type reviewGroupJSON struct {
	Supplier    *string             `json:"supplier"`
	Name        string              `json:"name"`
	Accounts    []reviewAccountJSON `json:"accounts"`
	CertifiedBy *string             `json:"certified_by"`
	CertifiedAt *string             `json:"certified_at"`
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toReviewJSON(rev *accounts.AccessReview) map[string]any {
	groups := []reviewGroupJSON{}
	for _, g := range rev.Groups {
		gj := reviewGroupJSON{Supplier: optString(g.Supplier), Name: g.SupplierName, Accounts: []reviewAccountJSON{},
			CertifiedBy: optString(g.CertifiedBy), CertifiedAt: optTime(g.CertifiedAt)}
		for _, a := range g.Accounts {
			uj := toUserJSON(&a.User)
			agreements, cmdb := a.Agreements, a.CMDBAgreements
			if agreements == nil {
				agreements = []int{}
			}
			if cmdb == nil {
				cmdb = []int{}
			}
			gj.Accounts = append(gj.Accounts, reviewAccountJSON{Username: a.Username, DisplayName: a.DisplayName, Roles: uj.Roles,
				Supplier: uj.Supplier, Service: a.Service, State: views.AccountState(&a.User), LastLoginAt: optTime(a.LastLoginAt),
				Agreements: agreements, CMDB: cmdb, Tokens: a.Tokens, TokenLastUsed: optTime(a.TokenLastUsed), Unused: a.Unused})
		}
		groups = append(groups, gj)
	}
	return map[string]any{"quarter": rev.Quarter, "unused_after_days": int(rev.UnusedAfter.Hours() / 24), "groups": groups}
}
