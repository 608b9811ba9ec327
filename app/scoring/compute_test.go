package scoring_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/kaoping/kaoping/app/scoring"
)

// july returns an input for 2026-07 with the default settings, computed on
// 2026-08-03 (the period is over).
func july(people ...scoring.Person) scoring.Input {
	return scoring.Input{
		Period:   scoring.Period{Kind: scoring.Month, Year: 2026, Month: 7},
		Today:    "2026-08-03",
		Settings: scoring.DefaultSettings(),
		People:   people,
	}
}

func person(id int64, team int64) scoring.Person {
	return scoring.Person{StaffID: id, StaffNo: "S" + string(rune('A'+id-1)), Name: "员工", TeamID: team}
}

// ratings returns one counted rating per level given.
func ratings(staff int64, ch string, levels ...int) []scoring.Rating {
	out := make([]scoring.Rating, len(levels))
	for i, l := range levels {
		out[i] = scoring.Rating{StaffID: staff, Channel: ch, Level: l}
	}
	return out
}

// repeat returns level n times.
func repeat(level, n int) []int { return slices.Repeat([]int{level}, n) }

// training returns total enrolments due in July without a quiz, onTime of
// them completed on time and the rest missed.
func training(staff int64, onTime, total int) []scoring.Enrolment {
	out := make([]scoring.Enrolment, total)
	for i := range out {
		out[i] = scoring.Enrolment{StaffID: staff, Due: "2026-07-15"}
		if i < onTime {
			out[i].CompletedOn = "2026-07-14"
		}
	}
	return out
}

func TestShrinkage(t *testing.T) {
	in := july(person(1, 1), person(2, 1), person(3, 1), person(4, 1))
	in.Settings.MinRatingsForRank = 1
	in.Ratings = slices.Concat(
		ratings(1, "offline", 5, 5, 1),                                   // A: 1 bad of 3, own mean 66.67
		ratings(2, "offline", append(repeat(5, 9), repeat(3, 11)...)...), // B: 20 ratings, own mean 72.5
		ratings(3, "offline", repeat(5, 100)...),                         // C: 100 good
		ratings(4, "offline", 5, 5, 5),                                   // D: 3 good
	)
	res := scoring.Compute(in)
	m := 11950.0 / 126
	if got := res.Channels["offline"]; got.N != 126 || got.Sum != 11950 || !near(got.Mean, m) {
		t.Fatalf("offline = %+v, want n 126, sum 11950, mean %v", got, m)
	}
	a, b, c, d := res.Scores[0], res.Scores[1], res.Scores[2], res.Scores[3]
	nearPtr(t, "A satisfaction", a.Satisfaction, fp((10*m+200)/13))
	nearPtr(t, "B satisfaction", b.Satisfaction, fp((10*m+1450)/30))
	nearPtr(t, "C satisfaction", c.Satisfaction, fp((10*m+10000)/110))
	nearPtr(t, "D satisfaction", d.Satisfaction, fp((10*m+300)/13))

	// Raw means would put A last; shrinkage does not.
	if !(*a.Channels["offline"].Mean < *b.Channels["offline"].Mean) {
		t.Fatalf("test data: A's own mean should be below B's")
	}
	if *a.RankCenter == 4 || *b.RankCenter != 4 {
		t.Errorf("ranks A %d, B %d; want B last, not A", *a.RankCenter, *b.RankCenter)
	}
	// Same perfect mean, more evidence: 100 good outrank 3 good.
	if !(*c.Quality > *d.Quality) || *c.RankCenter != 1 || *d.RankCenter != 2 {
		t.Errorf("C quality %v rank %d, D quality %v rank %d; want C first", *c.Quality, *c.RankCenter, *d.Quality, *d.RankCenter)
	}

	// Without the prior the raw means decide, and A is last.
	in.Settings.Prior = 0
	res = scoring.Compute(in)
	nearPtr(t, "A satisfaction, C = 0", res.Scores[0].Satisfaction, fp(200.0/3))
	if r := *res.Scores[0].RankCenter; r != 4 {
		t.Errorf("with C = 0, A's rank = %d, want 4", r)
	}
}

