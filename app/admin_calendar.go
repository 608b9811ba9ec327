package app

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/workdays"
)

// The working-day calendar of the center (HR and administrators): the
// shipped national calendar with the center's own edits on top, per year.
// Deadlines of bad-rating cases and appeals are counted on it.

type calendarView struct {
	Year     int
	Years    []int
	Days     []workdays.Day
	Text     string // the year as lines "date,kind,name", for the bulk editor
	Holidays int
	Workdays int
}

func (a *App) calendarPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	year, err := a.calendarYear(c)
	if err != nil {
		return err
	}
	days, err := a.workdays.Days(ctx, p.CenterID, year)
	if err != nil {
		return err
	}
	v := calendarView{Year: year, Days: days}
	for y := year - 2; y <= year+2; y++ {
		v.Years = append(v.Years, y)
	}
	var b strings.Builder
	for _, d := range days {
		fmt.Fprintf(&b, "%s,%s,%s\n", d.Date, d.Kind, d.Name)
		if d.Kind == workdays.Holiday {
			v.Holidays++
		} else {
			v.Workdays++
		}
	}
	v.Text = b.String()
	return a.render(c, "admin/calendar", "calendar.title", v)
}

// calendarYear is ?year= or the current year in the center's zone.
func (a *App) calendarYear(c *fiber.Ctx) (int, error) {
	if s := c.Query("year", c.FormValue("year")); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < 2000 || y > 2100 {
			return 0, invalid("year", "年份应为 2000–2100 (year must be 2000–2100)")
		}
		return y, nil
	}
	today, err := a.staff.Today(c.UserContext(), principal(c).CenterID)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(today[:4])
}

// calendarSet sets one day: holiday, workday, or normal (follows the week).
func (a *App) calendarSet(c *fiber.Ctx) error {
	p := principal(c)
	d := workdays.Day{Date: strings.TrimSpace(c.FormValue("date")), Kind: workdays.Kind(c.FormValue("kind")), Name: c.FormValue("name")}
	if err := a.workdays.SetDay(c.UserContext(), p.CenterID, d); err != nil {
		return err
	}
	a.record(c, "calendar.set", "date:"+d.Date, string(d.Kind)+" "+d.Name)
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/calendar?year="+yearOf(d.Date), fiber.StatusSeeOther)
}

// calendarImport replaces a whole year with the lines of the bulk editor,
// "YYYY-MM-DD,holiday|workday,name" (or 假/班 for the kind); a bad line
// names its number and nothing is written.
func (a *App) calendarImport(c *fiber.Ctx) error {
	p := principal(c)
	year, err := a.calendarYear(c)
	if err != nil {
		return err
	}
	days, err := parseCalendarLines(c.FormValue("days"))
	if err != nil {
		return err
	}
	if err := a.workdays.ImportYear(c.UserContext(), p.CenterID, year, days); err != nil {
		return err
	}
	a.record(c, "calendar.import", fmt.Sprintf("year:%d", year), fmt.Sprintf("%d days", len(days)))
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/calendar?year="+strconv.Itoa(year), fiber.StatusSeeOther)
}

func parseCalendarLines(text string) ([]workdays.Day, error) {
	var days []workdays.Day
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(strings.ReplaceAll(line, "，", ","), ",", 3)
		if len(parts) < 2 {
			return nil, invalid("days", "第 %d 行应为 日期,类型[,名称] (line %d: want date,kind[,name])", n, n)
		}
		d := workdays.Day{Date: strings.TrimSpace(parts[0])}
		switch k := strings.TrimSpace(parts[1]); k {
		case "holiday", "假", "休":
			d.Kind = workdays.Holiday
		case "workday", "班":
			d.Kind = workdays.Workday
		default:
			return nil, invalid("days", "第 %d 行：类型 %q 应为 holiday/假 或 workday/班 (line %d: kind must be holiday or workday)", n, k, n)
		}
		if _, err := time.Parse(workdays.DateLayout, d.Date); err != nil {
			return nil, invalid("days", "第 %d 行：日期 %q 应为 YYYY-MM-DD (line %d: date must be YYYY-MM-DD)", n, d.Date, n)
		}
		if len(parts) == 3 {
			d.Name = strings.TrimSpace(parts[2])
		}
		days = append(days, d)
	}
	return days, nil
}

func yearOf(date string) string {
	if len(date) >= 4 {
		return date[:4]
	}
	return ""
}
