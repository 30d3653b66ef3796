package database

import (
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
)

// SessionStore returns where browser sessions are kept: the sessions table of this database,
// so that on PostgreSQL a session made on one node is known to every node. Expired sessions
// are removed every cleanup.
func (db *DB) SessionStore(cleanup time.Duration) scs.Store {
	if db.Engine == PostgreSQL {
		return pgxstore.NewWithCleanupInterval(db.Pool, cleanup)
	}
	return sqlite3store.NewWithCleanupInterval(db.Read, cleanup)
}
