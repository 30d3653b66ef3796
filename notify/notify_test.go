package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"attest"
	"attest/accounts/accountstest"
	"attest/database/databasetest"
	"attest/kb"
	"attest/kb/kbtest"
	"attest/outbox"
)

// mailbox is a real SMTP server in the test process (go-smtp's server side).
type mailbox struct {
	mu   sync.Mutex
	msgs []letter
	addr string
}

type letter struct {
	to   []string
	data string
}

type mailSession struct {
	box *mailbox
	to  []string
}

func (b *mailbox) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &mailSession{box: b}, nil }
func (s *mailSession) Reset()                                      { s.to = nil }
func (s *mailSession) Logout() error                               { return nil }
func (s *mailSession) Mail(string, *gosmtp.MailOptions) error      { return nil }
func (s *mailSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, letter{to: s.to, data: string(b)})
	s.box.mu.Unlock()
	return nil
}

func (b *mailbox) all() []letter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]letter(nil), b.msgs...)
}

func newMailbox(t testing.TB) *mailbox {
	t.Helper()
	b := &mailbox{}
	srv := gosmtp.NewServer(b)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return b
}

// receiver is a real HTTP receiver: it verifies each signature, fails the first failFirst
// posts on purpose and counts posts per delivery id.
type receiver struct {
	mu        sync.Mutex
	secret    string
	failFirst int
	failAll   bool
	bodies    []Body
	byID      map[string]int
	badSig    int
	srv       *httptest.Server
}

// Body is a webhook POST as a receiver reads it.
type Body struct {
	ID    string          `json:"id"`
	Event string          `json:"event"`
	At    string          `json:"at"`
	Data  json.RawMessage `json:"data"`
}

