package handlers

import (
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"attest"
	"attest/accounts"
	"attest/views"
)

// adminData loads the administration page, keeping a refused form's input in section.
func (s *Server) adminData(r *http.Request, section string, form views.Form) (views.AdminData, error) {
	ctx := r.Context()
	d := views.AdminData{Forms: map[string]views.Form{section: form}}
	var err error
	if d.Suppliers, err = s.Accounts.Suppliers(ctx); err != nil {
		return d, err
	}
	if d.RequestTypes, err = s.Accounts.RequestTypes(ctx); err != nil {
		return d, err
	}
	if d.Users, err = s.Accounts.Users(ctx); err != nil {
		return d, err
	}
	if a, err := s.Accounts.CurrentAgreement(ctx, actor(r)); err == nil {
		d.Agreement = a
	} else if attest.ErrorCode(err) != attest.ENOTFOUND {
		return d, err
	}
	if s.KB != nil {
		d.Dropped = s.KB.DroppedEvents()
	}
	return d, nil
}

func (s *Server) handleAdminView(w http.ResponseWriter, r *http.Request) {
	d, err := s.adminData(r, "", views.Form{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Admin(s.page(r, "Administration"), d))
}

// adminForm sends a refused administration form back to its section of the page.
func (s *Server) adminForm(r *http.Request, section string) backTo {
	return backTo{Form: func(f views.Form) (templ.Component, error) {
		d, err := s.adminData(r, section, f)
		if err != nil {
			return nil, err
		}
		return views.Admin(s.page(r, "Administration"), d), nil
	}}
}

// done answers a successful change: JSON for the API, a flash and a redirect for a form.
func (s *Server) done(w http.ResponseWriter, r *http.Request, st int, body any, msg, redirect string) {
	if isAPI(r) {
		writeJSON(w, st, body)
		return
	}
	s.flash(r, "ok", msg)
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", redirect)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

func (s *Server) handleSupplierList(w http.ResponseWriter, r *http.Request) {
	sps, err := s.Accounts.Suppliers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sps == nil {
		sps = []accounts.Supplier{}
	}
	writeJSON(w, http.StatusOK, sps)
}

func (s *Server) handleSupplierCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Key  string `json:"key"`
		Name string `json:"name"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Key, in.Name = r.PostFormValue("key"), r.PostFormValue("name")
	}
	sp, err := s.Accounts.CreateSupplier(r.Context(), actor(r), in.Key, in.Name)
	if err != nil {
		s.refuse(w, r, err, s.adminForm(r, "supplier"))
		return
	}
	s.done(w, r, http.StatusCreated, sp, "Supplier "+sp.Name+" added.", "/admin")
}

func (s *Server) handleSupplierRequestTypesSet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RequestTypes []string `json:"request_types"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.RequestTypes == nil {
			s.fail(w, r, attest.FieldError(map[string]string{"request_types": "required (an empty list clears it)"}))
			return
		}
	} else {
		r.ParseForm()
		in.RequestTypes = r.PostForm["request_types"]
	}
	sp, err := s.Accounts.SetSupplierRequestTypes(r.Context(), actor(r), r.PathValue("key"), in.RequestTypes)
	if err != nil {
		s.refuse(w, r, err, s.adminForm(r, "supplier"))
		return
	}
	s.done(w, r, http.StatusOK, sp, "Saved what "+sp.Name+" fulfils.", "/admin")
}

