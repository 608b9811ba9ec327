package app

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/training/modfile"
)

// The module editor edits the structured standard as plain text, one entry
// per line, so a trainer can paste from a Word document:
//
//	steps:     TITLE | DETAIL
//	materials: NAME | FORM | COUNT | NOTES   (FORM: 原件, 复印件, 原件或复印件, 原件及复印件)
//	criteria:  one per line
//	lessons:   Markdown, each lesson starting with "# TITLE"

var materialForms = map[string]string{
	"原件": training.FormOriginal, "original": training.FormOriginal,
	"复印件": training.FormCopy, "copy": training.FormCopy,
	"原件或复印件": training.FormEither, "either": training.FormEither,
	"原件及复印件": training.FormBoth, "原件和复印件": training.FormBoth, "both": training.FormBoth,
}

func formLabel(form string) string {
	switch form {
	case training.FormOriginal:
		return "原件"
	case training.FormCopy:
		return "复印件"
	case training.FormEither:
		return "原件或复印件"
	case training.FormBoth:
		return "原件及复印件"
	}
	return form
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitBar(l string) []string {
	parts := strings.Split(strings.ReplaceAll(l, "｜", "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// parseStandardForm reads the editor's text fields into a Standard; errors
// name the field and line.
func parseStandardForm(steps, materials, criteria, timeLimit string, notes map[string]string) (training.Standard, error) {
	var s training.Standard
	for _, l := range lines(steps) {
		p := splitBar(l)
		st := training.Step{Title: p[0]}
		if len(p) > 1 {
			st.Detail = strings.Join(p[1:], " | ")
		}
		s.Steps = append(s.Steps, st)
	}
	for i, l := range lines(materials) {
		p := splitBar(l)
		m := training.Material{Name: p[0], Form: training.FormOriginal, Count: 1}
		if len(p) > 1 && p[1] != "" {
			f, ok := materialForms[strings.ToLower(p[1])]
			if !ok {
				return s, invalid("materials", "line %d: form %q: want 原件, 复印件, 原件或复印件 or 原件及复印件", i+1, p[1])
			}
			m.Form = f
		}
		if len(p) > 2 && p[2] != "" {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(p[2], "份"), "件"))
			if err != nil {
				return s, invalid("materials", "line %d: count %q is not a number", i+1, p[2])
			}
			m.Count = n
		}
		if len(p) > 3 {
			m.Notes = strings.Join(p[3:], " | ")
		}
		s.Materials = append(s.Materials, m)
	}
	s.Criteria = lines(criteria)
	if t := strings.TrimSpace(timeLimit); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return s, invalid("time_limit_days", "must be a whole number of working days")
		}
		s.TimeLimitDays = n
	}
	for ch, n := range notes {
		if n = strings.TrimSpace(n); n != "" {
			if s.ChannelNotes == nil {
				s.ChannelNotes = map[string]string{}
			}
			s.ChannelNotes[ch] = n
		}
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	return s, nil
}

// parseLessonsForm splits the editor's Markdown into lessons with the same
// rules as module.md (modfile.ParseLessons), naming the line on error.
func parseLessonsForm(src string) ([]training.Lesson, error) {
	ls, err := modfile.ParseLessons("lessons", src)
	var pe *modfile.ParseError
	if errors.As(err, &pe) {
		return nil, invalid("lessons", "line %d: %s", pe.Line, pe.Msg)
	}
	return ls, err
}

// standardForm is the editor's text view of a version.
type standardForm struct {
	Steps, Materials, Criteria, TimeLimit, Lessons string
	Notes                                          map[string]string
}

func formatStandardForm(s training.Standard, lessons []training.VersionLesson) standardForm {
	var f standardForm
	var b strings.Builder
	for _, st := range s.Steps {
		b.WriteString(st.Title)
		if st.Detail != "" {
			b.WriteString(" | " + st.Detail)
		}
		b.WriteString("\n")
	}
	f.Steps, b = b.String(), strings.Builder{}
	for _, m := range s.Materials {
		fmt.Fprintf(&b, "%s | %s | %d", m.Name, formLabel(m.Form), m.Count)
		if m.Notes != "" {
			b.WriteString(" | " + m.Notes)
		}
		b.WriteString("\n")
	}
	f.Materials = b.String()
	f.Criteria = strings.Join(s.Criteria, "\n")
	if s.TimeLimitDays > 0 {
		f.TimeLimit = strconv.Itoa(s.TimeLimitDays)
	}
	f.Notes = map[string]string{}
	for _, ch := range channel.All() {
		f.Notes[ch] = s.ChannelNotes[ch]
	}
	sort.Slice(lessons, func(i, j int) bool { return lessons[i].Position < lessons[j].Position })
	var lb strings.Builder
	for i, l := range lessons {
		if i > 0 {
			lb.WriteString("\n\n")
		}
		lb.WriteString("# " + l.Title + "\n\n" + l.Body)
	}
	f.Lessons = lb.String()
	return f
}
