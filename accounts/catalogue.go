package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"attest"
	"attest/database"
	"attest/journal"
)

// Supplier is a company that fulfils service requests for the enterprise.
type Supplier struct {
	ID   int64  `json:"-"`
	Key  string `json:"key"`
	Name string `json:"name"`
	// RequestTypes lists the keys of the request types it fulfils.
	RequestTypes []string `json:"request_types"`
}

// Risk is a request type's risk class.
type Risk string

// The risk classes.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// RequestType is one entry of the service catalogue.
type RequestType struct {
	ID                    int64  `json:"-"`
	Key                   string `json:"key"`
	Name                  string `json:"name"`
	Risk                  Risk   `json:"risk"`
	RequiresCertification bool   `json:"requires_certification"`
	ApprovalsRequired     int    `json:"approvals_required"`
	// ReviewDays is the default review interval of its articles.
	ReviewDays int `json:"review_days"`
	// GraceDays is how long authority survives a major knowledge change.
	GraceDays int `json:"grace_days"`
}

func (s *Store) supplierID(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, key string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM suppliers WHERE key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("accounts: supplier %q: %w", key, err)
	}
	return id, nil
}

func checkKeyName(key, name string) map[string]string {
	fields := map[string]string{}
	switch {
	case key == "":
		fields["key"] = "required"
	case !ValidKey(key):
		fields["key"] = "lower-case letters, digits, '-' and '_' only, at most 64 characters"
	}
	switch {
	case strings.TrimSpace(name) == "":
		fields["name"] = "required"
	case utf8.RuneCountInString(name) > 100:
		fields["name"] = "at most 100 characters"
	}
	return fields
}