func newReceiver(t testing.TB, secret string) *receiver {
	rc := &receiver{secret: secret, byID: map[string]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err := Verify(r.Header.Get("Attest-Signature"), rc.secret, body, time.Now(), 5*time.Minute); err != nil {
			rc.badSig++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var b Body
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.bodies = append(rc.bodies, b)
		rc.byID[b.ID]++
		if rc.failAll || rc.failFirst > 0 {
			rc.failFirst--
			http.Error(w, "down on purpose", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) posts() []Body {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Body(nil), rc.bodies...)
}

const secret = "whsec-test-0123456789"

type fixture struct {
	org   *accountstest.Org
	kb    *kb.Store
	store *Store
	now   time.Time
	box   *mailbox
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	outbox.SetEmail(true)
	org := accountstest.NewOrg(t)
	f := &fixture{org: org, kb: kbtest.NewStore(org), store: NewStore(org.DB), now: time.Now(), box: newMailbox(t)}
	for _, u := range []string{"km1", "km2", "alice", "gina", "trainer"} {
		if _, err := org.DB.Write.Exec(`UPDATE users SET email = ? WHERE username = ?`, u+"@example.test", u); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) worker(t testing.TB) *Worker {
	t.Helper()
	w, err := NewWorker(f.org.DB, Config{SMTP: "smtp://" + f.box.addr, From: "attest@example.test", BaseURL: "http://attest.test",
		Now: func() time.Time {
			// The test's clock, never behind the real one (rows are created at the real time).
			if n := time.Now(); n.After(f.now) {
				return n
			}
			return f.now
		}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) hook(t testing.TB, supplier, url string, events ...string) int64 {
	t.Helper()
	id, err := f.store.RegisterWebhook(context.Background(), f.org.User(t, "admin"), WebhookInput{Supplier: supplier, URL: url, Secret: secret, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) count(t testing.TB, where string) int {
	t.Helper()
	var n int
	if err := f.org.DB.Read.QueryRow(`SELECT COUNT(*) FROM outbox WHERE ` + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func step(t testing.TB, w *Worker) int {
	t.Helper()
	n, err := w.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOutboxInChangeTransaction: the outbox rows are written in the change's transaction: a
// change that rolls back (here a retirement whose journal entry fails) leaves none, and the
// same change committed is delivered by e-mail and webhook through real servers.
func TestOutboxInChangeTransaction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rc := newReceiver(t, secret)
	f.hook(t, "acme", rc.srv.URL, outbox.ArticleWithdrawn)
	id := kbtest.Publish(t, f.org, f.kb, "Reset a password", "Steps.", "password-reset")
	if err := f.kb.Watch(ctx, f.org.User(t, "km2"), id); err != nil {
		t.Fatal(err)
	}
	before := f.count(t, "1=1")
	failRetire := []string{`CREATE TEMP TRIGGER fail_retire BEFORE INSERT ON journal WHEN NEW.action = 'article.retire_request'
		BEGIN SELECT RAISE(ABORT, 'the change fails after its notices'); END`}
	if databasetest.Postgres() {
		failRetire = []string{`CREATE FUNCTION fail_retire() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'the change fails after its notices'; END $$`,
			`CREATE TRIGGER fail_retire BEFORE INSERT ON journal FOR EACH ROW
			WHEN (NEW.action = 'article.retire_request') EXECUTE FUNCTION fail_retire()`}
	}
	for _, q := range failRetire {
		if _, err := f.org.DB.Write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.kb.Retire(ctx, f.org.User(t, "km1"), id, "obsolete"); err == nil {
		t.Fatal("retire succeeded despite the failing journal")
	}
	if n := f.count(t, "1=1"); n != before {
		t.Fatalf("a rolled-back change left %d outbox rows", n-before)
	}
	databasetest.DropTrigger(t, f.org.DB, "fail_retire", "journal")
	if err := f.kb.Retire(ctx, f.org.User(t, "km1"), id, "obsolete"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, "event = 'article.withdrawn'"); n != 1 {
		t.Fatalf("committed retirement: %d webhook rows, want 1", n)
	}
	if n := f.count(t, "channel = 'email' AND user_id = (SELECT id FROM users WHERE username = 'km2') AND payload LIKE '%retire%'"); n != 1 {
		t.Fatalf("committed retirement: %d e-mails to the watcher, want 1", n)
	}
	step(t, f.worker(t))
	if p := rc.posts(); len(p) != 1 || p[0].Event != outbox.ArticleWithdrawn {
		t.Fatalf("receiver got %+v", p)
	}
	var got bool
	for _, m := range f.box.all() {
		if len(m.to) == 1 && m.to[0] == "km2@example.test" && strings.Contains(m.data, "asked to retire") {
			got = true
			if !strings.Contains(m.data, "text/plain") || !strings.Contains(m.data, "text/html") ||
				!strings.Contains(m.data, "http://attest.test/articles/") {
				t.Errorf("e-mail lacks a part or the link:\n%s", m.data)
			}
		}
	}
	if !got {
		t.Fatalf("no retirement e-mail to km2 among %d", len(f.box.all()))
	}
}

// TestNoEmailWithoutSMTP: without a mail server no e-mail row is queued at all.
func TestNoEmailWithoutSMTP(t *testing.T) {
	f := newFixture(t)
	outbox.SetEmail(false)
	t.Cleanup(func() { outbox.SetEmail(true) })
	kbtest.Publish(t, f.org, f.kb, "Reset a password", "Steps.", "password-reset")
	if n := f.count(t, "channel = 'email'"); n != 0 {
		t.Fatalf("%d e-mails queued without SMTP", n)
	}
}

// TestReviewRequestEmailed: a version sent for review reaches the other knowledge managers
// by e-mail after the review grace; one decided within the grace is not e-mailed; someone who
// switched e-mail off gets none.
func TestReviewRequestEmailed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	km2 := f.org.User(t, "km2")
	v, err := f.kb.CreateArticle(ctx, f.org.User(t, "km1"), kb.NewArticle{Title: "Rotate the MFA seed", Body: "Steps.", RequestTypes: []string{"vpn-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.kb.Submit(ctx, f.org.User(t, "km1"), v.ArticleID, v.Number); err != nil {
		t.Fatal(err)
	}
	w := f.worker(t)
	step(t, w)
	if n := len(f.box.all()); n != 0 {
		t.Fatalf("%d mails before the review grace", n)
	}
	f.now = time.Now().Add(outbox.ReviewGrace + time.Second)
	step(t, w)
	ms := f.box.all()
	if len(ms) != 1 || ms[0].to[0] != "km2@example.test" || !strings.Contains(ms[0].data, "Rotate the MFA seed") ||
		!strings.Contains(ms[0].data, "http://attest.test/articles/") {
		t.Fatalf("mails: %+v", ms)
	}
	// Decided within the grace: dropped, never sent.
	kbtest.Publish(t, f.org, f.kb, "Approved at once", "Steps.")
	f.now = time.Now().Add(outbox.ReviewGrace + time.Second)
	step(t, w)
	for _, m := range f.box.all() {
		if m.to[0] == "km2@example.test" && strings.Contains(m.data, "Approved at once") {
			t.Fatalf("e-mailed a review request for a version approved meanwhile:\n%s", m.data)
		}
	}
	if err := f.store.SetSettings(ctx, km2, Settings{Email: false, Digest: "off"}); err != nil {
		t.Fatal(err)
	}
	v2, err := f.kb.CreateArticle(ctx, f.org.User(t, "km1"), kb.NewArticle{Title: "Second", Body: "Steps."})
	if err != nil {
		t.Fatal(err)
	}
	before := len(f.box.all())
	if _, err := f.kb.Submit(ctx, f.org.User(t, "km1"), v2.ArticleID, v2.Number); err != nil {
		t.Fatal(err)
	}
	f.now = time.Now().Add(outbox.ReviewGrace + time.Second)
	step(t, w)
	if n := len(f.box.all()); n != before {
		t.Fatalf("%d mails after km2 switched e-mail off, want %d", n, before)
	}
}

// TestCrashBetweenSendAndMark: a worker that dies after sending and before marking leaves
// the delivery claimed; once the lease ends another worker sends it once more, with the same
// id, and then never again.
func TestCrashBetweenSendAndMark(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, secret)
	f.hook(t, "acme", rc.srv.URL, outbox.ArticleApproved)
	kbtest.Publish(t, f.org, f.kb, "Reset a password", "Steps.", "password-reset")
	w1 := f.worker(t)
	w1.crash = func(channel string) bool { return channel == "webhook" }
	step(t, w1)
	if p := rc.posts(); len(p) != 1 {
		t.Fatalf("first worker sent %d", len(p))
	}
	w2 := f.worker(t)
	if n := step(t, w2); n != 0 {
		t.Fatalf("a restarted worker took a leased delivery at once (%d)", n)
	}
	f.now = f.now.Add(w2.cfg.Lease + time.Second)
	step(t, w2)
	f.now = f.now.Add(time.Hour)
	step(t, w2)
	p := rc.posts()
	if len(p) != 2 || p[0].ID != p[1].ID {
		t.Fatalf("after the crash: %d posts, ids %v; want 2 with one id", len(p), rc.byID)
	}
	if n := f.count(t, "state = 'delivered'"); n < 1 {
		t.Fatal("not marked delivered after the second send")
	}
}

// TestBackoffSchedule: a receiver that always fails is tried after 1, 2, 4 … minutes, and the
// delivery is marked failed once the next try would fall past 24 hours.
func TestBackoffSchedule(t *testing.T) {
	for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute} {
		if got := outbox.Backoff(i + 1); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, want)
		}
	}
	f := newFixture(t)
	rc := newReceiver(t, secret)
	rc.failAll = true
	hook := f.hook(t, "acme", rc.srv.URL, outbox.ArticleApproved)
	kbtest.Publish(t, f.org, f.kb, "Reset a password", "Steps.", "password-reset")
	w := f.worker(t)
	start := f.now
	var tries []time.Duration
	for f.now.Sub(start) < 30*time.Hour {
		if step(t, w) > 0 {
			tries = append(tries, f.now.Sub(start).Round(time.Minute))
		}
		ds, err := f.store.WebhookDeliveries(context.Background(), f.org.User(t, "admin"), hook, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].Status != Pending {
			break
		}
		f.now = *ds[0].NextAt
	}
	want := []time.Duration{0}
	for d := time.Minute; want[len(want)-1]+d <= 24*time.Hour; d *= 2 {
		want = append(want, want[len(want)-1]+d)
	}
	if len(tries) != len(want) {
		t.Fatalf("tries at %v, want %v", tries, want)
	}
	for i := range want {
		if tries[i] != want[i] {
			t.Fatalf("try %d at %v, want %v (all: %v)", i, tries[i], want[i], tries)
		}
	}
	ds, _ := f.store.WebhookDeliveries(context.Background(), f.org.User(t, "admin"), hook, 10, 0)
	if ds[0].Status != Failed || ds[0].Attempts != len(want) || !strings.Contains(ds[0].LastError, "503") || ds[0].NextAt != nil {
		t.Fatalf("after 24 h: %+v", ds[0])
	}
	if len(rc.byID) != 1 {
		t.Fatalf("retries changed the id: %v", rc.byID)
	}
	// A retry by hand sends it again, with its same id.
	rc.failAll = false
	if err := f.store.Retry(context.Background(), f.org.User(t, "admin"), hook, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	f.now = time.Now()
	step(t, w)
	if rc.byID[ds[0].ID] != len(want)+1 {
		t.Fatalf("manual retry: %v", rc.byID)
	}
}

// TestSignature: a receiver accepts the right secret and a fresh timestamp only.
func TestSignature(t *testing.T) {
	body := []byte(`{"id":"dlv_1","event":"article.approved"}`)
	now := time.Now()
	h := Sign(secret, now, body)
	tests := []struct {
		name, header, secret string
		body                 []byte
		ok                   bool
	}{
		{"right secret", h, secret, body, true},
		{"wrong secret", h, "another-secret-0123456789", body, false},
		{"changed body", h, secret, []byte(`{"id":"dlv_2"}`), false},
		{"old timestamp", Sign(secret, now.Add(-10*time.Minute), body), secret, body, false},
		{"future timestamp", Sign(secret, now.Add(10*time.Minute), body), secret, body, false},
		{"malformed", "v1=abc", secret, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.header, tt.secret, tt.body, now, 5*time.Minute)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify: %v, want ok=%v", err, tt.ok)
			}
		})
	}
	// The real receiver refuses a webhook registered with another secret.
	f := newFixture(t)
	rc := newReceiver(t, "not-the-registered-secret-123")
	f.hook(t, "acme", rc.srv.URL, outbox.ArticleApproved)
	kbtest.Publish(t, f.org, f.kb, "Reset a password", "Steps.", "password-reset")
	step(t, f.worker(t))
	if rc.badSig != 1 || len(rc.posts()) != 0 {
		t.Fatalf("receiver with a wrong secret: %d refused, %d accepted", rc.badSig, len(rc.posts()))
	}
}

// TestWebhookScope: a supplier's webhook carries only what an agent of that supplier may
// read: never an article for a type only another supplier fulfils; a certification goes to
// the person's own supplier only.
func TestWebhookScope(t *testing.T) {
	f := newFixture(t)
	acme, globex := newReceiver(t, secret), newReceiver(t, secret)
	f.hook(t, "acme", acme.srv.URL, outbox.ArticleApproved, outbox.NoticePublished)
	f.hook(t, "globex", globex.srv.URL, outbox.ArticleApproved, outbox.NoticePublished)
	kbtest.AddRequestType(t, f.org, "globex-only", 1, "globex")
	kbtest.Publish(t, f.org, f.kb, "Globex private runbook", "Steps.", "globex-only")
	kbtest.Publish(t, f.org, f.kb, "Acme VPN steps", "Steps.", "vpn-access")
	kbtest.Publish(t, f.org, f.kb, "For everyone", "Steps.")
	if _, err := f.kb.PublishNotice(context.Background(), f.org.User(t, "km1"), "globex-only",
		kb.NoticeInput{Title: "Globex tool down", Body: "Use the other one.", Until: time.Now().UTC().Format(time.DateOnly)}); err != nil {
		t.Fatal(err)
	}
	step(t, f.worker(t))
	titles := func(rc *receiver) string {
		var s []string
		for _, b := range rc.posts() {
			s = append(s, string(b.Data))
		}
		return strings.Join(s, "\n")
	}
	a, g := titles(acme), titles(globex)
	if strings.Contains(a, "Globex") || !strings.Contains(a, "Acme VPN steps") || !strings.Contains(a, "For everyone") {
		t.Errorf("acme received:\n%s", a)
	}
	if strings.Contains(g, "Acme VPN") || !strings.Contains(g, "Globex private runbook") || !strings.Contains(g, "Globex tool down") {
		t.Errorf("globex received:\n%s", g)
	}
}

// TestDigestOncePerDay: a person on a daily digest gets one e-mail per day listing what waits,
// however many workers (nodes) run and however often.
func TestDigestOncePerDay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	km2 := f.org.User(t, "km2")
	if err := f.store.SetSettings(ctx, km2, Settings{Email: false, Digest: "daily"}); err != nil {
		t.Fatal(err)
	}
	v, err := f.kb.CreateArticle(ctx, f.org.User(t, "km1"), kb.NewArticle{Title: "Waiting for review", Body: "Steps."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.kb.Submit(ctx, f.org.User(t, "km1"), v.ArticleID, v.Number); err != nil {
		t.Fatal(err)
	}
	nodes := []*Worker{f.worker(t), f.worker(t), f.worker(t)}
	var wg sync.WaitGroup
	for _, w := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := w.Digests(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, w := range nodes {
		step(t, w)
	}
	digests := func() []letter {
		var out []letter
		for _, m := range f.box.all() {
			if strings.Contains(m.data, "what waits for you") {
				out = append(out, m)
			}
		}
		return out
	}
	d := digests()
	if len(d) != 1 || d[0].to[0] != "km2@example.test" || !strings.Contains(d[0].data, "Waiting for review") {
		t.Fatalf("digests: %+v", d)
	}
	f.now = f.now.Add(24 * time.Hour)
	for _, w := range nodes {
		if _, err := w.Digests(ctx); err != nil {
			t.Fatal(err)
		}
		step(t, w)
	}
	if n := len(digests()); n != 2 {
		t.Fatalf("%d digests after the next day, want 2", n)
	}
}

// TestRegisterWebhookRefuses: only admins register; bad input is refused field by field.
func TestRegisterWebhookRefuses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.RegisterWebhook(ctx, f.org.User(t, "alice"), WebhookInput{}); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Fatalf("agent: %v", err)
	}
	_, err := f.store.RegisterWebhook(ctx, f.org.User(t, "admin"), WebhookInput{Supplier: "nope", URL: "file:///etc/passwd", Secret: "short", Events: []string{"x"}})
	for _, field := range []string{"supplier", "url", "secret", "events"} {
		var e *attest.Error
		if !errors.As(err, &e) || e.Fields[field] == "" {
			t.Errorf("no %s error in %v", field, err)
		}
	}
}

// TestExpiringOnce: a certification within its recertification window is announced once
// (e-mail and the person's supplier's webhook), however often and on however many nodes the
// check runs; one far from expiry is not.
func TestExpiringOnce(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, secret)
	f.hook(t, "acme", rc.srv.URL, outbox.CertificationExpiring)
	now := time.Now().UTC()
	for i, days := range []int{10, 200} {
		_, err := f.org.DB.Write.Exec(`
			INSERT INTO quizzes (id, request_type_id, title, pass_percent, validity_days, created_by, created_at, updated_at)
				SELECT ?, id, 'q', 50, 365, 1, ?, ? FROM request_types WHERE key = 'password-reset'`, i+1, now.Format(time.RFC3339), now.Format(time.RFC3339))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.org.DB.Write.Exec(`INSERT INTO attempts (id, quiz_id, user_id, started_at, pass_percent, validity_days, submitted_at, passed, decision)
			SELECT ?, ?, id, ?, 50, 365, ?, 1, 'certified' FROM users WHERE username = 'alice'`, i+1, i+1, now.Format(time.RFC3339), now.Format(time.RFC3339)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.org.DB.Write.Exec(`INSERT INTO certifications (user_id, request_type_id, attempt_id, basis_at, certified_by, certified_at, expires_at)
			SELECT u.id, rt.id, ?, ?, t.id, ?, ? FROM users u, users t, request_types rt
			WHERE u.username = 'alice' AND t.username = 'trainer' AND rt.key = ?`, i+1, now.Format(time.RFC3339), now.Format(time.RFC3339),
			now.AddDate(0, 0, days).Format("2006-01-02T15:04:05.000000000Z"), []string{"password-reset", "software-install"}[i]); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for range 2 {
		for _, w := range []*Worker{f.worker(t), f.worker(t)} {
			n, err := w.Expiring(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	if total != 1 {
		t.Fatalf("%d expiry events, want 1", total)
	}
	step(t, f.worker(t))
	if p := rc.posts(); len(p) != 1 || p[0].Event != outbox.CertificationExpiring || !strings.Contains(string(p[0].Data), "password-reset") {
		t.Fatalf("posts: %+v", p)
	}
	var mails int
	for _, m := range f.box.all() {
		if m.to[0] == "alice@example.test" && strings.Contains(m.data, "expires on") {
			mails++
		}
	}
	if mails != 1 {
		t.Fatalf("%d expiry e-mails to alice, want 1", mails)
	}
}
