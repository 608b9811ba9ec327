package app

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/rbac"
)

// Score pages: the center overview (HR), a team's scores with trend and
// competence matrix (its leads), one person's score with every term behind
// it (the person, their lead, HR), the exports and the period close.

// periodParam reads ?period= (or the form's period), the current month of
// the center when absent.
func (a *App) periodParam(c *fiber.Ctx) (scoring.Period, error) {
	s := strings.TrimSpace(c.Query("period", c.FormValue("period")))
	if s == "" {
		today, err := a.staff.Today(c.UserContext(), principal(c).CenterID)
		if err != nil {
			return scoring.Period{}, err
		}
		s = today[:7]
	}
	return scoring.ParsePeriod(s)
}

type centerScoresView struct {
	Period    scoring.Period
	Sheet     *scores.Sheet
	Teams     []scores.TeamSummary
	TeamBars  template.HTML
	Items     []scores.ItemRow
	Channels  []string
	Below     []scoring.Score
	Threshold float64
	Issues    []scores.Issue
	CanClose  bool
}

func (a *App) centerScores(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := a.periodParam(c)
	if err != nil {
		return err
	}
	centerID := principal(c).CenterID
	sheet, err := a.scores.Sheet(ctx, centerID, p)
	if err != nil {
		return err
	}
	v := centerScoresView{Period: p, Sheet: sheet, Teams: sheet.Teams(), Channels: channel.All(), Threshold: sheet.Settings.Threshold}
	v.Below = sheet.Below(v.Threshold)
	labels, values := make([]string, len(v.Teams)), make([]*float64, len(v.Teams))
	for i, t := range v.Teams {
		labels[i], values[i] = t.Team, t.Quality
	}
	v.TeamBars = barsSVG(labels, values)
	if v.Items, err = a.scores.ItemTable(ctx, centerID, p); err != nil {
		return err
	}
	if v.Issues, err = a.scores.Issues(ctx, centerID, p); err != nil {
		return err
	}
	v.CanClose = a.hasRole(c, rbac.RoleHR) || a.hasRole(c, rbac.RoleAdmin)
	return a.render(c, "scores_center", "scores.center_title", v)
}

type teamScoresView struct {
	Team     *staff.Team
	Period   scoring.Period
	Sheet    *scores.Sheet
	Scores   []scoring.Score
	Trend    template.HTML
	Bars     template.HTML
	Modules  []matrixModule
	Matrix   []matrixRow
	Channels []string
}

type matrixModule struct {
	ID    int64
	Code  string
	Title string
}

type matrixRow struct {
	Member staff.Member
	Cells  []matrixCell
}

type matrixCell struct {
	State       string // none, due, overdue, passed, failed, completed
	Grade       *float64
	EnrolmentID int64
}

func (a *App) teamScores(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tv, err := a.team(c)
	if err != nil {
		return err
	}
	p, err := a.periodParam(c)
	if err != nil {
		return err
	}
	sheet, err := a.scores.Sheet(ctx, tv.Team.CenterID, p)
	if err != nil {
		return err
	}
	v := teamScoresView{Team: tv.Team, Period: p, Sheet: sheet, Scores: sheet.Team(tv.Team.ID), Channels: channel.All()}
	_, teams, err := a.scores.Trends(ctx, tv.Team.CenterID, p, 4)
	if err != nil {
		return err
	}
	v.Trend = trendSVG(teams[tv.Team.ID])
	labels, values := make([]string, len(v.Scores)), make([]*float64, len(v.Scores))
	for i, sc := range v.Scores {
		labels[i], values[i] = sc.Name, sc.Quality
	}
	v.Bars = barsSVG(labels, values)
	if v.Modules, v.Matrix, err = a.matrix(ctx, tv); err != nil {
		return err
	}
	return a.render(c, "scores_team", "scores.team_title", v)
}

