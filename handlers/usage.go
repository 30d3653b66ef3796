package handlers

// usageRoutes: usage on tickets, feedback, follow-ups, the gap report and dashboard.
func (s *Server) usageRoutes() []route { return nil }
