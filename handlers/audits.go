package handlers

// auditRoutes: quarterly audits, assessments, findings, sign-off, reports.
func (s *Server) auditRoutes() []route { return nil }
