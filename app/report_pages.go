package app

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/reports"
)

// PDF downloads (a person's, a team's, the center's report; certificates),
// the verification page, and batch report jobs started from the HR page.

// sendPDF renders into memory first, so an error is an error page, not a
// broken download.
func sendPDF(c *fiber.Ctx, name string, render func(w io.Writer) (reports.Result, error)) error {
	var buf bytes.Buffer
	res, err := render(&buf)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set("X-Kaoping-Code", res.Code)
	return c.Send(buf.Bytes())
}

func (a *App) apiStaffReport(c *fiber.Ctx) error {
	p, err := scoring.ParsePeriod(c.Query("period"))
	if err != nil {
		return err
	}
	no := c.Params("no")
	return sendPDF(c, safeName(no)+"-"+p.String()+".pdf", func(w io.Writer) (reports.Result, error) {
		return a.RenderStaffReport(c.UserContext(), principal(c).CenterID, no, p, a.actor(c), w)
	})
}

func (a *App) apiTeamReport(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	p, err := scoring.ParsePeriod(c.Query("period"))
	if err != nil {
		return err
	}
	t, err := a.staff.TeamByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return sendPDF(c, safeName(t.Code)+"-"+p.String()+".pdf", func(w io.Writer) (reports.Result, error) {
		return a.RenderTeamReport(c.UserContext(), principal(c).CenterID, id, p, a.actor(c), w)
	})
}

func (a *App) apiCenterReport(c *fiber.Ctx) error {
	p, err := scoring.ParsePeriod(c.Query("period"))
	if err != nil {
		return err
	}
	return sendPDF(c, "center-"+p.String()+".pdf", func(w io.Writer) (reports.Result, error) {
		return a.RenderCenterReport(c.UserContext(), principal(c).CenterID, p, a.actor(c), w)
	})
}

func (a *App) certificatePDF(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return sendPDF(c, "certificate-"+strconv.FormatInt(id, 10)+".pdf", func(w io.Writer) (reports.Result, error) {
		return a.RenderCertificate(c.UserContext(), id, a.actor(c), w)
	})
}

// safeName keeps a file name to letters, digits, '-' and '_'.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

type verifyView struct {
	Asked bool
	Doc   *IssuedDocument
	Error string
}

func (a *App) verifyPage(c *fiber.Ctx) error {
	return a.render(c, "verify", "verify.title", verifyView{})
}

// verifySubmit checks a code typed in, or an uploaded PDF.
func (a *App) verifySubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := verifyView{Asked: true}
	var doc *IssuedDocument
	var err error
	if fh, ferr := c.FormFile("file"); ferr == nil && fh.Size > 0 {
		f, oerr := fh.Open()
		if oerr != nil {
			return oerr
		}
		data, rerr := io.ReadAll(io.LimitReader(f, 20<<20))
		f.Close()
		if rerr != nil {
			return rerr
		}
		doc, err = a.VerifyPDF(ctx, data)
	} else {
		doc, err = a.VerifyCode(ctx, c.FormValue("code"))
	}
	// The page explains a failed check; its status says it too (404: no
	// such document; 4xx: not a PDF, a malformed code), so a script that
	// posts a file sees the answer without reading the page.
	switch {
	case errors.Is(err, store.ErrNotFound):
		v.Error = a.msgs.T(lang(c), "verify.unknown")
		c.Status(fiber.StatusNotFound)
	case err != nil && statusOf(err) < 500:
		v.Error = publicMessage(err, statusOf(err))
		c.Status(statusOf(err))
	case err != nil:
		return err
	default:
		v.Doc = doc
		a.record(c, "report.verify", doc.Subject, doc.Code)
	}
	return a.render(c, "verify", "verify.title", v)
}

// ReportJob is a batch of staff reports started from the HR page.
type ReportJob struct {
	bun.BaseModel `bun:"table:report_jobs,alias:rj"`
	ID            int64 `bun:",pk,autoincrement"`
	CenterID      int64
	Period        string
	TeamID        *int64
	Status        string // pending, running, done, failed
	Total         int
	Done          int
	Failed        int
	Message       string
	Path          string
	CreatedBy     string
	CreatedAt     time.Time
	StartedAt     *time.Time
	FinishedAt    *time.Time
	HeartbeatAt   *time.Time // stamped with the progress; see requeueStaleJobs
}

// Percent is the progress for the bar.
func (j *ReportJob) Percent() int {
	if j.Total == 0 {
		if j.Status == "done" {
			return 100
		}
		return 0
	}
	return 100 * (j.Done + j.Failed) / j.Total
}

type batchView struct {
	Jobs   []ReportJob
	Period string
	Teams  []teamOption
}

