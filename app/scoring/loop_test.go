package scoring_test

import (
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/scoring"
)

func TestLoopRuleDecide(t *testing.T) {
	rule := scoring.DefaultSettings().Loop // 2 bad in 30 days, cooldown 30 days
	now := time.Date(2026, 7, 31, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	day := 24 * time.Hour
	tm := func(v time.Time) *time.Time { return &v }

	cases := []struct {
		name         string
		bad          []time.Time
		lastAssigned *time.Time
		want         scoring.Decision
		assign       bool
	}{
		{"none", nil, nil, scoring.Decision{}, false},
		{"one below threshold", []time.Time{ago(day)}, nil, scoring.Decision{Count: 1}, false},
		{"two reach it", []time.Time{ago(day), ago(2 * day)}, nil, scoring.Decision{Trigger: true, Count: 2}, true},
		{"order does not matter", []time.Time{ago(20 * day), ago(time.Hour), ago(3 * day)}, nil, scoring.Decision{Trigger: true, Count: 3}, true},
		{"exactly 30 days old has left the window", []time.Time{ago(day), ago(30 * day)}, nil, scoring.Decision{Count: 1}, false},
		{"a second inside the window", []time.Time{ago(day), ago(30*day - time.Second)}, nil, scoring.Decision{Trigger: true, Count: 2}, true},
		{"rated at now counts", []time.Time{now, ago(day)}, nil, scoring.Decision{Trigger: true, Count: 2}, true},
		{"after now does not", []time.Time{now.Add(time.Second), ago(day)}, nil, scoring.Decision{Count: 1}, false},
		{"cooldown blocks", []time.Time{ago(day), ago(2 * day)}, tm(ago(10 * day)),
			scoring.Decision{Trigger: true, Count: 2, Skip: scoring.SkipCooldown}, false},
		{"cooldown a second before its end", []time.Time{ago(day), ago(2 * day)}, tm(ago(30*day - time.Second)),
			scoring.Decision{Trigger: true, Count: 2, Skip: scoring.SkipCooldown}, false},
		{"cooldown over", []time.Time{ago(day), ago(2 * day)}, tm(ago(30 * day)),
			scoring.Decision{Trigger: true, Count: 2}, true},
		{"ratings before the last assignment do not count again", []time.Time{ago(5 * day), ago(20 * day), ago(day)}, tm(ago(4 * day)),
			scoring.Decision{Count: 1}, false},
		{"a rating at the assignment instant does not count", []time.Time{ago(4 * day), ago(day)}, tm(ago(4 * day)),
			scoring.Decision{Count: 1}, false},
		{"old assignment leaves the window as is", []time.Time{ago(day), ago(29 * day)}, tm(ago(100 * day)),
			scoring.Decision{Trigger: true, Count: 2}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := rule.Decide(c.bad, now, c.lastAssigned)
			if got != c.want {
				t.Errorf("Decide = %+v, want %+v", got, c.want)
			}
			if got.Assign() != c.assign {
				t.Errorf("Assign = %v, want %v", got.Assign(), c.assign)
			}
		})
	}

	strict := scoring.LoopRule{BadCount: 3, WindowDays: 7, DueDays: 14, CooldownDays: 0}
	three := []time.Time{ago(day), ago(2 * day), ago(6 * day)}
	if got := strict.Decide(three, now, tm(ago(7*day))); !got.Assign() || got.Count != 3 {
		t.Errorf("BadCount 3, window 7 days, no cooldown: %+v, want assign with count 3", got)
	}
	if got := strict.Decide(three[:2], now, nil); got.Trigger {
		t.Errorf("BadCount 3 with 2 bad ratings: %+v, want no trigger", got)
	}
	if got := strict.Decide([]time.Time{ago(day), ago(2 * day), ago(8 * day)}, now, nil); got.Trigger {
		t.Errorf("window 7 days with one rating 8 days old: %+v, want no trigger", got)
	}
}
