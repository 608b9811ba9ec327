package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
)

func (e *env) ratingsPurgeCmd() *cobra.Command {
	var before string
	cmd := &cobra.Command{
		Use:   "purge-personal --before DATE",
		Short: "Remove citizen personal data (phone, ID number) from ratings received before DATE",
		Long: `Remove the citizens' phone and ID numbers from every rating received before
DATE (YYYY-MM-DD, the start of that day in the center's time zone, or an RFC 3339
time). The ratings themselves are kept. The server does the same every day for
data older than --personal-retention.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				t, err := parseBefore(before, a)
				if err != nil {
					return err
				}
				n, err := a.PurgePersonal(cmd.Context(), t, cli())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "purged personal data of %d ratings received before %s\n", n, t.Format(time.RFC3339))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&before, "before", "", "date YYYY-MM-DD (center time zone) or RFC 3339 time (required)")
	_ = cmd.MarkFlagRequired("before")
	return cmd
}

// parseBefore reads --before: a date is the start of that day in the
// default center's time zone.
func parseBefore(s string, a *app.App) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	loc, err := a.CenterLocation()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("--before: want YYYY-MM-DD or an RFC 3339 time, got %q", s)
	}
	return t, nil
}
