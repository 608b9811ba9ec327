package app

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/rbac"
	"github.com/kaoping/kaoping/reports"
)

// The data of the PDF reports, gathered from the same sheet the pages show
// (live, or the issue of a closed period), so a printed figure is the
// figure on the screen to the last decimal.

// reportMeta is the header every report shares.
func (a *App) reportMeta(ctx context.Context, centerID int64, p scoring.Period, sheet *scores.Sheet, by string) (reports.Meta, *staff.Center, error) {
	ctr, err := a.staff.Center(ctx, centerID)
	if err != nil {
		return reports.Meta{}, nil, err
	}
	loc, err := ctr.Location()
	if err != nil {
		return reports.Meta{}, nil, err
	}
	return reports.Meta{CenterName: ctr.Name, Period: p.String(), PeriodLabel: p.Label("zh-CN"), IssueNo: sheet.IssueNo,
		GeneratedAt: a.now().Truncate(time.Second), GeneratedBy: by, Location: loc}, ctr, nil
}

func channelRows(counts map[string][5]int, sc *scoring.Score, m map[string]scoring.ChannelStat, prior float64, points [5]float64) []reports.ChannelRow {
	var out []reports.ChannelRow
	for _, ch := range channel.All() {
		c, ok := counts[ch]
		if !ok {
			continue
		}
		row := reports.ChannelRow{Channel: channel.Label(ch, "zh-CN"), Counts: c, C: prior}
		for lv, k := range c {
			row.N += k
			_ = lv
		}
		if st, ok := m[ch]; ok {
			row.M = st.Mean
		}
		if sc != nil {
			if cs, ok := sc.Channels[ch]; ok {
				row.Mean, row.M, row.C = cs.Mean, cs.M, cs.C
				v := cs.Score
				row.Score = &v
			}
		}
		if row.N > 0 {
			good := float64(c[3]+c[4]) / float64(row.N)
			bad := float64(c[0]+c[1]) / float64(row.N)
			row.GoodRate, row.BadRate = &good, &bad
			if row.Mean == nil {
				var sum float64
				for lv, k := range c {
					sum += float64(k) * points[lv]
				}
				mean := sum / float64(row.N)
				row.Mean = &mean
			}
		}
		out = append(out, row)
	}
	return out
}

// reportBatch holds what every staff report of one center and period
// shares — the sheet, the trends, the header — so a batch of thousands
// computes them once.
type reportBatch struct {
	centerID int64
	p        scoring.Period
	sheet    *scores.Sheet
	trends   map[int64][]scores.TrendPoint
	meta     reports.Meta
}