func (s *Server) handleRequestTypeList(w http.ResponseWriter, r *http.Request) {
	rts, err := s.Accounts.RequestTypes(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rts == nil {
		rts = []accounts.RequestType{}
	}
	writeJSON(w, http.StatusOK, rts)
}

func (s *Server) handleRequestTypeCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Key                   string `json:"key"`
		Name                  string `json:"name"`
		Risk                  string `json:"risk"`
		RequiresCertification bool   `json:"requires_certification"`
		ApprovalsRequired     *int   `json:"approvals_required"`
		ReviewDays            int    `json:"review_days"`
		GraceDays             int    `json:"grace_days"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Key, in.Name, in.Risk = r.PostFormValue("key"), r.PostFormValue("name"), r.PostFormValue("risk")
		in.RequiresCertification = r.PostFormValue("requires_certification") == "true"
		if n, err := strconv.Atoi(r.PostFormValue("approvals_required")); err == nil {
			in.ApprovalsRequired = &n
		}
		if v := r.PostFormValue("review_days"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				s.refuse(w, r, attest.FieldError(map[string]string{"review_days": "a whole number of days"}), s.adminForm(r, "request_type"))
				return
			}
			in.ReviewDays = n
		}
	}
	nrt := accounts.NewRequestType{Key: in.Key, Name: in.Name, Risk: accounts.Risk(in.Risk),
		RequiresCertification: in.RequiresCertification, ReviewDays: in.ReviewDays, GraceDays: in.GraceDays}
	if in.ApprovalsRequired != nil {
		nrt.ApprovalsRequired = *in.ApprovalsRequired
		if nrt.ApprovalsRequired == 0 {
			nrt.ApprovalsRequired = -1 // an explicit 0 is invalid, not the default
		}
	}
	rt, err := s.Accounts.CreateRequestType(r.Context(), actor(r), nrt)
	if err != nil {
		s.refuse(w, r, err, s.adminForm(r, "request_type"))
		return
	}
	s.done(w, r, http.StatusCreated, rt, "Request type "+rt.Name+" added.", "/admin")
}

// userJSON is how the API shows a user.
type userJSON struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	Supplier    *string  `json:"supplier"`
	Email       string   `json:"email"`
	Disabled    bool     `json:"disabled"`
	Reason      string   `json:"reason,omitempty"`
	EndDate     *string  `json:"end_date"`
	Service     bool     `json:"service,omitempty"`
	Scopes      []string `json:"scopes,omitempty"`
	// MustChangePassword: the password is a temporary one an admin issued.
	MustChangePassword bool `json:"must_change_password"`
}

func toUserJSON(u *accounts.User) userJSON {
	j := userJSON{Username: u.Username, DisplayName: u.DisplayName, Roles: []string{}, Email: u.Email,
		Disabled: u.DisabledAt != "", Reason: u.DisabledReason, Service: u.Service, MustChangePassword: u.MustChangePassword}
	if u.EndDate != "" {
		end := u.EndDate
		j.EndDate = &end
	}
	for _, sc := range u.Scopes {
		j.Scopes = append(j.Scopes, string(sc))
	}
	for _, r := range u.Roles {
		j.Roles = append(j.Roles, string(r))
	}
	if u.Supplier != "" {
		sup := u.Supplier
		j.Supplier = &sup
	}
	return j
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	us, err := s.Accounts.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []userJSON{}
	for _, u := range us {
		out = append(out, toUserJSON(u))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username    string   `json:"username"`
		DisplayName string   `json:"display_name"`
		Password    string   `json:"password"`
		Roles       []string `json:"roles"`
		Supplier    string   `json:"supplier"`
		Email       string   `json:"email"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		r.ParseForm()
		in.Username, in.DisplayName, in.Password = r.PostFormValue("username"), r.PostFormValue("display_name"), r.PostFormValue("password")
		in.Roles, in.Supplier, in.Email = r.PostForm["roles"], r.PostFormValue("supplier"), r.PostFormValue("email")
	}
	nu := accounts.NewUser{Username: in.Username, DisplayName: in.DisplayName, Password: in.Password, Supplier: in.Supplier, Email: in.Email}
	for _, role := range in.Roles {
		nu.Roles = append(nu.Roles, accounts.Role(role))
	}
	u, err := s.Accounts.CreateUser(r.Context(), actor(r), nu)
	if err != nil {
		s.refuse(w, r, err, s.adminForm(r, "user"))
		return
	}
	s.done(w, r, http.StatusCreated, toUserJSON(u), "User "+u.Username+" added.", "/admin")
}
