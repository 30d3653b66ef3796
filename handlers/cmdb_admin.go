package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"attest"
	"attest/accounts"
	"attest/cmdb"
	"attest/views"
)

// handleCMDBQuotaSet sets a supplier's CMDB lookups per agent per day.
func (s *Server) handleCMDBQuotaSet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PerDay *int `json:"per_day"`
	}
	supplier := r.PathValue("key")
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		supplier = r.PostFormValue("supplier")
		if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("per_day"))); err == nil {
			in.PerDay = &n
		}
	}
	if in.PerDay == nil {
		s.refuse(w, r, attest.FieldError(map[string]string{"per_day": "required: a whole number of lookups per agent per day"}),
			backTo{URL: "/cmdb/admin", Note: "Quota not changed: "})
		return
	}
	if err := s.CMDB.SetQuota(r.Context(), actor(r), supplier, *in.PerDay); err != nil {
		s.refuse(w, r, err, backTo{URL: "/cmdb/admin", Note: "Quota not changed: "})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"supplier": supplier, "per_day": *in.PerDay},
		fmt.Sprintf("%s: %d CMDB lookups per agent per day.", supplier, *in.PerDay), "/cmdb/admin")
}

// cmdbImports are the imports started from the admin page, by id, so the page can show
// their progress. They live as long as the process (a few per day at most).
var cmdbImports struct {
	mu   sync.Mutex
	next int64
	jobs map[int64]*views.CMDBImportJob
}

var cmdbImportRunning atomic.Bool

// handleCMDBImport starts an import of the uploaded file (CSV or JSON Lines) and shows its
// progress; the work runs in the background so that a large file does not hold the request.
func (s *Server) handleCMDBImport(w http.ResponseWriter, r *http.Request) {
	u := actor(r)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.refuse(w, r, attest.FieldError(map[string]string{"file": "choose a CSV or JSON Lines file to import"}), backTo{URL: "/cmdb/admin"})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		s.fail(w, r, attest.Errorf(attest.EBADREQ, "Could not read the file."))
		return
	}
	lines, err := cmdb.ReadFile(bytes.NewReader(data))
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/cmdb/admin", Note: hdr.Filename + ": "})
		return
	}
	if !cmdbImportRunning.CompareAndSwap(false, true) {
		s.refuse(w, r, attest.Errorf(attest.ECONFLICT, "An import is running already; wait until it has finished."), backTo{URL: "/cmdb/admin"})
		return
	}
	cmdbImports.mu.Lock()
	if cmdbImports.jobs == nil {
		cmdbImports.jobs = map[int64]*views.CMDBImportJob{}
	}
	cmdbImports.next++
	id := cmdbImports.next
	job := &views.CMDBImportJob{ID: id, File: hdr.Filename, Total: len(lines), Full: r.PostFormValue("full") == "on"}
	cmdbImports.jobs[id] = job
	cmdbImports.mu.Unlock()
	go s.runCMDBImport(u, job, lines)
	http.Redirect(w, r, "/cmdb/admin?import="+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) runCMDBImport(u *accounts.User, job *views.CMDBImportJob, lines []cmdb.Line) {
	defer cmdbImportRunning.Store(false)
	rep, err := s.CMDB.Import(context.Background(), u, lines, cmdb.ImportOptions{Full: job.Full, Progress: func(done, total int) {
		cmdbImports.mu.Lock()
		job.Done = done
		cmdbImports.mu.Unlock()
	}})
	cmdbImports.mu.Lock()
	defer cmdbImports.mu.Unlock()
	job.Finished = true
	if err != nil {
		job.Error = attest.ErrorMessage(err)
		if attest.ErrorCode(err) == attest.EINTERNAL {
			s.log.Error("cmdb import", "file", job.File, "err", err)
		}
	}
	if rep != nil {
		job.Report = *rep
	}
}

func cmdbImportJob(id int64) *views.CMDBImportJob {
	cmdbImports.mu.Lock()
	defer cmdbImports.mu.Unlock()
	if j, ok := cmdbImports.jobs[id]; ok {
		c := *j
		return &c
	}
	return nil
}

// handleCMDBImportStatus answers the progress fragment the admin page polls.
func (s *Server) handleCMDBImportStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	job := cmdbImportJob(id)
	if job == nil {
		s.fail(w, r, attest.Errorf(attest.ENOTFOUND, "No such import."))
		return
	}
	s.render(w, r, http.StatusOK, views.CMDBImportProgress(*job))
}

// handleCMDBAdmin is the CMDB administration page: import, quotas, the CMDB agreement.
func (s *Server) handleCMDBAdmin(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	v := views.CMDBAdminView{}
	var err error
	if v.Quotas, err = s.CMDB.Quotas(ctx, u); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Agreement, err = s.CMDB.CurrentAgreement(ctx, u)
	if err != nil && attest.ErrorCode(err) != attest.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	if id, perr := strconv.ParseInt(r.URL.Query().Get("import"), 10, 64); perr == nil {
		v.Import = cmdbImportJob(id)
	}
	s.render(w, r, http.StatusOK, views.CMDBAdmin(s.page(r, "CMDB administration"), v))
}
