package handlers

// articleRoutes: articles, versions, review, diff, history, the request-type catalogue.
func (s *Server) articleRoutes() []route { return nil }
