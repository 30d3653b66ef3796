package cmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"attest/accounts"
	"attest/database"
)

// Outcomes of an agent's call, as the access log records them.
const (
	OutcomeShown             = "shown"
	OutcomeNotFound          = "not_found"
	OutcomeAgreementRequired = "agreement_required"
	OutcomeQuotaExceeded     = "quota_exceeded"
	OutcomeInvalid           = "invalid"
)

// Outcomes lists every outcome, in the order pages offer them as filters.
var Outcomes = []string{OutcomeShown, OutcomeNotFound, OutcomeAgreementRequired, OutcomeQuotaExceeded, OutcomeInvalid}

// accessRow is one record of the access log, waiting to be written.
type accessRow struct {
	at         time.Time
	userID     int64
	username   string
	supplier   string
	supplierID int64
	kind       string // item or search
	key        string
	version    int
	query      string
	ticketRef  string
	outcome    string
}

// counts reports whether the call uses up one of the day's lookups: a read or a search that
// got past the ticket and agreement checks.
func (r *accessRow) counts() bool { return r.outcome == OutcomeShown || r.outcome == OutcomeNotFound }

// accessCommit writes access-log records from concurrent callers in shared transactions, as
// kb's usage group commit does: the first caller to find no commit running leads and writes
// everything queued in one transaction; nobody is answered before its record is committed.
type accessCommit struct {
	mu      sync.Mutex
	queue   []*accessJob
	leading bool
}

type accessJob struct {
	row  *accessRow
	err  error
	done chan struct{}
}

const maxAccessBatch = 256

// record writes row to the access log before the caller answers. Quota is applied in the
// writing transaction: a call past the agent's daily quota is recorded (and returned) as
// quota_exceeded instead of its outcome.
func (s *Store) record(ctx context.Context, row *accessRow) (string, error) {
	g := &s.log
	job := &accessJob{row: row, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, job)
	if g.leading {
		g.mu.Unlock()
		<-job.done
		return job.row.outcome, job.err
	}
	g.leading = true
	for len(g.queue) > 0 {
		n := min(len(g.queue), maxAccessBatch)
		batch := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, n)
		g.mu.Unlock()
		s.writeAccess(context.WithoutCancel(ctx), batch)
		g.mu.Lock()
	}
	g.leading = false
	g.mu.Unlock()
	<-job.done
	return job.row.outcome, job.err
}

func (s *Store) writeAccess(ctx context.Context, batch []*accessJob) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Quotas: each person's use of the day is read once, the batch's counting calls are
		// decided in order, and each use is written once. Write transactions are serialised
		// (database.DB.Tx, on every node), so no other call counts in between.
		type userDay struct {
			user int64
			day  string
		}
		used := map[userDay]int{}
		var order []userDay
		quotas := map[int64]int{}
		for _, j := range batch {
			r := j.row
			if !r.counts() {
				continue
			}
			k := userDay{r.userID, r.at.Format(time.DateOnly)}
			n, ok := used[k]
			if !ok {
				if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT used FROM cmdb_quota_use WHERE user_id = ? AND day = ?), 0)`,
					k.user, k.day).Scan(&n); err != nil {
					return err
				}
				order = append(order, k)
			}
			q, ok := quotas[r.supplierID]
			if !ok {
				var err error
				if q, err = quotaOf(ctx, tx, r.supplierID); err != nil {
					return err
				}
				quotas[r.supplierID] = q
			}
			if n >= q {
				r.outcome, r.version = OutcomeQuotaExceeded, 0
			} else {
				n++
			}
			used[k] = n
		}
		for _, k := range order {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cmdb_quota_use (user_id, day, used) VALUES (?, ?, ?)
				ON CONFLICT (user_id, day) DO UPDATE SET used = excluded.used`, k.user, k.day, used[k]); err != nil {
				return err
			}
		}
		rows := make([][]any, len(batch))
		for i, j := range batch {
			r := j.row
			rows[i] = []any{database.Format(r.at), r.userID, r.username, r.supplier, r.kind, r.key, r.version, r.query, r.ticketRef, r.outcome}
		}
		return database.InsertRows(ctx, tx, `INSERT INTO cmdb_access (at, user_id, username, supplier, kind, key, version, query, ticket_ref, outcome) VALUES `, rows)
	})
	if err != nil {
		err = fmt.Errorf("cmdb: write access log: %w", err)
	}
	for _, j := range batch {
		j.err = err
		close(j.done)
	}
}

func quotaOf(ctx context.Context, q queryer, supplierID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT per_day FROM cmdb_quotas WHERE supplier_id = ?`, supplierID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultQuota, nil
	}
	return n, err
}

// untilMidnight is the number of seconds from t to the next UTC midnight (at least 1).
func untilMidnight(t time.Time) int {
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
	return max(1, int(next.Sub(t).Seconds()+0.999))
}

func newAccessRow(actor *accounts.User, at time.Time, kind string) *accessRow {
	return &accessRow{at: at, userID: actor.ID, username: actor.Username, supplier: actor.Supplier, supplierID: actor.SupplierID, kind: kind}
}