func (a *App) newReportBatch(ctx context.Context, centerID int64, p scoring.Period, by string) (*reportBatch, error) {
	sheet, err := a.scores.Sheet(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	meta, _, err := a.reportMeta(ctx, centerID, p, sheet, by)
	if err != nil {
		return nil, err
	}
	people, _, err := a.scores.Trends(ctx, centerID, p, 4)
	if err != nil {
		return nil, err
	}
	return &reportBatch{centerID: centerID, p: p, sheet: sheet, trends: people, meta: meta}, nil
}

// StaffReport gathers one person's evaluation for the period.
func (a *App) StaffReport(ctx context.Context, centerID int64, staffNo string, p scoring.Period, by string) (*reports.StaffReport, error) {
	b, err := a.newReportBatch(ctx, centerID, p, by)
	if err != nil {
		return nil, err
	}
	return a.staffReport(ctx, b, staffNo)
}

func (a *App) staffReport(ctx context.Context, b *reportBatch, staffNo string) (*reports.StaffReport, error) {
	centerID, p, sheet := b.centerID, b.p, b.sheet
	m, err := a.staff.StaffByNo(ctx, centerID, staffNo)
	if err != nil {
		return nil, err
	}
	meta := b.meta
	meta.GeneratedAt = a.now().Truncate(time.Second)
	rep := &reports.StaffReport{Meta: meta, StaffNo: m.StaffNo, Name: m.Name}
	if m.Team != nil {
		rep.Team = m.Team.Name
	}
	sc, _ := sheet.Person(m.StaffNo)
	if sc != nil {
		rep.Team, rep.Quality, rep.Band, rep.NRatings, rep.RankTeam, rep.RankCenter = sc.Team, sc.Quality, sc.Band, sc.NRatings, sc.RankTeam, sc.RankCenter
		q := sc.Explain.Quality
		rep.Components = []reports.Component{
			{Key: "satisfaction", Label: "群众满意度", Value: sc.Satisfaction, BaseWeight: q.BaseWeights.Satisfaction, Weight: q.Weights.Satisfaction, Explain: sc.Explain.Satisfaction.Formula},
			{Key: "competence", Label: "业务能力（测验）", Value: sc.Competence, BaseWeight: q.BaseWeights.Competence, Weight: q.Weights.Competence, Explain: sc.Explain.Competence.Formula},
			{Key: "training", Label: "培训按时完成", Value: sc.Training, BaseWeight: q.BaseWeights.Training, Weight: q.Weights.Training, Explain: sc.Explain.Training.Formula},
		}
	}
	counts, err := a.scores.LevelCounts(ctx, centerID, p, []int64{m.ID}, true)
	if err != nil {
		return nil, err
	}
	rep.Channels = channelRows(counts, sc, sheet.Channels, sheet.Settings.Prior, sheet.Settings.Points)

	rs, err := a.ratings.StaffRatings(ctx, m.ID, p.FirstDate(), p.LastDate())
	if err != nil {
		return nil, err
	}
	for i := len(rs) - 1; i >= 0; i-- { // oldest first
		r := rs[i]
		if !r.Bad() {
			continue
		}
		row := reports.BadRatingRow{RatedAt: r.RatedAt, Channel: channel.Label(r.Channel, "zh-CN"), Level: r.Level,
			Reasons: strings.Join(r.Reasons, "、"), Comment: r.Comment}
		if r.ItemCode != nil {
			row.Item = *r.ItemCode
		}
		if r.IsDefault {
			row.Comment = strings.TrimSpace("（默认评价，不计分）" + row.Comment)
		}
		if cs, err := a.followup.CaseByRating(ctx, r.ID); err == nil {
			row.CaseState = caseStateLabel(cs)
			if cs.Appeal != nil {
				row.Appeal = appealLabel(cs.Appeal.State)
			}
		}
		rep.BadRatings = append(rep.BadRatings, row)
	}

	es, err := a.training.StaffEnrolments(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	certs, err := a.training.Certificates(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	certOf := map[int64]string{}
	for _, c := range certs {
		certOf[c.EnrolmentID] = c.Number
	}
	ids := make([]int64, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	results, err := a.quizzes.EnrolmentResults(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.DueDate > p.LastDate() && (e.CompletedOn == nil || *e.CompletedOn > p.LastDate()) {
			continue // assigned after the period
		}
		title, number := "", 0
		if e.Version != nil {
			title, number = e.Version.Title, e.Version.Number
		}
		row := reports.TrainingRow{Module: title, Version: number, Due: e.DueDate, Certificate: certOf[e.ID], Status: enrolmentLabel(e)}
		if e.CompletedOn != nil {
			row.Completed = *e.CompletedOn
		}
		rep.Training = append(rep.Training, row)
		if res := results[e.ID]; res.HasQuiz && res.Attempted {
			qr := reports.QuizRow{Quiz: title, Attempts: res.Attempts, Grade: res.Grade}
			if res.Grade != nil {
				passed := res.Passed
				qr.Passed = &passed
			}
			if e.CompletedOn != nil {
				qr.Date = *e.CompletedOn
			}
			rep.Quizzes = append(rep.Quizzes, qr)
		}
	}
	rep.Trend = trendOf(b.trends[m.ID], p)
	return rep, nil
}

func trendOf(pts []scores.TrendPoint, p scoring.Period) []reports.TrendPoint {
	if pts == nil {
		for _, q := range p.Last(4) {
			pts = append(pts, scores.TrendPoint{Period: q.String()})
		}
	}
	out := make([]reports.TrendPoint, len(pts))
	for i, t := range pts {
		out[i] = reports.TrendPoint{Period: t.Period, Value: t.Value}
	}
	return out
}

func caseStateLabel(cs *followup.Case) string {
	s := map[string]string{followup.StateVerify: "待核实", followup.StateRectify: "整改中", followup.StateReply: "待回访", followup.StateClosed: "已办结"}[cs.State]
	if cs.Overdue {
		s += "（逾期）"
	}
	return s
}

func appealLabel(state string) string {
	return map[string]string{followup.AppealPending: "申诉处理中", followup.Upheld: "申诉成立（不计分）",
		followup.Partly: "部分成立（不计入个人）", followup.Rejected: "申诉不成立"}[state]
}

func enrolmentLabel(e training.Enrolment) string {
	switch {
	case e.Status == training.EnrolmentCompleted:
		return "已完成"
	case e.Overdue:
		return "逾期"
	case e.Status == training.EnrolmentInProgress:
		return "学习中"
	}
	return "待完成"
}

func memberRow(sc scoring.Score) reports.MemberRow {
	return reports.MemberRow{StaffNo: sc.StaffNo, Name: sc.Name, Quality: sc.Quality, Satisfaction: sc.Satisfaction,
		Competence: sc.Competence, Training: sc.Training, Band: sc.Band, NRatings: sc.NRatings, RankTeam: sc.RankTeam}
}

func channelSummaries(counts map[string][5]int, points [5]float64) []reports.ChannelSummary {
	var out []reports.ChannelSummary
	for _, ch := range channel.All() {
		c, ok := counts[ch]
		if !ok {
			continue
		}
		s := reports.ChannelSummary{Channel: channel.Label(ch, "zh-CN")}
		var sum float64
		for lv, k := range c {
			s.N += k
			sum += float64(k) * points[lv]
		}
		if s.N > 0 {
			mean, good, bad := sum/float64(s.N), float64(c[3]+c[4])/float64(s.N), float64(c[0]+c[1])/float64(s.N)
			s.Mean, s.GoodRate, s.BadRate = &mean, &good, &bad
		}
		out = append(out, s)
	}
	return out
}

// TeamReport gathers a team's report for the period.
func (a *App) TeamReport(ctx context.Context, centerID, teamID int64, p scoring.Period, by string) (*reports.TeamReport, error) {
	t, err := a.staff.TeamByID(ctx, teamID)
	if err != nil {
		return nil, err
	}
	if t.CenterID != centerID {
		return nil, fmt.Errorf("app: team %d: %w", teamID, store.ErrNotFound)
	}
	sheet, err := a.scores.Sheet(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	meta, _, err := a.reportMeta(ctx, centerID, p, sheet, by)
	if err != nil {
		return nil, err
	}
	rep := &reports.TeamReport{Meta: meta, Team: t.Name}
	for _, sub := range a.authz.Holders(rbac.RoleTeamLead, rbac.TeamDomain(t.ID)) {
		rep.Leads = append(rep.Leads, a.subjectLabel(ctx, sub))
	}
	members := sheet.Team(t.ID)
	ids := make([]int64, 0, len(members))
	for _, sc := range members {
		rep.Members = append(rep.Members, memberRow(sc))
		ids = append(ids, sc.StaffID)
	}
	counts, err := a.scores.LevelCounts(ctx, centerID, p, ids, false)
	if err != nil {
		return nil, err
	}
	rep.Channels = channelSummaries(counts, sheet.Settings.Points)
	date := p.LastDate()
	if today, err := a.staff.Today(ctx, centerID); err == nil && today < date {
		date = today
	}
	staffMembers, err := a.staff.TeamMembers(ctx, t.ID, date)
	if err != nil {
		return nil, err
	}
	mods, rows, err := a.matrix(ctx, teamView{Team: t, Date: date, Members: staffMembers})
	if err != nil {
		return nil, err
	}
	for _, m := range mods {
		rep.Modules = append(rep.Modules, m.Code)
	}
	for _, r := range rows {
		mr := reports.MatrixRow{StaffNo: r.Member.StaffNo, Name: r.Member.Name}
		for _, c := range r.Cells {
			st := c.State
			if st == "completed" {
				st = "passed"
			}
			mr.Cells = append(mr.Cells, reports.MatrixCell{State: st, Grade: c.Grade})
		}
		rep.Matrix = append(rep.Matrix, mr)
	}
	_, teams, err := a.scores.Trends(ctx, centerID, p, 4)
	if err != nil {
		return nil, err
	}
	rep.Trend = trendOf(teams[t.ID], p)
	outs, err := a.RetrainOutcomes(ctx, centerID, t.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range outs {
		rep.Retraining = append(rep.Retraining, reports.RetrainRow{StaffNo: o.StaffNo, Name: o.StaffName, Item: o.ItemName,
			TriggeredOn: o.At.In(meta.Location).Format(time.DateOnly), Before: o.Before, After: o.After, NBefore: o.NBefore, NAfter: o.NAfter})
	}
	return rep, nil
}

// CenterReport gathers the center's report for the period.
func (a *App) CenterReport(ctx context.Context, centerID int64, p scoring.Period, by string) (*reports.CenterReport, error) {
	sheet, err := a.scores.Sheet(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	meta, _, err := a.reportMeta(ctx, centerID, p, sheet, by)
	if err != nil {
		return nil, err
	}
	rep := &reports.CenterReport{Meta: meta, Threshold: sheet.Settings.Threshold}
	for _, ts := range sheet.Teams() {
		rep.Teams = append(rep.Teams, reports.TeamSummary{Team: ts.Team, Members: ts.Members, NRatings: ts.NRatings, Quality: ts.Quality,
			Satisfaction: ts.Satisfaction, Competence: ts.Competence, Training: ts.Training, BadRate: ts.BadRate})
	}
	for _, ch := range channel.All() {
		rep.ChannelNames = append(rep.ChannelNames, channel.Label(ch, "zh-CN"))
	}
	items, err := a.scores.ItemTable(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		row := reports.ItemRow{Item: it.Name + " " + it.Code}
		for _, ch := range channel.All() {
			c := it.Cells[ch]
			row.Cells = append(row.Cells, reports.ItemCell{N: c.N, Mean: c.Mean})
		}
		rep.Items = append(rep.Items, row)
	}
	counts, err := a.scores.LevelCounts(ctx, centerID, p, nil, false)
	if err != nil {
		return nil, err
	}
	rep.Channels = channelSummaries(counts, sheet.Settings.Points)
	for _, sc := range sheet.Below(rep.Threshold) {
		rep.Below = append(rep.Below, memberRow(sc))
	}
	cases, err := a.followup.Cases(ctx, followup.CaseFilter{CenterID: centerID, OverdueOnly: true, Limit: 500})
	if err != nil {
		return nil, err
	}
	now := a.now()
	for _, cs := range cases {
		row := reports.CaseRow{StaffNo: cs.StaffNo, Name: cs.StaffName, Team: cs.TeamName, State: caseStateLabel(&cs), Due: cs.Due}
		if cs.Rating != nil {
			row.RatedAt, row.Channel, row.Level = cs.Rating.RatedAt, channel.Label(cs.Rating.Channel, "zh-CN"), cs.Rating.Level
		}
		if !cs.Due.IsZero() && now.After(cs.Due) {
			row.DaysOverdue = int(now.Sub(cs.Due).Hours()/24) + 1
		}
		rep.OverdueCases = append(rep.OverdueCases, row)
	}
	sort.SliceStable(rep.OverdueCases, func(i, j int) bool { return rep.OverdueCases[i].DaysOverdue > rep.OverdueCases[j].DaysOverdue })
	return rep, nil
}

// CertificateDoc gathers a certificate's PDF data.
func (a *App) CertificateDoc(ctx context.Context, id int64) (*reports.Certificate, error) {
	c, err := a.training.Certificate(ctx, id)
	if err != nil {
		return nil, err
	}
	ctr, err := a.staff.Center(ctx, c.CenterID)
	if err != nil {
		return nil, err
	}
	loc, err := ctr.Location()
	if err != nil {
		return nil, err
	}
	doc := &reports.Certificate{CenterName: ctr.Name, Number: c.Number, StaffNo: c.StaffNo, Name: c.StaffName,
		Module: c.ModuleTitle, Version: c.VersionNumber, IssuedOn: c.IssuedOn, GeneratedAt: a.now().Truncate(time.Second), Location: loc}
	if c.ExpiresOn != nil {
		doc.ExpiresOn = *c.ExpiresOn
	}
	return doc, nil
}

// subjectLabel is how an rbac subject reads on a page or a report: the
// account's display name, else its user name, else the subject itself.
func (a *App) subjectLabel(ctx context.Context, sub string) string {
	if rest, ok := strings.CutPrefix(sub, "user:"); ok {
		id, _ := strconv.ParseInt(rest, 10, 64)
		if u, err := a.auth.User(ctx, id); err == nil {
			if u.DisplayName != "" {
				return u.DisplayName
			}
			return u.Username
		}
	}
	return sub
}
