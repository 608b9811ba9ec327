package app

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/quizzes"
)

// quizFuncs are the template helpers of the quiz pages; question texts
// render through md.
func quizFuncs(md *training.Markdown) template.FuncMap {
	return template.FuncMap{
		"list":    func(s ...string) []string { return s },
		"minutes": func(sec int) string { return strconv.FormatFloat(float64(sec)/60, 'f', -1, 64) },
		"pct":     func(v float64) string { return fmtNum(v, "%.1f %%") },
		"pct1":    func(v float64) string { return fmtNum(v*100, "%.1f %%") },
		"num":     func(v float64) string { return fmtNum(v, "%.3f") },
		"div100": func(p *float64) float64 {
			if p == nil {
				return math.NaN()
			}
			return *p / 100
		},
		"deref": func(p *float64) string {
			if p == nil {
				return "—"
			}
			return strconv.FormatFloat(*p, 'f', -1, 64)
		},
		"qtext": func(p quizzes.Presented) template.HTML { return questionText(md, p) },
		"chosen": func(r *quizzes.Response, idx int) bool {
			if r == nil {
				return false
			}
			for _, c := range r.Choices {
				if c == idx {
					return true
				}
			}
			return false
		},
		"isbool": func(r *quizzes.Response, b bool) bool { return r != nil && r.Bool != nil && *r.Bool == b },
		"matched": func(r *quizzes.Response, i int) string {
			if r == nil || i >= len(r.Matches) {
				return ""
			}
			return r.Matches[i]
		},
		"rank": func(r *quizzes.Response, idx int) string {
			if r == nil {
				return ""
			}
			for k, v := range r.Order {
				if v == idx {
					return strconv.Itoa(k + 1)
				}
			}
			return ""
		},
		"answer": answerText,
	}
}

func fmtNum(v float64, format string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf(format, v)
}

// questionText renders a question's text safely: plain text escaped with
// line breaks kept; Moodle, HTML and Markdown text through the same
// sanitizing Markdown renderer as lessons (no script, no handlers).
func questionText(md *training.Markdown, p quizzes.Presented) template.HTML {
	if p.Format == quizzes.FormatPlain {
		return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(p.Text), "\n", "<br>"))
	}
	return md.Render(p.Text, "/nonexistent/")
}

// answerText says in words what the taker answered, in the shown order.
func answerText(p quizzes.Presented, r *quizzes.Response) string {
	if r == nil {
		return "—"
	}
	switch p.Type {
	case quizzes.MultiChoice:
		var parts []string
		for _, c := range r.Choices {
			for _, ch := range p.Choices {
				if ch.Index == c {
					parts = append(parts, ch.Text)
				}
			}
		}
		return strings.Join(parts, "；")
	case quizzes.TrueFalse:
		if r.Bool == nil {
			return "—"
		}
		if *r.Bool {
			return "√"
		}
		return "×"
	case quizzes.Matching:
		var parts []string
		for i, q := range p.MatchQuestions {
			a := ""
			if i < len(r.Matches) {
				a = r.Matches[i]
			}
			parts = append(parts, q+" → "+a)
		}
		return strings.Join(parts, "；")
	case quizzes.Ordering:
		var parts []string
		for _, idx := range r.Order {
			for _, it := range p.Items {
				if it.Index == idx {
					parts = append(parts, it.Text)
				}
			}
		}
		return strings.Join(parts, " → ")
	}
	if r.Text == "" {
		return "—"
	}
	return r.Text
}
