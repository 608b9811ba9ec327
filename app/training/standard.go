// Package training holds training modules (one published standard per
// service item), their versions and approval, assignments, enrolments,
// reading progress, certificates and reminders. It knows nothing of HTTP.
package training

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kaoping/kaoping/app/channel"
)

// ErrInvalid marks input that breaks a rule; the message names the field.
var ErrInvalid = errors.New("training: invalid")

func invalidf(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// Material forms: whether the original document, a copy, or either is needed.
const (
	FormOriginal = "original" // 原件
	FormCopy     = "copy"     // 复印件
	FormEither   = "either"   // 原件或复印件
	FormBoth     = "both"     // 原件及复印件
)

// Standard is the workflow standard of a service item: the one way every
// channel handles it. It is structured so that quizzes and reports can refer
// to its parts (step 3, material "营业执照", …).
type Standard struct {
	Steps         []Step            `json:"steps" toml:"steps"`
	Materials     []Material        `json:"materials" toml:"materials"`
	Criteria      []string          `json:"criteria" toml:"criteria"`               // acceptance criteria (受理标准)
	TimeLimitDays int               `json:"time_limit_days" toml:"time_limit_days"` // legal time limit in working days (法定时限), 0 = none
	ChannelNotes  map[string]string `json:"channel_notes" toml:"channel_notes"`     // channel code → what differs there
}

// Step is one step of the workflow, in order.
type Step struct {
	Title  string `json:"title" toml:"title"`
	Detail string `json:"detail,omitempty" toml:"detail,omitempty"`
}

// Material is one entry of the required-materials checklist.
type Material struct {
	Name  string `json:"name" toml:"name"`
	Form  string `json:"form" toml:"form"` // FormOriginal, FormCopy, FormEither, FormBoth
	Count int    `json:"count" toml:"count"`
	Notes string `json:"notes,omitempty" toml:"notes,omitempty"`
}

// Lesson is one page of teaching material, in Markdown.
type Lesson struct {
	Title string `json:"title" toml:"title"`
	Body  string `json:"body" toml:"-"`
}

// Limits on sizes, so one module cannot swallow the database.
const (
	MaxSteps       = 100
	MaxMaterials   = 100
	MaxCriteria    = 100
	MaxLessons     = 100
	MaxLessonBytes = 256 << 10
	MaxTextRunes   = 2000
	MaxTitleRunes  = 200
)

// Validate checks a standard for publication-independent rules: no empty or
// duplicate steps, known material forms, counts ≥ 1, known channels.
func (s *Standard) Validate() error {
	if len(s.Steps) > MaxSteps {
		return invalidf("steps", "at most %d steps", MaxSteps)
	}
	seen := map[string]int{}
	for i, st := range s.Steps {
		t := strings.TrimSpace(st.Title)
		if t == "" {
			return invalidf(fmt.Sprintf("steps[%d].title", i+1), "required")
		}
		if utf8.RuneCountInString(t) > MaxTitleRunes || utf8.RuneCountInString(st.Detail) > MaxTextRunes {
			return invalidf(fmt.Sprintf("steps[%d]", i+1), "too long")
		}
		if j, dup := seen[t]; dup {
			return invalidf(fmt.Sprintf("steps[%d].title", i+1), "duplicate of step %d (%q)", j, t)
		}
		seen[t] = i + 1
	}
	if len(s.Materials) > MaxMaterials {
		return invalidf("materials", "at most %d materials", MaxMaterials)
	}
	mseen := map[string]int{}
	for i, m := range s.Materials {
		f := fmt.Sprintf("materials[%d]", i+1)
		n := strings.TrimSpace(m.Name)
		if n == "" {
			return invalidf(f+".name", "required")
		}
		if j, dup := mseen[n]; dup {
			return invalidf(f+".name", "duplicate of material %d (%q)", j, n)
		}
		mseen[n] = i + 1
		switch m.Form {
		case FormOriginal, FormCopy, FormEither, FormBoth:
		default:
			return invalidf(f+".form", "want original, copy, either or both, got %q", m.Form)
		}
		if m.Count < 1 || m.Count > 99 {
			return invalidf(f+".count", "must be 1–99")
		}
		if utf8.RuneCountInString(n) > MaxTitleRunes || utf8.RuneCountInString(m.Notes) > MaxTextRunes {
			return invalidf(f, "too long")
		}
	}
	if len(s.Criteria) > MaxCriteria {
		return invalidf("criteria", "at most %d criteria", MaxCriteria)
	}
	for i, c := range s.Criteria {
		if strings.TrimSpace(c) == "" {
			return invalidf(fmt.Sprintf("criteria[%d]", i+1), "empty")
		}
		if utf8.RuneCountInString(c) > MaxTextRunes {
			return invalidf(fmt.Sprintf("criteria[%d]", i+1), "too long")
		}
	}
	if s.TimeLimitDays < 0 || s.TimeLimitDays > 3650 {
		return invalidf("time_limit_days", "must be 0–3650")
	}
	for ch, note := range s.ChannelNotes {
		if !channel.Valid(ch) {
			return invalidf("channel_notes", "unknown channel %q", ch)
		}
		if utf8.RuneCountInString(note) > MaxTextRunes {
			return invalidf("channel_notes."+ch, "too long")
		}
	}
	return nil
}

// Empty reports whether the standard has no content at all.
func (s *Standard) Empty() bool {
	return len(s.Steps) == 0 && len(s.Materials) == 0 && len(s.Criteria) == 0 && len(s.ChannelNotes) == 0
}
