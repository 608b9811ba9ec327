package scoring_test

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/scoring"
)

// workedExampleInput is the small center of docs/scoring.md, "Worked
// example", exactly as written there.
func workedExampleInput() scoring.Input {
	r := func(staff int64, ch string, level int) scoring.Rating {
		return scoring.Rating{StaffID: staff, Channel: ch, Level: level}
	}
	grade := func(g float64) *float64 { return &g }
	def := r(1, "offline", 5)
	def.IsDefault = true
	upheld := r(2, "offline", 1)
	upheld.Excluded = true
	partly := r(3, "online", 2)
	partly.PersonalExcluded = true
	return scoring.Input{
		Period:   scoring.Period{Kind: scoring.Month, Year: 2026, Month: 7},
		Today:    "2026-08-03",
		Settings: scoring.DefaultSettings(),
		People: []scoring.Person{
			{StaffID: 1, StaffNo: "W001", Name: "张伟", TeamID: 10, Team: "窗口一组"},
			{StaffID: 2, StaffNo: "W002", Name: "李娜", TeamID: 10, Team: "窗口一组"},
			{StaffID: 3, StaffNo: "N001", Name: "王芳", TeamID: 20, Team: "网办组"},
			{StaffID: 4, StaffNo: "N002", Name: "刘洋", TeamID: 20, Team: "网办组"},
		},
		Ratings: []scoring.Rating{
			// offline
			r(1, "offline", 5), r(1, "offline", 5), r(1, "offline", 4), r(1, "offline", 4), r(1, "offline", 5),
			def,
			r(2, "offline", 5), r(2, "offline", 4), r(2, "offline", 3), r(2, "offline", 4), r(2, "offline", 5),
			upheld,
			// online
			r(1, "online", 4),
			r(3, "online", 4), r(3, "online", 4), r(3, "online", 5), r(3, "online", 3),
			partly,
			r(4, "online", 5), r(4, "online", 5), r(4, "online", 5), r(4, "online", 4), r(4, "online", 5), r(4, "online", 2),
		},
		Enrolments: []scoring.Enrolment{
			{StaffID: 1, Due: "2026-07-10", CompletedOn: "2026-07-08", HasQuiz: true, Grade: grade(90), Attempted: true},
			{StaffID: 1, Due: "2026-07-20", CompletedOn: "2026-07-25", HasQuiz: true, Grade: grade(70), Attempted: true},
			{StaffID: 1, Due: "2026-07-15", CompletedOn: "2026-07-15"},
			{StaffID: 2, Due: "2026-07-10", HasQuiz: true},
			{StaffID: 2, Due: "2026-07-31", CompletedOn: "2026-07-30", HasQuiz: true, Grade: grade(100), Attempted: true},
			{StaffID: 3, Due: "2026-07-10", CompletedOn: "2026-07-05", HasQuiz: true, Grade: grade(85), Attempted: true},
			{StaffID: 3, Due: "2026-06-28", CompletedOn: "2026-07-02", HasQuiz: true, Grade: grade(95), Attempted: true},
			{StaffID: 4, Due: "2026-07-20", CompletedOn: "2026-07-19"},
		},
	}
}

