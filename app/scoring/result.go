package scoring

import (
	"cmp"
	"slices"
)

// Rating is one citizen rating of the period, as the loader passes it: the
// loader selects the center's ratings whose rated_at date in the center's
// time zone (PeriodDate) lies between Period.FirstDate and LastDate — all of
// them, also those of people not in Input.People, whose ratings still count
// in the channel means.
type Rating struct {
	StaffID int64
	Channel string // channel code: offline, online, hotline
	Level   int    // 1–5; any other level is not counted (RatingCounts.Invalid)
	// Count is how many identical ratings this row stands for, so that the
	// loader can group them in SQL (one row per person, channel, level and
	// flags); 0 means 1, as does 1. A negative count is not counted
	// (RatingCounts.Invalid).
	Count int
	// IsDefault: filled in upstream because the citizen did not rate; never counted.
	IsDefault bool
	// Excluded: an upheld appeal took it out of every score.
	Excluded bool
	// PersonalExcluded: a partly upheld appeal took it out of the person's
	// own score; it still counts in the channel mean m.
	PersonalExcluded bool
}

// Enrolment is one training enrolment of a person. The loader may pass more
// than the period needs (all enrolments due or completed in it, at least);
// Compute picks by the dates.
type Enrolment struct {
	StaffID     int64
	Due         string // due date YYYY-MM-DD
	CompletedOn string // completion date YYYY-MM-DD in the center's zone, "" if not completed
	HasQuiz     bool   // the module has a quiz
	// Grade is the quiz grade 0–100 by the quiz's grading method (highest,
	// average, first, last of the finished attempts); nil with no finished
	// (graded) attempt.
	Grade *float64
	// Attempted: an attempt was started, finished or not. An overdue
	// enrolment with an attempt but no grade (in progress, or an essay
	// awaiting its grader) is pending, not 0.
	Attempted bool
}

// Person is one person scored: the center's staff the caller wants scores
// for (active staff, or one team). StaffIDs are meant to be unique; a
// repeated one gets the same score twice.
type Person struct {
	StaffID int64
	StaffNo string
	Name    string
	TeamID  int64 // 0: no team, so no team rank
	Team    string
}

// Input is everything Compute needs for one center and one period.
type Input struct {
	Period Period
	// Today is the date the scores are computed on, YYYY-MM-DD in the
	// center's time zone: it decides which enrolments are overdue.
	Today      string
	Settings   Settings // the version that applies to Period; see Settings.Validate
	People     []Person
	Ratings    []Rating
	Enrolments []Enrolment
}

// The components of the quality score, as named in QualityExplain.Present.
const (
	ComponentSatisfaction = "satisfaction"
	ComponentCompetence   = "competence"
	ComponentTraining     = "training"
)

// ChannelStat is the center's total of one channel in the period: the
// counted ratings (partly upheld appeals included), their points and mean,
// m in the shrinkage formula.
type ChannelStat struct {
	N    int     `json:"n"`
	Sum  float64 `json:"sum"`
	Mean float64 `json:"mean"`
}

// RatingCounts says what happened to the ratings passed in (ratings, not
// rows: a row with Count 3 is three). Each rating is counted once, in the
// first that applies: Invalid, Default, Excluded, else Counted (which
// includes PersonalExcluded).
type RatingCounts struct {
	Received         int `json:"received"`
	Counted          int `json:"counted"`           // in the channel means
	Default          int `json:"default"`           // default ratings, never counted
	Excluded         int `json:"excluded"`          // upheld appeals
	PersonalExcluded int `json:"personal_excluded"` // partly upheld: in the means, not in the person's own score
	Invalid          int `json:"invalid"`           // level outside 1–5 or a negative count (one per row): a loader bug, never counted
}

// Result is the outcome of Compute for one center and one period.
type Result struct {
	Period   string                 `json:"period"`
	Today    string                 `json:"today"`
	Settings Settings               `json:"settings"`
	Channels map[string]ChannelStat `json:"channels"` // by channel code; only channels with counted ratings
	Ratings  RatingCounts           `json:"ratings"`
	Scores   []Score                `json:"scores"` // in Input.People order
}

// Score is one person's score in the period. A component without data is
// nil (null in JSON), as are the rates with no counted rating and the ranks
// of people with fewer than Settings.MinRatingsForRank counted ratings.
// Scores are 0–100, rates are fractions 0–1, all in full precision; only
// QualityDisplay, Band and the ranks use the quality rounded to one decimal.
type Score struct {
	StaffID int64 `json:"-"`
	TeamID  int64 `json:"-"`

	StaffNo  string `json:"staff_no"`
	Name     string `json:"name"`
	Team     string `json:"team"`
	NRatings int    `json:"n_ratings"` // the person's own counted ratings, all channels

	Satisfaction   *float64 `json:"satisfaction"`
	Competence     *float64 `json:"competence"`
	Training       *float64 `json:"training"`
	Quality        *float64 `json:"quality"`
	QualityDisplay string   `json:"quality_display"` // Format1(Quality): "79.7" or "—"
	Band           string   `json:"band"`            // band name, "" without quality
	BandKey        string   `json:"band_key"`

	GoodRate     *float64 `json:"good_rate"`      // levels 4–5 among the counted ratings
	BadRate      *float64 `json:"bad_rate"`       // levels 1–2
	BadRateUpper *float64 `json:"bad_rate_upper"` // Wilson upper bound of BadRate

	RankTeam   *int `json:"rank_team"`
	RankCenter *int `json:"rank_center"`

	// Channels holds the channels where the person has counted ratings.
	Channels map[string]ChannelScore `json:"channels"`
	Explain  Explain                 `json:"explain"`
}

