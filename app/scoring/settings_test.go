package scoring_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/scoring"
)

func TestDefaultSettingsValid(t *testing.T) {
	if err := scoring.DefaultSettings().Validate(); err != nil {
		t.Fatalf("DefaultSettings().Validate() = %v", err)
	}
}

func TestSettingsValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(s *scoring.Settings)
		field  string
		msg    string
	}{
		{"negative weight", func(s *scoring.Settings) { s.Weights.Competence = -0.1 }, "weights.competence", "must be a number ≥ 0"},
		{"NaN weight", func(s *scoring.Settings) { s.Weights.Training = math.NaN() }, "weights.training", "must be a number ≥ 0"},
		{"infinite weight", func(s *scoring.Settings) { s.Weights.Satisfaction = math.Inf(1) }, "weights.satisfaction", "must be a number ≥ 0"},
		{"all weights zero", func(s *scoring.Settings) { s.Weights = scoring.Weights{} }, "weights", "权重不能全为 0 (weights must not all be 0)"},
		{"points above 100", func(s *scoring.Settings) { s.Points[4] = 101 }, "points[4]", "must be within 0..100"},
		{"points below 0", func(s *scoring.Settings) { s.Points[0] = -1 }, "points[0]", "must be within 0..100"},
		{"points decreasing", func(s *scoring.Settings) { s.Points[2] = 20 }, "points[2]", "level 3 must not score below level 2"},
		{"negative prior", func(s *scoring.Settings) { s.Prior = -1 }, "prior", "must be within 0..1000"},
		{"no bands", func(s *scoring.Settings) { s.Bands = nil }, "bands", "at least one band is required"},
		{"bands not descending", func(s *scoring.Settings) { s.Bands[2].Min = 75 }, "bands[2].min", "min must be below the previous band's 75"},
		{"last band not at 0", func(s *scoring.Settings) { s.Bands[3].Min = 10 }, "bands[3].min", "the last band must start at 0"},
		{"band min above 100", func(s *scoring.Settings) { s.Bands[0].Min = 120 }, "bands[0].min", "must be within 0..100"},
		{"empty band name", func(s *scoring.Settings) { s.Bands[1].Name = "" }, "bands[1].name", "name is required"},
		{"duplicate band name", func(s *scoring.Settings) { s.Bands[1].Name = "优秀" }, "bands[1].name", "duplicate name"},
		{"band key upper case", func(s *scoring.Settings) { s.Bands[0].Key = "Excellent" }, "bands[0].key", "key must be 1 to 32 characters a-z, 0-9, _"},
		{"duplicate band key", func(s *scoring.Settings) { s.Bands[3].Key = "basic" }, "bands[3].key", "duplicate key"},
		{"negative min ratings", func(s *scoring.Settings) { s.MinRatingsForRank = -1 }, "min_ratings_for_rank", "must be within 0..1000"},
		{"zero z", func(s *scoring.Settings) { s.Z = 0 }, "z", "must be above 0"},
		{"threshold above 100", func(s *scoring.Settings) { s.Threshold = 100.5 }, "threshold", "must be within 0..100"},
		{"bad count 0", func(s *scoring.Settings) { s.Loop.BadCount = 0 }, "loop.bad_count", "must be within 1..1000"},
		{"window 0", func(s *scoring.Settings) { s.Loop.WindowDays = 0 }, "loop.window_days", "must be within 1..366"},
		{"due 400", func(s *scoring.Settings) { s.Loop.DueDays = 400 }, "loop.due_days", "must be within 1..366"},
		{"negative cooldown", func(s *scoring.Settings) { s.Loop.CooldownDays = -1 }, "loop.cooldown_days", "must be within 0..366"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scoring.DefaultSettings()
			c.change(&s)
			err := s.Validate()
			if !errors.Is(err, scoring.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
			var fe *scoring.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError", err)
			}
			if fe.Field != c.field || !strings.Contains(fe.Message, c.msg) {
				t.Errorf("first error = %s: %s; want %s with %q", fe.Field, fe.Message, c.field, c.msg)
			}
		})
	}

	t.Run("every problem is reported", func(t *testing.T) {
		s := scoring.DefaultSettings()
		s.Prior = -1
		s.Z = -1
		s.Loop.BadCount = 0
		err := s.Validate()
		for _, field := range []string{"prior: ", "z: ", "loop.bad_count: "} {
			if !strings.Contains(err.Error(), field) {
				t.Errorf("Validate() = %q, want it to name %s", err, field)
			}
		}
	})

	t.Run("zero weight allowed, custom bands", func(t *testing.T) {
		s := scoring.DefaultSettings()
		s.Weights = scoring.Weights{Satisfaction: 6, Competence: 4}
		s.Points = [5]float64{0, 0, 60, 90, 100}
		s.Prior = 0
		s.Bands = []scoring.Band{{Min: 80, Key: "a", Name: "甲"}, {Min: 0, Key: "b", Name: "乙"}}
		s.MinRatingsForRank = 0
		if err := s.Validate(); err != nil {
			t.Errorf("Validate() = %v", err)
		}
	})
}