type teamOption struct {
	ID   int64
	Name string
}

func (a *App) batchPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	v := batchView{}
	if err := a.db.NewSelect().Model(&v.Jobs).Where("rj.center_id = ?", p.CenterID).OrderExpr("rj.id DESC").Limit(20).Scan(ctx); err != nil {
		return err
	}
	per, err := a.periodParam(c)
	if err != nil {
		return err
	}
	v.Period = per.String()
	teams, err := a.staff.Teams(ctx, p.CenterID)
	if err != nil {
		return err
	}
	for _, t := range teams {
		v.Teams = append(v.Teams, teamOption{t.ID, t.Name})
	}
	return a.render(c, "report_batch", "batch.title", v)
}

func (a *App) batchStart(c *fiber.Ctx) error {
	p, err := scoring.ParsePeriod(strings.TrimSpace(c.FormValue("period")))
	if err != nil {
		return err
	}
	pr := principal(c)
	job := &ReportJob{CenterID: pr.CenterID, Period: p.String(), Status: "pending", CreatedBy: pr.Name(), CreatedAt: a.now().UTC()}
	if s := c.FormValue("team"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return invalid("team", "not a team")
		}
		t, err := a.staff.TeamByID(c.UserContext(), id)
		if err != nil || t.CenterID != pr.CenterID {
			return invalid("team", "not a team of this center")
		}
		job.TeamID = &t.ID
	}
	if _, err := a.db.NewInsert().Model(job).Exec(c.UserContext()); err != nil {
		return err
	}
	a.record(c, "report.batch", "period:"+job.Period, fmt.Sprintf("job=%d", job.ID))
	a.kickJobs()
	return c.Redirect("/reports/batch/"+strconv.FormatInt(job.ID, 10), fiber.StatusSeeOther)
}

func (a *App) batchJob(c *fiber.Ctx) error {
	job, err := a.jobOf(c)
	if err != nil {
		return err
	}
	if strings.Contains(c.Get(fiber.HeaderAccept), "application/json") {
		return c.JSON(fiber.Map{"id": job.ID, "status": job.Status, "total": job.Total, "done": job.Done, "failed": job.Failed,
			"percent": job.Percent(), "message": job.Message})
	}
	return a.render(c, "report_job", "batch.title", job)
}

