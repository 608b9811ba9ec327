package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/demo"
	"github.com/kaoping/kaoping/app/store"
)

func (e *env) migrateCmd() *cobra.Command {
	var status bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (serve does this too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := store.Open(ctx, e.dbURL, store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			pending, err := store.Pending(ctx, db)
			if err != nil {
				return err
			}
			if status {
				if len(pending) == 0 {
					fmt.Fprintln(e.stdout, "database is up to date")
				}
				for _, p := range pending {
					fmt.Fprintln(e.stdout, "pending:", p)
				}
				return nil
			}
			if err := store.Migrate(ctx, db); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "applied %d migration(s); database is up to date\n", len(pending))
			return nil
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "only list pending migrations")
	return cmd
}

func (e *env) seedCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "seed", Short: "Load data sets"}
	cmd.AddCommand(&cobra.Command{
		Use:   "demo",
		Short: "Load the demo center (idempotent): teams, ~30 staff, service items, one account per role",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return e.withApp(ctx, func(a *app.App, db *bun.DB) error {
				logins, err := demo.Seed(ctx, a, db)
				if err != nil {
					return err
				}
				demo.PrintLogins(e.stdout, logins)
				return nil
			})
		},
	})
	return cmd
}

func (e *env) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage accounts"}
	var in app.NewUser
	var passwordStdin bool
	add := &cobra.Command{
		Use:   "add USERNAME --role ROLE [--team TEAM] [--staff-no NO] [--password-stdin]",
		Short: "Create an account with its roles and scopes",
		Long: `Create an account. Roles: employee (needs --staff-no), team_lead (needs --team,
repeatable), trainer, hr, admin (center-wide). --role may repeat: a team lead
who is also staff holds employee and team_lead.

With --password-stdin the password is read from the first line of standard
input (at least 10 characters). Without it a one-time password is generated
and printed, and the first sign-in must change it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Username = args[0]
			generated := !passwordStdin
			if passwordStdin {
				pw, err := readPassword(e.stdin)
				if err != nil {
					return err
				}
				in.Password = pw
			} else {
				in.Password = auth.GeneratePassword()
				in.MustChangePassword = true
			}
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				u, err := a.AddUser(cmd.Context(), in, cli())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "created user %s (id %d)\n", u.Username, u.ID)
				if generated {
					fmt.Fprintf(e.stdout, "one-time password (must be changed at first sign-in):\n%s\n", in.Password)
				}
				return nil
			})
		},
	}
	f := add.Flags()
	f.StringSliceVar(&in.Roles, "role", nil, "role: employee, team_lead, trainer, hr or admin (repeatable)")
	f.StringSliceVar(&in.Teams, "team", nil, "team code or name led by a team_lead (repeatable)")
	f.StringVar(&in.StaffNo, "staff-no", "", "staff number (工号) of the person, for employee accounts")
	f.StringVar(&in.DisplayName, "display-name", "", "name shown in the UI (default: the staff name or the username)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")

	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts with their roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				rows, err := a.UserList(cmd.Context(), 0)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLES\tSTATUS")
				for _, r := range rows {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Username, r.DisplayName, strings.Join(r.Roles, " "), r.Status)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}

// readPassword takes the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.ValidatePassword(pw); err != nil {
		return "", err
	}
	return pw, nil
}

func (e *env) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens of machine clients"}
	var name, role string
	create := &cobra.Command{
		Use:   "create --role rating_feed|monitor --name NAME",
		Short: "Create an API token; it is printed once, on the last line, and stored only hashed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				plain, tok, err := a.CreateToken(cmd.Context(), name, role, cli())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "created token %q (id %d, role %s); it is shown only now:\n%s\n", tok.Name, tok.ID, tok.Role, plain)
				return nil
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "a name for the client, unique in the center (e.g. haochaping-feed)")
	create.Flags().StringVar(&role, "role", "", "the token's role: rating_feed (pushes ratings) or monitor (reads /metrics)")
	cmd.AddCommand(create)
	return cmd
}