func TestCountedRatings(t *testing.T) {
	in := july(person(1, 1))
	def := scoring.Rating{StaffID: 1, Channel: "offline", Level: 1, IsDefault: true}
	upheld := scoring.Rating{StaffID: 1, Channel: "offline", Level: 1, Excluded: true}
	both := scoring.Rating{StaffID: 1, Channel: "offline", Level: 1, Excluded: true, PersonalExcluded: true}
	partly := scoring.Rating{StaffID: 1, Channel: "offline", Level: 2, PersonalExcluded: true}
	in.Ratings = []scoring.Rating{
		{StaffID: 1, Channel: "offline", Level: 5},
		def, upheld, both, partly,
		{StaffID: 99, Channel: "offline", Level: 3}, // someone not scored: still in m
		{StaffID: 1, Channel: "offline", Level: 0},
		{StaffID: 1, Channel: "offline", Level: 6},
	}
	res := scoring.Compute(in)

	wantCounts := scoring.RatingCounts{Received: 8, Counted: 3, Default: 1, Excluded: 2, PersonalExcluded: 1, Invalid: 2}
	if res.Ratings != wantCounts {
		t.Errorf("Ratings = %+v, want %+v", res.Ratings, wantCounts)
	}
	// m over 5 (100), partly upheld 2 (25) and the other person's 3 (50).
	wantCh := scoring.ChannelStat{N: 3, Sum: 175, Mean: 175.0 / 3}
	if got := res.Channels["offline"]; got.N != wantCh.N || got.Sum != wantCh.Sum || !near(got.Mean, wantCh.Mean) {
		t.Errorf("offline = %+v, want %+v", got, wantCh)
	}
	s := res.Scores[0]
	if s.NRatings != 1 || s.Explain.Rates.Bad != 0 || s.Explain.Rates.Good != 1 {
		t.Errorf("n %d, good %d, bad %d; want 1, 1, 0", s.NRatings, s.Explain.Rates.Good, s.Explain.Rates.Bad)
	}
	ch := s.Channels["offline"]
	if ch.N != 1 || ch.Sum != 100 || !near(ch.M, 175.0/3) {
		t.Errorf("channel = %+v, want n 1, sum 100, m 58.33", ch)
	}
	nearPtr(t, "satisfaction", s.Satisfaction, fp((10*175.0/3+100)/11))
	nearPtr(t, "bad_rate", s.BadRate, fp(0))

	// Only excluded and default ratings: no satisfaction, no rates.
	in.Ratings = []scoring.Rating{def, upheld, partly}
	res = scoring.Compute(in)
	s = res.Scores[0]
	if s.Satisfaction != nil || s.GoodRate != nil || s.BadRate != nil || s.BadRateUpper != nil || s.NRatings != 0 || len(s.Channels) != 0 {
		t.Errorf("score = %+v, want no satisfaction, no rates, no channels", s)
	}
	if got := res.Channels["offline"]; got.N != 1 || got.Sum != 25 {
		t.Errorf("offline = %+v, want the partly upheld rating only", got)
	}
}