// ChannelScore is a person's satisfaction in one channel:
// Score = (C·M + Sum) / (C + N).
type ChannelScore struct {
	N     int      `json:"n"`    // the person's counted ratings in the channel
	Sum   float64  `json:"sum"`  // their points
	Mean  *float64 `json:"mean"` // Sum / N, the person's own mean; nil when N = 0
	M     float64  `json:"m"`    // the center's mean in the channel
	C     float64  `json:"c"`    // the prior
	Score float64  `json:"score"`
}

// Explain carries the terms behind each number of a Score.
type Explain struct {
	Satisfaction SatisfactionExplain `json:"satisfaction"`
	Competence   CompetenceExplain   `json:"competence"`
	Training     TrainingExplain     `json:"training"`
	Quality      QualityExplain      `json:"quality"`
	Rates        RatesExplain        `json:"rates"`
}

// SatisfactionExplain: satisfaction = Σ(Nᵢ·Scoreᵢ) / N over the terms.
type SatisfactionExplain struct {
	N       int           `json:"n"`       // Σ Nᵢ
	Terms   []ChannelTerm `json:"terms"`   // by channel code
	Formula string        `json:"formula"` // the numbers written out; "" when n/a
}

// ChannelTerm is one channel's weight (N) and value (Score) in satisfaction.
type ChannelTerm struct {
	Channel string  `json:"channel"`
	N       int     `json:"n"`
	Score   float64 `json:"score"`
}

// CompetenceExplain: competence = Sum / Counted, over the quiz enrolments
// due or completed in the period.
type CompetenceExplain struct {
	Counted      int       `json:"counted"`       // len(Grades) + OverdueZeros
	Grades       []float64 `json:"grades"`        // the graded enrolments' grades, in input order
	OverdueZeros int       `json:"overdue_zeros"` // overdue with no attempt: counted as 0
	Pending      int       `json:"pending"`       // no grade yet and not overdue-unattempted: not counted
	Sum          float64   `json:"sum"`           // Σ Grades
	Formula      string    `json:"formula"`
}

// TrainingExplain: training = 100 × OnTime / Due, over the enrolments due
// in the period that are completed or whose due date has passed.
type TrainingExplain struct {
	Due       int    `json:"due"`         // OnTime + Late + Missed
	OnTime    int    `json:"on_time"`     // completed on or before the due date
	Late      int    `json:"late"`        // completed after it
	Missed    int    `json:"missed"`      // due before today, not completed
	NotYetDue int    `json:"not_yet_due"` // due today or later, not completed: not counted yet
	Formula   string `json:"formula"`
}

// QualityExplain: quality = Σ wᵢ·xᵢ / Σ wᵢ over the Present components,
// i.e. Σ Weightsᵢ·xᵢ with the renormalized Weights.
type QualityExplain struct {
	BaseWeights Weights  `json:"base_weights"` // Settings.Weights
	Weights     Weights  `json:"weights"`      // renormalized over Present; 0 for a missing component
	Present     []string `json:"present"`      // ComponentSatisfaction, ComponentCompetence, ComponentTraining
	Formula     string   `json:"formula"`
}

// RatesExplain: good rate = Good / N, bad rate = Bad / N, and the Wilson
// upper bound of Bad / N at Z.
type RatesExplain struct {
	N    int     `json:"n"`
	Good int     `json:"good"`
	Bad  int     `json:"bad"`
	Z    float64 `json:"z"`
}

// BelowThreshold returns the scores whose rounded quality is below
// Settings.Threshold (预警), lowest first; equal rounded scores keep the
// People order. People without quality are not listed. The Scores share
// their maps and slices with r.
func (r *Result) BelowThreshold() []Score {
	var out []Score
	for _, s := range r.Scores {
		if s.Quality != nil && Round1(*s.Quality) < r.Settings.Threshold {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Score) int { return cmp.Compare(Round1(*a.Quality), Round1(*b.Quality)) })
	return out
}

// WorstBadRate returns up to limit scores (all when limit ≤ 0) of people
// with at least Settings.MinRatingsForRank counted ratings, highest Wilson
// upper bound of the bad-rating rate first — "how bad could it really be"
// — then the higher observed bad rate, then People order. The Scores share
// their maps and slices with r.
func (r *Result) WorstBadRate(limit int) []Score {
	var out []Score
	for _, s := range r.Scores {
		if s.BadRateUpper != nil && s.NRatings >= r.Settings.MinRatingsForRank {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Score) int {
		if c := cmp.Compare(*b.BadRateUpper, *a.BadRateUpper); c != 0 {
			return c
		}
		return cmp.Compare(*b.BadRate, *a.BadRate)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
