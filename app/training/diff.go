package training

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kaoping/kaoping/app/channel"
)

// VersionDiff is what changed from one version to another. Steps and
// lessons are matched by title, materials by name.
type VersionDiff struct {
	FromNumber, ToNumber int

	TitleChanged       bool
	OldTitle, NewTitle string

	SummaryChanged         bool
	OldSummary, NewSummary string

	StepsAdded   []Step
	StepsRemoved []Step
	StepsChanged []StepChange // same title, other detail or position

	MaterialsAdded   []Material
	MaterialsRemoved []Material
	MaterialsChanged []MaterialChange // same name, other form, count or notes

	CriteriaAdded   []string
	CriteriaRemoved []string

	TimeLimitChanged                   bool
	OldTimeLimitDays, NewTimeLimitDays int

	ChannelNotesChanged []ChannelNoteChange // in channel order; Old or New "" when added or removed

	LessonsAdded   []string // titles
	LessonsRemoved []string
	LessonsChanged []string // same title, other body
}

// StepChange is a step present in both versions that differs.
type StepChange struct {
	Title                    string
	OldPosition, NewPosition int // 1-based
	OldDetail, NewDetail     string
}

// MaterialChange is a material present in both versions that differs.
type MaterialChange struct {
	Name     string
	Old, New Material
}

// ChannelNoteChange is a channel whose note differs.
type ChannelNoteChange struct {
	Channel  string
	Old, New string
}

// Diff compares two versions; a nil old compares with nothing (everything
// added). Lessons count when loaded.
func Diff(old, new *Version) VersionDiff {
	if old == nil {
		old = &Version{}
	}
	if new == nil {
		new = &Version{}
	}
	d := VersionDiff{FromNumber: old.Number, ToNumber: new.Number, OldTitle: old.Title, NewTitle: new.Title,
		OldSummary: old.Summary, NewSummary: new.Summary,
		OldTimeLimitDays: old.Standard.TimeLimitDays, NewTimeLimitDays: new.Standard.TimeLimitDays}
	d.TitleChanged = old.Title != new.Title
	d.SummaryChanged = old.Summary != new.Summary
	d.TimeLimitChanged = old.Standard.TimeLimitDays != new.Standard.TimeLimitDays

	// Steps, by title.
	oldSteps := map[string]int{}
	for i, s := range old.Standard.Steps {
		oldSteps[s.Title] = i
	}
	newSteps := map[string]bool{}
	for i, s := range new.Standard.Steps {
		newSteps[s.Title] = true
		j, ok := oldSteps[s.Title]
		if !ok {
			d.StepsAdded = append(d.StepsAdded, s)
			continue
		}
		if o := old.Standard.Steps[j]; o.Detail != s.Detail || i != j {
			d.StepsChanged = append(d.StepsChanged, StepChange{Title: s.Title, OldPosition: j + 1, NewPosition: i + 1,
				OldDetail: o.Detail, NewDetail: s.Detail})
		}
	}
	for _, s := range old.Standard.Steps {
		if !newSteps[s.Title] {
			d.StepsRemoved = append(d.StepsRemoved, s)
		}
	}

	// Materials, by name.
	oldMats := map[string]Material{}
	for _, m := range old.Standard.Materials {
		oldMats[m.Name] = m
	}
	newMats := map[string]bool{}
	for _, m := range new.Standard.Materials {
		newMats[m.Name] = true
		o, ok := oldMats[m.Name]
		switch {
		case !ok:
			d.MaterialsAdded = append(d.MaterialsAdded, m)
		case o != m:
			d.MaterialsChanged = append(d.MaterialsChanged, MaterialChange{Name: m.Name, Old: o, New: m})
		}
	}
	for _, m := range old.Standard.Materials {
		if !newMats[m.Name] {
			d.MaterialsRemoved = append(d.MaterialsRemoved, m)
		}
	}

	d.CriteriaAdded = missing(new.Standard.Criteria, old.Standard.Criteria)
	d.CriteriaRemoved = missing(old.Standard.Criteria, new.Standard.Criteria)

	// Channel notes, in channel order (unknown codes after, sorted).
	chans := channel.All()
	var extra []string
	for _, notes := range []map[string]string{old.Standard.ChannelNotes, new.Standard.ChannelNotes} {
		for ch := range notes {
			if !slices.Contains(chans, ch) && !slices.Contains(extra, ch) {
				extra = append(extra, ch)
			}
		}
	}
	slices.Sort(extra)
	for _, ch := range append(chans, extra...) {
		o, n := old.Standard.ChannelNotes[ch], new.Standard.ChannelNotes[ch]
		if o != n {
			d.ChannelNotesChanged = append(d.ChannelNotesChanged, ChannelNoteChange{Channel: ch, Old: o, New: n})
		}
	}

	// Lessons, by title; repeated titles pair up in order.
	oldLessons := map[string][]string{}
	for _, l := range old.Lessons {
		oldLessons[l.Title] = append(oldLessons[l.Title], l.Body)
	}
	for _, l := range new.Lessons {
		bodies := oldLessons[l.Title]
		if len(bodies) == 0 {
			d.LessonsAdded = append(d.LessonsAdded, l.Title)
			continue
		}
		if bodies[0] != l.Body {
			d.LessonsChanged = append(d.LessonsChanged, l.Title)
		}
		oldLessons[l.Title] = bodies[1:]
	}
	for _, l := range old.Lessons {
		if bodies := oldLessons[l.Title]; len(bodies) > 0 {
			d.LessonsRemoved = append(d.LessonsRemoved, l.Title)
			oldLessons[l.Title] = bodies[1:]
		}
	}
	return d
}

