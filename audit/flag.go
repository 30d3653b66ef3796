package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
)

// What a finding was raised from (audit_findings.source).
const (
	sourceItem = "item"
	sourceFlag = "cmdb_flag"
)

// FlagRef names one flag of an audit's CMDB-access section: what the CMDB access log showed
// that an auditor wanted a finding for. Kind is the cmdb package's flag kind (no_usage,
// refused, quota_exceeded, unusual_volume); Key and TicketRef are empty where the flag has none
// (unusual volume: a whole day of one agent's lookups); At is the flagged lookup's time (for
// unusual volume, the day's last lookup: the day is what counts).
type FlagRef struct {
	Kind      string
	Supplier  string
	Username  string
	Key       string
	TicketRef string
	At        time.Time
	// Detail is what the flag said when the finding was raised (filled by the store).
	Detail string
}

// AccessFlags finds a flag in the CMDB-access section of an audit over suppliers (every one
// when empty) and [from, to), as actor may read it, and returns its detail; ENOTFOUND when the
// section has no such flag. The cmdb package's Store is the one in use; audit does not import
// cmdb (it sits below it), so the two meet through this interface, wired at start.
type AccessFlags interface {
	AuditFlagDetail(ctx context.Context, actor *accounts.User, suppliers []string, from, to time.Time,
		kind, supplier, username, key, ticketRef string, at time.Time) (string, error)
}

// SetAccessFlags gives the store the CMDB access flags findings may be raised from. Without
// it, RaiseFlagFinding refuses every flag.
func (s *Store) SetAccessFlags(f AccessFlags) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flags = f
}

func (s *Store) accessFlags() AccessFlags {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.flags
}

// RaiseFlagFinding records a finding raised from a flag of the audit's CMDB-access section
// (the audit's suppliers over its quarter). It has no sampled item; otherwise it is a finding
// like any other: the same fields and rules as RaiseFinding (in.Item must be 0), the owner is
// told, and it is resolved, verified, reopened or risk-accepted the same way (with a note: there
// is no article version to fix). Errors: EFORBIDDEN (auditors only), ENOTFOUND (audit),
// ECONFLICT (signed off), EINVALID (the flag is not one of the section's; and as RaiseFinding).
func (s *Store) RaiseFlagFinding(ctx context.Context, actor *accounts.User, auditID int64, flag FlagRef, in NewFinding) (int64, error) {
	if err := forbid(actor, "Only auditors record findings.", accounts.RoleAuditor); err != nil {
		return 0, err
	}
	if err := s.checkFlag(ctx, actor, auditID, &flag); err != nil {
		return 0, fmt.Errorf("audit: raise finding in %d: %w", auditID, err)
	}
	return s.raise(ctx, actor, auditID, in, &flag)
}

// checkFlag refuses a flag that is not in the audit's CMDB-access section and fills its detail.
// It reads before the write transaction: flags are computed from the append-only access log.
func (s *Store) checkFlag(ctx context.Context, actor *accounts.User, auditID int64, flag *FlagRef) error {
	if _, err := auditStatus(ctx, s.db.Read, auditID); err != nil {
		return err
	}
	var quarter, suppliersJSON string
	if err := s.db.Read.QueryRowContext(ctx, `SELECT quarter, suppliers FROM audits WHERE id = ?`, auditID).Scan(&quarter, &suppliersJSON); err != nil {
		return fmt.Errorf("read audit: %w", err)
	}
	var suppliers []string
	if err := json.Unmarshal([]byte(suppliersJSON), &suppliers); err != nil {
		return fmt.Errorf("audit suppliers: %w", err)
	}
	flag.Kind, flag.Supplier = strings.TrimSpace(flag.Kind), strings.TrimSpace(flag.Supplier)
	flag.Username, flag.Key, flag.TicketRef = strings.TrimSpace(flag.Username), strings.TrimSpace(flag.Key), strings.TrimSpace(flag.TicketRef)
	flag.Detail = ""
	fields := map[string]string{}
	if flag.Kind == "" {
		fields["flag.kind"] = "required: the kind of flag"
	}
	if flag.Supplier == "" {
		fields["flag.supplier"] = "required: the supplier the flag is about"
	} else if len(suppliers) > 0 && !slices.Contains(suppliers, flag.Supplier) {
		fields["flag.supplier"] = "not a supplier of this audit: " + strings.Join(suppliers, ", ")
	}
	if flag.Username == "" {
		fields["flag.username"] = "required: the agent the flag is about"
	}
	from, to, err := QuarterRange(quarter)
	switch {
	case flag.At.IsZero():
		fields["flag.at"] = "required: the time of the flagged lookup"
	case err == nil && (flag.At.Before(from) || !flag.At.Before(to)):
		fields["flag.at"] = fmt.Sprintf("not in the audit's quarter (%s to %s)", from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	if err != nil {
		fields["flag"] = "this audit's quarter has no CMDB-access section"
	}
	if len(fields) > 0 {
		return attest.FieldError(fields)
	}
	flags := s.accessFlags()
	if flags == nil {
		return attest.FieldError(map[string]string{"flag": "CMDB access flags are not available"})
	}
	detail, err := flags.AuditFlagDetail(ctx, actor, suppliers, from, to, flag.Kind, flag.Supplier, flag.Username, flag.Key, flag.TicketRef, flag.At)
	if attest.ErrorCode(err) == attest.ENOTFOUND {
		return attest.FieldError(map[string]string{"flag": "no such flag in this audit's CMDB-access section"})
	}
	if err != nil {
		return err
	}
	flag.At, flag.Detail = flag.At.UTC(), detail
	return nil
}
