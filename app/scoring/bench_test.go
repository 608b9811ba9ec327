package scoring_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kaoping/kaoping/app/scoring"
)

// benchInput is a large center for one month: 10,000 people in 100 teams,
// 5,000,000 ratings over three channels (1 % by people not scored, a few
// default, excluded and partly excluded) and 500,000 enrolments.
func benchInput(people, nRatings, nEnrolments int) scoring.Input {
	rng := rand.New(rand.NewPCG(2026, 7))
	in := scoring.Input{
		Period:   scoring.Period{Kind: scoring.Month, Year: 2026, Month: 7},
		Today:    "2026-07-20",
		Settings: scoring.DefaultSettings(),
		People:   make([]scoring.Person, people),
	}
	for i := range in.People {
		team := int64(i%100 + 1)
		in.People[i] = scoring.Person{StaffID: int64(i + 1), StaffNo: fmt.Sprintf("W%05d", i+1), Name: "员工", TeamID: team, Team: fmt.Sprintf("班组%d", team)}
	}
	channels := []string{"offline", "online", "hotline"}
	levels := []int{1, 2, 3, 4, 4, 5, 5, 5, 5, 5}
	in.Ratings = make([]scoring.Rating, nRatings)
	for i := range in.Ratings {
		r := &in.Ratings[i]
		r.StaffID = int64(rng.IntN(people*101/100) + 1)
		r.Channel = channels[rng.IntN(len(channels))]
		r.Level = levels[rng.IntN(len(levels))]
		switch x := rng.IntN(1000); {
		case x < 20:
			r.IsDefault = true
		case x < 25:
			r.Excluded = true
		case x < 30:
			r.PersonalExcluded = true
		}
	}
	days := make([]string, 0, 92)
	for m, n := range map[int]int{6: 30, 7: 31, 8: 31} {
		for d := 1; d <= n; d++ {
			days = append(days, fmt.Sprintf("2026-%02d-%02d", m, d))
		}
	}
	in.Enrolments = make([]scoring.Enrolment, nEnrolments)
	for i := range in.Enrolments {
		e := &in.Enrolments[i]
		e.StaffID = int64(rng.IntN(people) + 1)
		e.Due = days[rng.IntN(len(days))]
		e.HasQuiz = rng.IntN(10) < 8
		if rng.IntN(10) < 7 {
			e.CompletedOn = days[rng.IntN(len(days))]
			if e.HasQuiz {
				g := float64(rng.IntN(101))
				e.Grade, e.Attempted = &g, true
			}
		}
	}
	return in
}

func BenchmarkCompute(b *testing.B) {
	in := benchInput(10_000, 5_000_000, 500_000)
	run := func(b *testing.B) {
		for b.Loop() {
			res := scoring.Compute(in)
			if len(res.Scores) != 10_000 {
				b.Fatal(len(res.Scores))
			}
		}
	}
	// Staff ids 1…10,000: the usual case, looked up in a slice.
	b.Run("dense_ids", run)
	// The same ids spread far apart, looked up in a map.
	for i := range in.People {
		in.People[i].StaffID <<= 32
	}
	for i := range in.Ratings {
		in.Ratings[i].StaffID <<= 32
	}
	for i := range in.Enrolments {
		in.Enrolments[i].StaffID <<= 32
	}
	b.Run("scattered_ids", run)
}
