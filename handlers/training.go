package handlers

import (
	"net/http"

	"attest/accounts"
	"attest/training"
	"attest/views"
)

// trainingRoutes: quizzes, attempts, certifications, authority.
func (s *Server) trainingRoutes() []route {
	return []route{
		// The API (API.md, "Training and fulfilment authority"), plus reading and editing.
		{"GET /api/v1/quizzes", roles(trainer, agent), s.handleQuizList},
		{"POST /api/v1/quizzes", roles(trainer), s.handleQuizCreate},
		{"GET /api/v1/quizzes/{id}", roles(trainer, agent), s.handleQuizGet},
		{"PUT /api/v1/quizzes/{id}", roles(trainer), s.handleQuizUpdate},
		{"POST /api/v1/quizzes/{id}/attempts", roles(agent), s.handleAttemptStart},
		{"GET /api/v1/quizzes/{id}/preview", roles(trainer), s.handleQuizPreview},
		{"GET /api/v1/quizzes/{id}/questions.csv", roles(trainer), s.handleQuizExport},
		{"POST /api/v1/quizzes/{id}/questions", roles(trainer), s.handleQuizImport},
		{"GET /api/v1/attempts/{id}", roles(agent, trainer, auditor, admin), s.handleAttemptView},
		{"POST /api/v1/attempts/{id}/answers", roles(agent), s.handleAttemptSubmit},
		{"POST /api/v1/attempts/{id}/decline", roles(trainer), s.handleCertificationDecline},
		{"GET /api/v1/certifications/queue", roles(trainer), s.handleCertificationQueue},
		{"POST /api/v1/certifications", roles(trainer), s.handleCertificationCreate},
		{"DELETE /api/v1/certifications/{id}", roles(trainer), s.handleCertificationRevoke},
		{"GET /api/v1/authority", roles(agent, trainer, auditor, admin).needs(authorityRead), s.handleAuthorityGet},
		{"GET /api/v1/authority/matrix", roles(agent, trainer, auditor, admin).needs(authorityRead), s.handleAuthorityMatrix},
		{"POST /api/v1/suspensions", roles(auditor, trainer, admin), s.handleSuspensionCreate},
		{"POST /api/v1/suspensions/{id}/lift", roles(auditor, trainer, admin), s.handleSuspensionLift},

		// Pages.
		{"GET /training", roles(trainer, agent), s.handleTrainingHome},
		{"GET /training/quizzes/new", roles(trainer), s.handleQuizNew},
		{"POST /training/quizzes", roles(trainer), s.handleQuizCreate},
		{"GET /training/quizzes/{id}/edit", roles(trainer), s.handleQuizEdit},
		{"POST /training/quizzes/{id}", roles(trainer), s.handleQuizUpdate},
		{"POST /training/quizzes/{id}/attempts", roles(agent), s.handleAttemptStart},
		{"GET /training/quizzes/{id}/preview", roles(trainer), s.handleQuizPreview},
		{"GET /training/quizzes/{id}/questions.csv", roles(trainer), s.handleQuizExport},
		{"GET /training/quizzes/{id}/import", roles(trainer), s.handleQuizImportForm},
		{"POST /training/quizzes/{id}/import", roles(trainer), s.handleQuizImport},
		{"GET /training/attempts/{id}", roles(agent, trainer, auditor, admin), s.handleAttemptView},
		{"POST /training/attempts/{id}/answers", roles(agent), s.handleAttemptSubmit},
		{"POST /training/attempts/{id}/certify", roles(trainer), s.handleCertificationCreate},
		{"POST /training/attempts/{id}/decline", roles(trainer), s.handleCertificationDecline},
		{"POST /certifications/{id}/revoke", roles(trainer), s.handleCertificationRevoke},
		{"POST /suspensions/{id}/lift", roles(auditor, trainer, admin), s.handleSuspensionLift},
		{"GET /authority", roles(agent, trainer, auditor, admin), s.handleAuthorityView},
		{"GET /authority/{username}", roles(agent, trainer, auditor, admin), s.handleAuthorityPerson},
	}
}

// handleTrainingHome shows trainers their quizzes and the certification queue, and agents the
// quizzes open to them with their authority.
func (s *Server) handleTrainingHome(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	d := views.TrainingData{}
	var err error
	if d.Quizzes, err = s.Training.Quizzes(ctx, u); err != nil {
		s.fail(w, r, err)
		return
	}
	if u.Has(accounts.RoleTrainer) {
		if d.Queue, err = s.Training.Queue(ctx, u); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if u.Has(accounts.RoleAgent) {
		o, err := s.Training.Overview(ctx, u, u.Username)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Mine = o
		d.Authority = map[string]training.Authority{}
		for _, row := range o.Rows {
			d.Authority[row.RequestType] = row.Authority
		}
	}
	s.render(w, r, http.StatusOK, views.Training(s.page(r, "Training"), d))
}
