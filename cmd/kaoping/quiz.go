package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/quizzes"
)

func (e *env) quizCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "quiz", Short: "Question banks in GIFT and Aiken: parse, import, export"}
	var format, module, out string

	parse := &cobra.Command{
		Use:   "parse --format gift|aiken FILE",
		Short: "Print the questions of a GIFT or Aiken file as JSON; changes nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			qs, err := e.parseQuestions(format, args[0])
			if err != nil {
				return err
			}
			b, err := quizzes.QuestionsJSON(qs)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "%s\n", b)
			return err
		},
	}
	parse.Flags().StringVar(&format, "format", "gift", "gift or aiken")

	imp := &cobra.Command{
		Use:   "import --format gift|aiken --module CODE FILE",
		Short: "Store the questions of a file in the bank and add them to the module's quiz (one transaction)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if module == "" {
				return fmt.Errorf("--module is required")
			}
			qs, err := e.parseQuestions(format, args[0])
			if err != nil {
				return err
			}
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				n, err := a.ImportQuestions(cmd.Context(), 0, module, qs, cli())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "imported %d question(s) into the quiz of %s\n", n, module)
				return nil
			})
		},
	}
	imp.Flags().StringVar(&format, "format", "gift", "gift or aiken")
	imp.Flags().StringVar(&module, "module", "", "module code whose quiz receives the questions")

	export := &cobra.Command{
		Use:   "export --format gift --module CODE [-o FILE]",
		Short: "Write the module quiz's questions as GIFT (stdout by default); what GIFT cannot express is listed on stderr",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "gift" {
				return fmt.Errorf("--format: only gift can be exported")
			}
			if module == "" {
				return fmt.Errorf("--module is required")
			}
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				qs, err := a.QuizQuestions(cmd.Context(), 0, module)
				if err != nil {
					return err
				}
				var w io.Writer = e.stdout
				var f *os.File
				if out != "" {
					if f, err = os.Create(out); err != nil {
						return err
					}
					w = f
				}
				skipped, err := quizzes.WriteGIFT(w, qs)
				if f != nil {
					if cerr := f.Close(); err == nil {
						err = cerr
					}
				}
				if err != nil {
					return err
				}
				for _, s := range skipped {
					fmt.Fprintf(e.stderr, "skipped: %s: %s\n", s.Name, s.Reason)
				}
				return nil
			})
		},
	}
	export.Flags().StringVar(&format, "format", "gift", "gift")
	export.Flags().StringVar(&module, "module", "", "module code")
	export.Flags().StringVarP(&out, "out", "o", "", "output file (default: standard output)")

	cmd.AddCommand(parse, imp, export)
	return cmd
}

// parseQuestions reads FILE in the given format. Malformed questions are
// all printed as FILE:LINE: message and the command exits 1.
func (e *env) parseQuestions(format, path string) ([]quizzes.Question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var qs []quizzes.Question
	switch format {
	case "gift":
		qs, err = quizzes.ParseGIFT(path, f)
	case "aiken":
		qs, err = quizzes.ParseAiken(path, f)
	default:
		return nil, fmt.Errorf("--format: want gift or aiken, got %q", format)
	}
	var fe *quizzes.FormatError
	if errors.As(err, &fe) {
		for _, le := range fe.Errors {
			fmt.Fprintln(e.stderr, le.Error())
		}
		fmt.Fprintf(e.stderr, "%s: %d malformed question(s); nothing imported\n", filepath.Base(path), len(fe.Errors))
		return nil, exitError{code: 1}
	}
	return qs, err
}
