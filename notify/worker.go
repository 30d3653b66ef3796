package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"attest/database"
	"attest/outbox"
)

// Config is how a worker delivers.
type Config struct {
	// SMTP is the mail server, smtp://user:pass@host:587 (STARTTLS when offered) or
	// smtps://host:465; "" : e-mail is off.
	SMTP string
	// From is the sender address of e-mails.
	From string
	// BaseURL makes links absolute: http://attest.example.
	BaseURL string
	// Timeout bounds one webhook POST (10 s) and one SMTP conversation (30 s).
	Timeout time.Duration
	// Lease is how long a claimed delivery is someone's before another worker may take it
	// again (after a crash between sending and marking): 2 min.
	Lease time.Duration
	// Poll is how often the worker looks for due deliveries (a read; it writes only to claim
	// one): 250 ms.
	Poll time.Duration
	// Now is the clock (tests move it).
	Now func() time.Time
	Log *slog.Logger
}

// Worker delivers due outbox rows. Any number of workers, in one or several processes, may
// run on one database: a row is claimed by moving its next_at past a lease in one UPDATE.
type Worker struct {
	db   *database.DB
	cfg  Config
	smtp *url.URL
	http *http.Client
	// crash, when set, is called after a delivery was sent and before it is marked: a test
	// returns true to stop there, as a process killed at that instant would.
	crash func(channel string) bool
}

// Check reports what is wrong with the SMTP server and sender, if anything.
func (cfg Config) Check() error {
	_, err := cfg.smtpURL()
	return err
}

func (cfg Config) smtpURL() (*url.URL, error) {
	if cfg.SMTP == "" {
		return nil, nil
	}
	u, err := url.Parse(cfg.SMTP)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("--smtp: want smtp://user:pass@host:587 or smtps://host:465")
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, errors.New("--mail-from: an e-mail address is required with --smtp")
	}
	return u, nil
}

