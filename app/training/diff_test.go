package training_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/training"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	base := func() *training.Version {
		return &training.Version{
			Number: 1, Title: "企业设立登记", Summary: "统一标准",
			Standard: training.Standard{
				Steps:         []training.Step{{Title: "查验身份", Detail: "身份证"}, {Title: "审核材料"}, {Title: "出证"}},
				Materials:     []training.Material{{Name: "申请书", Form: training.FormOriginal, Count: 1}, {Name: "章程", Form: training.FormCopy, Count: 1}},
				Criteria:      []string{"材料齐全", "形式合法"},
				TimeLimitDays: 5,
				ChannelNotes:  map[string]string{"online": "电子签名", "offline": "现场核验"},
			},
			Lessons: []training.VersionLesson{{Title: "概述", Body: "a"}, {Title: "流程", Body: "b"}},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(v *training.Version)
		want   training.VersionDiff
	}{
		{"identical", func(*training.Version) {}, training.VersionDiff{}},
		{"title and summary", func(v *training.Version) { v.Title, v.Summary = "新标题", "新简介" },
			training.VersionDiff{TitleChanged: true, NewTitle: "新标题", SummaryChanged: true, NewSummary: "新简介"}},
		{"step added at the end", func(v *training.Version) {
			v.Standard.Steps = append(v.Standard.Steps, training.Step{Title: "归档"})
		}, training.VersionDiff{StepsAdded: []training.Step{{Title: "归档"}}}},
		{"step removed shifts the rest", func(v *training.Version) { v.Standard.Steps = v.Standard.Steps[1:] },
			training.VersionDiff{
				StepsRemoved: []training.Step{{Title: "查验身份", Detail: "身份证"}},
				StepsChanged: []training.StepChange{{Title: "审核材料", OldPosition: 2, NewPosition: 1}, {Title: "出证", OldPosition: 3, NewPosition: 2}},
			}},
		{"step detail", func(v *training.Version) { v.Standard.Steps[0].Detail = "身份证或护照" },
			training.VersionDiff{StepsChanged: []training.StepChange{{Title: "查验身份", OldPosition: 1, NewPosition: 1, OldDetail: "身份证", NewDetail: "身份证或护照"}}}},
		{"steps swapped", func(v *training.Version) {
			s := v.Standard.Steps
			s[1], s[2] = s[2], s[1]
		}, training.VersionDiff{StepsChanged: []training.StepChange{{Title: "出证", OldPosition: 3, NewPosition: 2}, {Title: "审核材料", OldPosition: 2, NewPosition: 3}}}},
		{"step renamed is remove plus add", func(v *training.Version) { v.Standard.Steps[2].Title = "发放执照" },
			training.VersionDiff{StepsAdded: []training.Step{{Title: "发放执照"}}, StepsRemoved: []training.Step{{Title: "出证"}}}},
		{"materials", func(v *training.Version) {
			v.Standard.Materials[0].Count = 2
			v.Standard.Materials = append(v.Standard.Materials[:1], training.Material{Name: "股东会决议", Form: training.FormEither, Count: 1})
		}, training.VersionDiff{
			MaterialsAdded:   []training.Material{{Name: "股东会决议", Form: training.FormEither, Count: 1}},
			MaterialsRemoved: []training.Material{{Name: "章程", Form: training.FormCopy, Count: 1}},
			MaterialsChanged: []training.MaterialChange{{Name: "申请书",
				Old: training.Material{Name: "申请书", Form: training.FormOriginal, Count: 1},
				New: training.Material{Name: "申请书", Form: training.FormOriginal, Count: 2}}},
		}},
		{"material form and notes", func(v *training.Version) {
			v.Standard.Materials[1].Form, v.Standard.Materials[1].Notes = training.FormBoth, "加盖公章"
		}, training.VersionDiff{MaterialsChanged: []training.MaterialChange{{Name: "章程",
			Old: training.Material{Name: "章程", Form: training.FormCopy, Count: 1},
			New: training.Material{Name: "章程", Form: training.FormBoth, Count: 1, Notes: "加盖公章"}}}}},
		{"criteria", func(v *training.Version) { v.Standard.Criteria = []string{"形式合法", "无不良记录"} },
			training.VersionDiff{CriteriaAdded: []string{"无不良记录"}, CriteriaRemoved: []string{"材料齐全"}}},
		{"time limit", func(v *training.Version) { v.Standard.TimeLimitDays = 3 },
			training.VersionDiff{TimeLimitChanged: true, NewTimeLimitDays: 3}},
		{"channel notes", func(v *training.Version) {
			v.Standard.ChannelNotes = map[string]string{"online": "电子签名或人脸识别", "hotline": "告知可网办"}
		}, training.VersionDiff{ChannelNotesChanged: []training.ChannelNoteChange{
			{Channel: "offline", Old: "现场核验"},
			{Channel: "online", Old: "电子签名", New: "电子签名或人脸识别"},
			{Channel: "hotline", New: "告知可网办"},
		}}},
		{"lessons", func(v *training.Version) {
			v.Lessons = []training.VersionLesson{{Title: "流程", Body: "b2"}, {Title: "案例", Body: "c"}}
		}, training.VersionDiff{LessonsAdded: []string{"案例"}, LessonsRemoved: []string{"概述"}, LessonsChanged: []string{"流程"}}},
		{"lesson moved is not a change", func(v *training.Version) {
			v.Lessons[0], v.Lessons[1] = v.Lessons[1], v.Lessons[0]
		}, training.VersionDiff{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, nw := base(), base()
			nw.Number = 2
			tc.change(nw)
			got := training.Diff(old, nw)
			want := tc.want
			want.FromNumber, want.ToNumber = 1, 2
			want.OldTitle, want.OldSummary, want.OldTimeLimitDays = old.Title, old.Summary, old.Standard.TimeLimitDays
			if want.NewTitle == "" {
				want.NewTitle = nw.Title
			}
			if want.NewSummary == "" {
				want.NewSummary = nw.Summary
			}
			if want.NewTimeLimitDays == 0 {
				want.NewTimeLimitDays = nw.Standard.TimeLimitDays
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Diff:\n got %+v\nwant %+v", got, want)
			}
			if got.Empty() != (tc.name == "identical" || tc.name == "lesson moved is not a change") {
				t.Errorf("Empty() = %v", got.Empty())
			}
			if s := got.String(); s == "" {
				t.Error("String() is empty")
			}
		})
	}

	t.Run("against nothing", func(t *testing.T) {
		d := training.Diff(nil, base())
		if len(d.StepsAdded) != 3 || len(d.MaterialsAdded) != 2 || len(d.LessonsAdded) != 2 || !d.TitleChanged {
			t.Errorf("Diff(nil, v) = %+v", d)
		}
		if s := d.String(); !strings.Contains(s, "+ 步骤 step: 查验身份") {
			t.Errorf("String() =\n%s", s)
		}
	})
}
