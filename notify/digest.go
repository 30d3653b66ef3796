package notify

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"strings"
	"time"

	"attest/database"
	"attest/outbox"
	"attest/training"
)

// Digest is what waits for a person, as their daily e-mail lists it.
type Digest struct {
	Reviews  []string // versions waiting for their review: "“Title” version N"
	SignOffs int      // passed attempts waiting for a trainer's decision
	Findings []string // findings they own that are due within a week or overdue
	Audits   []string // audits assessed throughout that wait for this auditor's sign-off
	Expiring []string // their certifications expiring within the recertification window
}

// Empty reports whether nothing waits.
func (d Digest) Empty() bool {
	return len(d.Reviews) == 0 && d.SignOffs == 0 && len(d.Findings) == 0 && len(d.Expiring) == 0 && len(d.Audits) == 0
}

// digestOf collects what waits for user id on day (YYYY-MM-DD). Everything in it is the
// person's own work or, for reviews, a version knowledge managers may read.
func digestOf(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (Digest, error) {
	var d Digest
	strs := func(q string, args ...any) ([]string, error) {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, rows.Err()
	}
	var err error
	if d.Reviews, err = strs(`SELECT '“' || v.title || '” version ' || v.number FROM versions v
		JOIN articles a ON a.id = v.article_id AND a.status = 'active'
		WHERE v.status = 'in_review' AND v.author_id != ?
		AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = ? AND r.role = 'knowledge_manager')
		AND NOT EXISTS (SELECT 1 FROM approvals p WHERE p.version_id = v.id AND p.approver_id = ?)
		ORDER BY v.submitted_at LIMIT 50`, id, id, id); err != nil {
		return d, fmt.Errorf("notify: digest reviews: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM attempts a WHERE a.passed = 1 AND a.decision IS NULL
		AND a.submitted_at IS NOT NULL AND a.user_id != ?
		AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = ? AND r.role = 'trainer')`, id, id).Scan(&d.SignOffs); err != nil {
		return d, fmt.Errorf("notify: digest sign-offs: %w", err)
	}
	week := now.AddDate(0, 0, 7).Format(time.DateOnly)
	if d.Findings, err = strs(`SELECT 'Finding #' || f.id || ' (' || f.severity || '), due ' || f.due FROM audit_findings f
		WHERE f.owner_id = ? AND f.status = 'open' AND f.due <= ? ORDER BY f.due, f.id LIMIT 50`, id, week); err != nil {
		return d, fmt.Errorf("notify: digest findings: %w", err)
	}
	if d.Audits, err = strs(`SELECT 'Audit ' || a.quarter || ' (#' || a.id || ')' FROM audits a
		WHERE a.status != 'signed_off'
		AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = ? AND r.role = 'auditor')
		AND EXISTS (SELECT 1 FROM audit_items i WHERE i.audit_id = a.id)
		AND NOT EXISTS (SELECT 1 FROM audit_items i WHERE i.audit_id = a.id AND NOT EXISTS (SELECT 1 FROM audit_assessments s WHERE s.item_id = i.id))
		AND NOT (a.needs_reviewer = 1 AND EXISTS (SELECT 1 FROM audit_assessments s JOIN audit_items i ON i.id = s.item_id
			WHERE i.audit_id = a.id AND s.assessed_by = ?))
		ORDER BY a.id`, id, id); err != nil {
		return d, fmt.Errorf("notify: digest audits: %w", err)
	}
	if d.Expiring, err = strs(`SELECT rt.name || ' on ' || substr(c.expires_at, 1, 10) FROM certifications c
		JOIN request_types rt ON rt.id = c.request_type_id
		WHERE c.user_id = ? AND c.revoked_at IS NULL AND c.expires_at > ? AND c.expires_at <= ?
		AND NOT EXISTS (SELECT 1 FROM certifications n WHERE n.user_id = c.user_id AND n.request_type_id = c.request_type_id AND n.id > c.id)
		ORDER BY c.expires_at`, id, database.Format(now), database.Format(now.Add(training.RecertificationWindow))); err != nil {
		return d, fmt.Errorf("notify: digest expiring: %w", err)
	}
	return d, nil
}

// mail is the digest as an e-mail.
func (d Digest) mail(day string) outbox.Mail {
	var t, h strings.Builder
	section := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&t, "%s:\n", title)
		fmt.Fprintf(&h, "<h3>%s</h3><ul>", html.EscapeString(title))
		for _, it := range items {
			fmt.Fprintf(&t, "  - %s\n", it)
			fmt.Fprintf(&h, "<li>%s</li>", html.EscapeString(it))
		}
		t.WriteString("\n")
		h.WriteString("</ul>")
	}
	section("Versions waiting for your review", d.Reviews)
	if d.SignOffs > 0 {
		section("Certifications to sign off", []string{fmt.Sprintf("%d passed attempt(s) wait for a trainer's decision", d.SignOffs)})
	}
	section("Findings you own that are due", d.Findings)
	section("Audits to sign off", d.Audits)
	section("Your authority that expires soon", d.Expiring)
	return outbox.Mail{Subject: "Attest: what waits for you on " + day, Text: strings.TrimSpace(t.String()), HTML: h.String(), Link: "/"}
}

// Digests queues today's digest for each person who asked for one and has an address, once
// per person per day: the (user, day) row is claimed in the transaction that queues the
// e-mail, so other nodes and restarts skip it. Without SMTP nothing is queued. It returns
// how many digests it queued.
func (w *Worker) Digests(ctx context.Context) (int, error) {
	if w.smtp == nil {
		return 0, nil
	}
	now := w.cfg.Now().UTC()
	day := now.Format(time.DateOnly)
	rows, err := w.db.Read.QueryContext(ctx, `SELECT u.id FROM users u JOIN notify_settings s ON s.user_id = u.id
		WHERE s.digest = 'daily' AND u.email != '' AND u.disabled_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM digests d WHERE d.user_id = u.id AND d.day = ?) ORDER BY u.id`, day)
	if err != nil {
		return 0, fmt.Errorf("notify: digests: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("notify: digests: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("notify: digests: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := w.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO digests (user_id, day, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				id, day, database.Format(now))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // another node or an earlier run has it
			}
			d, err := digestOf(ctx, tx, id, now)
			if err != nil || d.Empty() {
				return err
			}
			n++
			return outbox.QueueEmail(ctx, tx, id, "digest", d.mail(day))
		})
		if err != nil {
			return n, fmt.Errorf("notify: digest of %d: %w", id, err)
		}
	}
	return n, nil
}

// Expiring queues certification.expiring, once per certification, for each certification
// that expires within the recertification window and has not been renewed or revoked.
func (w *Worker) Expiring(ctx context.Context) (int, error) {
	now := w.cfg.Now().UTC()
	type cert struct {
		id, user     int64
		username, rt string
		expires      string
	}
	rows, err := w.db.Read.QueryContext(ctx, `SELECT c.id, c.user_id, u.username, rt.key, c.expires_at FROM certifications c
		JOIN users u ON u.id = c.user_id JOIN request_types rt ON rt.id = c.request_type_id
		WHERE c.revoked_at IS NULL AND c.expires_at > ? AND c.expires_at <= ?
		AND NOT EXISTS (SELECT 1 FROM certifications n WHERE n.user_id = c.user_id AND n.request_type_id = c.request_type_id AND n.id > c.id)
		AND NOT EXISTS (SELECT 1 FROM certification_expiry_events e WHERE e.certification_id = c.id) ORDER BY c.id`,
		database.Format(now), database.Format(now.Add(training.RecertificationWindow)))
	if err != nil {
		return 0, fmt.Errorf("notify: expiring certifications: %w", err)
	}
	var certs []cert
	for rows.Next() {
		var c cert
		if err := rows.Scan(&c.id, &c.user, &c.username, &c.rt, &c.expires); err != nil {
			rows.Close()
			return 0, fmt.Errorf("notify: expiring certifications: %w", err)
		}
		certs = append(certs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("notify: expiring certifications: %w", err)
	}
	n := 0
	for _, c := range certs {
		err := w.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO certification_expiry_events (certification_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				c.id, database.Format(now))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			exp, _ := database.Parse(c.expires)
			return outbox.AboutPerson(ctx, tx, c.user, outbox.CertificationExpiring, outbox.Mail{
				Subject: fmt.Sprintf("Your certification for %s expires on %s", c.rt, exp.Format(time.DateOnly)),
				Text:    fmt.Sprintf("Your certification for %s expires on %s: take the quiz again to keep your authority.", c.rt, exp.Format(time.DateOnly)),
				Link:    "/training"},
				map[string]any{"certification": c.id, "username": c.username, "request_type": c.rt, "expires_at": exp.UTC().Format(time.RFC3339)})
		})
		if err != nil {
			return n, fmt.Errorf("notify: expiry of certification %d: %w", c.id, err)
		}
	}
	return n, nil
}
