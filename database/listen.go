package database

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Change-log channels a PostgreSQL node listens on (see migrations/postgres: a trigger
// notifies at commit).
const (
	SearchChanged  = "attest_search"
	JournalChanged = "attest_journal"
)

// Listen calls the function of each channel when a notice arrives on it, until ctx ends, and
// calls listening once it first listens (a node is not ready before: it would miss changes
// until its next poll). On SQLite, where every writer is in this process or polled for, it
// calls listening and returns. A lost connection is reopened after a second, and every
// function is called then, since notices may have been missed meanwhile.
func (db *DB) Listen(ctx context.Context, log *slog.Logger, on map[string]func(), listening func()) {
	var once sync.Once
	ready := func() { once.Do(listening) }
	if db.Engine != PostgreSQL {
		ready()
		return
	}
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, on, ready)
		if ctx.Err() != nil {
			return
		}
		log.Warn("change notices: listening again in 1 s", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		for _, fn := range on {
			fn()
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, on map[string]func(), ready func()) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection is left in LISTEN state: it is closed, not returned to the pool.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	for ch := range on {
		if _, err := pc.Exec(ctx, `LISTEN `+ch); err != nil {
			return err
		}
	}
	ready()
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if fn := on[n.Channel]; fn != nil {
			fn()
		}
	}
}