// missing returns the entries of a that b lacks, counting repeats, in a's order.
func missing(a, b []string) []string {
	left := map[string]int{}
	for _, s := range b {
		left[s]++
	}
	var out []string
	for _, s := range a {
		if left[s] > 0 {
			left[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}

// Empty reports whether nothing changed.
func (d VersionDiff) Empty() bool {
	return !d.TitleChanged && !d.SummaryChanged && !d.TimeLimitChanged &&
		len(d.StepsAdded)+len(d.StepsRemoved)+len(d.StepsChanged) == 0 &&
		len(d.MaterialsAdded)+len(d.MaterialsRemoved)+len(d.MaterialsChanged) == 0 &&
		len(d.CriteriaAdded)+len(d.CriteriaRemoved) == 0 && len(d.ChannelNotesChanged) == 0 &&
		len(d.LessonsAdded)+len(d.LessonsRemoved)+len(d.LessonsChanged) == 0
}

// String renders the diff as plain text, one change per line: "+" added,
// "-" removed, "~" changed.
func (d VersionDiff) String() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	if d.Empty() {
		line("（无变化 no changes）")
		return b.String()
	}
	if d.TitleChanged {
		line("~ 标题 title: %q → %q", d.OldTitle, d.NewTitle)
	}
	if d.SummaryChanged {
		line("~ 简介 summary: %q → %q", d.OldSummary, d.NewSummary)
	}
	for _, s := range d.StepsAdded {
		line("+ 步骤 step: %s", s.Title)
	}
	for _, s := range d.StepsRemoved {
		line("- 步骤 step: %s", s.Title)
	}
	for _, c := range d.StepsChanged {
		var parts []string
		if c.OldPosition != c.NewPosition {
			parts = append(parts, fmt.Sprintf("位置 position %d → %d", c.OldPosition, c.NewPosition))
		}
		if c.OldDetail != c.NewDetail {
			parts = append(parts, fmt.Sprintf("说明 detail %q → %q", c.OldDetail, c.NewDetail))
		}
		line("~ 步骤 step: %s (%s)", c.Title, strings.Join(parts, "; "))
	}
	for _, m := range d.MaterialsAdded {
		line("+ 材料 material: %s (%s ×%d)", m.Name, m.Form, m.Count)
	}
	for _, m := range d.MaterialsRemoved {
		line("- 材料 material: %s", m.Name)
	}
	for _, c := range d.MaterialsChanged {
		var parts []string
		if c.Old.Form != c.New.Form {
			parts = append(parts, fmt.Sprintf("%s → %s", c.Old.Form, c.New.Form))
		}
		if c.Old.Count != c.New.Count {
			parts = append(parts, fmt.Sprintf("×%d → ×%d", c.Old.Count, c.New.Count))
		}
		if c.Old.Notes != c.New.Notes {
			parts = append(parts, fmt.Sprintf("备注 notes %q → %q", c.Old.Notes, c.New.Notes))
		}
		line("~ 材料 material: %s (%s)", c.Name, strings.Join(parts, "; "))
	}
	for _, c := range d.CriteriaAdded {
		line("+ 受理标准 criterion: %s", c)
	}
	for _, c := range d.CriteriaRemoved {
		line("- 受理标准 criterion: %s", c)
	}
	if d.TimeLimitChanged {
		line("~ 法定时限 time limit: %d → %d 个工作日 working days", d.OldTimeLimitDays, d.NewTimeLimitDays)
	}
	for _, c := range d.ChannelNotesChanged {
		line("~ 渠道说明 channel note %s: %q → %q", c.Channel, c.Old, c.New)
	}
	for _, t := range d.LessonsAdded {
		line("+ 课程 lesson: %s", t)
	}
	for _, t := range d.LessonsRemoved {
		line("- 课程 lesson: %s", t)
	}
	for _, t := range d.LessonsChanged {
		line("~ 课程 lesson: %s", t)
	}
	return b.String()
}
