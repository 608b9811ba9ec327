package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/demo"
)

func (e *env) serveCmd() *cobra.Command {
	cfg := app.DefaultConfig()
	var addr string
	var seedDemo bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web server (applies pending migrations first)",
		Long: `Run the web server. Pending migrations are applied first. SIGINT or SIGTERM
stops it gracefully: requests in flight finish (up to 15 s).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log, err := e.logger()
			if err != nil {
				return err
			}
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			cfg.FontPath = e.fontPath
			a, err := app.New(ctx, db, cfg, log, time.Now)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.CheckFont(); err != nil {
				// Refuse now rather than fail every PDF download later.
				return fmt.Errorf("PDF reports need a CJK font (set --font or KAOPING_FONT): %w", err)
			}
			var logins []demo.Login
			if seedDemo {
				if logins, err = demo.SeedIfEmpty(ctx, a, db); err != nil {
					return fmt.Errorf("demo data: %w", err)
				}
			}
			a.StartBackground(ctx)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Kaoping is running at http://%s  (database: %s)\n", ln.Addr(), e.dbURL)
			if seedDemo {
				demo.PrintLogins(e.stdout, logins)
			}
			fmt.Fprintln(e.stdout, "Press Ctrl+C to stop.")
			errc := make(chan error, 1)
			go func() { errc <- a.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			if err := a.Shutdown(sctx); err != nil {
				log.Error("shutdown", slog.Any("err", err))
			}
			return <-errc
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address HOST:PORT")
	f.BoolVar(&seedDemo, "demo", false, "seed the demo center if the database holds no staff, and print the demo logins")
	f.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark cookies Secure (serve behind HTTPS)")
	f.BoolVar(&cfg.TrustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For (behind your own reverse proxy only)")
	f.DurationVar(&cfg.Auth.IdleTimeout, "session-idle", cfg.Auth.IdleTimeout, "sign out after this long without a request")
	f.DurationVar(&cfg.Auth.AbsoluteTimeout, "session-max", cfg.Auth.AbsoluteTimeout, "sign out this long after sign-in, active or not")
	f.IntVar(&cfg.Auth.MaxFailuresPerUser, "login-max-per-user", cfg.Auth.MaxFailuresPerUser, "failed sign-ins per username within --login-window before throttling")
	f.IntVar(&cfg.Auth.MaxFailuresPerIP, "login-max-per-ip", cfg.Auth.MaxFailuresPerIP, "failed sign-ins per client address within --login-window before throttling")
	f.DurationVar(&cfg.Auth.FailureWindow, "login-window", cfg.Auth.FailureWindow, "window of the sign-in throttle")
	f.IntVar(&cfg.Auth.MaxConcurrentHashes, "hash-concurrency", cfg.Auth.MaxConcurrentHashes, "password hashes computed at once (each takes ~19 MiB); 0 = number of CPUs")
	f.DurationVar(&cfg.PolicyRefresh, "policy-refresh", cfg.PolicyRefresh, "how often policy edits made elsewhere (CLI, other instances) are picked up")
	f.IntVar(&cfg.BodyLimit, "body-limit", cfg.BodyLimit, "largest request body in bytes (uploads included; larger rating files: use `kaoping ratings import`)")
	f.DurationVar(&cfg.PersonalRetention, "personal-retention", cfg.PersonalRetention, "keep citizen personal data (phone, ID number) on ratings this long; the daily run purges older data (0: keep)")
	f.DurationVar(&cfg.RequestTimeout, "request-timeout", cfg.RequestTimeout, "longest a request may work; past it its database calls stop and it fails with 503 (0: no bound)")
	return cmd
}
