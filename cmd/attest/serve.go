package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"attest/database"
	"attest/demo"
	"attest/handlers"
	"attest/kb"
	"attest/notify"
	"attest/outbox"
	"attest/search"
)

func (m *Main) serve(ctx context.Context, args []string) error {
	fs, data := m.flags("serve")
	defAddr := m.Getenv("ATTEST_ADDR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	addr := fs.String("addr", defAddr, "listen address (env ATTEST_ADDR)")
	withDemo := fs.Bool("demo", false, "seed a demo organisation when the database is empty")
	secure := fs.Bool("secure-cookies", m.Getenv("ATTEST_SECURE_COOKIES") == "true",
		"mark session cookies Secure: use it when Attest is reached over TLS, e.g. behind a TLS-terminating proxy (env ATTEST_SECURE_COOKIES=true)")
	var proxies trustedProxies
	fs.Var(&proxies, "trusted-proxy", "CIDR or address of a reverse proxy whose X-Forwarded-For is believed; repeatable or comma-separated (env ATTEST_TRUSTED_PROXIES)")
	unusedDays := fs.Int("unused-days", 90, "the access review flags accounts unused for this many days")
	smtpURL := fs.String("smtp", m.Getenv("ATTEST_SMTP"), "mail server for e-mail notifications, smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465; empty: e-mail is off (env ATTEST_SMTP)")
	mailFrom := fs.String("mail-from", m.Getenv("ATTEST_MAIL_FROM"), "sender address of e-mail notifications (env ATTEST_MAIL_FROM)")
	baseURL := fs.String("base-url", m.Getenv("ATTEST_BASE_URL"), "the address people open Attest at, for links in e-mails; default http://<addr> (env ATTEST_BASE_URL)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := (notify.Config{SMTP: *smtpURL, From: *mailFrom}).Check(); err != nil {
		return usageError{"serve: " + err.Error()}
	}
	if *unusedDays < 1 {
		return usageError{"serve: --unused-days must be at least 1"}
	}
	if len(proxies) == 0 && m.Getenv("ATTEST_TRUSTED_PROXIES") != "" {
		if err := proxies.Set(m.Getenv("ATTEST_TRUSTED_PROXIES")); err != nil {
			return usageError{fmt.Sprintf("serve: ATTEST_TRUSTED_PROXIES: %v", err)}
		}
	}
	log := slog.New(slog.NewJSONHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := m.open(ctx, data, log)
	if err != nil {
		return err
	}
	defer a.Close()

	if *withDemo {
		empty, err := demo.IsEmpty(ctx, a.db)
		if err != nil {
			return err
		}
		if empty {
			if err := demo.Seed(ctx, demo.Deps{DB: a.db, Accounts: a.accounts, KB: a.kb, Training: a.training, Audit: a.audit, CMDB: a.cmdb}, m.Stdout); err != nil {
				return err
			}
		}
		fmt.Fprintln(m.Stdout, "Demo logins (password for all: "+demo.Password+"):")
		for _, l := range demo.Logins {
			fmt.Fprintf(m.Stdout, "  %-8s %s\n", l.Username, l.Role)
		}
	}

	unlock, err := lockIndex(data.dir)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := openIndex(ctx, a.kb, data.dir, log, m.Stdout)
	if err != nil {
		return err
	}
	defer ix.Close()
	indexer := search.NewIndexer(ix, a.kb, log)
	if a.db.Engine == database.PostgreSQL {
		indexer.Interval = time.Second // change notices wake it; polling is the fallback
	}
	bg, stopBG := context.WithCancel(context.Background())
	indexDone := make(chan struct{})
	go func() { defer close(indexDone); indexer.Run(bg) }()
	defer func() { stopBG(); <-indexDone }()
	// On PostgreSQL other nodes commit too: their notices wake the indexer and drop cached
	// token answers at once (both also poll).
	listenDone, listening := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(listenDone)
		a.db.Listen(bg, log, map[string]func(){database.SearchChanged: indexer.Wake, database.JournalChanged: a.accounts.Invalidate},
			func() { close(listening) })
	}()
	defer func() { stopBG(); <-listenDone }()

	// Views and searches are buffered and written in batches; Close below writes the rest.
	a.kb.StartRecorder(bg, log)

	// Uploads nothing came to reference are removed after kb.UploadsKeptFor, hourly (any
	// number of nodes may do it: removing what is unreferenced twice removes nothing).
	sweepDone := make(chan struct{})
	go func() {
		defer close(sweepDone)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := a.kb.SweepUploads(bg, kb.UploadsKeptFor); err != nil && bg.Err() == nil {
				log.Error("sweep uploads", "err", err)
			} else if n > 0 {
				log.Info("removed unreferenced uploads", "count", n)
			}
			select {
			case <-bg.Done():
				return
			case <-t.C:
			}
		}
	}()
	defer func() { stopBG(); <-sweepDone }()

	// Search learns from agents' searches and the articles they then used (issue 19).
	learner := search.NewLearner(ix, a.kb, log)
	learnDone := make(chan struct{})
	go func() { defer close(learnDone); learner.Run(bg) }()
	defer func() { stopBG(); <-learnDone }()

	// The outbox worker: e-mail and webhooks, one per process (any number share the database).
	if *baseURL == "" {
		*baseURL = "http://" + *addr
	}
	worker, err := notify.NewWorker(a.db, notify.Config{SMTP: *smtpURL, From: *mailFrom, BaseURL: *baseURL, Log: log})
	if err != nil {
		return usageError{"serve: " + err.Error()}
	}
	outbox.SetEmail(worker.EmailOn())
	notifyDone := make(chan struct{})
	go func() { defer close(notifyDone); worker.Run(bg) }()
	defer func() { stopBG(); <-notifyDone }()

	srv := handlers.New(handlers.Deps{DB: a.db, Accounts: a.accounts, KB: a.kb, Training: a.training, Audit: a.audit, CMDB: a.cmdb,
		Search: ix, SecureCookies: *secure, TrustedProxies: proxies, Log: log,
		UnusedAfter: time.Duration(*unusedDays) * 24 * time.Hour})
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// /readyz says not ready until this node hears of other nodes' changes and its index has
	// caught up with the change log.
	srv.SetReady(false)
	go func() {
		for _, c := range []<-chan struct{}{listening, indexer.CaughtUp()} {
			select {
			case <-c:
			case <-bg.Done():
				return
			}
		}
		srv.SetReady(true)
	}()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	fmt.Fprintf(m.Stdout, "Attest is serving on http://%s (%s)\n", ln.Addr(), data)
	log.Info("serving", "addr", ln.Addr().String(), "data", data.dir, "pid", os.Getpid())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	srv.SetReady(false)
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	if err := a.kb.Close(shutCtx); err != nil {
		log.Error("flush usage events", "err", err)
	}
	log.Info("stopped")
	return nil
}

// trustedProxies is the --trusted-proxy flag: networks in CIDR notation or single addresses,
// the flag repeated or the values comma-separated.
type trustedProxies []netip.Prefix

func (p *trustedProxies) String() string {
	var out []string
	for _, x := range *p {
		out = append(out, x.String())
	}
	return strings.Join(out, ",")
}

func (p *trustedProxies) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip, err := netip.ParseAddr(f)
			if err != nil {
				return fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an address", f)
			}
			ip = ip.Unmap()
			*p = append(*p, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		pr, err := netip.ParsePrefix(f)
		if err != nil {
			return fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", f)
		}
		if pr.Addr().Is4In6() && pr.Bits() >= 96 {
			pr = netip.PrefixFrom(pr.Addr().Unmap(), pr.Bits()-96)
		}
		*p = append(*p, pr.Masked())
	}
	return nil
}
