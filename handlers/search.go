package handlers

// searchRoutes: the search page, suggestions as you type, the search API.
func (s *Server) searchRoutes() []route { return nil }
