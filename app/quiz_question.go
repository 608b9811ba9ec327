package app

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/quizzes"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

type questionView struct {
	ModuleCode string
	Q          *quizstore.BankQuestion
	GIFT       string // the question as GIFT, for editing (not for ordering)
	Items      string // ordering: one item per line, in the right order
}

func (a *App) bankQuestion(c *fiber.Ctx) (*quizstore.BankQuestion, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	bq, err := a.quizzes.Question(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if bq.CenterID != principal(c).CenterID {
		return nil, fiber.ErrNotFound
	}
	return bq, nil
}

// questionPage shows one question of the bank in an editor: GIFT for the
// types GIFT expresses, a list of items for ordering questions.
func (a *App) questionPage(c *fiber.Ctx) error {
	bq, err := a.bankQuestion(c)
	if err != nil {
		return err
	}
	v := questionView{ModuleCode: c.Params("code"), Q: bq}
	if bq.Question.Type == quizzes.Ordering {
		v.Items = strings.Join(bq.Question.Items, "\n")
	} else {
		var b bytes.Buffer
		if _, err := quizzes.WriteGIFT(&b, []quizzes.Question{bq.Question}); err != nil {
			return err
		}
		v.GIFT = b.String()
	}
	return a.render(c, "question", "question.title", v)
}

// questionSave stores an edited question. Once any attempt has shown it,
// the edit becomes a new version and attempts keep the one they showed.
func (a *App) questionSave(c *fiber.Ctx) error {
	bq, err := a.bankQuestion(c)
	if err != nil {
		return err
	}
	q := bq.Question
	if q.Type == quizzes.Ordering {
		q.Items = lines(c.FormValue("items"))
		if t := strings.TrimSpace(c.FormValue("text")); t != "" {
			q.Text = t
		}
	} else {
		qs, err := quizzes.ParseGIFT("question", strings.NewReader(c.FormValue("gift")))
		if err != nil {
			return invalid("gift", "%s", err.Error())
		}
		if len(qs) != 1 {
			return invalid("gift", "write exactly one question (found %d)", len(qs))
		}
		q = qs[0]
		q.Category, q.Tags = bq.Question.Category, bq.Question.Tags
	}
	nb, err := a.quizzes.UpdateQuestion(c.UserContext(), bq.ID, q, principal(c).User.ID)
	if err != nil {
		return err
	}
	a.record(c, "question.update", "question:"+strconv.FormatInt(bq.ID, 10), "version="+strconv.Itoa(nb.Version))
	a.flash(c, a.msgs.T(lang(c), "question.saved", nb.Version))
	return c.Redirect("/modules/"+c.Params("code")+"/questions/"+strconv.FormatInt(bq.ID, 10), fiber.StatusSeeOther)
}
