package handlers

import (
	"fmt"
	"io"
	"net/http"

	"github.com/a-h/templ"

	"attest"
	"attest/training"
	"attest/views"
)

// handleQuizPreview draws a paper from the quiz's bank as an agent would get it, for the
// trainer to see; nothing is recorded.
func (s *Server) handleQuizPreview(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Training.Preview(r.Context(), actor(r), id)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/training"})
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, p)
		return
	}
	s.render(w, r, http.StatusOK, views.QuizPreview(s.page(r, "Preview: "+p.QuizTitle), *p))
}

// handleQuizExport answers the quiz's question bank as CSV (the format ImportQuestions reads).
func (s *Server) handleQuizExport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.Training.ExportQuestions(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeCSV(w, r, fmt.Sprintf("quiz-%d-questions.csv", id), rows)
}

// handleQuizImportForm shows the import page: the file format, a file field and a text box.
func (s *Server) handleQuizImportForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderQuizImport(w, r, http.StatusOK, id, views.Form{})
}

func (s *Server) renderQuizImport(w http.ResponseWriter, r *http.Request, st int, id int64, f views.Form) {
	z, err := s.Training.Quiz(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, st, views.QuizImport(s.page(r, "Import questions: "+z.Title), *z, f))
}

// handleQuizImport adds the questions of a question bank CSV to the quiz: the API takes
// {"csv": "..."}; the page a file ("file") or pasted text ("csv").
func (s *Server) handleQuizImport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var data []byte
	if isAPI(r) {
		var in struct {
			CSV *string `json:"csv"`
		}
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.CSV == nil {
			s.fail(w, r, attest.FieldError(map[string]string{"csv": "required: the question bank CSV as text"}))
			return
		}
		data = []byte(*in.CSV)
	} else {
		if file, _, err := r.FormFile("file"); err == nil {
			data, err = io.ReadAll(io.LimitReader(file, maxBody))
			file.Close()
			if err != nil {
				s.fail(w, r, attest.Errorf(attest.EBADREQ, "The file could not be read."))
				return
			}
		}
		if len(data) == 0 {
			data = []byte(r.FormValue("csv"))
		}
	}
	back := backTo{Form: func(f views.Form) (templ.Component, error) {
		z, err := s.Training.Quiz(r.Context(), actor(r), id)
		if err != nil {
			return nil, err
		}
		return views.QuizImport(s.page(r, "Import questions: "+z.Title), *z, f), nil
	}}
	rows, err := readCSV(data)
	if err != nil {
		s.refuse(w, r, err, back)
		return
	}
	z, n, err := s.Training.ImportQuestions(r.Context(), actor(r), id, rows)
	if err != nil {
		s.refuse(w, r, err, back)
		return
	}
	s.done(w, r, http.StatusOK, struct {
		Added int            `json:"added"`
		Quiz  *training.Quiz `json:"quiz"`
	}{n, z}, fmt.Sprintf("%d questions imported into “%s”; the bank now has %d.", n, z.Title, len(z.Questions)), fmt.Sprintf("/training/quizzes/%d/edit", id))
}
