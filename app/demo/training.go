package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/training/modfile"
	"github.com/kaoping/kaoping/quizzes"
)

// seedTraining publishes the demo modules (imported by the system, approved
// by the admin: two people) and assigns them so that the demo shows
// enrolments in every state: not started, in progress, completed (with a
// certificate) and overdue.
func seedTraining(ctx context.Context, a *app.App, db *bun.DB, centerID int64) error {
	tr := a.Training()
	admin, err := a.Auth().UserByName(ctx, "admin")
	if err != nil {
		return err
	}
	names, err := fs.Glob(moduleFiles, "modules/*.md")
	if err != nil {
		return err
	}
	for _, name := range names {
		data, err := moduleFiles.ReadFile(name)
		if err != nil {
			return err
		}
		mf, err := modfile.Parse(path.Base(name), data)
		if err != nil {
			return err
		}
		if _, err := tr.ModuleByCode(ctx, centerID, mf.Code); err == nil {
			continue // seeded before
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		in := training.ModuleInput{CenterID: centerID, Code: mf.Code, ItemCode: mf.ItemCode, ValidityMonths: mf.ValidityMonths,
			Title: mf.Title, Summary: mf.Summary, Standard: mf.Standard, Lessons: mf.Lessons}
		_, v, err := tr.ImportModule(ctx, in, mf.Assets, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := tr.Submit(ctx, v.ID, "grandfather", 0, 0); err != nil {
			return fmt.Errorf("%s: submit: %w", name, err)
		}
		if err := tr.Approve(ctx, v.ID, admin.ID); err != nil {
			return fmt.Errorf("%s: approve: %w", name, err)
		}
	}
	if err := seedQuizzes(ctx, a, centerID); err != nil {
		return err
	}
	n, err := db.NewSelect().Table("assignments").Where("center_id = ?", centerID).Count(ctx)
	if err != nil || n > 0 {
		return err // assigned before: the demo is complete
	}
	today, err := a.Staff().Today(ctx, centerID)
	if err != nil {
		return err
	}
	day, _ := time.Parse("2006-01-02", today)
	due := func(days int) string { return day.AddDate(0, 0, days).Format("2006-01-02") }
	assign := func(code, kind, team, value string, dueIn int) error {
		m, err := tr.ModuleByCode(ctx, centerID, code)
		if err != nil {
			return err
		}
		in := training.AssignInput{CenterID: centerID, ModuleID: m.ID, TargetKind: kind, TargetValue: value, DueDate: due(dueIn)}
		if team != "" {
			t, err := a.Staff().FindTeam(ctx, centerID, team)
			if err != nil {
				return err
			}
			in.TargetID = t.ID
		}
		_, _, err = tr.Assign(ctx, in, admin.ID)
		return err
	}
	// The business registration standard for everyone who handles it, in
	// every channel; residence permits for the window; the hotline code for
	// the hotline.
	for _, as := range []struct {
		code, kind, team, value string
		due                     int
	}{
		{"310100-001", "channel", "", "offline", 14},
		{"310100-001", "channel", "", "online", 14},
		{"310100-001", "channel", "", "hotline", 21},
		{"310100-004", "team", "window", "", 30},
		{"hotline-etiquette", "team", "hotline", "", 7},
	} {
		if err := assign(as.code, as.kind, as.team, as.value, as.due); err != nil {
			return fmt.Errorf("assign %s: %w", as.code, err)
		}
	}
	// Progress: some people have read everything (completed, certificate
	// issued), some have started.
	progress := map[string]int{"W001": 99, "W003": 99, "O001": 99, "H001": 99, "W002": 1, "O002": 1, "H002": 1}
	for no, lessons := range progress {
		m, err := a.Staff().StaffByNo(ctx, centerID, no)
		if err != nil {
			return err
		}
		es, err := tr.StaffEnrolments(ctx, m.ID)
		if err != nil {
			return err
		}
		for _, e := range es {
			full, err := tr.Enrolment(ctx, e.ID)
			if err != nil {
				return err
			}
			for i, l := range full.Version.Lessons {
				if i >= lessons {
					break
				}
				if _, err := tr.ReadLesson(ctx, e.ID, l.ID); err != nil {
					return err
				}
			}
		}
	}
	if err := seedAttempts(ctx, a, centerID); err != nil {
		return fmt.Errorf("attempts: %w", err)
	}
	// Overdue: the demo pretends two people missed an earlier deadline. The
	// application never moves a due date into the past; the seed does it
	// directly so that the overdue views have something to show.
	for _, no := range []string{"W004", "H003"} {
		m, err := a.Staff().StaffByNo(ctx, centerID, no)
		if err != nil {
			return err
		}
		if _, err := db.NewUpdate().Table("enrolments").Set("due_date = ?", due(-5)).
			Where("staff_id = ? AND status <> 'completed'", m.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// seedQuizzes gives each demo module a quiz from its GIFT file (plus, for the
// business registration, an ordering question generated from its steps).
func seedQuizzes(ctx context.Context, a *app.App, centerID int64) error {
	names, err := fs.Glob(quizFiles, "quizzes/*.gift")
	if err != nil {
		return err
	}
	for _, name := range names {
		code := strings.TrimSuffix(path.Base(name), ".gift")
		m, err := a.Training().ModuleByCode(ctx, centerID, code)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := a.Quizzes().QuizForModule(ctx, m.ID); err == nil {
			continue // seeded before
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		data, err := quizFiles.ReadFile(name)
		if err != nil {
			return err
		}
		qs, err := quizzes.ParseGIFT(name, bytes.NewReader(data))
		if err != nil {
			return err
		}
		if code == "310100-001" {
			v, err := a.Training().CurrentVersion(ctx, m.ID)
			if err != nil {
				return err
			}
			var steps []string
			for _, st := range v.Standard.Steps {
				steps = append(steps, st.Title)
			}
			q := quizzes.OrderingFromSteps("企业设立登记：办理流程排序", steps)
			q.Category = code + "/流程"
			qs = append(qs, q)
		}
		if _, err := a.ImportQuestions(ctx, centerID, code, qs, demoActor()); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		qz, err := a.Quizzes().QuizForModule(ctx, m.ID)
		if err != nil {
			return err
		}
		qz.Title, qz.TimeLimitSeconds, qz.AttemptsAllowed, qz.ShuffleAnswers = m.Code+" 测验", 20*60, 3, true
		if err := a.Quizzes().SaveQuiz(ctx, qz); err != nil {
			return err
		}
	}
	return nil
}