func TestBandOf(t *testing.T) {
	s := scoring.DefaultSettings()
	cases := []struct {
		q   float64
		key string
	}{
		{100, scoring.BandExcellent},
		{90, scoring.BandExcellent},
		{89.95, scoring.BandExcellent}, // printed 90.0
		{89.94, scoring.BandCompetent}, // printed 89.9
		{75, scoring.BandCompetent},
		{74.95, scoring.BandCompetent},
		{74.94, scoring.BandBasic}, // printed 74.9
		{60, scoring.BandBasic},
		{59.95, scoring.BandBasic},
		{59.94, scoring.BandPoor},
		{0, scoring.BandPoor},
		{-1, scoring.BandPoor},
	}
	for _, c := range cases {
		if got := s.BandOf(c.q); got.Key != c.key {
			t.Errorf("BandOf(%v) = %s, want %s", c.q, got.Key, c.key)
		}
	}
	if got := s.BandOf(89.95).Name; got != "优秀" {
		t.Errorf("BandOf(89.95).Name = %q, want 优秀", got)
	}
	if got := s.BandOf(74.94).Name; got != "基本称职" {
		t.Errorf("BandOf(74.94).Name = %q, want 基本称职", got)
	}
	if got := (scoring.Settings{}).BandOf(50); got != (scoring.Band{}) {
		t.Errorf("BandOf without bands = %+v, want zero", got)
	}
}

func TestSettingsJSON(t *testing.T) {
	def := scoring.DefaultSettings()
	b, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"weights":{"satisfaction":0.5,"competence":0.3,"training":0.2},"points":[0,25,50,75,100],"prior":10,` +
		`"bands":[{"min":90,"key":"excellent","name":"优秀"},{"min":75,"key":"competent","name":"称职"},` +
		`{"min":60,"key":"basic","name":"基本称职"},{"min":0,"key":"poor","name":"不称职"}],` +
		`"min_ratings_for_rank":5,"z":1.96,"threshold":60,` +
		`"loop":{"bad_count":2,"window_days":30,"due_days":14,"cooldown_days":30}}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
	got, err := scoring.ParseSettings(b)
	if err != nil || !reflect.DeepEqual(got, def) {
		t.Errorf("ParseSettings(Marshal(defaults)) = %+v, %v", got, err)
	}

	t.Run("missing fields keep the defaults", func(t *testing.T) {
		got, err := scoring.ParseSettings([]byte(`{"prior": 5, "bands": [{"min": 80, "key": "good", "name": "良"}, {"min": 0, "key": "other", "name": "其他"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		want := scoring.DefaultSettings()
		want.Prior = 5
		want.Bands = []scoring.Band{{Min: 80, Key: "good", Name: "良"}, {Min: 0, Key: "other", Name: "其他"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ParseSettings = %+v, want %+v", got, want)
		}
	})
	t.Run("bands are replaced whole", func(t *testing.T) {
		// A band without a key must not inherit the default's key.
		_, err := scoring.ParseSettings([]byte(`{"bands": [{"min": 0, "name": "全部"}]}`))
		var fe *scoring.FieldError
		if !errors.As(err, &fe) || fe.Field != "bands[0].key" {
			t.Errorf("ParseSettings = %v, want a bands[0].key error", err)
		}
	})
	t.Run("points need five values", func(t *testing.T) {
		_, err := scoring.ParseSettings([]byte(`{"points": [0, 25, 50, 75]}`))
		var fe *scoring.FieldError
		if !errors.Is(err, scoring.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "points" {
			t.Errorf("ParseSettings = %v, want a points error", err)
		}
	})
	t.Run("invalid values", func(t *testing.T) {
		_, err := scoring.ParseSettings([]byte(`{"weights": {"satisfaction": 0, "competence": 0, "training": 0}}`))
		if !errors.Is(err, scoring.ErrInvalid) || !strings.Contains(err.Error(), "weights: ") {
			t.Errorf("ParseSettings = %v, want a weights error", err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		_, err := scoring.ParseSettings([]byte(`{"prior": "ten"}`))
		var fe *scoring.FieldError
		if !errors.Is(err, scoring.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "settings" {
			t.Errorf("ParseSettings = %v, want a settings error", err)
		}
	})
}