// CreateSupplier adds a supplier. Errors: EFORBIDDEN, EINVALID, ECONFLICT for a taken key.
func (s *Store) CreateSupplier(ctx context.Context, actor *User, key, name string) (*Supplier, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return nil, err
	}
	key, name = strings.TrimSpace(key), strings.TrimSpace(name)
	if f := checkKeyName(key, name); len(f) > 0 {
		return nil, attest.FieldError(f)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if id, err := s.supplierID(ctx, tx, key); err != nil {
			return err
		} else if id != 0 {
			return &attest.Error{Code: attest.ECONFLICT, Message: fmt.Sprintf("A supplier with key %q exists.", key),
				Fields: map[string]string{"key": "already taken"}}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO suppliers (key, name, created_at) VALUES (?, ?, ?)`, key, name, database.Now()); err != nil {
			return fmt.Errorf("accounts: create supplier: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "supplier.create", "supplier:"+key,
			journal.Change{After: map[string]string{"key": key, "name": name}})
	})
	if err != nil {
		return nil, err
	}
	return &Supplier{Key: key, Name: name, RequestTypes: []string{}}, nil
}

// Suppliers lists every supplier with the request types it fulfils.
func (s *Store) Suppliers(ctx context.Context) ([]Supplier, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT s.id, s.key, s.name,
		COALESCE((SELECT group_concat(rt.key) FROM supplier_request_types srt JOIN request_types rt ON rt.id = srt.request_type_id WHERE srt.supplier_id = s.id), '')
		FROM suppliers s ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("accounts: list suppliers: %w", err)
	}
	defer rows.Close()
	var out []Supplier
	for rows.Next() {
		var sp Supplier
		var rts string
		if err := rows.Scan(&sp.ID, &sp.Key, &sp.Name, &rts); err != nil {
			return nil, fmt.Errorf("accounts: list suppliers: %w", err)
		}
		sp.RequestTypes = []string{}
		if rts != "" {
			sp.RequestTypes = strings.Split(rts, ",")
		}
		out = append(out, sp)
	}
	return out, rows.Err()
}

// NewRequestType is what creating a request type takes; zero ApprovalsRequired means 1,
// zero ReviewDays means 180.
type NewRequestType = RequestType

// CreateRequestType adds a request type to the catalogue.
// Errors: EFORBIDDEN, EINVALID, ECONFLICT for a taken key.
func (s *Store) CreateRequestType(ctx context.Context, actor *User, in NewRequestType) (*RequestType, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return nil, err
	}
	in.Key, in.Name = strings.TrimSpace(in.Key), strings.TrimSpace(in.Name)
	if in.ApprovalsRequired == 0 {
		in.ApprovalsRequired = 1
	}
	if in.ReviewDays == 0 {
		in.ReviewDays = 180
	}
	f := checkKeyName(in.Key, in.Name)
	switch in.Risk {
	case RiskLow, RiskMedium, RiskHigh:
	case "":
		f["risk"] = "required: low, medium or high"
	default:
		f["risk"] = fmt.Sprintf("unknown risk %q: low, medium or high", in.Risk)
	}
	if in.ApprovalsRequired != 1 && in.ApprovalsRequired != 2 {
		f["approvals_required"] = "1 or 2"
	}
	if in.ReviewDays < 1 || in.ReviewDays > 3650 {
		f["review_days"] = "between 1 and 3650"
	}
	if in.GraceDays < 0 || in.GraceDays > 365 {
		f["grace_days"] = "between 0 and 365"
	}
	if len(f) > 0 {
		return nil, attest.FieldError(f)
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM request_types WHERE key = ?)`, in.Key).Scan(&exists); err != nil {
			return fmt.Errorf("accounts: create request type: %w", err)
		}
		if exists {
			return &attest.Error{Code: attest.ECONFLICT, Message: fmt.Sprintf("A request type with key %q exists.", in.Key),
				Fields: map[string]string{"key": "already taken"}}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO request_types (key, name, risk, requires_certification, approvals_required, review_days, grace_days, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Key, in.Name, in.Risk, in.RequiresCertification, in.ApprovalsRequired, in.ReviewDays, in.GraceDays, database.Now()).Scan(&in.ID)
		if err != nil {
			return fmt.Errorf("accounts: create request type: %w", err)
		}
		return journal.Append(ctx, tx, actor.Username, "request_type.create", "request_type:"+in.Key, journal.Change{After: in})
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

const requestTypeCols = `id, key, name, risk, requires_certification, approvals_required, review_days, grace_days`

func scanRequestType(row interface{ Scan(...any) error }) (RequestType, error) {
	var rt RequestType
	err := row.Scan(&rt.ID, &rt.Key, &rt.Name, &rt.Risk, &rt.RequiresCertification, &rt.ApprovalsRequired, &rt.ReviewDays, &rt.GraceDays)
	return rt, err
}

// RequestTypes lists the catalogue by name.
func (s *Store) RequestTypes(ctx context.Context) ([]RequestType, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+requestTypeCols+` FROM request_types ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("accounts: list request types: %w", err)
	}
	defer rows.Close()
	var out []RequestType
	for rows.Next() {
		rt, err := scanRequestType(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts: list request types: %w", err)
		}
		out = append(out, rt)
	}
	return out, rows.Err()
}

// RequestType returns the request type with key. Errors: ENOTFOUND.
func (s *Store) RequestType(ctx context.Context, key string) (*RequestType, error) {
	rt, err := scanRequestType(s.db.Read.QueryRowContext(ctx, `SELECT `+requestTypeCols+` FROM request_types WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No request type %q.", key)
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: request type %q: %w", key, err)
	}
	return &rt, nil
}

// SetSupplierRequestTypes replaces what a supplier fulfils.
// Errors: EFORBIDDEN, ENOTFOUND for the supplier, EINVALID for an unknown request type.
func (s *Store) SetSupplierRequestTypes(ctx context.Context, actor *User, supplier string, keys []string) (*Supplier, error) {
	if err := forbid(actor, RoleAdmin); err != nil {
		return nil, err
	}
	var out *Supplier
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var sp Supplier
		err := tx.QueryRowContext(ctx, `SELECT id, key, name FROM suppliers WHERE key = ?`, supplier).Scan(&sp.ID, &sp.Key, &sp.Name)
		if errors.Is(err, sql.ErrNoRows) {
			return attest.Errorf(attest.ENOTFOUND, "No supplier %q.", supplier)
		}
		if err != nil {
			return fmt.Errorf("accounts: set request types: %w", err)
		}
		var before string
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rt.key), '') FROM supplier_request_types srt
			JOIN request_types rt ON rt.id = srt.request_type_id WHERE srt.supplier_id = ?`, sp.ID).Scan(&before); err != nil {
			return fmt.Errorf("accounts: set request types: %w", err)
		}
		ids := []int64{}
		sp.RequestTypes = []string{}
		for _, k := range keys {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM request_types WHERE key = ?`, k).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return attest.FieldError(map[string]string{"request_types": fmt.Sprintf("unknown request type %q", k)})
			}
			if err != nil {
				return fmt.Errorf("accounts: set request types: %w", err)
			}
			if !containsID(ids, id) {
				ids = append(ids, id)
				sp.RequestTypes = append(sp.RequestTypes, k)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM supplier_request_types WHERE supplier_id = ?`, sp.ID); err != nil {
			return fmt.Errorf("accounts: set request types: %w", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO supplier_request_types (supplier_id, request_type_id) VALUES (?, ?)`, sp.ID, id); err != nil {
				return fmt.Errorf("accounts: set request types: %w", err)
			}
		}
		out = &sp
		return journal.Append(ctx, tx, actor.Username, "supplier.request_types", "supplier:"+sp.Key,
			journal.Change{Before: splitNonEmpty(before), After: sp.RequestTypes})
	})
	return out, err
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
