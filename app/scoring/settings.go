package scoring

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Weights are the base weights of the three components of the quality
// score. Only their ratios matter: the weights of the components a person
// has data for are divided by their sum (renormalized), so 5/3/2 scores
// exactly like 0.5/0.3/0.2.
type Weights struct {
	Satisfaction float64 `json:"satisfaction"` // 满意度
	Competence   float64 `json:"competence"`   // 业务能力 (quiz grades)
	Training     float64 `json:"training"`     // 培训按时完成率
}

// The keys of the default bands, stable for style sheets and message
// catalogs; the names are what people read.
const (
	BandExcellent = "excellent" // 优秀
	BandCompetent = "competent" // 称职
	BandBasic     = "basic"     // 基本称职
	BandPoor      = "poor"      // 不称职
)

// Band is a grade band (考评等次): a rounded quality score of at least Min,
// and below the Min of the band before it, gets this band.
type Band struct {
	Min  float64 `json:"min"`
	Key  string  `json:"key"`
	Name string  `json:"name"`
}

// LoopRule is the closed-loop rule: when a person collects BadCount counted
// bad ratings for one service item within WindowDays, the item's training
// module is assigned again, due DueDays later — unless the person was
// assigned it less than CooldownDays ago. See Decide.
type LoopRule struct {
	BadCount     int `json:"bad_count"`
	WindowDays   int `json:"window_days"`
	DueDays      int `json:"due_days"`
	CooldownDays int `json:"cooldown_days"`
}

// Settings are a center's scoring rules. HR changes them; each change is
// stored as a new version that applies from a stated month on, and the
// loader hands Compute the version of the period. Stored as JSON (the field
// tags); UnmarshalJSON and ParseSettings read it.
type Settings struct {
	Weights Weights `json:"weights"`
	// Points maps rating levels 1–5 (Points[0]–Points[4]) to points 0–100.
	Points [5]float64 `json:"points"`
	// Prior is C, the weight in ratings of the center mean m in each
	// person's channel satisfaction (the shrinkage).
	Prior float64 `json:"prior"`
	// Bands, best first, with strictly descending Min; the last has Min 0.
	Bands []Band `json:"bands"`
	// MinRatingsForRank is the fewest counted ratings a person needs to be
	// ranked and listed among the worst bad rates.
	MinRatingsForRank int `json:"min_ratings_for_rank"`
	// Z is the normal quantile of the Wilson bound on the bad-rating rate.
	Z float64 `json:"z"`
	// Threshold: people whose rounded quality is below it are listed as
	// "below threshold" (低于预警线).
	Threshold float64  `json:"threshold"`
	Loop      LoopRule `json:"loop"`
}

// DefaultSettings returns the rules a center starts with: weights
// 0.5/0.3/0.2, points 0/25/50/75/100, C = 10, bands 90 优秀, 75 称职,
// 60 基本称职, 0 不称职, ranks from 5 ratings, z = 1.96, threshold 60, and
// the closed loop at 2 bad ratings in 30 days, due in 14, cooldown 30.
func DefaultSettings() Settings {
	return Settings{
		Weights: Weights{Satisfaction: 0.5, Competence: 0.3, Training: 0.2},
		Points:  [5]float64{0, 25, 50, 75, 100},
		Prior:   10,
		Bands: []Band{
			{Min: 90, Key: BandExcellent, Name: "优秀"},
			{Min: 75, Key: BandCompetent, Name: "称职"},
			{Min: 60, Key: BandBasic, Name: "基本称职"},
			{Min: 0, Key: BandPoor, Name: "不称职"},
		},
		MinRatingsForRank: 5,
		Z:                 1.96,
		Threshold:         60,
		Loop:              LoopRule{BadCount: 2, WindowDays: 30, DueDays: 14, CooldownDays: 30},
	}
}

// Limits of the settings. They only catch mistakes; no sensible rule comes
// near them.
const (
	MaxPrior    = 1000
	MaxBands    = 10
	MaxBandName = 32  // characters
	MaxBandKey  = 32  // characters, a-z 0-9 _
	MaxDays     = 366 // window, due and cooldown days
	MaxCount    = 1000
	MaxZ        = 5
)

