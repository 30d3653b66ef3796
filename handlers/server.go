// Package handlers is Attest's HTTP layer: routing, middleware (sessions, CSRF, roles, limits,
// security headers), one file per action, and the JSON API. Handlers parse, call one domain
// method and render; the domain packages decide what is allowed.
package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"

	"attest"
	"attest/accounts"
	"attest/audit"
	"attest/cmdb"
	"attest/database"
	"attest/kb"
	"attest/search"
	"attest/static"
	"attest/training"
	"attest/views"
)

// Deps are the domain stores and services the handlers call.
type Deps struct {
	DB       *database.DB
	Accounts *accounts.Store
	KB       *kb.Store
	Training *training.Store
	Audit    *audit.Store
	CMDB     *cmdb.Store
	// SecureCookies marks the session cookie Secure: set it when Attest is reached over TLS
	// (directly or through a TLS-terminating proxy).
	SecureCookies bool
	// TrustedProxies are the networks of reverse proxies whose X-Forwarded-For is believed:
	// the client address is the right-most address in that header not in these networks.
	// Without any, the client address is the connection's peer.
	TrustedProxies []netip.Prefix
	// UnusedAfter is how long an account may go unused before the access review flags it
	// (0: 90 days).
	UnusedAfter time.Duration
	// Search is the search index (nil in tests that do not search).
	Search Searcher
	Log    *slog.Logger
}

// Searcher is the search index as the handlers use it.
type Searcher interface {
	Search(ctx context.Context, q search.Query) (search.Result, error)
}

// Server is Attest's HTTP handler.
type Server struct {
	Deps
	log      *slog.Logger
	sessions *scs.SessionManager
	mux      *http.ServeMux
	table    []route
	ready    atomic.Bool
}

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	sm := scs.New()
	sm.Store = d.DB.SessionStore(30 * time.Minute)
	sm.IdleTimeout = 8 * time.Hour
	sm.Lifetime = 7 * 24 * time.Hour
	sm.Cookie.Name = "attest_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Secure = d.SecureCookies
	s := &Server{Deps: d, log: d.Log, sessions: sm, mux: http.NewServeMux()}
	s.table = s.routes()
	for _, rt := range s.table {
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
	staticFS, _ := fs.Sub(static.Files, ".")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(staticFS))))
	// Anything else is a 404 (or a 405 for a known path) in the caller's language: JSON on
	// the API, a page elsewhere.
	s.mux.Handle("/", s.guard(route{"/", public, s.handleUnrouted}))
	s.ready.Store(true)
	return s
}

// SetReady marks the server ready or not for /readyz (not ready while shutting down).
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Handler returns the full middleware chain around the routes.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	var h http.Handler = s.mux
	h = s.withSession(h)
	h = cop.Handler(h)
	h = securityHeaders(h)
	h = s.recoverer(h)
	h = s.logRequests(h)
	return h
}

// withSession loads the scs session for browser requests; API calls carry bearer tokens and
// no cookies, so they skip the session store.
func (s *Server) withSession(next http.Handler) http.Handler {
	withSess := s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionLoaded{}, true)))
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) || strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		withSess.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "Something went wrong on our side. It has been logged.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		lvl := slog.LevelDebug
		if sw.status >= 500 && r.URL.Path == "/readyz" {
			lvl = slog.LevelInfo // not ready yet (starting, catching up) or shutting down: no fault
		} else if sw.status >= 500 {
			lvl = slog.LevelError
		} else if sw.status >= 400 || r.Method != http.MethodGet {
			lvl = slog.LevelInfo
		}
		s.log.Log(r.Context(), lvl, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "dur_ms", float64(time.Since(start).Microseconds())/1000, "addr", s.clientAddr(r))
	})
}

// clientAddr is the request's client IP, the key for per-address throttling: the connection's
// peer, or, when the peer is a trusted proxy, the right-most address in X-Forwarded-For that is
// not a trusted proxy (everything left of it may be made up by the client).
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.TrustedProxies) == 0 {
		return host
	}
	addr := host
	ip, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(ip) {
		return addr
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// Not an address: no proxy of ours wrote it, so trust stops at the last hop.
			return addr
		}
		addr = ip.Unmap().String()
		if !s.trusted(ip) {
			return addr
		}
	}
	return addr
}

func (s *Server) trusted(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range s.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// page returns the frame of a page for the request's user.
func (s *Server) page(r *http.Request, title string) views.Page {
	p := views.Page{Title: title, Path: r.URL.Path, User: actor(r)}
	if p.User != nil && !isAPI(r) && !isHTMX(r) && s.KB != nil {
		p.Unread, _ = s.KB.UnreadNotifications(r.Context(), p.User) // a count is not worth failing a page for
	}
	if !isAPI(r) && s.sessions != nil && hasSession(r) {
		p.CSRF = s.sessions.GetString(r.Context(), "csrf")
		if msg := s.sessions.PopString(r.Context(), "flash"); msg != "" {
			p.Flash = msg
			p.FlashKind = s.sessions.PopString(r.Context(), "flash_kind")
			if p.FlashKind == "" {
				p.FlashKind = "ok"
			}
		}
	}
	return p
}

// flash stores a one-time message for the next page.
func (s *Server) flash(r *http.Request, kind, msg string) {
	s.sessions.Put(r.Context(), "flash", msg)
	s.sessions.Put(r.Context(), "flash_kind", kind)
}

// hasSession reports whether the request went through the session middleware.
func hasSession(r *http.Request) bool { return r.Context().Value(sessionLoaded{}) != nil }

type sessionLoaded struct{}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type ctxKey int

const actorKey ctxKey = 0

// actor returns the signed-in user of the request, nil when there is none.
func actor(r *http.Request) *accounts.User {
	u, _ := r.Context().Value(actorKey).(*accounts.User)
	return u
}

func withActor(r *http.Request, u *accounts.User) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), actorKey, u))
}

// handleUnrouted answers a request no route took: 405 with Allow when the path exists for
// other methods, 404 otherwise.
func (s *Server) handleUnrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, r, attest.Errorf(attest.EMETHOD, "%s is not allowed here; use %s.", r.Method, strings.Join(allow, " or ")))
		return
	}
	s.fail(w, r, attest.Errorf(attest.ENOTFOUND, "There is no page at %s.", r.URL.Path))
}