// NewWorker returns a worker over db. Errors: see Config.Check.
func NewWorker(db *database.DB, cfg Config) (*Worker, error) {
	w := &Worker{db: db, cfg: cfg}
	u, err := cfg.smtpURL()
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	w.smtp = u
	if w.cfg.Timeout == 0 {
		w.cfg.Timeout = 10 * time.Second
	}
	if w.cfg.Lease == 0 {
		w.cfg.Lease = 2 * time.Minute
	}
	if w.cfg.Poll == 0 {
		w.cfg.Poll = 250 * time.Millisecond
	}
	if w.cfg.Now == nil {
		w.cfg.Now = time.Now
	}
	if w.cfg.Log == nil {
		w.cfg.Log = slog.New(slog.DiscardHandler)
	}
	w.cfg.BaseURL = strings.TrimRight(w.cfg.BaseURL, "/")
	w.http = &http.Client{Timeout: w.cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return w, nil
}

// EmailOn reports whether the worker has an SMTP server.
func (w *Worker) EmailOn() bool { return w.smtp != nil }

// Run delivers until ctx ends: due deliveries every Poll, digests and expiry events every minute.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	var lastDaily time.Time
	for {
		if w.cfg.Now().Sub(lastDaily) >= time.Minute {
			lastDaily = w.cfg.Now()
			if _, err := w.Expiring(ctx); err != nil && ctx.Err() == nil {
				w.cfg.Log.Error("certification expiry events", "err", err)
			}
			if _, err := w.Digests(ctx); err != nil && ctx.Err() == nil {
				w.cfg.Log.Error("digests", "err", err)
			}
		}
		if _, err := w.Step(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Log.Error("deliveries", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// claimed is a delivery a worker holds.
type claimed struct {
	row                 int64
	uid, channel, event string
	userID, webhookID   sql.NullInt64
	payload             string
	created             time.Time
	attempts            int
}

// claim takes one due delivery: its next_at moves past the lease, so no other worker takes
// it while this one sends; a worker that dies leaves it due again when the lease ends.
func (w *Worker) claim(ctx context.Context) (*claimed, error) {
	now := w.cfg.Now()
	// A read first: an idle worker never takes the write lock.
	var due bool
	if err := w.db.Read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending' AND next_at <= ?)`,
		database.Format(now)).Scan(&due); err != nil {
		return nil, fmt.Errorf("notify: due deliveries: %w", err)
	}
	if !due {
		return nil, nil
	}
	var c claimed
	var created string
	err := w.db.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE outbox SET next_at = ?, attempts = attempts + 1
			WHERE id = (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT 1)
			AND state = 'pending' AND next_at <= ?
			RETURNING id, uid, channel, event, user_id, webhook_id, payload, created_at, attempts`,
			database.Format(now.Add(w.cfg.Lease)), database.Format(now), database.Format(now)).
			Scan(&c.row, &c.uid, &c.channel, &c.event, &c.userID, &c.webhookID, &c.payload, &created, &c.attempts)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notify: claim: %w", err)
	}
	c.created, _ = database.Parse(created)
	return &c, nil
}

// Step delivers every delivery due now and returns how many it attempted.
func (w *Worker) Step(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		c, err := w.claim(ctx)
		if err != nil || c == nil {
			return n, err
		}
		n++
		sendErr := w.deliver(ctx, c)
		if w.crash != nil && w.crash(c.channel) {
			return n, nil
		}
		if err := w.mark(ctx, c, sendErr); err != nil {
			return n, err
		}
	}
	return n, ctx.Err()
}

// mark records the outcome: delivered, or the next try after the back-off, or failed once
// the next try would fall past 24 h from the delivery's creation.
func (w *Worker) mark(ctx context.Context, c *claimed, sendErr error) error {
	now := w.cfg.Now()
	return w.db.Tx(ctx, func(tx *sql.Tx) error {
		if sendErr == nil || errors.Is(sendErr, errDropped) {
			note := ""
			if sendErr != nil {
				note = sendErr.Error()
			}
			_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'delivered', delivered_at = ?, last_error = ? WHERE id = ?`,
				database.Format(now), note, c.row)
			return err
		}
		msg := sendErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		next := now.Add(outbox.Backoff(c.attempts))
		state := Pending
		if next.After(c.created.Add(outbox.GiveUpAfter)) {
			state = Failed
		}
		w.cfg.Log.Warn("delivery failed", "id", c.uid, "event", c.event, "attempts", c.attempts, "state", state, "err", msg)
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, next_at = ?, last_error = ? WHERE id = ?`,
			state, database.Format(next), msg, c.row)
		return err
	})
}

func (w *Worker) deliver(ctx context.Context, c *claimed) error {
	switch c.channel {
	case "webhook":
		return w.post(ctx, c)
	case "email":
		return w.mail(ctx, c)
	}
	return fmt.Errorf("unknown channel %q", c.channel)
}

// errDropped marks a delivery that is no longer worth sending (a review request for a
// version decided meanwhile): it is marked delivered with this note, never sent.
var errDropped = errors.New("not sent: the version was decided before the e-mail went out")

// Sign returns the Attest-Signature header value for body sent at t with secret.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks an Attest-Signature header against body and secret, refusing a timestamp
// more than tolerance away from now: what a receiver does (README).
func Verify(header, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, p := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("malformed Attest-Signature")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("timestamp too old or in the future")
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errors.New("signature does not match")
	}
	return nil
}

func (w *Worker) post(ctx context.Context, c *claimed) error {
	var target, secret string
	if err := w.db.Read.QueryRowContext(ctx, `SELECT url, secret FROM webhooks WHERE id = ?`, c.webhookID.Int64).Scan(&target, &secret); err != nil {
		return fmt.Errorf("webhook %d: %w", c.webhookID.Int64, err)
	}
	body := []byte(c.payload)
	rctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Attest-Webhook/1")
	req.Header.Set("Attest-Delivery", c.uid)
	req.Header.Set("Attest-Signature", Sign(secret, time.Now(), body))
	resp, err := w.http.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

var mailHTML = template.Must(template.New("mail").Parse(`<!doctype html><html><body style="font-family:sans-serif">
{{if .HTML}}{{.HTML}}{{else}}<p>{{.Text}}</p>{{end}}
<p><a href="{{.Link}}">Open it in Attest</a></p>
<p style="color:#666;font-size:small">You receive this because of your notification settings in Attest: <a href="{{.Settings}}">change them</a>.</p>
</body></html>`))

func (w *Worker) mail(ctx context.Context, c *claimed) error {
	if w.smtp == nil {
		return errors.New("e-mail is off: no --smtp server")
	}
	var to string
	if err := w.db.Read.QueryRowContext(ctx, `SELECT email FROM users WHERE id = ?`, c.userID.Int64).Scan(&to); err != nil {
		return fmt.Errorf("recipient %d: %w", c.userID.Int64, err)
	}
	if to == "" {
		return errors.New("the person has no e-mail address")
	}
	var m outbox.Mail
	if err := json.Unmarshal([]byte(c.payload), &m); err != nil {
		return err
	}
	if m.WhileInReview != 0 {
		var status string
		if err := w.db.Read.QueryRowContext(ctx, `SELECT status FROM versions WHERE id = ?`, m.WhileInReview).Scan(&status); err != nil || status != "in_review" {
			return errDropped
		}
	}
	msg, err := w.message(c.uid, to, m)
	if err != nil {
		return err
	}
	return w.sendSMTP(ctx, to, msg)
}

// message builds a multipart/alternative e-mail: plain text and HTML, with a link.
func (w *Worker) message(uid, to string, m outbox.Mail) ([]byte, error) {
	link := w.cfg.BaseURL + m.Link
	var buf bytes.Buffer
	mp := multipart.NewWriter(&buf)
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", w.cfg.From)
	h("To", to)
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", w.cfg.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+uid+"@attest>")
	h("X-Attest-Delivery", uid)
	h("MIME-Version", "1.0")
	h("Content-Type", "multipart/alternative; boundary="+mp.Boundary())
	buf.WriteString("\r\n")
	part := func(ctype string, write func(io.Writer) error) error {
		pw, err := mp.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype + "; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return err
		}
		q := quotedprintable.NewWriter(pw)
		if err := write(q); err != nil {
			return err
		}
		return q.Close()
	}
	if err := part("text/plain", func(o io.Writer) error {
		_, err := fmt.Fprintf(o, "%s\r\n\r\nOpen it in Attest: %s\r\n\r\n-- \r\nChange what Attest e-mails you: %s/settings/notifications\r\n",
			m.Text, link, w.cfg.BaseURL)
		return err
	}); err != nil {
		return nil, err
	}
	if err := part("text/html", func(o io.Writer) error {
		return mailHTML.Execute(o, map[string]any{"Text": m.Text, "HTML": template.HTML(m.HTML), "Link": link,
			"Settings": w.cfg.BaseURL + "/settings/notifications"})
	}); err != nil {
		return nil, err
	}
	if err := mp.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sendSMTP sends msg to one address: STARTTLS when the server offers it, AUTH PLAIN when the
// URL carries a user (net/smtp refuses it without TLS, except to localhost).
func (w *Worker) sendSMTP(ctx context.Context, to string, msg []byte) error {
	u := w.smtp
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"smtp": "587", "smtps": "465"}[u.Scheme]
	}
	d := net.Dialer{Timeout: w.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	if u.Scheme == "smtps" {
		conn = tls.Client(conn, &tls.Config{ServerName: host})
	}
	conn.SetDeadline(time.Now().Add(3 * w.cfg.Timeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("attest"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && u.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), pass, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(w.cfg.From); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write(msg); err != nil {
		return err
	}
	if err := wc.Close(); err != nil {
		return err
	}
	return c.Quit()
}