// TestGroupedRatings: the loader may pass identical ratings as one row with
// a Count; the result is the same as with one row per rating.
func TestGroupedRatings(t *testing.T) {
	in := workedExampleInput()
	want := scoring.Compute(in)

	type key struct {
		staff   int64
		channel string
		level   int
		flags   [3]bool
	}
	counts := map[key]int{}
	var order []key
	for _, r := range in.Ratings {
		k := key{r.StaffID, r.Channel, r.Level, [3]bool{r.IsDefault, r.Excluded, r.PersonalExcluded}}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	in.Ratings = nil
	for _, k := range order {
		in.Ratings = append(in.Ratings, scoring.Rating{StaffID: k.staff, Channel: k.channel, Level: k.level,
			IsDefault: k.flags[0], Excluded: k.flags[1], PersonalExcluded: k.flags[2], Count: counts[k]})
	}
	if len(in.Ratings) >= 24 {
		t.Fatalf("test data: %d rows, want fewer than the 24 ratings", len(in.Ratings))
	}
	got := scoring.Compute(in)
	if !reflect.DeepEqual(got, want) {
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		t.Errorf("grouped:\n%s\none per rating:\n%s", a, b)
	}

	in.Ratings = append(in.Ratings, scoring.Rating{StaffID: 1, Channel: "offline", Level: 5, Count: -3})
	res := scoring.Compute(in)
	if res.Ratings.Invalid != 1 || res.Ratings.Received != 25 || res.Scores[0].NRatings != 6 {
		t.Errorf("negative count: counts %+v, n %d; want 1 invalid of 25, n 6", res.Ratings, res.Scores[0].NRatings)
	}
}

func TestRenormalization(t *testing.T) {
	in := july(person(1, 1), person(2, 1), person(3, 1), person(4, 1), person(5, 1))
	in.Settings.Prior = 0 // satisfaction = own mean, to keep the numbers plain
	in.Ratings = slices.Concat(
		ratings(1, "offline", 4, 4), // 75
		ratings(2, "offline", 5),    // 100
		ratings(3, "offline", 3),    // 50
	)
	in.Enrolments = slices.Concat(
		training(2, 1, 2), // 50
		// Completed early in July, due in August: competence only.
		[]scoring.Enrolment{{StaffID: 3, Due: "2026-08-10", CompletedOn: "2026-07-20", HasQuiz: true, Grade: fp(80), Attempted: true}},
		[]scoring.Enrolment{{StaffID: 4, Due: "2026-08-10", CompletedOn: "2026-07-20", HasQuiz: true, Grade: fp(70), Attempted: true}},
	)
	res := scoring.Compute(in)

	cases := []struct {
		name    string
		quality *float64
		weights scoring.Weights
		present []string
		display string
	}{
		{"satisfaction only", fp(75), scoring.Weights{Satisfaction: 1}, []string{"satisfaction"}, "75.0"},
		{"no competence", fp((0.5*100 + 0.2*50) / 0.7), scoring.Weights{Satisfaction: 5.0 / 7, Training: 2.0 / 7}, []string{"satisfaction", "training"}, "85.7"},
		{"no training", fp((0.5*50 + 0.3*80) / 0.8), scoring.Weights{Satisfaction: 5.0 / 8, Competence: 3.0 / 8}, []string{"satisfaction", "competence"}, "61.3"},
		{"competence only", fp(70), scoring.Weights{Competence: 1}, []string{"competence"}, "70.0"},
		{"nothing", nil, scoring.Weights{}, []string{}, "—"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := res.Scores[i]
			nearPtr(t, "quality", s.Quality, c.quality)
			q := s.Explain.Quality
			if !near(q.Weights.Satisfaction, c.weights.Satisfaction) || !near(q.Weights.Competence, c.weights.Competence) || !near(q.Weights.Training, c.weights.Training) {
				t.Errorf("weights = %+v, want %+v", q.Weights, c.weights)
			}
			if q.BaseWeights != in.Settings.Weights {
				t.Errorf("base weights = %+v", q.BaseWeights)
			}
			if !slices.Equal(q.Present, c.present) {
				t.Errorf("present = %v, want %v", q.Present, c.present)
			}
			if s.QualityDisplay != c.display {
				t.Errorf("display = %q, want %q", s.QualityDisplay, c.display)
			}
			if c.quality == nil && (s.Band != "" || s.BandKey != "" || s.RankCenter != nil || s.RankTeam != nil) {
				t.Errorf("band %q %q, ranks %v %v; want none", s.Band, s.BandKey, s.RankCenter, s.RankTeam)
			}
		})
	}

	t.Run("base weights in any scale", func(t *testing.T) {
		in := in
		in.Settings.Weights = scoring.Weights{Satisfaction: 5, Competence: 3, Training: 2}
		nearPtr(t, "quality", scoring.Compute(in).Scores[1].Quality, fp((0.5*100+0.2*50)/0.7))
	})
	t.Run("a component with weight 0 is not a score", func(t *testing.T) {
		in := july(person(1, 1))
		in.Settings.Weights = scoring.Weights{Satisfaction: 1, Competence: 1}
		in.Enrolments = training(1, 1, 1)
		s := scoring.Compute(in).Scores[0]
		nearPtr(t, "training", s.Training, fp(100))
		if s.Quality != nil || s.QualityDisplay != "—" {
			t.Errorf("quality = %v, want n/a", show(s.Quality))
		}
	})
}

