package handlers

// trainingRoutes: quizzes, attempts, certifications, authority.
func (s *Server) trainingRoutes() []route { return nil }
