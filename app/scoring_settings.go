package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
)

// The scoring settings page (HR, administrators): the settings in force
// this month, a form for a new version applying from a stated period on,
// and the history of versions with who changed what and why.

type scoringSettingsView struct {
	Current  scoring.Settings
	From     string // the period the current settings are read for
	Bands    string // "min,key,name" lines
	History  []scores.SettingsVersion
	Defaults bool // no version saved: the defaults apply
}

func (a *App) scoringSettingsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p, err := a.periodParam(c)
	if err != nil {
		return err
	}
	centerID := principal(c).CenterID
	set, ver, err := a.scores.Settings(ctx, centerID, p)
	if err != nil {
		return err
	}
	v := scoringSettingsView{Current: set, From: p.String(), Defaults: ver == nil}
	var b strings.Builder
	for _, band := range set.Bands {
		fmt.Fprintf(&b, "%s,%s,%s\n", strconv.FormatFloat(band.Min, 'f', -1, 64), band.Key, band.Name)
	}
	v.Bands = b.String()
	if v.History, err = a.scores.SettingsHistory(ctx, centerID); err != nil {
		return err
	}
	return a.render(c, "admin/scoring", "scoring.title", v)
}

func (a *App) scoringSettingsSave(c *fiber.Ctx) error {
	from, err := scoring.ParsePeriod(strings.TrimSpace(c.FormValue("from")))
	if err != nil {
		return err
	}
	set := scoring.DefaultSettings()
	num := func(field string, dst *float64) error {
		v := strings.TrimSpace(c.FormValue(field))
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return invalid(field, "应为数字 (must be a number): %q", v)
		}
		*dst = x
		return nil
	}
	integer := func(field string, dst *int) error {
		v := strings.TrimSpace(c.FormValue(field))
		x, err := strconv.Atoi(v)
		if err != nil {
			return invalid(field, "应为整数 (must be a whole number): %q", v)
		}
		*dst = x
		return nil
	}
	for _, f := range []struct {
		name string
		dst  *float64
	}{
		{"w_satisfaction", &set.Weights.Satisfaction}, {"w_competence", &set.Weights.Competence}, {"w_training", &set.Weights.Training},
		{"points1", &set.Points[0]}, {"points2", &set.Points[1]}, {"points3", &set.Points[2]}, {"points4", &set.Points[3]}, {"points5", &set.Points[4]},
		{"prior", &set.Prior}, {"threshold", &set.Threshold}, {"z", &set.Z},
	} {
		if err := num(f.name, f.dst); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{
		{"min_ratings", &set.MinRatingsForRank}, {"loop_bad", &set.Loop.BadCount}, {"loop_window", &set.Loop.WindowDays},
		{"loop_due", &set.Loop.DueDays}, {"loop_cooldown", &set.Loop.CooldownDays},
	} {
		if err := integer(f.name, f.dst); err != nil {
			return err
		}
	}
	set.Bands = nil
	for n, line := range strings.Split(strings.TrimSpace(c.FormValue("bands")), "\n") {
		parts := strings.SplitN(strings.TrimSpace(strings.ReplaceAll(line, "，", ",")), ",", 3)
		if len(parts) != 3 {
			return invalid("bands", "第 %d 行应为 下限,代码,名称 (line %d: want min,key,name)", n+1, n+1)
		}
		min, err := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
		if err != nil {
			return invalid("bands", "第 %d 行：下限应为数字 (line %d: min must be a number)", n+1, n+1)
		}
		set.Bands = append(set.Bands, scoring.Band{Min: min, Key: strings.TrimSpace(parts[1]), Name: strings.TrimSpace(parts[2])})
	}
	pr := principal(c)
	if _, err := a.scores.SaveSettings(c.UserContext(), pr.CenterID, from, set, strings.TrimSpace(c.FormValue("reason")),
		scores.Actor{Name: pr.Name(), IP: c.IP()}); err != nil {
		return err
	}
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/scoring?period="+from.String(), fiber.StatusSeeOther)
}