func TestEnrolments(t *testing.T) {
	type want struct {
		comp, train                  *float64
		pending, zeros, notYet, late int
	}
	cases := []struct {
		name string
		e    scoring.Enrolment
		want want
	}{
		{"on time with grade", scoring.Enrolment{Due: "2026-07-10", CompletedOn: "2026-07-09", HasQuiz: true, Grade: fp(80), Attempted: true},
			want{comp: fp(80), train: fp(100)}},
		{"completed on the due date", scoring.Enrolment{Due: "2026-07-10", CompletedOn: "2026-07-10", HasQuiz: true, Grade: fp(100), Attempted: true},
			want{comp: fp(100), train: fp(100)}},
		{"late", scoring.Enrolment{Due: "2026-07-10", CompletedOn: "2026-07-12", HasQuiz: true, Grade: fp(60), Attempted: true},
			want{comp: fp(60), train: fp(0), late: 1}},
		{"overdue, no attempt: 0", scoring.Enrolment{Due: "2026-07-10", HasQuiz: true},
			want{comp: fp(0), train: fp(0), zeros: 1}},
		{"overdue, attempt not graded: pending", scoring.Enrolment{Due: "2026-07-10", HasQuiz: true, Attempted: true},
			want{train: fp(0), pending: 1}},
		{"overdue, graded attempt, not completed", scoring.Enrolment{Due: "2026-07-10", HasQuiz: true, Grade: fp(40), Attempted: true},
			want{comp: fp(40), train: fp(0)}},
		{"due after today", scoring.Enrolment{Due: "2026-07-25", HasQuiz: true},
			want{pending: 1, notYet: 1}},
		{"due today", scoring.Enrolment{Due: "2026-07-20", HasQuiz: true},
			want{pending: 1, notYet: 1}},
		{"due after today, completed early", scoring.Enrolment{Due: "2026-07-25", CompletedOn: "2026-07-15", HasQuiz: true, Grade: fp(90), Attempted: true},
			want{comp: fp(90), train: fp(100)}},
		{"due in June, completed in July", scoring.Enrolment{Due: "2026-06-28", CompletedOn: "2026-07-02", HasQuiz: true, Grade: fp(95), Attempted: true},
			want{comp: fp(95)}},
		{"due in June, still open", scoring.Enrolment{Due: "2026-06-28", HasQuiz: true},
			want{}},
		{"due in August, completed in July", scoring.Enrolment{Due: "2026-08-05", CompletedOn: "2026-07-15", HasQuiz: true, Grade: fp(70), Attempted: true},
			want{comp: fp(70)}},
		{"no quiz", scoring.Enrolment{Due: "2026-07-10", CompletedOn: "2026-07-09"},
			want{train: fp(100)}},
		{"no quiz, overdue", scoring.Enrolment{Due: "2026-07-10"},
			want{train: fp(0)}},
		{"completed, grade pending", scoring.Enrolment{Due: "2026-07-10", CompletedOn: "2026-07-09", HasQuiz: true, Attempted: true},
			want{train: fp(100), pending: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := july(person(1, 1))
			in.Today = "2026-07-20"
			c.e.StaffID = 1
			other := c.e
			other.StaffID = 2 // not scored: ignored
			in.Enrolments = []scoring.Enrolment{c.e, other}
			s := scoring.Compute(in).Scores[0]
			nearPtr(t, "competence", s.Competence, c.want.comp)
			nearPtr(t, "training", s.Training, c.want.train)
			ce, te := s.Explain.Competence, s.Explain.Training
			if ce.Pending != c.want.pending || ce.OverdueZeros != c.want.zeros || te.NotYetDue != c.want.notYet || te.Late != c.want.late {
				t.Errorf("pending %d, overdue zeros %d, not yet due %d, late %d; want %d, %d, %d, %d",
					ce.Pending, ce.OverdueZeros, te.NotYetDue, te.Late, c.want.pending, c.want.zeros, c.want.notYet, c.want.late)
			}
		})
	}
}

func TestBandsFromCompute(t *testing.T) {
	in := july(person(1, 1), person(2, 1), person(3, 1))
	in.Enrolments = slices.Concat(training(1, 1799, 2000), training(2, 3747, 5000), training(3, 1199, 2000))
	res := scoring.Compute(in)
	cases := []struct {
		quality            float64
		display, band, key string
	}{
		{89.95, "90.0", "优秀", scoring.BandExcellent},
		{74.94, "74.9", "基本称职", scoring.BandBasic},
		{59.95, "60.0", "基本称职", scoring.BandBasic},
	}
	for i, c := range cases {
		s := res.Scores[i]
		nearPtr(t, "quality", s.Quality, &c.quality)
		if s.QualityDisplay != c.display || s.Band != c.band || s.BandKey != c.key {
			t.Errorf("%v: display %q band %q %q; want %q %q %q", c.quality, s.QualityDisplay, s.Band, s.BandKey, c.display, c.band, c.key)
		}
	}
}

