package database_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"

	"attest/database"
	"attest/database/databasetest"
)

func TestListenWakesAndSurvivesALostConnection(t *testing.T) {
	if !databasetest.Postgres() {
		t.Skip("change notices are PostgreSQL's: set " + databasetest.Env)
	}
	db, _ := databasetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woke := make(chan string, 16)
	done, listening := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		db.Listen(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), map[string]func(){
			database.SearchChanged:  func() { woke <- database.SearchChanged },
			database.JournalChanged: func() { woke <- database.JournalChanged },
		}, func() { close(listening) })
	}()
	wait := func(want string, within time.Duration) {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case got := <-woke:
				if got == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %s notice within %v", want, within)
			}
		}
	}
	select {
	case <-listening:
	case <-time.After(10 * time.Second):
		t.Fatal("Listen never said it listens")
	}
	// A commit that writes the search change log wakes the listener (the migration's trigger).
	// The listener may not be listening yet when the first insert commits: insert until heard.
	heard := false
	for i := 0; i < 50 && !heard; i++ {
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO search_changes (article_id, at) VALUES (?, ?)`, 1, database.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-woke:
			heard = got == database.SearchChanged
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !heard {
		t.Fatal("a change to the search log never woke the listener")
	}
	// The listening connection is cut: the listener comes back and, since notices may have been
	// missed meanwhile, calls every function once.
	if _, err := db.Write.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	wait(database.JournalChanged, 5*time.Second)
	cancel()
	<-done
}
