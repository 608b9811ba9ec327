package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store"
)

// env is the process environment and standard streams, passed to every
// command instead of being read globally.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	dbURL     string
	logFormat string
	logLevel  string
	fontPath  string
}

func newRoot(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "kaoping",
		Short: "Kaoping (考评): training and evaluation of government service center staff",
		Long: `Kaoping (考评) trains and evaluates the staff of government service centers.

Every flag can also be set with an environment variable: KAOPING_ followed by
the flag name in capitals with dashes as underscores (--db → KAOPING_DB,
--login-max-per-user → KAOPING_LOGIN_MAX_PER_USER). A flag on the command
line wins over the environment.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return bindEnv(cmd, getenv)
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&e.dbURL, "db", "data/kaoping.db", "database: a SQLite file path or a postgres:// URL")
	pf.StringVar(&e.logFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&e.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&e.fontPath, "font", "", "CJK TrueType font for PDF reports (default: data/fonts/LXGWWenKai-Regular.ttf or the system's fonts-lxgw-wenkai)")

	root.AddCommand(
		e.serveCmd(),
		e.migrateCmd(),
		e.seedCmd(),
		e.userCmd(),
		e.tokenCmd(),
		e.staffCmd(),
		e.moduleCmd(),
		e.quizCmd(),
		e.ratingsCmd(e.ratingsPurgeCmd()),
		e.scoresCmd(),
		e.reportCmd(),
		e.loadtestCmd(),
		e.benchbookCmd(),
	)
	return root
}

// bindEnv fills every flag the user did not set from KAOPING_<FLAG>.
func bindEnv(cmd *cobra.Command, getenv func(string) string) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := "KAOPING_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, serr)
			}
		}
	})
	return err
}

func (e *env) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(e.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch e.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", e.logFormat)
}

// open connects to the database and applies pending migrations.
func (e *env) open(ctx context.Context) (*bun.DB, error) {
	db, err := store.Open(ctx, e.dbURL, store.Options{})
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// withApp runs fn with an application over the migrated database, for
// commands that reuse the server's services without serving.
func (e *env) withApp(ctx context.Context, fn func(a *app.App, db *bun.DB) error) error {
	log, err := e.logger()
	if err != nil {
		return err
	}
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := app.DefaultConfig()
	cfg.FontPath = e.fontPath
	a, err := app.New(ctx, db, cfg, log, time.Now)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a, db)
}

// cli is the audit actor of command-line actions.
func cli() app.Actor { return app.Actor{Name: "cli", IP: "local"} }
