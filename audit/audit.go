package audit

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// UseWindow is how far back recorded use weighs the strata: the 90 days before creation.
const UseWindow = 90 * 24 * time.Hour

// MaxSampleSize bounds a requested sample (larger requests are refused, not clipped).
const MaxSampleSize = 10000

// NewAudit is what an auditor asks for when starting an audit.
type NewAudit struct {
	// Quarter labels the audit: "2026-Q4".
	Quarter    string
	SampleSize int
	// Seed drives the draw; nil picks a random one (shown on the audit).
	Seed *int64
	// Suppliers and RequestTypes scope the population by key; empty means no restriction.
	Suppliers    []string
	RequestTypes []string
	// Criteria is the checklist; nil means DefaultCriteria.
	Criteria []Criterion
}

var criterionKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// checkCriteria validates a checklist, returning it with labels defaulted to keys.
func checkCriteria(in []Criterion, fields map[string]string) []Criterion {
	if in == nil {
		return slices.Clone(DefaultCriteria)
	}
	if len(in) == 0 || len(in) > 30 {
		fields["criteria"] = "between 1 and 30 criteria"
		return nil
	}
	out := make([]Criterion, 0, len(in))
	seen := map[string]bool{}
	for i, c := range in {
		c.Key = strings.TrimSpace(c.Key)
		c.Label = strings.TrimSpace(c.Label)
		f := fmt.Sprintf("criteria[%d]", i)
		switch {
		case !criterionKeyRE.MatchString(c.Key):
			fields[f+".key"] = "a lower-case key of letters, digits, - and _ (at most 32)"
		case seen[c.Key]:
			fields[f+".key"] = fmt.Sprintf("%q appears twice", c.Key)
		case c.Weight < 1 || c.Weight > 10:
			fields[f+".weight"] = "a whole number from 1 to 10"
		case len(c.Label) > 200:
			fields[f+".label"] = "at most 200 characters"
		}
		seen[c.Key] = true
		if c.Label == "" {
			c.Label = c.Key
		}
		out = append(out, c)
	}
	return out
}

// Create starts an audit: it snapshots the population in scope, draws the sample and records
// both. Errors: EFORBIDDEN (auditors only), EINVALID (quarter, sample size, unknown supplier
// or request type, criteria; an empty population).
func (s *Store) Create(ctx context.Context, actor *accounts.User, in NewAudit) (*Audit, error) {
	return s.create(ctx, actor, in, 0, nil)
}

func (s *Store) create(ctx context.Context, actor *accounts.User, in NewAudit, previous int64, carried []int64) (*Audit, error) {
	if err := forbid(actor, "Only auditors start audits.", accounts.RoleAuditor); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	in.Quarter = strings.TrimSpace(in.Quarter)
	if _, _, err := QuarterRange(in.Quarter); err != nil {
		fields["quarter"] = "must look like 2026-Q4 (a year, -Q, and 1 to 4)"
	}
	if in.SampleSize < 1 || in.SampleSize > MaxSampleSize {
		fields["sample_size"] = fmt.Sprintf("a whole number from 1 to %d", MaxSampleSize)
	}
	criteria := checkCriteria(in.Criteria, fields)
	sups, err := s.accounts.Suppliers(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: create: %w", err)
	}
	fulfils := map[string][]string{}
	for _, sp := range sups {
		fulfils[sp.Key] = sp.RequestTypes
	}
	rts, err := s.accounts.RequestTypes(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: create: %w", err)
	}
	knownRT := map[string]bool{}
	for _, rt := range rts {
		knownRT[rt.Key] = true
	}
	in.Suppliers = uniqueSorted(in.Suppliers)
	in.RequestTypes = uniqueSorted(in.RequestTypes)
	for _, k := range in.Suppliers {
		if _, ok := fulfils[k]; !ok {
			fields["suppliers"] = fmt.Sprintf("no supplier %q", k)
		}
	}
	for _, k := range in.RequestTypes {
		if !knownRT[k] {
			fields["request_types"] = fmt.Sprintf("no request type %q", k)
		}
	}
	if len(fields) > 0 {
		return nil, attest.FieldError(fields)
	}
	seed := int64(0)
	if in.Seed != nil {
		seed = *in.Seed
	} else {
		seed = RandomSeed()
	}

	now := s.clock()
	cands, err := s.population(ctx, in, fulfils, now)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, attest.FieldError(map[string]string{"scope": "no current approved article is in this scope: there is nothing to audit"})
	}
	weightByUse := false
	for _, c := range cands {
		if c.Uses > 0 {
			weightByUse = true
		}
	}
	weighting := "size"
	if weightByUse {
		weighting = "use"
	}
	sample := draw(cands, in.SampleSize, seed, weightByUse)

	crit, _ := json.Marshal(criteria)
	supJSON, _ := json.Marshal(nonNil(in.Suppliers))
	rtJSON, _ := json.Marshal(nonNil(in.RequestTypes))
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO audits (quarter, status, seed, sample_size, population, suppliers,
			request_types, criteria, algorithm, weighting, created_by, created_at, previous)
			VALUES (?, 'planned', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Quarter, seed, in.SampleSize, len(cands), string(supJSON), string(rtJSON), string(crit), Algorithm,
			weighting, actor.ID, database.Format(now), nullID(previous)).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert audit: %w", err)
		}
		pop, err := tx.PrepareContext(ctx, `INSERT INTO audit_population (audit_id, article_id, version, stratum, supplier, request_type, uses)
			VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("snapshot population: %w", err)
		}
		defer pop.Close()
		for _, c := range cands {
			if _, err := pop.ExecContext(ctx, id, c.ArticleID, c.Version, c.Stratum, c.Supplier, c.RequestType, c.Uses); err != nil {
				return fmt.Errorf("snapshot population: %w", err)
			}
		}
		var items []map[string]any
		for i, c := range sample {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_items (audit_id, position, article_id, version, stratum, supplier, request_type, title)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, i+1, c.ArticleID, c.Version, c.Stratum, c.Supplier, c.RequestType, c.Title); err != nil {
				return fmt.Errorf("insert item: %w", err)
			}
			items = append(items, map[string]any{"article_id": c.ArticleID, "version": c.Version})
		}
		for _, f := range carried {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_carried (audit_id, finding_id) VALUES (?, ?)`, id, f); err != nil {
				return fmt.Errorf("carry finding %d: %w", f, err)
			}
		}
		return journal.Append(ctx, tx, actor.Username, "audit.create", auditObject(id), journal.Change{After: map[string]any{
			"quarter": in.Quarter, "seed": seed, "sample_size": in.SampleSize, "population": len(cands),
			"suppliers": nonNil(in.Suppliers), "request_types": nonNil(in.RequestTypes), "criteria": criteria,
			"weighting": weighting, "items": items, "previous": previous, "carried": carried,
		}})
	})
	if err != nil {
		return nil, fmt.Errorf("audit: create: %w", err)
	}
	return s.load(ctx, s.db.Read, id)
}