// TestBandOfComputedQuality: a quality whose decimal value is on a band
// boundary but whose binary value falls just below it still gets the band
// its printed figure says.
func TestBandOfComputedQuality(t *testing.T) {
	cases := []struct {
		s, grade      float64
		display, band string
	}{
		{66.1, 73, "75.0", "称职"}, // 0.5×66.1 + 0.3×73 + 0.2×100 = 74.95 (74.94999999999999 in binary)
		{81.1, 98, "90.0", "优秀"}, // = 89.95 (89.94999999999999)
	}
	for _, c := range cases {
		in := july(person(1, 1))
		in.Settings.Prior = 0
		in.Settings.Points = [5]float64{0, 25, 50, c.s, 100}
		in.Ratings = ratings(1, "offline", 4)
		in.Enrolments = []scoring.Enrolment{{StaffID: 1, Due: "2026-07-10", CompletedOn: "2026-07-09", HasQuiz: true, Grade: &c.grade, Attempted: true}}
		s := scoring.Compute(in).Scores[0]
		if s.QualityDisplay != c.display || s.Band != c.band {
			t.Errorf("quality %v: display %q band %q; want %q %q", *s.Quality, s.QualityDisplay, s.Band, c.display, c.band)
		}
	}
}

func TestRanks(t *testing.T) {
	// Quality = training only, so each person's quality is set exactly;
	// five ratings each make them eligible for a rank.
	type p struct {
		id, team         int64
		onTime, total    int
		nRatings         int
		center, teamRank *int
	}
	i := func(v int) *int { return &v }
	people := []p{
		{1, 1, 9, 10, 5, i(1), i(1)},      // 90
		{2, 1, 2126, 2500, 5, i(2), i(2)}, // 85.04 → 85.0
		{3, 1, 2124, 2500, 6, i(2), i(2)}, // 84.96 → 85.0: tie
		{4, 2, 8, 10, 5, i(4), i(1)},      // 80
		{5, 2, 2001, 2500, 7, i(4), i(1)}, // 80.04 → 80.0: tie
		{6, 1, 95, 100, 4, nil, nil},      // 95, but 4 ratings: no rank
		{7, 0, 7, 10, 5, i(7), nil},       // 70, no team
		{8, 2, 0, 0, 9, nil, nil},         // no quality
		{9, 2, 799, 1000, 5, i(6), i(3)},  // 79.9
	}
	in := july()
	in.Settings.Weights = scoring.Weights{Training: 1}
	for _, x := range people {
		in.People = append(in.People, person(x.id, x.team))
		in.Ratings = append(in.Ratings, ratings(x.id, "online", repeat(4, x.nRatings)...)...)
		in.Enrolments = append(in.Enrolments, training(x.id, x.onTime, x.total)...)
	}
	res := scoring.Compute(in)
	for k, x := range people {
		s := res.Scores[k]
		intPtr(t, s.StaffNo+" rank_center", s.RankCenter, x.center)
		intPtr(t, s.StaffNo+" rank_team", s.RankTeam, x.teamRank)
	}

	// MinRatingsForRank 0 ranks everyone with a quality.
	in.Settings.MinRatingsForRank = 0
	res = scoring.Compute(in)
	intPtr(t, "4 ratings, minimum 0", res.Scores[5].RankCenter, i(1))
	intPtr(t, "no quality, minimum 0", res.Scores[7].RankCenter, nil)
}

