package reports_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/reports"
)

// panicWriter stands for any failure inside rendering.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("disk on fire") }

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestFailures(t *testing.T) {
	r := mustRenderer(t)
	t.Run("panic becomes an error", func(t *testing.T) {
		_, err := r.Staff(panicWriter{}, staffReport())
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("err = %v, want the panic as an error", err)
		}
	})
	t.Run("write error", func(t *testing.T) {
		_, err := r.Team(failWriter{}, teamReport())
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nil report", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := r.Staff(&buf, nil); !errors.Is(err, reports.ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
		if _, err := r.Certificate(&buf, nil); !errors.Is(err, reports.ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
		if buf.Len() != 0 {
			t.Error("something was written")
		}
	})
	t.Run("no generation time", func(t *testing.T) {
		rep := centerReport()
		rep.GeneratedAt = time.Time{}
		var buf bytes.Buffer
		if _, err := r.Center(&buf, rep); !errors.Is(err, reports.ErrInvalid) || buf.Len() != 0 {
			t.Errorf("err = %v, %d bytes written; want ErrInvalid and nothing", err, buf.Len())
		}
	})
	t.Run("NaN cannot be hashed", func(t *testing.T) {
		rep := staffReport()
		rep.Quality = f(math.NaN())
		var buf bytes.Buffer
		if _, err := r.Staff(&buf, rep); !errors.Is(err, reports.ErrInvalid) {
			t.Errorf("err = %v, want ErrInvalid", err)
		}
	})
}

// TestEdgeData: empty sections print a sentence instead of an empty
// table; odd data (30-character names, nil everywhere, many modules)
// still renders.
func TestEdgeData(t *testing.T) {
	r := mustRenderer(t)
	long := "阿卜杜热合曼·买买提艾力·吐尔逊托合提·阿不都热依木江"
	t.Run("empty sections", func(t *testing.T) {
		rep := staffReport()
		rep.BadRatings, rep.Training, rep.Quizzes, rep.Trend = nil, nil, nil, nil
		pdf, _ := render(t, r, "staff", rep)
		text := pdfText(t, pdf)
		for _, w := range []string{"本期无差评。", "本期无培训任务。", "本期无测验记录。", "暂无趋势数据。"} {
			if !contains(text, w) {
				t.Errorf("text lacks %q", w)
			}
		}
	})
	t.Run("long names everywhere", func(t *testing.T) {
		rep := teamReport()
		rep.Team = long
		rep.Members[0].Name = long
		rep.Matrix[0].Name = long
		for k := 0; k < 12; k++ {
			rep.Modules = append(rep.Modules, "第"+string(rune('A'+k))+"类高频事项标准化受理流程与材料审核要点")
		}
		pdf, res := render(t, r, "team", rep)
		text := pdfText(t, pdf)
		if !contains(text, long) {
			t.Error("the 30-character name is missing or cut")
		}
		if !contains(text, "模块 19–20（共 20 个）") {
			t.Error("the matrix is not split into tables of 6 modules")
		}
		if res.Pages < 2 {
			t.Errorf("pages = %d", res.Pages)
		}
	})
	t.Run("nothing at all", func(t *testing.T) {
		for _, d := range []any{
			&reports.StaffReport{Meta: reports.Meta{GeneratedAt: genAt}},
			&reports.TeamReport{Meta: reports.Meta{GeneratedAt: genAt}},
			&reports.CenterReport{Meta: reports.Meta{GeneratedAt: genAt}},
			&reports.Certificate{GeneratedAt: genAt},
		} {
			pdf, res := render(t, r, "empty", d)
			if res.Pages != 1 || len(pdf) == 0 {
				t.Errorf("%T: %d pages, %d bytes", d, res.Pages, len(pdf))
			}
		}
	})
	t.Run("absurd lengths", func(t *testing.T) {
		huge := strings.Repeat("超长文本", 1500)
		staff := staffReport()
		staff.Name, staff.Team, staff.PeriodLabel = huge, huge, huge
		staff.LeadComment = strings.Repeat("评语很长。", 4000)
		staff.BadRatings[0].Comment = huge
		team := teamReport()
		team.Modules[0] = huge
		for k := 0; k < 60; k++ {
			team.Members = append(team.Members, team.Members[k%4])
		}
		center := centerReport()
		center.ChannelNames[0] = huge
		cert := certificate()
		cert.Name, cert.Module = huge, huge
		done := make(chan error, 1)
		go func() {
			var buf bytes.Buffer
			var errs []error
			for _, call := range []func() (reports.Result, error){
				func() (reports.Result, error) { return r.Staff(&buf, staff) },
				func() (reports.Result, error) { return r.Team(&buf, team) },
				func() (reports.Result, error) { return r.Center(&buf, center) },
				func() (reports.Result, error) { return r.Certificate(&buf, cert) },
			} {
				if _, err := call(); err != nil {
					errs = append(errs, err)
				}
			}
			done <- errors.Join(errs...)
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("rendering absurdly long text does not finish")
		}
	})
	t.Run("certificate with a long name", func(t *testing.T) {
		c := certificate()
		c.Name = long
		c.Module = strings.Repeat("企业开办一件事", 8)
		pdf, res := render(t, r, "certificate", c)
		if res.Pages != 1 {
			t.Errorf("pages = %d, want 1", res.Pages)
		}
		if !contains(pdfText(t, pdf), long) {
			t.Error("the long name is missing")
		}
	})
}

func TestOne(t *testing.T) {
	tests := []struct {
		in   *float64
		want string
	}{
		{nil, "—"},
		{f(math.NaN()), "—"},
		{f(math.Inf(1)), "—"},
		{f(82.85), "82.9"}, // 82.85*10 = 828.4999… in binary
		{f(82.84999), "82.8"},
		{f(0.15), "0.2"},
		{f(2.25), "2.3"},
		{f(1.05), "1.1"},
		{f(99.95), "100.0"},
		{f(9.95), "10.0"},
		{f(0), "0.0"},
		{f(88), "88.0"},
		{f(-0.04), "0.0"},
		{f(-1.25), "-1.3"},
		{f(0.04999999), "0.0"},
		{f(12.849999999999998), "12.9"}, // 0.1285*100
		{f(1e21), "1000000000000000000000.0"},
	}
	for _, tt := range tests {
		if got := reports.One(tt.in); got != tt.want {
			t.Errorf("One(%v) = %q, want %q", deref(tt.in), got, tt.want)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
