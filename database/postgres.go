package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"attest/migrations"
)

// writeLock is the key of the transaction-scoped advisory lock every state-changing
// transaction takes on PostgreSQL, so that the journal's hash chain and the change logs are
// written in commit order by whichever node commits.
const writeLock = 7461_2026

// OpenPostgres opens the PostgreSQL database at url (postgres://…) and applies migrations.
// Write and Read are the same pool: PostgreSQL has no single-writer rule, so Tx serialises
// state changes with an advisory lock instead.
func OpenPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database: %s is not a PostgreSQL address: %w", redact(url), err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", redact(url), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: open %s: %w", redact(url), err)
	}
	db := sql.OpenDB(pgConnector{stdlib.GetPoolConnector(pool)})
	db.SetMaxOpenConns(int(cfg.MaxConns))
	db.SetMaxIdleConns(int(cfg.MaxConns))
	if err := migrations.Apply(ctx, db, migrations.PostgreSQL); err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	return &DB{Write: db, Read: db, URL: url, Engine: PostgreSQL, Pool: pool}, nil
}

// redact drops the password from a database address for messages.
func redact(url string) string {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return "the address given" // it may hold a password where it cannot be found
	}
	if cfg.ConnConfig.Password == "" {
		return url
	}
	return strings.Replace(url, ":"+cfg.ConnConfig.Password+"@", ":…@", 1)
}

// pgConnector hands out connections that speak Attest's SQL: the stores write `?`
// placeholders and 0/1 booleans, as SQLite takes them; these connections rewrite the
// placeholders to $n (and SQLite's char(n) to chr(n)) and send booleans as the 0/1 integers
// the schema stores. Nothing else of a statement is changed: what else the two engines spell
// differently is written portably in the stores or defined by the PostgreSQL migrations
// (group_concat, sum of conditions, max(a, b), julianday).
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{conn.(*stdlib.Conn)}, nil
}

type pgConn struct{ *stdlib.Conn }

func (c pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	r := rebind(query)
	st, err := c.Conn.PrepareContext(ctx, r.query)
	if err != nil || r.keep == nil {
		return st, err
	}
	return pgStmt{st.(*stdlib.Stmt), r.keep}, nil
}

func (c pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r := rebind(query)
	return c.Conn.ExecContext(ctx, r.query, r.args(args))
}

func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	r := rebind(query)
	return c.Conn.QueryContext(ctx, r.query, r.args(args))
}

// pgStmt is a prepared statement whose numbered placeholders were renumbered.
type pgStmt struct {
	*stdlib.Stmt
	keep []int
}

func (s pgStmt) NumInput() int { return -1 }

func (s pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.ExecContext(ctx, rewritten{keep: s.keep}.args(args))
}

func (s pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.QueryContext(ctx, rewritten{keep: s.keep}.args(args))
}

// CheckNamedValue sends a bool as 1 or 0: the schema keeps SQLite's INTEGER flags.
func (c pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

// rewritten is a statement as PostgreSQL takes it. keep, when set, lists (0-based) which of
// the arguments the statement uses, in their new order: SQLite lets numbered placeholders
// skip arguments (?1 and ?3 of three), PostgreSQL refuses a parameter it cannot type, so the
// unused ones are dropped and the rest renumbered.
type rewritten struct {
	query string
	keep  []int
}

func (r rewritten) args(args []driver.NamedValue) []driver.NamedValue {
	if r.keep == nil {
		return args
	}
	out := make([]driver.NamedValue, 0, len(r.keep))
	for i, k := range r.keep {
		if k < len(args) {
			out = append(out, driver.NamedValue{Ordinal: i + 1, Value: args[k].Value})
		}
	}
	return out
}

var rebound sync.Map // query → rewritten

// rebindCacheMax bounds the cache: statements built with a variable number of placeholders
// come in many shapes, and the rewrite is cheap enough to repeat for the rare ones.
const rebindCacheMax = 4096

var rebindCached struct {
	sync.Mutex
	n int
}

// rebind rewrites SQLite placeholders (? and ?NNN) to PostgreSQL's $n, and SQLite's char(n)
// to chr(n), leaving string literals, quoted identifiers and comments alone. A bare ? after
// ?NNN takes the next number, as SQLite numbers it.
func rebind(query string) rewritten {
	if r, ok := rebound.Load(query); ok {
		return r.(rewritten)
	}
	out := rewritePlaceholders(query)
	rebindCached.Lock()
	if rebindCached.n < rebindCacheMax {
		rebindCached.n++
		rebound.Store(query, out)
	}
	rebindCached.Unlock()
	return out
}

func rewritePlaceholders(q string) rewritten {
	if !strings.Contains(q, "?") && !strings.Contains(q, "char(") {
		return rewritten{query: q}
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	highest := 0
	var used []int // the placeholder numbers, in order of appearance
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote inside
						j += 2
						continue
					}
					break
				}
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
		case c == 'c' && strings.HasPrefix(q[i:], "char(") && (i == 0 || !isIdent(q[i-1])):
			// SQLite's char(n) is PostgreSQL's chr(n) (the stores use it for separators).
			b.WriteString("chr(")
			i += len("char(") - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			highest = max(highest, n)
			used = append(used, n)
			b.WriteString("$\x00")
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return renumber(b.String(), used, highest)
}

// renumber fills in the placeholders marked "$\x00N": as they are when 1..highest are all
// used, else renumbered densely with the arguments to keep.
func renumber(q string, used []int, highest int) rewritten {
	seen := make([]bool, highest+1)
	for _, n := range used {
		seen[n] = true
	}
	dense := true
	for n := 1; n <= highest; n++ {
		dense = dense && seen[n]
	}
	if dense {
		return rewritten{query: strings.ReplaceAll(q, "$\x00", "$")}
	}
	newNum := make([]int, highest+1)
	var keep []int
	for n := 1; n <= highest; n++ {
		if seen[n] {
			keep = append(keep, n-1)
			newNum[n] = len(keep)
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(q, "$\x00")
		if i < 0 {
			b.WriteString(q)
			break
		}
		b.WriteString(q[:i])
		q = q[i+2:]
		j := 0
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(q[:j])
		b.WriteString("$" + strconv.Itoa(newNum[n]))
		q = q[j:]
	}
	return rewritten{query: b.String(), keep: keep}
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
