package handlers

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net/http"
	"slices"
	"strings"

	"attest"
	"attest/accounts"
)

// access says who may call a route. It is the one policy table of the HTTP layer; the domain
// methods check the same rules again (and finer ones, such as suppliers and authorship).
type access struct {
	public bool            // no sign-in needed
	roles  []accounts.Role // nil with public false: any signed-in user
}

var (
	public   = access{public: true}
	signedIn = access{}
)

func roles(rs ...accounts.Role) access { return access{roles: rs} }

// allows reports whether u may call a route with this access.
func (a access) allows(u *accounts.User) bool {
	if a.public {
		return true
	}
	if u == nil {
		return false
	}
	return a.roles == nil || u.Has(a.roles...)
}

// route is one entry of the routing table: a ServeMux pattern, who may call it, the handler.
type route struct {
	pattern string
	access  access
	handler http.HandlerFunc
}

const (
	admin   = accounts.RoleAdmin
	km      = accounts.RoleKnowledgeManager
	trainer = accounts.RoleTrainer
	auditor = accounts.RoleAuditor
	agent   = accounts.RoleAgent
)

// routes is the whole routing table: each area adds its own in its own file.
func (s *Server) routes() []route {
	var t []route
	for _, part := range [][]route{
		s.foundationRoutes(),
		s.articleRoutes(),
		s.searchRoutes(),
		s.usageRoutes(),
		s.trainingRoutes(),
		s.auditRoutes(),
		s.cmdbRoutes(),
	} {
		t = append(t, part...)
	}
	return t
}

// guard authenticates the caller, applies the route's access and, for browser sessions,
// checks the CSRF token of unsafe requests.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := bufferBody(r); err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if u != nil {
			r = withActor(r, u)
		}
		if !rt.access.allows(u) {
			if u == nil {
				s.fail(w, r, attest.Errorf(attest.EUNAUTH, "Sign in first."))
				return
			}
			s.fail(w, r, attest.Errorf(attest.EFORBIDDEN, "You do not have permission to do this."))
			return
		}
		if u != nil && !isAPI(r) && unsafeMethod(r.Method) && !s.csrfOK(r) {
			s.fail(w, r, attest.Errorf(attest.EFORBIDDEN, "This form has expired. Reload the page and try again."))
			return
		}
		rt.handler(w, r)
	})
}

// bufferBody reads the request body (at most maxBody) into memory. A larger body is drained
// (up to a bound) before the 413, so that a client still sending reads the answer instead
// of a broken connection.
func bufferBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return attest.Errorf(attest.EBADREQ, "Could not read the request body.")
	}
	if len(b) > maxBody {
		io.CopyN(io.Discard, r.Body, 16<<20)
		return attest.Errorf(attest.ETOOLARGE, "The request body is larger than 1 MiB.")
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return nil
}

func unsafeMethod(m string) bool {
	return !slices.Contains([]string{http.MethodGet, http.MethodHead, http.MethodOptions}, m)
}

// authenticate finds the caller: a bearer token on the API, the session elsewhere.
// A bad token is EUNAUTH; no credentials is a nil user.
func (s *Server) authenticate(r *http.Request) (*accounts.User, error) {
	if isAPI(r) {
		h := r.Header.Get("Authorization")
		if h == "" {
			return nil, nil
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return nil, attest.Errorf(attest.EUNAUTH, "Use the header Authorization: Bearer <token>.")
		}
		return s.Accounts.UserByToken(r.Context(), strings.TrimSpace(token))
	}
	if !hasSession(r) {
		return nil, nil
	}
	id := s.sessions.GetInt64(r.Context(), "user_id")
	if id == 0 {
		return nil, nil
	}
	u, err := s.Accounts.UserByID(r.Context(), id)
	if attest.ErrorCode(err) == attest.ENOTFOUND {
		s.sessions.Destroy(r.Context())
		return nil, nil
	}
	return u, err
}

func (s *Server) csrfOK(r *http.Request) bool {
	want := s.sessions.GetString(r.Context(), "csrf")
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf_token")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// RouteInfo describes one route of the table, for the policy test and the API description.
type RouteInfo struct {
	Pattern string
	Public  bool
	// Roles may call the route; nil (with Public false) means any signed-in user.
	Roles []accounts.Role
}

// Routes lists the routing table.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.table))
	for _, rt := range s.table {
		out = append(out, RouteInfo{Pattern: rt.pattern, Public: rt.access.public, Roles: rt.access.roles})
	}
	return out
}