// population builds the candidates in scope: the current approved version of every active
// article covering a request type in scope. Scope: the request types asked for, narrowed to
// those the scoped suppliers fulfil; articles covering no request type are in scope (stratum
// "") unless request types are scoped, since every supplier reads them.
func (s *Store) population(ctx context.Context, in NewAudit, fulfils map[string][]string, now time.Time) ([]candidate, error) {
	vs, err := s.kb.AuditPopulation(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: population: %w", err)
	}
	uses, err := s.kb.AuditUses(ctx, now.Add(-UseWindow), now)
	if err != nil {
		return nil, fmt.Errorf("audit: population: %w", err)
	}
	useBy := map[int64]map[string]int{}
	for _, u := range uses {
		if useBy[u.ArticleID] == nil {
			useBy[u.ArticleID] = map[string]int{}
		}
		useBy[u.ArticleID][u.Supplier] += u.Count
	}
	var scope map[string]bool // nil: every request type
	if len(in.RequestTypes) > 0 || len(in.Suppliers) > 0 {
		scope = map[string]bool{}
		if len(in.Suppliers) > 0 {
			for _, sp := range in.Suppliers {
				for _, rt := range fulfils[sp] {
					if len(in.RequestTypes) == 0 || slices.Contains(in.RequestTypes, rt) {
						scope[rt] = true
					}
				}
			}
		} else {
			for _, rt := range in.RequestTypes {
				scope[rt] = true
			}
		}
	}
	var out []candidate
	for _, v := range vs {
		rt := ""
		switch {
		case len(v.RequestTypes) == 0:
			if len(in.RequestTypes) > 0 {
				continue
			}
		case scope == nil:
			rt = v.RequestTypes[0]
		default:
			i := slices.IndexFunc(v.RequestTypes, func(k string) bool { return scope[k] })
			if i < 0 {
				continue
			}
			rt = v.RequestTypes[i]
		}
		c := candidate{ArticleID: v.ArticleID, Version: v.Number, Title: v.Title, RequestType: rt, Stratum: rt}
		if len(in.Suppliers) == 0 {
			for _, n := range useBy[v.ArticleID] {
				c.Uses += n
			}
		} else {
			// The scoped supplier fulfilling rt that used the article most (ties alphabetically).
			best, bestUses := "", -1
			for _, sp := range in.Suppliers {
				if rt != "" && !slices.Contains(fulfils[sp], rt) {
					continue
				}
				if n := useBy[v.ArticleID][sp]; n > bestUses {
					best, bestUses = sp, n
				}
			}
			if best == "" {
				continue
			}
			c.Supplier, c.Uses, c.Stratum = best, bestUses, best+"/"+rt
		}
		out = append(out, c)
	}
	return out, nil
}

