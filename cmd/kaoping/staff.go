package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/staff"
)

func (e *env) staffCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "staff", Short: "Manage the staff directory"}
	var in app.StaffImport
	var accountsFile string
	imp := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import or update staff from a CSV file (Chinese or English headers, UTF-8 or GB18030)",
		Long: `Import the staff directory. Columns, in any order, with Chinese or English headers:
  工号|staff_no  姓名|name  班组|team  渠道|channel (several separated by ;)
  外部编号|external_ids (optional; ids the rating system uses, separated by ;)
  状态|active (optional; 在职/离职)
Teams missing from the center are created. Existing staff are updated; a team
change is kept as membership history from --as-of (default today).

A bad row is reported as FILE:LINE: field: message and nothing is written,
unless --skip-invalid, which imports the valid rows and exits 0.

--create-accounts also creates an employee account (username = staff number)
for every person without one; the one-time passwords are written to a file
readable only by you (mode 0600), and the first sign-in must change them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			in.FileName = filepath.Base(path)
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			var accounts *accountFile
			if in.CreateAccounts {
				if accountsFile == "" {
					accountsFile = "accounts-" + time.Now().Format("20060102-150405") + ".csv"
				}
				if accounts, err = createAccountFile(accountsFile); err != nil {
					return err
				}
				in.OnAccount = accounts.add
			}
			var res *staff.ImportResult
			err = e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				res, err = a.ImportStaff(cmd.Context(), f, in, cli())
				return err
			})
			if accounts != nil {
				if err == nil {
					err = accounts.close()
				} else {
					accounts.discard()
				}
			}
			var ie *staff.ImportError
			if errors.As(err, &ie) {
				for _, r := range ie.Rows {
					fmt.Fprintf(e.stderr, "%s:%s\n", path, r.Error())
				}
				fmt.Fprintf(e.stderr, "%d invalid row(s); nothing was written (use --skip-invalid to import the valid rows)\n", len(ie.Rows))
				return exitError{code: 1}
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			for _, r := range res.Rejected {
				fmt.Fprintf(e.stderr, "%s:%s (skipped)\n", path, r.Error())
			}
			fmt.Fprintf(e.stdout, "%s (%s): %d rows — %d created, %d updated, %d moved team, %d unchanged, %d skipped\n",
				path, res.Encoding, res.Rows, res.Created, res.Updated, res.Moved, res.Unchanged, len(res.Rejected))
			for _, t := range res.TeamsCreated {
				fmt.Fprintf(e.stdout, "created team %s\n", t)
			}
			if accounts != nil {
				fmt.Fprintf(e.stdout, "%d account(s) created; initial passwords in %s (mode 0600)\n", accounts.n, accountsFile)
			}
			return nil
		},
	}
	f := imp.Flags()
	f.StringVar(&in.Encoding, "encoding", "auto", "file encoding: auto, utf-8 or gb18030")
	f.BoolVar(&in.SkipInvalid, "skip-invalid", false, "import the valid rows, report and skip the invalid ones")
	f.StringVar(&in.AsOf, "as-of", "", "date team changes take effect, YYYY-MM-DD (default: today in the center's time zone)")
	f.BoolVar(&in.CreateAccounts, "create-accounts", false, "create employee accounts with one-time passwords for people without one")
	f.StringVar(&accountsFile, "accounts-file", "", "where to write the initial passwords (default accounts-DATE-TIME.csv)")
	cmd.AddCommand(imp)
	return cmd
}

// accountFile collects initial passwords; it exists only if the import
// commits.
type accountFile struct {
	f    *os.File
	w    *csv.Writer
	n    int
	path string
}

func createAccountFile(path string) (*accountFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("accounts file: %w", err)
	}
	w := csv.NewWriter(f)
	if err := w.Write([]string{"staff_no", "name", "username", "initial_password"}); err != nil {
		f.Close()
		return nil, err
	}
	return &accountFile{f: f, w: w, path: path}, nil
}

func (a *accountFile) add(acc app.NewAccount) error {
	a.n++
	if err := a.w.Write([]string{acc.StaffNo, acc.Name, acc.Username, acc.Password}); err != nil {
		return err
	}
	// Hand each line to the OS before the import commits.
	a.w.Flush()
	return a.w.Error()
}

func (a *accountFile) close() error {
	a.w.Flush()
	if err := a.w.Error(); err != nil {
		a.f.Close()
		return err
	}
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		return err
	}
	return a.f.Close()
}

func (a *accountFile) discard() {
	a.f.Close()
	os.Remove(a.path)
}