// matrix is the competence matrix: the team's members × the modules any of
// them is enrolled in, each cell the state of the person's latest enrolment.
func (a *App) matrix(ctx context.Context, tv teamView) ([]matrixModule, []matrixRow, error) {
	es, err := a.training.TeamEnrolments(ctx, tv.Team.ID, tv.Date)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	results, err := a.quizzes.EnrolmentResults(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var mods []matrixModule
	col := map[int64]int{}
	latest := map[[2]int64]training.Enrolment{}
	for _, e := range es {
		if _, ok := col[e.ModuleID]; !ok {
			col[e.ModuleID] = len(mods)
			m := matrixModule{ID: e.ModuleID}
			if e.Module != nil {
				m.Code = e.Module.Code
			}
			if e.Version != nil {
				m.Title = e.Version.Title
			}
			mods = append(mods, m)
		}
		k := [2]int64{e.StaffID, e.ModuleID}
		if old, ok := latest[k]; !ok || e.ID > old.ID {
			latest[k] = e
		}
	}
	rows := make([]matrixRow, len(tv.Members))
	for i, m := range tv.Members {
		rows[i] = matrixRow{Member: m, Cells: make([]matrixCell, len(mods))}
		for j := range mods {
			rows[i].Cells[j].State = "none"
		}
	}
	rowOf := map[int64]int{}
	for i, m := range tv.Members {
		rowOf[m.ID] = i
	}
	for k, e := range latest {
		i, ok := rowOf[k[0]]
		if !ok {
			continue
		}
		cell := matrixCell{EnrolmentID: e.ID}
		res := results[e.ID]
		switch {
		case res.HasQuiz && res.Grade != nil && res.Passed:
			cell.State, cell.Grade = "passed", res.Grade
		case res.HasQuiz && res.Grade != nil:
			cell.State, cell.Grade = "failed", res.Grade
		case e.Status == training.EnrolmentCompleted:
			cell.State = "completed"
		case e.Overdue:
			cell.State = "overdue"
		default:
			cell.State = "due"
		}
		rows[i].Cells[col[k[1]]] = cell
	}
	return mods, rows, nil
}

type staffScoresView struct {
	personView
	Period     scoring.Period
	Score      *scoring.Score
	Issue      int
	Trend      template.HTML
	Ratings    []ratings.Rating
	Enrolments []training.Enrolment
	Channels   []string
}

func (a *App) staffScores(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	pv, err := a.person(c, id)
	if err != nil {
		return err
	}
	p, err := a.periodParam(c)
	if err != nil {
		return err
	}
	v := staffScoresView{personView: pv, Period: p, Channels: channel.All()}
	sheet, err := a.scores.Sheet(ctx, pv.Member.CenterID, p)
	if err != nil {
		return err
	}
	v.Issue = sheet.IssueNo
	if sc, err := sheet.Person(pv.Member.StaffNo); err == nil {
		v.Score = sc
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	people, _, err := a.scores.Trends(ctx, pv.Member.CenterID, p, 4)
	if err != nil {
		return err
	}
	if pts, ok := people[id]; ok {
		v.Trend = trendSVG(pts)
	}
	if v.Ratings, err = a.ratings.StaffRatings(ctx, id, p.FirstDate(), p.LastDate()); err != nil {
		return err
	}
	if v.Enrolments, err = a.training.StaffEnrolments(ctx, id); err != nil {
		return err
	}
	return a.render(c, "scores_staff", "scores.staff_title", v)
}

// apiStaffScores is GET /api/v1/staff/:no/scores?period=P: the person's
// score object, as in `kaoping scores --format json`.
func (a *App) apiStaffScores(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.staff.StaffByNo(ctx, principal(c).CenterID, c.Params("no"))
	if err != nil {
		return err
	}
	p, err := scoring.ParsePeriod(c.Query("period"))
	if err != nil {
		return err
	}
	sheet, err := a.scores.Sheet(ctx, m.CenterID, p)
	if err != nil {
		return err
	}
	sc, err := sheet.Person(m.StaffNo)
	if err != nil {
		return err
	}
	c.Set("X-Kaoping-Issue", strconv.Itoa(sheet.IssueNo))
	return c.JSON(sc)
}

// scopeStaffNo scopes a route to the person with the staff number in param.
func (a *App) scopeStaffNo(param string) scopeFunc {
	return func(c *fiber.Ctx, p *Principal) ([]string, error) {
		m, err := a.staff.StaffByNo(c.UserContext(), p.CenterID, c.Params(param))
		if err != nil {
			return nil, err
		}
		return a.staffDomains(c, m.ID)
	}
}

// scoresExport downloads the center's (or ?team=ID's) table as CSV or XLSX.
func (a *App) scoresExport(c *fiber.Ctx) error {
	return a.exportScores(c, 0)
}

func (a *App) teamScoresExport(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return a.exportScores(c, id)
}

func (a *App) exportScores(c *fiber.Ctx, teamID int64) error {
	ctx := c.UserContext()
	p, err := a.periodParam(c)
	if err != nil {
		return err
	}
	centerID := principal(c).CenterID
	sheet, err := a.scores.Sheet(ctx, centerID, p)
	if err != nil {
		return err
	}
	list, name := sheet.Scores, "scores-"+p.String()
	if teamID != 0 {
		t, err := a.staff.TeamByID(ctx, teamID)
		if err != nil {
			return err
		}
		list, name = sheet.Team(teamID), "scores-"+t.Code+"-"+p.String()
	}
	switch c.Query("format", "csv") {
	case "csv":
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
		return scores.WriteCSV(c.Response().BodyWriter(), list)
	case "xlsx":
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
		return scores.WriteXLSX(c.Response().BodyWriter(), name, list)
	}
	return invalid("format", "want csv or xlsx")
}

// scoresIssue closes the period (HR signs it off) or re-issues it.
func (a *App) scoresIssue(c *fiber.Ctx) error {
	p, err := a.periodParam(c)
	if err != nil {
		return err
	}
	pr := principal(c)
	by := scores.Actor{Name: pr.Name(), IP: c.IP()}
	var iss *scores.Issue
	if c.FormValue("action") == "reissue" {
		iss, err = a.scores.Reissue(c.UserContext(), pr.CenterID, p, c.FormValue("reason"), by)
	} else {
		iss, err = a.scores.Close(c.UserContext(), pr.CenterID, p, c.FormValue("reason"), by)
	}
	if err != nil {
		return err
	}
	a.flash(c, fmt.Sprintf("%s · %s %d", p, a.msgs.T(lang(c), "scores.issue"), iss.IssueNo))
	return c.Redirect("/scores?period="+p.String(), fiber.StatusSeeOther)
}
