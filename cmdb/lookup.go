package cmdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"attest"
	"attest/accounts"
)

// MaxTicketRef is the longest ticket reference, in characters.
const MaxTicketRef = 128

// CheckTicketRef validates the ticket an agent's call serves: 1 to 128 printable characters,
// trimmed. It returns the trimmed reference and "" or what is wrong with it.
func CheckTicketRef(ref string) (string, string) {
	ref = strings.TrimSpace(ref)
	switch {
	case ref == "":
		return "", "required: name the ticket you are working on"
	case !utf8.ValidString(ref):
		return "", "must be UTF-8 text"
	case utf8.RuneCountInString(ref) > MaxTicketRef:
		return "", fmt.Sprintf("at most %d characters", MaxTicketRef)
	case strings.IndexFunc(ref, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "", "printable characters only"
	}
	return ref, ""
}

// purpose applies an agent's terms before a lookup: a valid ticket reference, then the
// current CMDB agreement. A refusal is written to the access log before it is returned.
func (s *Store) purpose(ctx context.Context, sc *scope, row *accessRow, ticketRef string) error {
	ref, why := CheckTicketRef(ticketRef)
	if why != "" {
		row.outcome, row.ticketRef = OutcomeInvalid, clip(strings.Map(printable, ticketRef), MaxTicketRef)
		if _, err := s.record(ctx, row); err != nil {
			return err
		}
		return attest.FieldError(map[string]string{"ticket_ref": why})
	}
	row.ticketRef = ref
	ok, err := sc.accepted(ctx)
	if err != nil {
		return err
	}
	if !ok {
		row.outcome = OutcomeAgreementRequired
		if _, err := s.record(ctx, row); err != nil {
			return err
		}
		return attest.Errorf(EAGREEMENT, "Accept the current CMDB agreement before you look up configuration items.")
	}
	return nil
}

func printable(r rune) rune {
	if unicode.IsPrint(r) {
		return r
	}
	return '?'
}

// finish writes an agent's lookup to the access log and turns a quota refusal into its error.
func (s *Store) finish(ctx context.Context, row *accessRow) error {
	outcome, err := s.record(ctx, row)
	if err != nil {
		return err
	}
	if outcome == OutcomeQuotaExceeded {
		e := attest.Errorf(EQUOTA, "You have used today's CMDB lookups. The quota resets at midnight UTC.")
		e.RetryAfter = untilMidnight(row.at)
		return e
	}
	return nil
}

// Item returns the current version of a CI as actor may see it. Enterprise staff (admin,
// knowledge manager, auditor) read every CI with restricted attributes, without ticket. An
// agent names the ticket it works on, must have accepted the current CMDB agreement, and sees
// only CIs in its scope (scope.sees), only shared attributes and only relations to CIs in its
// scope; every agent call is written to the access log before it returns, and counts against
// the daily quota. Errors: EUNAUTH, EFORBIDDEN (neither agent nor enterprise staff), EINVALID
// (ticket_ref), EAGREEMENT, EQUOTA, ENOTFOUND (unknown or out of scope — the same answer).
func (s *Store) Item(ctx context.Context, actor *accounts.User, key, ticketRef string) (*Item, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	sc := s.newScope(actor)
	if sc.enterprise {
		h, err := s.head(ctx, key)
		if err != nil {
			return nil, err
		}
		if h == nil {
			return nil, attest.Errorf(attest.ENOTFOUND, "No configuration item %s.", clip(key, 100))
		}
		return s.load(ctx, sc, h)
	}
	if !isAgent(actor) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only agents and enterprise staff look up configuration items.")
	}
	row := newAccessRow(actor, s.clock(), "item")
	row.key = clip(strings.Map(printable, key), 100)
	if err := s.purpose(ctx, sc, row, ticketRef); err != nil {
		return nil, err
	}
	var it *Item
	h, err := s.head(ctx, key)
	if err != nil {
		return nil, err
	}
	row.outcome = OutcomeNotFound
	if h != nil {
		ok, err := sc.sees(ctx, h.status, h.requestTypes)
		if err != nil {
			return nil, err
		}
		if ok {
			if it, err = s.load(ctx, sc, h); err != nil {
				return nil, err
			}
			row.outcome, row.version = OutcomeShown, it.Version
		}
	}
	if err := s.finish(ctx, row); err != nil {
		return nil, err
	}
	if it == nil {
		return nil, attest.Errorf(attest.ENOTFOUND, "No configuration item %s.", row.key)
	}
	return it, nil
}

