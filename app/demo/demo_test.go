package demo_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/demo"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/store/storetest"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

// TestSeedDemo seeds the demo (twice: the second run adds nothing) and
// checks what the tour relies on: the quiz takers' attempts, graded
// essays, and competence in this month's scores.
func TestSeedDemo(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	cfg := app.DefaultConfig()
	cfg.Auth.Params = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	cfg.FontPath = "../../data/fonts/LXGWWenKai-Regular.ttf"
	if p := os.Getenv("KAOPING_FONT"); p != "" {
		cfg.FontPath = p
	}
	a, err := app.New(ctx, db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	logins, err := demo.Seed(ctx, a, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) == 0 {
		t.Fatal("no demo logins")
	}
	attempts := func() int64 {
		n, err := db.NewSelect().Table("attempts").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := attempts()
	if _, err := demo.Seed(ctx, a, db); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if again := attempts(); again != first || first == 0 {
		t.Errorf("attempts: %d after the first seed, %d after the second", first, again)
	}

	c, err := a.Staff().DefaultCenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// O001 leaves five questions blank the first time: fails, then passes.
	o1, err := a.Staff().StaffByNo(ctx, c.ID, "O001")
	if err != nil {
		t.Fatal(err)
	}
	var states []struct {
		State        string
		GradePercent *float64
	}
	if err := db.NewSelect().Table("attempts").Column("state", "grade_percent").Where("staff_id = ?", o1.ID).
		OrderExpr("id").Scan(ctx, &states); err != nil {
		t.Fatal(err)
	}
	if len(states) < 2 || states[0].GradePercent == nil || states[1].GradePercent == nil ||
		*states[0].GradePercent >= *states[1].GradePercent {
		t.Errorf("O001's attempts: want a failed one and a better re-take, got %+v", states)
	}
	waiting, err := db.NewSelect().Table("attempts").Where("state = ? AND grade_percent IS NULL", quizstore.StateFinished).Count(ctx)
	if err != nil || waiting != 0 {
		t.Errorf("finished attempts without a grade (essays not graded): %d %v", waiting, err)
	}

	loc, err := c.Location()
	if err != nil {
		t.Fatal(err)
	}
	sheet, _, err := a.CenterScores(ctx, scoring.PeriodOf(time.Now(), scoring.Month, loc), "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*float64{}
	for _, s := range sheet.Scores {
		got[s.StaffNo] = s.Competence
	}
	for _, no := range []string{"W001", "W003", "O001", "H001"} {
		if v := got[no]; v == nil || *v <= 0 || *v > 100 {
			t.Errorf("%s: competence %v, want a grade from the demo attempts", no, v)
		}
	}
	if v := got["W001"]; v != nil && *v < 90 {
		t.Errorf("W001 answered everything (essays 80 %%): competence %.1f", *v)
	}
}