// batchZip streams the job's ZIP from the database, so any instance serves
// it whichever ran the job.
func (a *App) batchZip(c *fiber.Ctx) error {
	job, err := a.jobOf(c)
	if err != nil {
		return err
	}
	if job.Status != "done" || job.Path == "" {
		return fiber.NewError(fiber.StatusConflict, "the batch is not finished")
	}
	id, err := parseFileRef(job.Path)
	if err != nil {
		// A job of a version that kept ZIPs on one instance's disk.
		return fiber.NewError(fiber.StatusGone, "the ZIP of this older batch is no longer kept; start the batch again")
	}
	// The body is streamed after the handler returned: the reader must
	// not use the request's context.
	r, f, err := a.files().open(context.WithoutCancel(c.UserContext()), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="reports-`+job.Period+`.zip"`)
	c.Context().SetBodyStream(r, int(f.Size))
	return nil
}

func (a *App) jobOf(c *fiber.Ctx) (*ReportJob, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	job := new(ReportJob)
	if err := a.db.NewSelect().Model(job).Where("rj.id = ? AND rj.center_id = ?", id, principal(c).CenterID).Scan(c.UserContext()); err != nil {
		return nil, store.Translate(err)
	}
	return job, nil
}

// kickJobs wakes the job runner (non-blocking).
func (a *App) kickJobs() {
	select {
	case a.jobKick <- struct{}{}:
	default:
	}
}

// runReportJobs takes pending jobs one at a time until none is left.
func (a *App) runReportJobs(ctx context.Context) {
	for ctx.Err() == nil {
		job, err := a.claimJob(ctx)
		if err != nil || job == nil {
			if err != nil && ctx.Err() == nil {
				a.log.Warn("report jobs: claim", slog.Any("err", err))
			}
			return
		}
		if err := a.runJob(ctx, job); err != nil && ctx.Err() == nil {
			a.log.Warn("report job failed", slog.Int64("job", job.ID), slog.Any("err", err))
			now := a.now().UTC()
			_, _ = a.db.NewUpdate().Model((*ReportJob)(nil)).Set("status = 'failed'").Set("message = ?", err.Error()).
				Set("finished_at = ?", now).Where("id = ?", job.ID).Exec(context.WithoutCancel(ctx))
		}
	}
}

// claimJob marks the oldest pending job running and returns it; exactly
// one instance gets each job.
func (a *App) claimJob(ctx context.Context) (*ReportJob, error) {
	var id int64
	sub := a.db.NewSelect().Model((*ReportJob)(nil)).Column("id").Where("status = 'pending'").OrderExpr("id").Limit(1)
	if a.db.Dialect().Name().String() == "pg" {
		sub = sub.For("UPDATE SKIP LOCKED")
	}
	if err := sub.Scan(ctx, &id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	now := a.now().UTC()
	res, err := a.db.NewUpdate().Model((*ReportJob)(nil)).Set("status = 'running'").Set("started_at = ?", now).Set("heartbeat_at = ?", now).
		Where("id = ? AND status = 'pending'", id).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return a.claimJob(ctx) // another instance took it
	}
	job := new(ReportJob)
	return job, a.db.NewSelect().Model(job).Where("rj.id = ?", id).Scan(ctx)
}

// runJob renders the batch into a ZIP stored in the database (see
// files.go), keeping done/failed current for the progress bar. The ZIP is
// written as the PDFs are rendered, a chunk at a time.
func (a *App) runJob(ctx context.Context, job *ReportJob) error {
	p, err := scoring.ParsePeriod(job.Period)
	if err != nil {
		return err
	}
	var team int64
	if job.TeamID != nil {
		team = *job.TeamID
	}
	by := Actor{Name: job.CreatedBy + " (batch)", IP: "local", CenterID: job.CenterID}
	rb, err := a.NewReportBatch(ctx, job.CenterID, team, p, by)
	if err != nil {
		return err
	}
	if _, err := a.db.NewUpdate().Model((*ReportJob)(nil)).Set("total = ?", len(rb.StaffNos)).Where("id = ?", job.ID).Exec(ctx); err != nil {
		return err
	}
	fw, err := a.files().create(ctx, fileReportZip, fmt.Sprintf("job-%d-%s.zip", job.ID, job.Period))
	if err != nil {
		return err
	}
	stored := false
	defer func() {
		if !stored {
			fw.Abort()
		}
	}()
	zw := zip.NewWriter(fw)
	done, failed := 0, 0
	var fails []string
	for i, no := range rb.StaffNos {
		var buf bytes.Buffer
		if _, err := rb.Render(ctx, no, by, &buf); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed++
			fails = append(fails, no+": "+err.Error())
		} else {
			w, err := zw.Create(safeName(no) + "-" + job.Period + ".pdf")
			if err != nil {
				return err
			}
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
			done++
		}
		if i%10 == 9 || i == len(rb.StaffNos)-1 {
			if _, err := a.db.NewUpdate().Model((*ReportJob)(nil)).Set("done = ?", done).Set("failed = ?", failed).Set("heartbeat_at = ?", a.now().UTC()).
				Where("id = ?", job.ID).Exec(ctx); err != nil {
				return err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	// The counts are on the job row (the page words them in the reader's
	// language); the message keeps only what failed and why.
	msg := strings.Join(fails, "\n")
	now := a.now().UTC()
	_, err = a.db.NewUpdate().Model((*ReportJob)(nil)).Set("status = 'done'").Set("path = ?", fileRef(fw.ID())).Set("message = ?", msg).
		Set("done = ?", done).Set("failed = ?", failed).Set("finished_at = ?", now).Where("id = ?", job.ID).Exec(ctx)
	if err != nil {
		return err
	}
	stored = true
	return nil
}

// staleJobAge is how long a running job may go without a heartbeat before
// it is taken for dead; progress is stamped every few seconds at most.
const staleJobAge = 3 * time.Minute

// requeueStaleJobs puts back in the queue the batch report jobs and the
// uploaded-file imports whose process died.
func (a *App) requeueStaleJobs(ctx context.Context) error {
	before := a.now().Add(-staleJobAge).UTC()
	res, err := a.db.NewUpdate().Model((*ReportJob)(nil)).Set("status = 'pending'").Set("started_at = NULL").
		Set("done = 0").Set("failed = 0").
		Where("status = 'running'").Where("COALESCE(heartbeat_at, started_at, created_at) < ?", before).Exec(ctx)
	if err != nil {
		return fmt.Errorf("requeue stale report jobs: %w", err)
	}
	jobs, _ := res.RowsAffected()
	runs, failed, err := a.ratings.RequeueStale(ctx, before)
	if jobs+runs+failed > 0 {
		a.log.Warn("requeued background work left by a dead process", slog.Int64("report_jobs", jobs),
			slog.Int64("import_runs", runs), slog.Int64("cli_imports_failed", failed))
		a.kickJobs()
	}
	return err
}
