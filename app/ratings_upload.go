package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/store"
)

// Ratings file upload (HR, administrators): the file is stored in the
// database (files.go: chunks of 1 MiB, so whichever instance runs the
// import job can read it), a pending import run is recorded with the
// stored file's reference as its stored_path ("db:ID"), and a background
// job imports it while the page shows the progress; the rejected rows are
// a downloadable CSV report.

type importView struct {
	Runs []ratings.Run
}

func (a *App) ratingsImportPage(c *fiber.Ctx) error {
	runs, err := a.ratings.Runs(c.UserContext(), principal(c).CenterID, 20)
	if err != nil {
		return err
	}
	return a.render(c, "ratings_import", "ratings_import.title", importView{Runs: runs})
}

func (a *App) ratingsImportUpload(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return invalid("file", "请选择 CSV 或 XLSX 文件 (choose a CSV or XLSX file)")
	}
	name := filepath.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".csv" && ext != ".xlsx" {
		return invalid("file", "只接受 .csv 或 .xlsx 文件 (only .csv or .xlsx files)")
	}
	if fh.Size == 0 {
		return invalid("file", "文件为空 (the file is empty)")
	}
	enc := c.FormValue("encoding", csvfile.Auto)
	switch enc {
	case csvfile.Auto, csvfile.UTF8, csvfile.GB18030:
	default:
		return invalid("encoding", "want auto, utf-8 or gb18030")
	}
	ctx := c.UserContext()
	stored, err := a.storeUpload(ctx, fh, name)
	if err != nil {
		return err
	}
	pr := principal(c)
	run, err := a.ratings.CreateRun(ctx, pr.CenterID, name, fileRef(stored), pr.Name(),
		ratings.FileOptions{Encoding: enc, SkipInvalid: c.FormValue("skip_invalid") == "1"})
	if err != nil {
		_ = a.files().delete(context.WithoutCancel(ctx), stored)
		return err
	}
	a.record(c, "ratings.upload", "run:"+strconv.FormatInt(run.ID, 10), fmt.Sprintf("file=%s size=%d", name, fh.Size))
	a.kickJobs()
	return c.Redirect("/ratings/import/"+strconv.FormatInt(run.ID, 10), fiber.StatusSeeOther)
}

// storeUpload copies the uploaded file into the database and returns the
// stored file's id.
func (a *App) storeUpload(ctx context.Context, fh *multipart.FileHeader, name string) (int64, error) {
	src, err := fh.Open()
	if err != nil {
		return 0, err
	}
	defer src.Close()
	fw, err := a.files().create(ctx, fileRatingsUpload, name)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(fw, src); err != nil {
		fw.Abort()
		return 0, err
	}
	if err := fw.Close(); err != nil {
		fw.Abort()
		return 0, err
	}
	return fw.ID(), nil
}

type runView struct {
	Run     *ratings.Run
	Percent int
	Errors  []ratings.LineError
}

func (a *App) ratingsImportRun(c *fiber.Ctx) error {
	run, err := a.importRunOf(c)
	if err != nil {
		return err
	}
	v := runView{Run: run}
	if run.TotalRows > 0 {
		v.Percent = int(100 * run.DoneRows / run.TotalRows)
	}
	if run.Finished() {
		v.Percent = 100
		v.Errors = a.ratings.RunErrors(run)
		if len(v.Errors) > 50 {
			v.Errors = v.Errors[:50]
		}
	}
	if strings.Contains(c.Get(fiber.HeaderAccept), "application/json") {
		return c.JSON(fiber.Map{"id": run.ID, "status": run.Status, "total_rows": run.TotalRows, "done_rows": run.DoneRows,
			"imported": run.Imported, "duplicates": run.Duplicates, "rejected": run.Rejected, "percent": v.Percent, "message": run.Message})
	}
	return a.render(c, "ratings_run", "ratings_import.title", v)
}

func (a *App) ratingsImportRejects(c *fiber.Ctx) error {
	run, err := a.importRunOf(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="rejects-`+strconv.FormatInt(run.ID, 10)+`.csv"`)
	return a.ratings.WriteRejectReport(c.Response().BodyWriter(), run)
}

func (a *App) importRunOf(c *fiber.Ctx) (*ratings.Run, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	run, err := a.ratings.Run(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if run.CenterID != principal(c).CenterID {
		return nil, fmt.Errorf("app: run %d: %w", id, store.ErrNotFound)
	}
	return run, nil
}

// runImportJobs imports the pending uploaded files one at a time.
func (a *App) runImportJobs(ctx context.Context) {
	for ctx.Err() == nil {
		run, err := a.ratings.NextPendingRun(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("ratings import jobs: claim", slog.Any("err", err))
			}
			return
		}
		// Each pass of the import opens its own reader over the chunks.
		fileID, refErr := parseFileRef(run.StoredPath)
		open := func() (io.ReadCloser, error) {
			if refErr != nil {
				// Uploaded by a version that kept files on one instance's
				// disk: the run fails with this message.
				return nil, fmt.Errorf("%w: upload the file again", refErr)
			}
			r, _, err := a.files().open(ctx, fileID)
			return r, err
		}
		res, err := a.ratings.ImportFile(ctx, run.CenterID, run.FileName, open,
			ratings.FileOptions{Encoding: run.Encoding, SkipInvalid: run.SkipInvalid, Run: run})
		if err == nil && res != nil {
			a.metrics.ratingsStored("file", res.Imported)
		}
		if err != nil && !errors.Is(err, ratings.ErrRefused) && ctx.Err() == nil {
			a.log.Warn("ratings import job failed", slog.Int64("run", run.ID), slog.Any("err", err))
		}
		if ctx.Err() != nil {
			return // interrupted: the run stays "importing"; re-importing the same file completes it
		}
		if res != nil && res.Imported+res.Duplicates > 0 {
			detail := fmt.Sprintf("run=%d file=%s imported=%d duplicates=%d rejected=%d", run.ID, run.FileName, res.Imported, res.Duplicates, res.Rejected)
			_ = a.audit.Record(ctx, nil, audit.Entry{CenterID: &run.CenterID, Actor: run.CreatedBy, IP: "job", Action: "ratings.import",
				Target: "center:" + strconv.FormatInt(run.CenterID, 10), Detail: detail})
		}
		if refErr == nil {
			if err := a.files().delete(ctx, fileID); err != nil && ctx.Err() == nil {
				a.log.Warn("ratings import job: delete the uploaded file", slog.Int64("run", run.ID), slog.Any("err", err))
			}
		}
	}
}