// Validate checks every rule and returns nil or the problems joined
// (errors.Join), each a *FieldError naming its field, in field order; all
// match ErrInvalid, and errors.As finds the first.
func (s Settings) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	inRange := func(field string, v, lo, hi float64) bool {
		if math.IsNaN(v) || v < lo || v > hi {
			add(field, "应在 %s 至 %s 之间 (must be within %s..%s)", num(lo), num(hi), num(lo), num(hi))
			return false
		}
		return true
	}

	w := s.Weights
	ok := true
	for _, c := range []struct {
		field string
		v     float64
	}{{"weights.satisfaction", w.Satisfaction}, {"weights.competence", w.Competence}, {"weights.training", w.Training}} {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) || c.v < 0 {
			add(c.field, "权重应为不小于 0 的数 (must be a number ≥ 0)")
			ok = false
		}
	}
	if ok && w.Satisfaction+w.Competence+w.Training <= 0 {
		add("weights", "权重不能全为 0 (weights must not all be 0)")
	}

	for i, p := range s.Points {
		field := fmt.Sprintf("points[%d]", i)
		if !inRange(field, p, 0, 100) {
			continue
		}
		if i > 0 && p < s.Points[i-1] {
			add(field, "等级 %d 的分值不能低于等级 %d (level %d must not score below level %d)", i+1, i, i+1, i)
		}
	}

	inRange("prior", s.Prior, 0, MaxPrior)

	switch n := len(s.Bands); {
	case n == 0:
		add("bands", "至少需要一个等次 (at least one band is required)")
	case n > MaxBands:
		add("bands", "最多 %d 个等次 (at most %d bands)", MaxBands, MaxBands)
	}
	keys := map[string]bool{}
	names := map[string]bool{}
	for i, b := range s.Bands {
		f := fmt.Sprintf("bands[%d]", i)
		if inRange(f+".min", b.Min, 0, 100) {
			if i > 0 && b.Min >= s.Bands[i-1].Min {
				add(f+".min", "下限应低于上一等次的下限 %s (min must be below the previous band's %s)", num(s.Bands[i-1].Min), num(s.Bands[i-1].Min))
			}
			if i == len(s.Bands)-1 && b.Min != 0 {
				add(f+".min", "最后一个等次的下限应为 0 (the last band must start at 0)")
			}
		}
		switch {
		case !bandKey(b.Key):
			add(f+".key", "代码应为 1 至 %d 个小写字母、数字或下划线 (key must be 1 to %d characters a-z, 0-9, _)", MaxBandKey, MaxBandKey)
		case keys[b.Key]:
			add(f+".key", "代码 %q 重复 (duplicate key)", b.Key)
		}
		keys[b.Key] = true
		switch n := utf8.RuneCountInString(b.Name); {
		case strings.TrimSpace(b.Name) == "" || !utf8.ValidString(b.Name) || hasControl(b.Name):
			add(f+".name", "名称不能为空，也不能包含控制字符 (name is required, without control characters)")
		case n > MaxBandName:
			add(f+".name", "名称不能超过 %d 个字符 (at most %d characters)", MaxBandName, MaxBandName)
		case names[b.Name]:
			add(f+".name", "名称 %q 重复 (duplicate name)", b.Name)
		}
		names[b.Name] = true
	}

	if s.MinRatingsForRank < 0 || s.MinRatingsForRank > MaxCount {
		add("min_ratings_for_rank", "应在 0 至 %d 之间 (must be within 0..%d)", MaxCount, MaxCount)
	}
	if inRange("z", s.Z, 0, MaxZ) && s.Z == 0 {
		add("z", "应大于 0 (must be above 0)")
	}
	inRange("threshold", s.Threshold, 0, 100)

	ints := []struct {
		field       string
		v, min, max int
	}{
		{"loop.bad_count", s.Loop.BadCount, 1, MaxCount},
		{"loop.window_days", s.Loop.WindowDays, 1, MaxDays},
		{"loop.due_days", s.Loop.DueDays, 1, MaxDays},
		{"loop.cooldown_days", s.Loop.CooldownDays, 0, MaxDays},
	}
	for _, c := range ints {
		if c.v < c.min || c.v > c.max {
			add(c.field, "应在 %d 至 %d 之间 (must be within %d..%d)", c.min, c.max, c.min, c.max)
		}
	}
	return errors.Join(errs...)
}

func bandKey(k string) bool {
	if k == "" || len(k) > MaxBandKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// BandOf returns the band of a quality score, decided on Round1(quality) —
// the printed figure — so that a printed 90.0 is never 称职: the first band
// whose Min the rounded score reaches, or the last band. It returns the zero
// Band when there are no bands.
func (s Settings) BandOf(quality float64) Band {
	q := Round1(quality)
	for _, b := range s.Bands {
		if q >= b.Min {
			return b
		}
	}
	if len(s.Bands) == 0 {
		return Band{}
	}
	return s.Bands[len(s.Bands)-1]
}

// UnmarshalJSON reads settings onto s: fields missing from the JSON keep
// their value in s, so decoding onto DefaultSettings() gives a version
// stored before a field existed that field's default. "points" must have
// exactly five numbers, and "bands" replaces the bands as a whole.
func (s *Settings) UnmarshalJSON(data []byte) error {
	type plain Settings // without this method
	aux := struct {
		*plain
		Points []float64 `json:"points"`
		Bands  []Band    `json:"bands"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	if aux.Points != nil {
		if len(aux.Points) != len(s.Points) {
			return &FieldError{Field: "points", Message: fmt.Sprintf("应为 5 个分值（等级 1 至 5），现有 %d 个 (must have 5 values, levels 1 to 5; got %d)", len(aux.Points), len(aux.Points))}
		}
		copy(s.Points[:], aux.Points)
	}
	if aux.Bands != nil {
		s.Bands = aux.Bands
	}
	return nil
}

// ParseSettings reads settings stored or sent as JSON: onto the defaults
// (see UnmarshalJSON), then validated. Every error matches ErrInvalid.
func ParseSettings(data []byte) (Settings, error) {
	s := DefaultSettings()
	if err := json.Unmarshal(data, &s); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return Settings{}, err
		}
		return Settings{}, &FieldError{Field: "settings", Message: "JSON 格式有误 (invalid JSON): " + err.Error()}
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}
