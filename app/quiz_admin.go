package app

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/quizzes"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

type quizView struct {
	Module     *training.Module
	Quiz       *quizstore.Quiz
	Questions  []quizstore.BankQuestion // the bank, for adding fixed slots
	SlotNames  map[int64]string         // question id → name
	Categories []quizstore.Category
	Preview    []quizzes.Question // a GIFT/Aiken upload waiting for confirmation
	Source     string
	Format     string
	Errors     []string
}

// quizPage is the trainer's quiz editor for a module: settings, slots, the
// bank (with import from GIFT/Aiken and generation from the standard).
func (a *App) quizPage(c *fiber.Ctx) error {
	v, err := a.quizView(c)
	if err != nil {
		return err
	}
	return a.render(c, "quiz_edit", "quiz.title", v)
}

func (a *App) quizView(c *fiber.Ctx) (*quizView, error) {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return nil, err
	}
	v := &quizView{Module: m, SlotNames: map[int64]string{}}
	q, err := a.quizzes.QuizForModule(ctx, m.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	v.Quiz = q
	if v.Questions, err = a.quizzes.Questions(ctx, m.CenterID, quizstore.QuestionFilter{}); err != nil {
		return nil, err
	}
	for _, bq := range v.Questions {
		v.SlotNames[bq.ID] = bq.Question.Name
	}
	if v.Categories, err = a.quizzes.Categories(ctx, m.CenterID); err != nil {
		return nil, err
	}
	return v, nil
}