// TestWorkedExample checks every number docs/scoring.md states for its
// worked example: full-precision values to 1e-9, printed figures exactly.
func TestWorkedExample(t *testing.T) {
	res := scoring.Compute(workedExampleInput())

	// The center's channel means m.
	wantCh := map[string]scoring.ChannelStat{
		"offline": {N: 10, Sum: 850, Mean: 85},
		"online":  {N: 12, Sum: 900, Mean: 75},
	}
	if !reflect.DeepEqual(res.Channels, wantCh) {
		t.Errorf("Channels = %+v, want %+v", res.Channels, wantCh)
	}
	wantCounts := scoring.RatingCounts{Received: 24, Counted: 22, Default: 1, Excluded: 1, PersonalExcluded: 1}
	if res.Ratings != wantCounts {
		t.Errorf("Ratings = %+v, want %+v", res.Ratings, wantCounts)
	}

	type channel struct {
		n          int
		sum, score float64
	}
	type want struct {
		staffNo                     string
		n                           int
		channels                    map[string]channel
		sat, comp, train, quality   *float64
		display, band               string
		compCounted, overdueZeros   int
		due, onTime                 int
		weights                     scoring.Weights
		good, bad                   int
		goodRate, badRate, badUpper float64
		rankTeam, rankCenter        *int
	}
	f := func(v float64) *float64 { return &v }
	i := func(v int) *int { return &v }
	base := scoring.Weights{Satisfaction: 0.5, Competence: 0.3, Training: 0.2}
	wants := []want{
		{
			staffNo: "W001", n: 6,
			channels: map[string]channel{"offline": {5, 450, 1300.0 / 15}, "online": {1, 75, 75}},
			sat:      f(1525.0 / 18), comp: f(80), train: f(200.0 / 3), quality: f(2869.0 / 36),
			display: "79.7", band: "称职",
			compCounted: 2, due: 3, onTime: 2, weights: base,
			good: 6, bad: 0, goodRate: 1, badRate: 0, badUpper: 0.3903430336530645,
			rankTeam: i(1), rankCenter: i(2),
		},
		{
			staffNo: "W002", n: 5,
			channels: map[string]channel{"offline": {5, 400, 1250.0 / 15}},
			sat:      f(250.0 / 3), comp: f(50), train: f(50), quality: f(200.0 / 3),
			display: "66.7", band: "基本称职",
			compCounted: 2, overdueZeros: 1, due: 2, onTime: 1, weights: base,
			good: 4, bad: 0, goodRate: 0.8, badRate: 0, badUpper: 0.43449149475208104,
			rankTeam: i(2), rankCenter: i(3),
		},
		{
			staffNo: "N001", n: 4,
			channels: map[string]channel{"online": {4, 300, 75}},
			sat:      f(75), comp: f(90), train: f(100), quality: f(84.5),
			display: "84.5", band: "称职",
			compCounted: 2, due: 1, onTime: 1, weights: base,
			good: 3, bad: 0, goodRate: 0.75, badRate: 0, badUpper: 0.48990002040399916,
		},
		{
			staffNo: "N002", n: 6,
			channels: map[string]channel{"online": {6, 500, 78.125}},
			sat:      f(78.125), comp: nil, train: f(100), quality: f(84.375),
			display: "84.4", band: "称职",
			due: 1, onTime: 1, weights: scoring.Weights{Satisfaction: 5.0 / 7, Training: 2.0 / 7},
			good: 5, bad: 1, goodRate: 5.0 / 6, badRate: 1.0 / 6, badUpper: 0.563509436563646,
			rankTeam: i(1), rankCenter: i(1),
		},
	}
	if len(res.Scores) != len(wants) {
		t.Fatalf("got %d scores, want %d", len(res.Scores), len(wants))
	}
	for k, w := range wants {
		s := res.Scores[k]
		t.Run(w.staffNo, func(t *testing.T) {
			if s.StaffNo != w.staffNo || s.NRatings != w.n {
				t.Errorf("staff_no, n = %s, %d; want %s, %d", s.StaffNo, s.NRatings, w.staffNo, w.n)
			}
			if len(s.Channels) != len(w.channels) {
				t.Errorf("channels = %v, want %v", s.Channels, w.channels)
			}
			for code, wc := range w.channels {
				c := s.Channels[code]
				m := res.Channels[code].Mean
				if c.N != wc.n || c.Sum != wc.sum || c.M != m || c.C != 10 || !near(c.Score, wc.score) ||
					c.Mean == nil || !near(*c.Mean, wc.sum/float64(wc.n)) {
					t.Errorf("channel %s = %+v, want n %d, sum %v, m %v, c 10, score %v", code, c, wc.n, wc.sum, m, wc.score)
				}
			}
			nearPtr(t, "satisfaction", s.Satisfaction, w.sat)
			nearPtr(t, "competence", s.Competence, w.comp)
			nearPtr(t, "training", s.Training, w.train)
			nearPtr(t, "quality", s.Quality, w.quality)
			if s.QualityDisplay != w.display || s.Band != w.band {
				t.Errorf("display, band = %q, %q; want %q, %q", s.QualityDisplay, s.Band, w.display, w.band)
			}
			ex := s.Explain
			if ex.Competence.Counted != w.compCounted || ex.Competence.OverdueZeros != w.overdueZeros {
				t.Errorf("competence counted, overdue zeros = %d, %d; want %d, %d",
					ex.Competence.Counted, ex.Competence.OverdueZeros, w.compCounted, w.overdueZeros)
			}
			if ex.Training.Due != w.due || ex.Training.OnTime != w.onTime {
				t.Errorf("training due, on time = %d, %d; want %d, %d", ex.Training.Due, ex.Training.OnTime, w.due, w.onTime)
			}
			gw := ex.Quality.Weights
			if !near(gw.Satisfaction, w.weights.Satisfaction) || !near(gw.Competence, w.weights.Competence) || !near(gw.Training, w.weights.Training) {
				t.Errorf("weights used = %+v, want %+v", gw, w.weights)
			}
			if ex.Rates.Good != w.good || ex.Rates.Bad != w.bad {
				t.Errorf("good, bad = %d, %d; want %d, %d", ex.Rates.Good, ex.Rates.Bad, w.good, w.bad)
			}
			nearPtr(t, "good_rate", s.GoodRate, &w.goodRate)
			nearPtr(t, "bad_rate", s.BadRate, &w.badRate)
			nearPtr(t, "bad_rate_upper", s.BadRateUpper, &w.badUpper)
			intPtr(t, "rank_team", s.RankTeam, w.rankTeam)
			intPtr(t, "rank_center", s.RankCenter, w.rankCenter)
		})
	}

	// The formula texts, per person: satisfaction, competence, training, quality.
	formulas := [][4]string{
		{"offline: (10×85 + 450) / (10 + 5) = 86.67; online: (10×75 + 75) / (10 + 1) = 75; (5×86.67 + 1×75) / 6 = 84.72",
			"(90 + 70) / 2 = 80", "100 × 2 / 3 = 66.67", "0.5×84.72 + 0.3×80 + 0.2×66.67 = 79.69"},
		{"offline: (10×85 + 400) / (10 + 5) = 83.33", "(100 + 0) / 2 = 50", "100 × 1 / 2 = 50", "0.5×83.33 + 0.3×50 + 0.2×50 = 66.67"},
		{"online: (10×75 + 300) / (10 + 4) = 75", "(85 + 95) / 2 = 90", "100 × 1 / 1 = 100", "0.5×75 + 0.3×90 + 0.2×100 = 84.5"},
		{"online: (10×75 + 500) / (10 + 6) = 78.13", "", "100 × 1 / 1 = 100", "(0.5×78.13 + 0.2×100) / 0.7 = 84.38"},
	}
	for k, want := range formulas {
		ex := res.Scores[k].Explain
		got := [4]string{ex.Satisfaction.Formula, ex.Competence.Formula, ex.Training.Formula, ex.Quality.Formula}
		if got != want {
			t.Errorf("%s formulas =\n%q\nwant\n%q", res.Scores[k].StaffNo, got, want)
		}
	}

	// 刘洋's Wilson bound, step by step as the doc writes it (six decimals).
	p, z, n := 1.0/6, 1.96, 6.0
	steps := []struct {
		name      string
		got, want float64
	}{
		{"p̂", p, 0.166667},
		{"z²/(2n)", z * z / (2 * n), 0.320133},
		{"p̂(1−p̂)/n", p * (1 - p) / n, 0.023148},
		{"z²/(4n²)", z * z / (4 * n * n), 0.026678},
		{"√", math.Sqrt(p*(1-p)/n + z*z/(4*n*n)), 0.223217},
		{"z·√", z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)), 0.437506},
		{"denominator", 1 + z*z/n, 1.640267},
		{"doc quotient", 0.924306 / 1.640267, *res.Scores[3].BadRateUpper},
	}
	for _, st := range steps {
		if math.Abs(st.got-st.want) > 5e-7 {
			t.Errorf("Wilson step %s = %.7f, doc says %.6f", st.name, st.got, st.want)
		}
	}

	// Lists.
	if below := res.BelowThreshold(); len(below) != 0 {
		t.Errorf("BelowThreshold = %d scores, want none", len(below))
	}
	var worst []string
	for _, s := range res.WorstBadRate(0) {
		worst = append(worst, s.StaffNo)
	}
	if want := []string{"N002", "W002", "W001"}; !slices.Equal(worst, want) {
		t.Errorf("WorstBadRate = %v, want %v", worst, want)
	}

	// The JSON block of docs/scoring.md is exactly what the code returns.
	doc, err := os.ReadFile("../../docs/scoring.md")
	if err != nil {
		t.Fatal(err)
	}
	block, ok := docJSON(string(doc), "<!-- worked-example-json")
	if !ok {
		t.Fatal("docs/scoring.md: no JSON block after <!-- worked-example-json")
	}
	got, err := json.MarshalIndent(res.Scores[3], "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != block {
		t.Errorf("docs/scoring.md shows\n%s\nbut the code returns\n%s", block, got)
	}
}

// docJSON returns the body of the first ```json block after marker.
func docJSON(doc, marker string) (string, bool) {
	_, rest, ok := strings.Cut(doc, marker)
	if !ok {
		return "", false
	}
	_, rest, ok = strings.Cut(rest, "```json\n")
	if !ok {
		return "", false
	}
	body, _, ok := strings.Cut(rest, "\n```")
	return body, ok
}
