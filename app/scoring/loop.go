package scoring

import "time"

// SkipCooldown is Decision.Skip when the rule is reached but the person was
// assigned the module too recently.
const SkipCooldown = "cooldown"

// Decision is the outcome of LoopRule.Decide for one person and one
// service item.
type Decision struct {
	Trigger bool   // Count reached the rule's BadCount
	Count   int    // the bad ratings counted in the window
	Skip    string // "" or SkipCooldown: why a reached rule must not assign
}

// Assign reports whether the module is to be assigned again: the rule is
// reached and nothing blocks it.
func (d Decision) Assign() bool { return d.Trigger && d.Skip == "" }

// Decide decides whether a person's counted bad ratings for one service
// item (badAt: their rated_at instants, in any order; the caller has left
// out default ratings and those an upheld or partly upheld appeal took out
// of the person's score) reach the rule in the rolling window ending at
// now, and whether the cooldown blocks a re-assignment.
//
// The window is (now − WindowDays×24h, now]: a rating exactly WindowDays
// old has left it, one rated at now is in it, one dated after now is not
// counted yet. Ratings at or before lastAssigned (the last time the module
// was assigned to the person for this item, nil if never) are not counted:
// they already led to that assignment, so only new evidence can trigger
// again. A reached rule is skipped with SkipCooldown while now is less than
// CooldownDays×24h after lastAssigned.
func (r LoopRule) Decide(badAt []time.Time, now time.Time, lastAssigned *time.Time) Decision {
	from := now.Add(-days(r.WindowDays))
	if lastAssigned != nil && lastAssigned.After(from) {
		from = *lastAssigned
	}
	var d Decision
	for _, t := range badAt {
		if t.After(from) && !t.After(now) {
			d.Count++
		}
	}
	d.Trigger = d.Count >= r.BadCount
	if d.Trigger && lastAssigned != nil && now.Sub(*lastAssigned) < days(r.CooldownDays) {
		d.Skip = SkipCooldown
	}
	return d
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