// RandomSeed returns a fresh seed for a new audit (positive, so it reads well on a page).
func RandomSeed() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:]) >> 1 % 1_000_000_000)
}

func uniqueSorted(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Get returns an audit with its items, strata and findings.
// Errors: EFORBIDDEN (auditors and knowledge managers only), ENOTFOUND.
func (s *Store) Get(ctx context.Context, actor *accounts.User, id int64) (*Audit, error) {
	if err := forbid(actor, "Only auditors and knowledge managers read audits.", accounts.RoleAuditor, accounts.RoleKnowledgeManager); err != nil {
		return nil, err
	}
	return s.load(ctx, s.db.Read, id)
}

func (s *Store) load(ctx context.Context, q queryer, id int64) (*Audit, error) {
	a, err := scanAudit(q.QueryRowContext(ctx, auditQuery+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, attest.Errorf(attest.ENOTFOUND, "No audit %d.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: load %d: %w", id, err)
	}
	if a.Items, err = loadItems(ctx, q, id, 0); err != nil {
		return nil, err
	}
	if a.Strata, err = loadStrata(ctx, q, id); err != nil {
		return nil, err
	}
	if a.Findings, err = loadFindings(ctx, q, `f.audit_id = ?`, id); err != nil {
		return nil, err
	}
	if a.Carried, err = loadFindings(ctx, q, `f.id IN (SELECT finding_id FROM audit_carried WHERE audit_id = ?)`, id); err != nil {
		return nil, err
	}
	if err := loadAnchors(ctx, q, a); err != nil {
		return nil, err
	}
	return a, nil
}

const auditQuery = `SELECT a.id, a.quarter, a.status, a.seed, a.sample_size, a.population, a.suppliers, a.request_types,
	a.criteria, a.algorithm, a.weighting, cu.username, a.created_at, COALESCE(a.previous, 0), COALESCE(su.username, ''),
	a.signed_off_at
	FROM audits a JOIN users cu ON cu.id = a.created_by LEFT JOIN users su ON su.id = a.signed_off_by`

func scanAudit(row interface{ Scan(...any) error }) (*Audit, error) {
	var a Audit
	var sups, rts, crit, created string
	var signed sql.NullString
	if err := row.Scan(&a.ID, &a.Quarter, &a.Status, &a.Seed, &a.SampleSize, &a.Population, &sups, &rts, &crit,
		&a.Algorithm, &a.Weighting, &a.CreatedBy, &created, &a.Previous, &a.SignedOffBy, &signed); err != nil {
		return nil, err
	}
	json.Unmarshal([]byte(sups), &a.Suppliers)
	json.Unmarshal([]byte(rts), &a.RequestTypes)
	json.Unmarshal([]byte(crit), &a.Criteria)
	a.CreatedAt = parseTime(created)
	a.SignedOffAt = parseNullTime(signed)
	return &a, nil
}

// loadItems reads the items of audit id (only item itemID when it is not 0) with their
// newest assessments.
func loadItems(ctx context.Context, q queryer, id, itemID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.audit_id, i.position, i.article_id, i.version, i.title, i.stratum,
		i.supplier, i.request_type, s.score, COALESCE(s.checks, '{}'), COALESCE(s.notes, ''), COALESCE(u.username, ''),
		COALESCE(s.assessed_at, ''), (SELECT COUNT(*) FROM audit_assessments WHERE item_id = i.id)
		FROM audit_items i
		LEFT JOIN audit_assessments s ON s.id = (SELECT MAX(id) FROM audit_assessments WHERE item_id = i.id)
		LEFT JOIN users u ON u.id = s.assessed_by
		WHERE i.audit_id = ? AND (? = 0 OR i.id = ?) ORDER BY i.position`, id, itemID, itemID)
	if err != nil {
		return nil, fmt.Errorf("audit: items of %d: %w", id, err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var score sql.NullInt64
		var checks, at string
		if err := rows.Scan(&it.ID, &it.AuditID, &it.Position, &it.ArticleID, &it.Version, &it.Title, &it.Stratum,
			&it.Supplier, &it.RequestType, &score, &checks, &it.Notes, &it.AssessedBy, &at, &it.Assessments); err != nil {
			return nil, fmt.Errorf("audit: items of %d: %w", id, err)
		}
		if score.Valid {
			n := int(score.Int64)
			it.Score = &n
			json.Unmarshal([]byte(checks), &it.Checks)
			it.AssessedAt = parseTime(at)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func loadStrata(ctx context.Context, q queryer, id int64) ([]Stratum, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.stratum, p.supplier, p.request_type, COUNT(*), SUM(p.uses),
		(SELECT COUNT(*) FROM audit_items i WHERE i.audit_id = p.audit_id AND i.stratum = p.stratum)
		FROM audit_population p WHERE p.audit_id = ? GROUP BY p.audit_id, p.stratum, p.supplier, p.request_type ORDER BY p.stratum`, id)
	if err != nil {
		return nil, fmt.Errorf("audit: strata of %d: %w", id, err)
	}
	defer rows.Close()
	var out []Stratum
	for rows.Next() {
		var st Stratum
		if err := rows.Scan(&st.Key, &st.Supplier, &st.RequestType, &st.Size, &st.Uses, &st.Sampled); err != nil {
			return nil, fmt.Errorf("audit: strata of %d: %w", id, err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// List returns every audit, newest first, without items.
// Errors: EFORBIDDEN (auditors and knowledge managers only).
func (s *Store) List(ctx context.Context, actor *accounts.User) ([]Audit, error) {
	if err := forbid(actor, "Only auditors and knowledge managers read audits.", accounts.RoleAuditor, accounts.RoleKnowledgeManager); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, auditQuery+` ORDER BY a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Audit
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// Close signs the audit off: it records who and when and the journal's head (its own entry
// included, so that the journal cannot later be cut short unseen), and freezes it (every later write is
// ECONFLICT). Errors: EFORBIDDEN (auditors only), ENOTFOUND, ECONFLICT (signed off already,
// or an item is not assessed).
func (s *Store) Close(ctx context.Context, actor *accounts.User, id int64) (*Audit, error) {
	if err := forbid(actor, "Only auditors sign audits off.", accounts.RoleAuditor); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		st, err := auditStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		var total, open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM audit_assessments s WHERE s.item_id = i.id)), 0)
			FROM audit_items i WHERE i.audit_id = ?`, id).Scan(&total, &open); err != nil {
			return fmt.Errorf("count unassessed: %w", err)
		}
		if open > 0 {
			return attest.Errorf(attest.ECONFLICT, "%d of %d sampled articles are not assessed yet: assess every one before signing off.", open, total)
		}
		if err := checkSignOff(ctx, tx, actor, id); err != nil {
			return err
		}
		now := database.Format(s.clock())
		if _, err := tx.ExecContext(ctx, `UPDATE audits SET status = 'signed_off', signed_off_by = ?, signed_off_at = ? WHERE id = ?`,
			actor.ID, now, id); err != nil {
			return fmt.Errorf("sign off: %w", err)
		}
		if err := journal.Append(ctx, tx, actor.Username, "audit.sign_off", auditObject(id),
			journal.Change{Before: map[string]any{"status": st}, After: map[string]any{"status": StatusSignedOff, "signed_off_at": now}}); err != nil {
			return err
		}
		return anchorSignOff(ctx, tx, id)
	})
	if err != nil {
		return nil, fmt.Errorf("audit: close %d: %w", id, err)
	}
	return s.load(ctx, s.db.Read, id)
}

// auditStatus returns the audit's status, refusing a signed-off one.
// Errors: ENOTFOUND, ECONFLICT (signed off).
func auditStatus(ctx context.Context, q queryer, id int64) (Status, error) {
	var st Status
	err := q.QueryRowContext(ctx, `SELECT status FROM audits WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", attest.Errorf(attest.ENOTFOUND, "No audit %d.", id)
	}
	if err != nil {
		return "", fmt.Errorf("audit status: %w", err)
	}
	if st == StatusSignedOff {
		return st, attest.Errorf(attest.ECONFLICT, "This audit is signed off: it can no longer change.")
	}
	return st, nil
}

// NextFrom starts the next audit from audit id: the same scope, criteria and sample size, the
// quarter after (unless quarter is given), a new seed (unless seed is given), and the
// previous audit's findings that are still open (or resolved but not verified) carried over.
// Errors: as Create, and ENOTFOUND.
func (s *Store) NextFrom(ctx context.Context, actor *accounts.User, id int64, quarter string, seed *int64) (*Audit, error) {
	if err := forbid(actor, "Only auditors start audits.", accounts.RoleAuditor); err != nil {
		return nil, err
	}
	prev, err := s.load(ctx, s.db.Read, id)
	if err != nil {
		return nil, err
	}
	if quarter == "" {
		quarter = NextQuarter(prev.Quarter)
	}
	var carried []int64
	for _, f := range append(slices.Clone(prev.Carried), prev.Findings...) {
		if f.Status == FindingOpen || f.Status == FindingResolved {
			carried = append(carried, f.ID)
		}
	}
	slices.SortFunc(carried, cmp.Compare)
	carried = slices.Compact(carried)
	return s.create(ctx, actor, NewAudit{Quarter: quarter, SampleSize: prev.SampleSize, Seed: seed,
		Suppliers: prev.Suppliers, RequestTypes: prev.RequestTypes, Criteria: prev.Criteria}, prev.ID, carried)
}