// Hit is one search result.
type Hit struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Class  string `json:"class"`
	Status string `json:"status"`
}

// maxTerms bounds the words of a query that are matched.
const maxTerms = 6

// Search finds CIs whose key, name or shared attribute values contain words starting with
// every word of q (restricted values are never indexed), among the CIs actor may see: key
// matches first, then by key. Agents get at most MaxAgentHits and the same terms as Item
// (ticket, agreement, access log, quota: a search counts as one lookup).
// Errors: as Item, and EINVALID for an empty query.
func (s *Store) Search(ctx context.Context, actor *accounts.User, q, ticketRef string, limit int) ([]Hit, error) {
	if actor == nil {
		return nil, attest.Errorf(attest.EUNAUTH, "Sign in first.")
	}
	sc := s.newScope(actor)
	if !sc.enterprise && !isAgent(actor) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only agents and enterprise staff search configuration items.")
	}
	q = strings.TrimSpace(q)
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, 100)
	var row *accessRow
	if !sc.enterprise {
		limit = min(limit, MaxAgentHits)
		row = newAccessRow(actor, s.clock(), "search")
		row.query = clip(strings.Map(printable, q), 200)
		if err := s.purpose(ctx, sc, row, ticketRef); err != nil {
			return nil, err
		}
	}
	ws := words(q)
	if len(ws) == 0 {
		if row != nil {
			row.outcome = OutcomeInvalid
			if _, err := s.record(ctx, row); err != nil {
				return nil, err
			}
		}
		return nil, attest.FieldError(map[string]string{"q": "type a key, a name or a value to search for"})
	}
	if len(ws) > maxTerms {
		ws = ws[:maxTerms]
	}
	hits, err := s.find(ctx, sc, q, ws, limit)
	if err != nil {
		return nil, err
	}
	if row != nil {
		row.outcome = OutcomeShown
		if err := s.finish(ctx, row); err != nil {
			return nil, err
		}
	}
	return hits, nil
}

// maxCandidates is where search changes strategy. When some word of the query has at most
// this many matching terms, its matches drive: they are the candidates, checked against the
// other words, and the first hits by key are returned. When every word is common, the rarest
// word's matches are walked and checked against the other words until
// enough hits are found, which is quick precisely because the words are common; those hits
// are shown by key, and a longer query narrows them.
const maxCandidates = 1000

const termRange = `term >= ? AND term < ?`

// maxWalkCount bounds the counting that chooses the word to walk when every word is common.
const maxWalkCount = 10_000