func TestBelowThresholdAndWorstBadRate(t *testing.T) {
	in := workedExampleInput()
	in.Settings.Threshold = 80
	res := scoring.Compute(in)
	var below []string
	for _, s := range res.BelowThreshold() {
		below = append(below, s.StaffNo)
	}
	if want := []string{"W002", "W001"}; !slices.Equal(below, want) { // 66.7, 79.7
		t.Errorf("BelowThreshold = %v, want %v", below, want)
	}
	in.Settings.Threshold = 79.7 // 79.694… prints 79.7: not below
	if got := scoring.Compute(in).BelowThreshold(); len(got) != 1 || got[0].StaffNo != "W002" {
		t.Errorf("BelowThreshold at 79.7 = %d scores, want W002 only", len(got))
	}

	var worst []string
	for _, s := range res.WorstBadRate(0) {
		worst = append(worst, s.StaffNo)
	}
	// 1 of 6 (0.5635), 0 of 5 (0.4345), 0 of 6 (0.3903); N001 has 4 ratings.
	if want := []string{"N002", "W002", "W001"}; !slices.Equal(worst, want) {
		t.Errorf("WorstBadRate = %v, want %v", worst, want)
	}
	if got := res.WorstBadRate(1); len(got) != 1 || got[0].StaffNo != "N002" {
		t.Errorf("WorstBadRate(1) = %d scores, want N002", len(got))
	}
}

