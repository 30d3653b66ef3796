package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"attest"
	"attest/views"
)

func (s *Server) handleLoginView(w http.ResponseWriter, r *http.Request) {
	if actor(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, views.Login(s.page(r, "Sign in"), views.Form{}, safeNext(r.URL.Query().Get("next"))))
}

// safeNext keeps a post-login redirect on this site: a local path of printable ASCII (what
// the guard sends, an escaped request URI), never a scheme, a host, a backslash or a control
// character (browsers drop tabs and newlines from URLs, so "/\t/evil.example" is "//evil.example").
func safeNext(next string) string {
	if len(next) == 0 || len(next) > 2048 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	u, err := s.Accounts.Authenticate(r.Context(), username, password, s.clientAddr(r))
	if err != nil {
		code := attest.ErrorCode(err)
		if code != attest.EUNAUTH && code != attest.ETHROTTLED {
			s.fail(w, r, err)
			return
		}
		st := status(code)
		var e *attest.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		// Throttled or not, the person sees the sign-in form again with the reason, and what
		// they typed as username.
		f := views.Form{Values: map[string]string{"username": username}, Message: attest.ErrorMessage(err)}
		s.render(w, r, st, views.Login(s.page(r, "Sign in"), f, next))
		return
	}
	// A new token on sign-in: a session id known before login is worthless after it.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "epoch", u.SessionEpoch)
	s.sessions.Put(r.Context(), "csrf", newToken())
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Accounts.Authenticate(r.Context(), in.Username, in.Password, s.clientAddr(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	token, expires, err := s.Accounts.IssueToken(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "expires_at": expires.Format("2006-01-02T15:04:05Z")})
}
