package handlers

import "net/http"

// foundationRoutes: health, sign-in, home, administration, the agreement, the journal.
func (s *Server) foundationRoutes() []route {
	return []route{
		{"GET /healthz", public, s.handleHealth},
		{"GET /readyz", public, s.handleReady},
		{"GET /api/v1/openapi.json", public, s.handleOpenAPI},
		{"GET /login", public, s.handleLoginView},
		{"POST /login", public, s.handleLogin},
		{"POST /logout", signedIn.evenWithTemporaryPassword(), s.handleLogout},
		{"POST /api/v1/auth/token", public, s.handleTokenCreate},
		{"GET /{$}", signedIn, s.handleHome},

		{"GET /admin", roles(admin), s.handleAdminView},
		{"POST /admin/suppliers", roles(admin), s.handleSupplierCreate},
		{"POST /admin/suppliers/{key}/request-types", roles(admin), s.handleSupplierRequestTypesSet},
		{"POST /admin/request-types", roles(admin), s.handleRequestTypeCreate},
		{"POST /admin/users", roles(admin), s.handleUserCreate},
		{"POST /admin/agreement", roles(admin), s.handleAgreementPublish},
		{"GET /api/v1/suppliers", roles(admin), s.handleSupplierList},
		{"POST /api/v1/suppliers", roles(admin), s.handleSupplierCreate},
		{"PUT /api/v1/suppliers/{key}/request-types", roles(admin), s.handleSupplierRequestTypesSet},
		{"GET /api/v1/request-types", signedIn.needs(knowledgeRead), s.handleRequestTypeList},
		{"POST /api/v1/request-types", roles(admin), s.handleRequestTypeCreate},
		{"GET /api/v1/users", roles(admin), s.handleUserList},
		{"POST /api/v1/users", roles(admin), s.handleUserCreate},

		{"GET /agreement", signedIn, s.handleAgreementView},
		{"POST /agreement/accept", signedIn, s.handleAgreementAccept},
		{"GET /api/v1/agreement", signedIn, s.handleAgreementView},
		{"PUT /api/v1/agreement", roles(admin), s.handleAgreementPublish},
		{"POST /api/v1/agreement/accept", signedIn, s.handleAgreementAccept},

		{"GET /journal", roles(auditor, admin), s.handleJournal},
		{"GET /journal.csv", roles(auditor, admin), s.handleJournalCSV},
		{"GET /api/v1/journal", roles(auditor, admin), s.handleJournal},
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not ready: the search index is catching up, or the server is shutting down", http.StatusServiceUnavailable)
		return
	}
	if err := s.DB.Read.PingContext(r.Context()); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
}