func TestScoreJSON(t *testing.T) {
	in := workedExampleInput()
	in.People = append(in.People, scoring.Person{StaffID: 5, StaffNo: "W003", Name: "新人", TeamID: 10, Team: "窗口一组"})
	res := scoring.Compute(in)
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Period   string                    `json:"period"`
		Channels map[string]map[string]any `json:"channels"`
		Scores   []map[string]any          `json:"scores"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Period != "2026-07" || len(doc.Scores) != 5 {
		t.Fatalf("period %q, %d scores", doc.Period, len(doc.Scores))
	}
	if got := slices.Sorted(maps.Keys(doc.Channels["offline"])); !slices.Equal(got, []string{"mean", "n", "sum"}) {
		t.Errorf("center channel keys = %v", got)
	}

	wantKeys := []string{"bad_rate", "bad_rate_upper", "band", "band_key", "channels", "competence", "explain",
		"good_rate", "n_ratings", "name", "quality", "quality_display", "rank_center", "rank_team",
		"satisfaction", "staff_no", "team", "training"}
	for _, s := range doc.Scores {
		if got := slices.Sorted(maps.Keys(s)); !slices.Equal(got, wantKeys) {
			t.Errorf("%v: keys = %v, want %v", s["staff_no"], got, wantKeys)
		}
		if got := slices.Sorted(maps.Keys(s["explain"].(map[string]any))); !slices.Equal(got, []string{"competence", "quality", "rates", "satisfaction", "training"}) {
			t.Errorf("explain keys = %v", got)
		}
	}

	// W001: two channels with every term; full precision.
	w1 := doc.Scores[0]
	off := w1["channels"].(map[string]any)["offline"].(map[string]any)
	if got := slices.Sorted(maps.Keys(off)); !slices.Equal(got, []string{"c", "m", "mean", "n", "score", "sum"}) {
		t.Errorf("channel keys = %v", got)
	}
	if off["n"] != 5.0 || off["sum"] != 450.0 || off["mean"] != 90.0 || off["m"] != 85.0 || off["c"] != 10.0 || off["score"] != 1300.0/15 {
		t.Errorf("offline = %v", off)
	}
	if q, _ := w1["quality"].(float64); !near(q, 2869.0/36) || w1["quality_display"] != "79.7" || w1["band"] != "称职" || w1["band_key"] != "competent" {
		t.Errorf("quality %v %v %v %v", w1["quality"], w1["quality_display"], w1["band"], w1["band_key"])
	}

	// N002: competence n/a is null.
	if v, ok := doc.Scores[3]["competence"]; !ok || v != nil {
		t.Errorf("N002 competence = %v, want null", v)
	}
	// N001: no rank (4 ratings) is null.
	if doc.Scores[2]["rank_center"] != nil || doc.Scores[2]["rank_team"] != nil {
		t.Errorf("N001 ranks = %v, %v; want null", doc.Scores[2]["rank_center"], doc.Scores[2]["rank_team"])
	}
	// W003: nothing at all.
	empty := doc.Scores[4]
	for _, k := range []string{"satisfaction", "competence", "training", "quality", "good_rate", "bad_rate", "bad_rate_upper", "rank_team", "rank_center"} {
		if empty[k] != nil {
			t.Errorf("W003 %s = %v, want null", k, empty[k])
		}
	}
	if empty["quality_display"] != "—" || empty["band"] != "" || empty["band_key"] != "" || empty["n_ratings"] != 0.0 {
		t.Errorf("W003 display %v band %v key %v n %v", empty["quality_display"], empty["band"], empty["band_key"], empty["n_ratings"])
	}
	if ch, ok := empty["channels"].(map[string]any); !ok || len(ch) != 0 {
		t.Errorf("W003 channels = %#v, want {}", empty["channels"])
	}
	ex := empty["explain"].(map[string]any)
	if g := ex["competence"].(map[string]any)["grades"]; !reflect.DeepEqual(g, []any{}) {
		t.Errorf("W003 grades = %#v, want []", g)
	}
	if p := ex["quality"].(map[string]any)["present"]; !reflect.DeepEqual(p, []any{}) {
		t.Errorf("W003 present = %#v, want []", p)
	}

	// A score issued as JSON reads back as it was (StaffID and TeamID are
	// columns of their own).
	for i, s := range res.Scores {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back scoring.Score
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		back.StaffID, back.TeamID = s.StaffID, s.TeamID
		if !reflect.DeepEqual(back, s) {
			t.Errorf("score %d does not round-trip:\n%+v\n%+v", i, back, s)
		}
	}
}

func TestComputeEdges(t *testing.T) {
	t.Run("no people", func(t *testing.T) {
		in := july()
		in.Ratings = ratings(1, "offline", 5, 4)
		res := scoring.Compute(in)
		if len(res.Scores) != 0 || res.Channels["offline"].N != 2 {
			t.Errorf("result = %+v", res)
		}
	})
	t.Run("staff and team ids kept for the caller", func(t *testing.T) {
		res := scoring.Compute(july(scoring.Person{StaffID: 42, StaffNo: "X", TeamID: 7, Team: "T"}))
		if s := res.Scores[0]; s.StaffID != 42 || s.TeamID != 7 || s.Team != "T" {
			t.Errorf("score = %+v", s)
		}
	})
	t.Run("scattered and repeated staff ids", func(t *testing.T) {
		want := scoring.Compute(workedExampleInput())
		for _, spread := range []int64{3, -3, 1 << 40, -7919} {
			in := workedExampleInput()
			for i := range in.People {
				in.People[i].StaffID *= spread
			}
			for i := range in.Ratings {
				in.Ratings[i].StaffID *= spread
			}
			for i := range in.Enrolments {
				in.Enrolments[i].StaffID *= spread
			}
			got := scoring.Compute(in)
			for i := range got.Scores {
				got.Scores[i].StaffID /= spread
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ids × %d: result differs", spread)
			}
		}

		in := workedExampleInput()
		in.People = append(in.People, in.People[0])
		in.Ratings = append(in.Ratings, ratings(1<<50, "offline", 1)...) // far outside the ids scored
		res := scoring.Compute(in)
		if a, b := res.Scores[0], res.Scores[4]; a.StaffNo != b.StaffNo || *a.Quality != *b.Quality || a.NRatings != 6 {
			t.Errorf("repeated person: %s %v n %d, %s %v", a.StaffNo, *a.Quality, a.NRatings, b.StaffNo, *b.Quality)
		}
		if got := res.Channels["offline"]; got.N != 11 {
			t.Errorf("offline n = %d, want 11 with the rating of someone not scored", got.N)
		}
	})
	t.Run("terms sorted by channel", func(t *testing.T) {
		in := july(person(1, 1))
		in.Ratings = slices.Concat(ratings(1, "online", 5), ratings(1, "hotline", 3), ratings(1, "offline", 4))
		terms := scoring.Compute(in).Scores[0].Explain.Satisfaction.Terms
		var got []string
		for _, t := range terms {
			got = append(got, t.Channel)
		}
		if !slices.Equal(got, []string{"hotline", "offline", "online"}) {
			t.Errorf("terms = %v", got)
		}
	})
	t.Run("many channels", func(t *testing.T) {
		in := july(person(1, 1))
		for c := range 20 {
			in.Ratings = append(in.Ratings, ratings(1, string(rune('a'+c)), 5, 1)...)
		}
		res := scoring.Compute(in)
		if len(res.Channels) != 20 || len(res.Scores[0].Channels) != 20 || res.Scores[0].NRatings != 40 {
			t.Errorf("channels %d, own %d, n %d", len(res.Channels), len(res.Scores[0].Channels), res.Scores[0].NRatings)
		}
		if c := res.Channels["t"]; c.N != 2 || c.Sum != 100 {
			t.Errorf("channel t = %+v", c)
		}
	})
}