// find runs the search over cmdb_terms (each word a prefix range of its primary key): see
// maxCandidates. A query that is a whole key (any case) ranks that CI first; the rest are in
// key order. An agent's candidates are narrowed in SQL to the request types its scope allows,
// and every hit is checked with scope.sees all the same.
func (s *Store) find(ctx context.Context, sc *scope, typed string, ws []string, limit int) ([]Hit, error) {
	q := strings.ToLower(typed)
	count := func(w string, upTo int) (int, error) {
		var n int
		err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM cmdb_terms WHERE `+termRange+` LIMIT ?) AS hits`,
			w, w+"\U0010FFFF", upTo).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("cmdb: search: %w", err)
		}
		return n, nil
	}
	// The rarest word drives; on a tie the later word, as people type the general word first.
	pick := func(upTo int) (driver, fewest int, err error) {
		fewest = -1
		for i, w := range ws {
			n, err := count(w, upTo)
			if err != nil || n == 0 {
				return 0, 0, err
			}
			if fewest < 0 || n <= fewest {
				driver, fewest = i, n
			}
		}
		return driver, fewest, nil
	}
	driver, fewest, err := pick(maxCandidates + 1)
	if err != nil || fewest == 0 {
		return []Hit{}, err
	}
	if fewest > maxCandidates && len(ws) > 1 {
		// Every word is common: tell them apart more finely to choose the word to walk.
		if driver, _, err = pick(maxWalkCount); err != nil {
			return nil, err
		}
	}
	var scopeWhere []string
	var scopeArgs []any
	types, all, err := sc.allowedTypes(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		if len(types) == 0 {
			return []Hit{}, nil
		}
		scopeWhere = append(scopeWhere, `i.status != 'retired'`,
			`EXISTS (SELECT 1 FROM cmdb_item_types t JOIN request_types rt ON rt.id = t.request_type_id WHERE t.item_id = i.id AND rt.key IN (?`+strings.Repeat(", ?", len(types)-1)+`))`)
		for _, t := range types {
			scopeArgs = append(scopeArgs, t)
		}
	}
	words := func(skip int) ([]string, []any) {
		var where []string
		var args []any
		for i, w := range ws {
			if i != skip {
				where = append(where, `EXISTS (SELECT 1 FROM cmdb_terms t WHERE t.item_id = i.id AND t.`+termRange+`)`)
				args = append(args, w, w+"\U0010FFFF")
			}
		}
		return where, args
	}
	var cands []candidate
	// The whole key first.
	exactWhere := append([]string{`i.key IN (?, ?, ?)`}, scopeWhere...)
	exact, err := s.candidates(ctx, `cmdb_items i`, exactWhere, append([]any{typed, strings.ToUpper(typed), q}, scopeArgs...), "", 1)
	if err != nil {
		return nil, err
	}
	cands = append(cands, exact...)
	where, args := words(driver)
	from := `cmdb_items i`
	order := `ORDER BY i.key`
	driverArgs := []any{ws[driver], ws[driver] + "\U0010FFFF"}
	if fewest <= maxCandidates {
		where = append([]string{`i.id IN (SELECT item_id FROM cmdb_terms WHERE ` + termRange + `)`}, where...)
		args = append(driverArgs, args...)
	} else {
		// Every word is common: walk the rarest word's matches (the outer loop, by CROSS JOIN)
		// and stop at the first hits, which common words reach after a few probes.
		from = `cmdb_terms d CROSS JOIN cmdb_items i`
		where = append([]string{`d.term >= ? AND d.term < ?`, `i.id = d.item_id`}, where...)
		args = append(driverArgs, args...)
		order = ""
	}
	rest, err := s.candidates(ctx, from, append(where, scopeWhere...), append(args, scopeArgs...), order, limit*2)
	if err != nil {
		return nil, err
	}
	for _, c := range rest {
		if len(exact) == 0 || c.Key != exact[0].Key {
			cands = append(cands, c)
		}
	}
	hits := []Hit{}
	for _, c := range cands {
		ok, err := sc.sees(ctx, c.Status, splitKeys(c.rts))
		if err != nil {
			return nil, err
		}
		if ok && len(hits) < limit {
			hits = append(hits, c.Hit)
		}
	}
	return hits, nil
}

type candidate struct {
	Hit
	rts string
}

// candidates returns up to limit CIs from from (which names the CIs i) matching where, cut
// after order, then shown in key order with their request types (read after the cut).
func (s *Store) candidates(ctx context.Context, from string, where []string, args []any, order string, limit int) ([]candidate, error) {
	query := `SELECT c.key, c.name, c.class, c.status, ` + fmt.Sprintf(typesOf, "c.id") + ` FROM (
		SELECT i.id, i.key, i.name, i.class, i.status FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") + `
		` + order + ` LIMIT ?) c ORDER BY c.key`
	if order == "" {
		// Without an order the rows come as they are found and SQLite stops at the limit;
		// a wrapping query would make it gather them first. Sorted below.
		query = `SELECT i.key, i.name, i.class, i.status, ` + fmt.Sprintf(typesOf, "i.id") + ` FROM ` + from + ` WHERE ` +
			strings.Join(where, " AND ") + ` LIMIT ?`
	}
	rows, err := s.db.Read.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("cmdb: search: %w", err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.Key, &c.Name, &c.Class, &c.Status, &c.rts); err != nil {
			return nil, fmt.Errorf("cmdb: search: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cmdb: search: %w", err)
	}
	slices.SortFunc(out, func(a, b candidate) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