// ensureQuiz returns the module's quiz, creating one with defaults.
func (a *App) ensureQuiz(ctx context.Context, m *training.Module) (*quizstore.Quiz, error) {
	q, err := a.quizzes.QuizForModule(ctx, m.ID)
	if err == nil {
		return q, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	q = defaultQuiz(m)
	if err := a.quizzes.SaveQuiz(ctx, q); err != nil {
		return nil, err
	}
	return q, nil
}

func defaultQuiz(m *training.Module) *quizstore.Quiz {
	return &quizstore.Quiz{ModuleID: m.ID, CenterID: m.CenterID, Title: m.Code, PassPercent: 60,
		GradingMethod: quizstore.GradeHighest, OverdueHandling: quizstore.OverdueAutosubmit,
		ReviewMarks: true, ReviewRightAnswers: true, ReviewFeedback: true, ReviewWhen: quizstore.ReviewImmediately}
}

// quizSave stores the quiz settings.
func (a *App) quizSave(c *fiber.Ctx) error {
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	q, err := a.ensureQuiz(c.UserContext(), m)
	if err != nil {
		return err
	}
	num := func(field string) (float64, error) {
		s := strings.TrimSpace(c.FormValue(field))
		if s == "" {
			return 0, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, invalid(field, "must be a number")
		}
		return f, nil
	}
	limit, err := num("time_limit_minutes")
	if err != nil {
		return err
	}
	grace, err := num("grace_minutes")
	if err != nil {
		return err
	}
	attempts, err := num("attempts_allowed")
	if err != nil {
		return err
	}
	pass, err := num("pass_percent")
	if err != nil {
		return err
	}
	q.Title = strings.TrimSpace(c.FormValue("title", q.Title))
	q.TimeLimitSeconds = int(limit * 60)
	q.GraceSeconds = int(grace * 60)
	q.AttemptsAllowed = int(attempts)
	q.PassPercent = pass
	q.OverdueHandling = c.FormValue("overdue_handling", q.OverdueHandling)
	q.GradingMethod = c.FormValue("grading_method", q.GradingMethod)
	q.ShuffleQuestions = c.FormValue("shuffle_questions") != ""
	q.ShuffleAnswers = c.FormValue("shuffle_answers") != ""
	q.ReviewMarks = c.FormValue("review_marks") != ""
	q.ReviewRightAnswers = c.FormValue("review_right_answers") != ""
	q.ReviewFeedback = c.FormValue("review_feedback") != ""
	q.ReviewWhen = c.FormValue("review_when", q.ReviewWhen)
	if err := a.quizzes.SaveQuiz(c.UserContext(), q); err != nil {
		return err
	}
	a.record(c, "quiz.settings", "module:"+m.Code, "")
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/modules/"+m.Code+"/quiz", fiber.StatusSeeOther)
}

// quizSlots adds a fixed question or a random draw, or removes a slot.
func (a *App) quizSlots(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	q, err := a.ensureQuiz(c.UserContext(), m)
	if err != nil {
		return err
	}
	slots := append([]quizstore.Slot(nil), q.Slots...)
	mark, _ := strconv.ParseFloat(c.FormValue("max_mark", "1"), 64)
	switch c.FormValue("action") {
	case "add_fixed":
		id, err := strconv.ParseInt(c.FormValue("question_id"), 10, 64)
		if err != nil {
			return invalid("question_id", "choose a question")
		}
		slots = append(slots, quizstore.Slot{Kind: quizstore.SlotFixed, QuestionID: id, Count: 1, MaxMark: mark})
	case "add_random":
		cat, err := strconv.ParseInt(c.FormValue("category_id"), 10, 64)
		if err != nil {
			return invalid("category_id", "choose a category")
		}
		n, err := strconv.Atoi(c.FormValue("count"))
		if err != nil || n < 1 {
			return invalid("count", "must be at least 1")
		}
		slots = append(slots, quizstore.Slot{Kind: quizstore.SlotRandom, CategoryID: cat, IncludeSubcategories: c.FormValue("include_sub") != "",
			Tags: splitList(c.FormValue("tags")), Count: n, MaxMark: mark})
	case "remove":
		pos, err := strconv.Atoi(c.FormValue("position"))
		if err != nil || pos < 1 || pos > len(slots) {
			return invalid("position", "no such slot")
		}
		slots = append(slots[:pos-1], slots[pos:]...)
	default:
		return invalid("action", "want add_fixed, add_random or remove")
	}
	if err := a.quizzes.SetSlots(ctx, q.ID, slots); err != nil {
		return err
	}
	a.record(c, "quiz.slots", "module:"+m.Code, c.FormValue("action"))
	return c.Redirect("/modules/"+m.Code+"/quiz", fiber.StatusSeeOther)
}

// quizImport parses pasted or uploaded GIFT/Aiken. action=preview shows what
// would be stored; action=save stores the questions and adds them to the
// quiz, all in one transaction.
func (a *App) quizImport(c *fiber.Ctx) error {
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	src := c.FormValue("source")
	if fh, ferr := c.FormFile("file"); ferr == nil {
		if fh.Size > 4<<20 {
			return invalid("file", "larger than 4 MiB")
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		var b bytes.Buffer
		_, err = b.ReadFrom(f)
		f.Close()
		if err != nil {
			return err
		}
		src = b.String()
	}
	format := c.FormValue("format", "gift")
	var qs []quizzes.Question
	switch format {
	case "gift":
		qs, err = quizzes.ParseGIFT("input", strings.NewReader(src))
	case "aiken":
		qs, err = quizzes.ParseAiken("input", strings.NewReader(src))
	default:
		return invalid("format", "want gift or aiken")
	}
	v, verr := a.quizView(c)
	if verr != nil {
		return verr
	}
	v.Source, v.Format = src, format
	var fe *quizzes.FormatError
	if errors.As(err, &fe) {
		for _, le := range fe.Errors {
			v.Errors = append(v.Errors, le.Error())
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return a.render(c, "quiz_edit", "quiz.title", v)
	}
	if err != nil {
		return err
	}
	if c.FormValue("action") != "save" {
		v.Preview = qs
		return a.render(c, "quiz_edit", "quiz.title", v)
	}
	n, err := a.ImportQuestions(c.UserContext(), m.CenterID, m.Code, qs, a.actor(c))
	if err != nil {
		return err
	}
	a.flash(c, a.msgs.T(lang(c), "quiz.imported", n))
	return c.Redirect("/modules/"+m.Code+"/quiz", fiber.StatusSeeOther)
}

// quizGenerate drafts questions from the module's published standard: an
// ordering question from its steps, a multichoice from its materials.
func (a *App) quizGenerate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	v, err := a.training.CurrentVersion(ctx, m.ID)
	if err != nil {
		return invalid("module", "publish the module first: questions are generated from its standard")
	}
	var q quizzes.Question
	switch c.FormValue("kind") {
	case "steps":
		var steps []string
		for _, s := range v.Standard.Steps {
			steps = append(steps, s.Title)
		}
		q = quizzes.OrderingFromSteps(v.Title+"：办理流程排序", steps)
	case "materials":
		var names []string
		for _, mat := range v.Standard.Materials {
			names = append(names, mat.Name)
		}
		q = quizzes.MultiChoiceFromMaterials(v.Title+"：申请材料", names, []string{"户口本原件", "无犯罪记录证明", "银行流水"})
	default:
		return invalid("kind", "want steps or materials")
	}
	q.Category = m.Code
	if _, err := a.ImportQuestions(ctx, m.CenterID, m.Code, []quizzes.Question{q}, a.actor(c)); err != nil {
		return err
	}
	a.flash(c, a.msgs.T(lang(c), "quiz.imported", 1))
	return c.Redirect("/modules/"+m.Code+"/quiz", fiber.StatusSeeOther)
}

// quizStats is the item analysis of the module's quiz.
func (a *App) quizStats(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	q, err := a.quizzes.QuizForModule(ctx, m.ID)
	if err != nil {
		return err
	}
	pick := quizzes.AttemptPick(c.Query("pick", "first"))
	if !pick.Valid() {
		return invalid("pick", "want first, highest, last or all")
	}
	st, names, err := a.quizzes.ItemAnalysis(ctx, q.ID, pick, nil)
	if err != nil {
		return err
	}
	return a.render(c, "quiz_stats", "stats.title", fiber.Map{"Module": m, "Quiz": q, "Stats": st, "Names": names, "Pick": string(pick), "Action": ""})
}

// teamQuizStats is the item analysis of one module's quiz over a team's
// members only (?module=CODE), for the team lead.
func (a *App) teamQuizStats(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tv, err := a.team(c)
	if err != nil {
		return err
	}
	m, err := a.training.ModuleByCode(ctx, tv.Team.CenterID, c.Query("module"))
	if err != nil {
		return invalid("module", "no module %q", c.Query("module"))
	}
	q, err := a.quizzes.QuizForModule(ctx, m.ID)
	if err != nil {
		return err
	}
	pick := quizzes.AttemptPick(c.Query("pick", "first"))
	if !pick.Valid() {
		return invalid("pick", "want first, highest, last or all")
	}
	ids := make([]int64, 0, len(tv.Members))
	for _, mem := range tv.Members {
		ids = append(ids, mem.ID)
	}
	st, names, err := a.quizzes.ItemAnalysis(ctx, q.ID, pick, ids)
	if err != nil {
		return err
	}
	return a.render(c, "quiz_stats", "stats.title", fiber.Map{"Module": m, "Quiz": q, "Stats": st, "Names": names, "Pick": string(pick), "Team": tv.Team})
}
