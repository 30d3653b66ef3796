package handlers

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
)

// access says who may call a route. It is the one policy table of the HTTP layer; the domain
// methods check the same rules again (and finer ones, such as suppliers and authorship).
type access struct {
	public bool            // no sign-in needed
	roles  []accounts.Role // nil with public false: any signed-in user
	// scope is what a service account's token needs for this route ("" : no service account
	// may call it). People's calls are limited by their roles only.
	scope accounts.Scope
	// duringPasswordChange lets a person whose password is temporary call this route; every
	// other route sends them to change it first.
	duringPasswordChange bool
}

var (
	public   = access{public: true}
	signedIn = access{}
)

func roles(rs ...accounts.Role) access { return access{roles: rs} }

// needs returns a with the scope a service account's token must hold to call the route.
func (a access) needs(sc accounts.Scope) access { a.scope = sc; return a }

// evenWithTemporaryPassword returns a that a person with a temporary password may call.
func (a access) evenWithTemporaryPassword() access { a.duringPasswordChange = true; return a }

const (
	knowledgeRead = accounts.ScopeKnowledgeRead
	authorityRead = accounts.ScopeAuthorityRead
	usageWrite    = accounts.ScopeUsageWrite
	cmdbRead      = accounts.ScopeCMDBRead
)

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
		s.learnedRoutes(),
		s.usageRoutes(),
		s.trainingRoutes(),
		s.auditRoutes(),
		s.docsRoutes(),
		s.scorecardRoutes(),
		s.identityRoutes(),
		s.attachmentRoutes(),
		s.cmdbRoutes(),
		s.notifyRoutes(),
	} {
		t = append(t, part...)
	}
	return t
}

// guard authenticates the caller, applies the route's access and, for browser sessions,
// checks the CSRF token of unsafe requests.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := bufferBody(r, s.bodyLimit(rt, r)); err != nil {
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
		if u != nil && !rt.access.public && !u.HasScope(rt.access.scope) {
			s.fail(w, r, &attest.Error{Code: attest.ESCOPE, Message: scopeMessage(rt.access.scope)})
			return
		}
		if u != nil && u.MustChangePassword && !rt.access.public && !rt.access.duringPasswordChange {
			s.fail(w, r, attest.Errorf(attest.EPASSWORD, "Your password is temporary: change it first (PUT /api/v1/me/password, or the page /password)."))
			return
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
		if err := checkText(r); err != nil {
			s.fail(w, r, err)
			return
		}
		rt.handler(w, r)
	})
}

// bufferBody reads the request body (at most limit bytes) into memory. A larger body is
// drained (up to a bound) before the 413, so that a client still sending reads the answer
// instead of a broken connection.
func bufferBody(r *http.Request, limit int64) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return attest.Errorf(attest.EBADREQ, "Could not read the request body.")
	}
	if int64(len(b)) > limit {
		io.CopyN(io.Discard, r.Body, 16<<20)
		return attest.Errorf(attest.ETOOLARGE, "The request body is larger than %d MiB.", limit>>20)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return nil
}

func unsafeMethod(m string) bool {
	return !slices.Contains([]string{http.MethodGet, http.MethodHead, http.MethodOptions}, m)
}

// authenticate finds the caller: a bearer token on the API (and on attachments, which API
// clients read), the session elsewhere. A bad token is EUNAUTH; no credentials is a nil user.
func (s *Server) authenticate(r *http.Request) (*accounts.User, error) {
	if isAPI(r) || bearerOnAttachment(r) {
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
	if err != nil {
		return nil, err
	}
	// A disabled or ended account, or a session begun before the password changed (the
	// epoch), ends here: the person lands on the sign-in page.
	if u.Refusal(time.Now()) != "" || s.sessions.GetInt64(r.Context(), "epoch") != u.SessionEpoch {
		s.sessions.Destroy(r.Context())
		return nil, nil
	}
	return u, nil
}

func scopeMessage(sc accounts.Scope) string {
	if sc == "" {
		return "Service-account tokens cannot make this call."
	}
	return "This token's scopes do not include " + string(sc) + "."
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
	// Scope is what a service account's token needs to call it ("" for none may).
	Scope accounts.Scope
}

// Routes lists the routing table.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.table))
	for _, rt := range s.table {
		out = append(out, RouteInfo{Pattern: rt.pattern, Public: rt.access.public, Roles: rt.access.roles, Scope: rt.access.scope})
	}
	return out
}
