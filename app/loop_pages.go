package app

import "github.com/gofiber/fiber/v2"

type loopView struct {
	Title    string
	Log      []LoopTrigger
	Outcomes []RetrainOutcome
}

// loopPage is the closed-loop log of the center (HR) with the retraining
// outcomes.
func (a *App) loopPage(c *fiber.Ctx) error {
	return a.loopList(c, 0, "")
}

func (a *App) teamLoopPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	t, err := a.staff.TeamByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return a.loopList(c, t.ID, t.Name)
}

func (a *App) loopList(c *fiber.Ctx, teamID int64, title string) error {
	ctx := c.UserContext()
	centerID := principal(c).CenterID
	v := loopView{Title: title}
	var err error
	if v.Log, err = a.LoopLog(ctx, centerID, teamID, 500); err != nil {
		return err
	}
	if v.Outcomes, err = a.RetrainOutcomes(ctx, centerID, teamID); err != nil {
		return err
	}
	return a.render(c, "loop", "loop.title", v)
}
