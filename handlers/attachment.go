package handlers

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"attest"
	"attest/kb"
)

func (s *Server) attachmentRoutes() []route {
	return []route{
		// The API (API.md, Attachments). Pages upload through POST /attachments with the
		// session and its CSRF header; the answer is the same JSON.
		{"POST /api/v1/attachments", roles(agent, km, auditor), s.handleAttachmentUpload},
		{"POST /attachments", roles(agent, km, auditor), s.handleAttachmentUpload},
		{"GET /attachments/{sha256}/{name}", signedIn, s.handleAttachmentView},
	}
}

// uploadBody is the body limit of upload routes: a 10 MiB file and its multipart framing.
// Every other route keeps maxBody.
const uploadBody = kb.MaxAttachment + 64<<10

// bodyLimit is the largest request body route rt accepts from r's caller. Upload routes take
// a file from who may call them; anyone else is held to maxBody, so that a caller who will be
// refused cannot make the server buffer 10 MiB.
func (s *Server) bodyLimit(rt route, r *http.Request) int64 {
	switch rt.pattern {
	case "POST /api/v1/attachments", "POST /attachments":
		if u, err := s.authenticate(r); err == nil && u != nil && rt.access.allows(u) {
			return uploadBody
		}
	}
	return maxBody
}

// bearerOnAttachment reports whether r reads an attachment with a bearer token: API clients
// read the URLs that uploads answer with.
func bearerOnAttachment(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/attachments/") && !unsafeMethod(r.Method) &&
		r.Header.Get("Authorization") != ""
}

// AttachmentJSON is an attachment in the API.
type AttachmentJSON struct {
	ID          int64  `json:"id"`
	SHA256      string `json:"sha256"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

func (s *Server) handleAttachmentUpload(w http.ResponseWriter, r *http.Request) {
	name, data, err := uploadedFile(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.KB.Upload(r.Context(), actor(r), name, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, AttachmentJSON{ID: a.ID, SHA256: a.SHA256, Name: a.Name,
		ContentType: a.ContentType, Size: a.Size, URL: a.URL()})
}

// uploadedFile reads the multipart field "file" of r: its name and content.
// Errors: EBADREQ (not multipart, malformed, no file), ETOOLARGE.
func uploadedFile(r *http.Request) (string, []byte, error) {
	wrong := attest.Errorf(attest.EBADREQ, `Send the file as multipart/form-data, in the field "file".`)
	if r.MultipartForm != nil { // already parsed (a form that sent its CSRF token as a field)
		fhs := r.MultipartForm.File["file"]
		if len(fhs) == 0 {
			return "", nil, wrong
		}
		f, err := fhs[0].Open()
		if err != nil {
			return "", nil, wrong
		}
		defer f.Close()
		return readFile(fhs[0].Filename, f)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, wrong
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, wrong
		}
		if err != nil {
			return "", nil, attest.Errorf(attest.EBADREQ, "The multipart body is malformed: %s.", strings.TrimPrefix(err.Error(), "multipart: "))
		}
		if part.FormName() != "file" {
			continue
		}
		if part.FileName() == "" {
			return "", nil, attest.Errorf(attest.EBADREQ, `The field "file" must carry a file with its file name.`)
		}
		return readFile(part.FileName(), part)
	}
}

func readFile(name string, f io.Reader) (string, []byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, kb.MaxAttachment+1))
	if err != nil {
		return "", nil, attest.Errorf(attest.EBADREQ, "The multipart body is malformed.")
	}
	if len(data) > kb.MaxAttachment {
		return "", nil, attest.Errorf(attest.ETOOLARGE, "The file is larger than 10 MiB.")
	}
	return name, data, nil
}

var attachmentName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

// handleAttachmentView serves an attachment inert: the type it was recognised as, never
// sniffed, in a sandbox without script; anything but an image as a download.
func (s *Server) handleAttachmentView(w http.ResponseWriter, r *http.Request) {
	sum, name := r.PathValue("sha256"), r.PathValue("name")
	if !attachmentName.MatchString(name) {
		s.fail(w, r, attest.Errorf(attest.ENOTFOUND, "No attachment that you can read is at this address."))
		return
	}
	a, err := s.KB.Attachment(r.Context(), actor(r), sum)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	disposition := "attachment"
	if a.IsImage() {
		disposition = "inline"
	}
	h.Set("Content-Disposition", disposition+`; filename="`+a.DownloadName(name)+`"`)
	// The content never changes, but who may read it can: browsers ask again each time.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+a.SHA256+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.Data))
}
