package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
)

func (e *env) moduleCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "module", Short: "Export and import training modules as folders (docs/MODULE-FORMAT.md)"}
	var out string
	var draft bool
	export := &cobra.Command{
		Use:   "export CODE -o DIR",
		Short: "Write a module's published version (or --draft) as DIR/module.md + DIR/assets/",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o DIR is required")
			}
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				n, err := a.ExportModule(cmd.Context(), 0, args[0], draft, out)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "exported %s v%d to %s\n", args[0], n, out)
				return nil
			})
		},
	}
	export.Flags().StringVarP(&out, "out", "o", "", "output folder (must not exist or be empty)")
	export.Flags().BoolVar(&draft, "draft", false, "export the draft instead of the published version")

	imp := &cobra.Command{
		Use:   "import PATH",
		Short: "Import a module folder, a .zip of it, or a bare module.md as a draft (publish it in the UI: two-person approval)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				code, n, err := a.ImportModule(cmd.Context(), 0, args[0], cli())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "imported %s as draft v%d; submit and approve it in the UI to publish\n", code, n)
				return nil
			})
		},
	}
	cmd.AddCommand(export, imp)
	return cmd
}
