package scoring_test

import (
	"math"
	"testing"

	"github.com/kaoping/kaoping/app/scoring"
)

func TestRound1(t *testing.T) {
	cases := []struct {
		in   float64
		want float64
		text string
	}{
		{82.85, 82.9, "82.9"}, // 82.85*10 = 828.4999…
		{89.95, 90, "90.0"},
		{74.94, 74.9, "74.9"},
		{74.95, 75, "75.0"},
		{0.15, 0.2, "0.2"}, // stored as 0.1499999…
		{1.005, 1, "1.0"},
		{2.25, 2.3, "2.3"},
		{99.95, 100, "100.0"},
		{99.94999, 99.9, "99.9"},
		{84.375, 84.4, "84.4"},
		{79.69444444444446, 79.7, "79.7"},
		{0, 0, "0.0"},
		{100, 100, "100.0"},
		{0.04, 0, "0.0"},
		{-82.85, -82.9, "-82.9"},
		{-0.04, 0, "0.0"},
		{59.95, 60, "60.0"},
	}
	for _, c := range cases {
		if got := scoring.Round1(c.in); got != c.want {
			t.Errorf("Round1(%v) = %v, want %v", c.in, got, c.want)
		}
		if got := scoring.Format1(&c.in); got != c.text {
			t.Errorf("Format1(%v) = %q, want %q", c.in, got, c.text)
		}
	}
	// Computed at run time, these land just below the decimal they stand
	// for (34.949999999999996 for 34.95): math.Round(x*10)/10 and
	// strconv's 'f' with one decimal both print them a tenth too low.
	a, b, c := 36.5, 41.0, 22.0
	computed := []struct {
		x, want float64
		text    string
	}{
		{float64(0.5*a) + float64(0.3*b) + float64(0.2*c), 35, "35.0"},
		{float64(0.5*66.1) + float64(0.3*73) + float64(0.2*100), 75, "75.0"},
	}
	for _, c := range computed {
		if got := scoring.Round1(c.x); got != c.want {
			t.Errorf("Round1(%v) = %v, want %v", c.x, got, c.want)
		}
		if got := scoring.Format1(&c.x); got != c.text {
			t.Errorf("Format1(%v) = %q, want %q", c.x, got, c.text)
		}
	}
	if got := scoring.Format1(nil); got != "—" {
		t.Errorf("Format1(nil) = %q, want —", got)
	}
	if got := scoring.Round1(math.NaN()); !math.IsNaN(got) {
		t.Errorf("Round1(NaN) = %v", got)
	}
}

func TestWilsonUpper(t *testing.T) {
	cases := []struct {
		k, n int
		want float64
	}{
		{0, 10, 0.2775}, // z²/(n+z²) = 3.8416/13.8416
		{2, 10, 0.5098},
		{5, 10, 0.7634},
		{1, 6, 0.5635},
		{0, 1, 0.7935},
		{10, 10, 1},
		{0, 0, 1},
	}
	for _, c := range cases {
		if got := scoring.WilsonUpper(c.k, c.n, 1.96); math.Abs(got-c.want) > 5e-5 {
			t.Errorf("WilsonUpper(%d, %d) = %.6f, want %.4f", c.k, c.n, got, c.want)
		}
	}
	// Exact for k = 0: z²/(n + z²).
	if got, want := scoring.WilsonUpper(0, 10, 1.96), 3.8416/13.8416; !near(got, want) {
		t.Errorf("WilsonUpper(0, 10) = %.12f, want %.12f", got, want)
	}
	// More evidence, tighter bound at the same rate.
	if a, b := scoring.WilsonUpper(2, 10, 1.96), scoring.WilsonUpper(20, 100, 1.96); !(b < a && b > 0.2) {
		t.Errorf("WilsonUpper(20, 100) = %v, want within (0.2, %v)", b, a)
	}
}
