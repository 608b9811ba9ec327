// Package scoring is the maths of the quality score (综合考评分): periods,
// the per-center scoring settings, and Compute, which turns one period's
// counted ratings, quiz grades and training enrolments into a score per
// person — satisfaction with small-sample shrinkage per channel, competence,
// training on time, their weighted combination, the grade band, good and bad
// rating rates and ranks — with every term that produced each number.
//
// It is pure: no database, no clock, no package state. The caller (the
// loader) selects the rows of one center and one period, chooses the
// Settings that apply to the period, and passes "today" in the center's time
// zone. docs/scoring.md explains the method with a worked example, which
// TestWorkedExample checks number by number.
package scoring

import "errors"

// ErrInvalid is matched (errors.Is) by every validation error of this
// package: a malformed period, settings that break a rule.
var ErrInvalid = errors.New("scoring: invalid")

// FieldError says which field is wrong and why. It matches ErrInvalid.
// Messages are written for the person who typed the value, in Chinese with
// the English in parentheses.
type FieldError struct {
	Field   string // period, kind, weights.satisfaction, points[2], bands[1].min, loop.bad_count, …
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }
