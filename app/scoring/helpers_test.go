package scoring_test

import (
	"math"
	"testing"
)

// near reports whether two full-precision figures agree to 1e-9.
func near(got, want float64) bool { return math.Abs(got-want) <= 1e-9 }

func nearPtr(t *testing.T, name string, got, want *float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", name, show(got), show(want))
	case !near(*got, *want):
		t.Errorf("%s = %.12g, want %.12g", name, *got, *want)
	}
}

func intPtr(t *testing.T, name string, got, want *int) {
	t.Helper()
	if (got == nil) != (want == nil) || got != nil && *got != *want {
		t.Errorf("%s = %v, want %v", name, show(got), show(want))
	}
}

func show[T any](p *T) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func fp(v float64) *float64 { return &v }
