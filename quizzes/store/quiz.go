package store

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// Overdue handling: what happens to an attempt whose time is up.
const (
	// OverdueAutosubmit submits the attempt at the deadline with the
	// answers saved so far.
	OverdueAutosubmit = "autosubmit"
	// OverdueGracePeriod keeps accepting answers for GraceSeconds after the
	// deadline, then submits the attempt.
	OverdueGracePeriod = "graceperiod"
	// OverdueNeverSubmit abandons an attempt not submitted by the deadline:
	// it gets no grade and counts as a used attempt.
	OverdueNeverSubmit = "neversubmit"
)

// Grading methods: how a person's finished attempts make the quiz grade.
const (
	GradeHighest = "highest"
	GradeAverage = "average"
	GradeFirst   = "first"
	GradeLast    = "last"
)

// When a taker may review a finished attempt (marks, right answers,
// feedback, as the quiz's review options allow).
const (
	ReviewImmediately = "immediately" // as soon as it is finished
	ReviewAfterClose  = "after_close" // once the attempt's deadline has passed (at once for an untimed quiz)
	ReviewNever       = "never"
)

// Slot kinds.
const (
	SlotFixed  = "fixed"  // one given question
	SlotRandom = "random" // Count questions drawn from a category (with tags) at the start of each attempt
)

// Quiz is the quiz of a training module (at most one per module) with its
// settings and slots.
type Quiz struct {
	ID       int64  `json:"id"`
	CenterID int64  `json:"center_id"` // the module's center, set by SaveQuiz
	ModuleID int64  `json:"module_id"`
	Title    string `json:"title"`
	// TimeLimitSeconds is the time an attempt has; 0 means no limit.
	TimeLimitSeconds int    `json:"time_limit_seconds"`
	OverdueHandling  string `json:"overdue_handling"` // OverdueAutosubmit (default), OverdueGracePeriod, OverdueNeverSubmit
	// GraceSeconds is the grace after the deadline of OverdueGracePeriod;
	// the other handlings have none.
	GraceSeconds int `json:"grace_seconds"`
	// AttemptsAllowed bounds the attempts per person and enrolment; 0 means
	// unlimited.
	AttemptsAllowed int     `json:"attempts_allowed"`
	GradingMethod   string  `json:"grading_method"` // GradeHighest (default), GradeAverage, GradeFirst, GradeLast
	PassPercent     float64 `json:"pass_percent"`   // 0..100
	// ShuffleQuestions shows the questions of each attempt in a random
	// order; ShuffleAnswers shuffles the choices within a question.
	ShuffleQuestions bool `json:"shuffle_questions"`
	ShuffleAnswers   bool `json:"shuffle_answers"`
	// What the taker sees when reviewing a finished attempt, and when.
	ReviewMarks        bool      `json:"review_marks"`
	ReviewRightAnswers bool      `json:"review_right_answers"`
	ReviewFeedback     bool      `json:"review_feedback"`
	ReviewWhen         string    `json:"review_when"` // ReviewImmediately (default), ReviewAfterClose, ReviewNever
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`

	Slots []Slot `json:"slots,omitempty"` // read by QuizForModule and Quiz; written by SetSlots
}

// Slot is one place in a quiz: a fixed question, or Count random questions
// from a category.
type Slot struct {
	ID       int64  `json:"id"`
	Position int    `json:"position"` // 1-based, assigned by SetSlots
	Kind     string `json:"kind"`     // SlotFixed or SlotRandom
	// QuestionID is the question of a fixed slot.
	QuestionID int64 `json:"question_id,omitempty"`
	// CategoryID, IncludeSubcategories, Tags (all must match) and Count
	// describe the draw of a random slot.
	CategoryID           int64    `json:"category_id,omitempty"`
	IncludeSubcategories bool     `json:"include_subcategories,omitempty"`
	Tags                 []string `json:"tags,omitempty"`
	Count                int      `json:"count"`
	// MaxMark is what each question of the slot is worth; 0 means the
	// question's default mark (1 if it has none).
	MaxMark float64 `json:"max_mark"`
}

func (r *quizRow) quiz() *Quiz {
	return &Quiz{
		ID: r.ID, CenterID: r.CenterID, ModuleID: r.ModuleID, Title: r.Title, TimeLimitSeconds: r.TimeLimitSeconds,
		OverdueHandling: r.OverdueHandling, GraceSeconds: r.GraceSeconds, AttemptsAllowed: r.AttemptsAllowed,
		GradingMethod: r.GradingMethod, PassPercent: r.PassPercent, ShuffleQuestions: r.ShuffleQuestions,
		ShuffleAnswers: r.ShuffleAnswers, ReviewMarks: r.ReviewMarks, ReviewRightAnswers: r.ReviewRightAnswers,
		ReviewFeedback: r.ReviewFeedback, ReviewWhen: r.ReviewWhen, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func (r *slotRow) slot() Slot {
	sl := Slot{ID: r.ID, Position: r.Position, Kind: r.Kind, IncludeSubcategories: r.IncludeSubcategories,
		Count: r.Count, MaxMark: r.MaxMark}
	if r.QuestionID != nil {
		sl.QuestionID = *r.QuestionID
	}
	if r.CategoryID != nil {
		sl.CategoryID = *r.CategoryID
	}
	if r.Tags != "" {
		sl.Tags = strings.Split(r.Tags, ",")
	}
	return sl
}

// QuizForModule returns the module's quiz with its slots, or
// store.ErrNotFound if the module has none.
func (s *Store) QuizForModule(ctx context.Context, moduleID int64) (*Quiz, error) {
	return loadQuiz(ctx, s.db, "qz.module_id = ?", moduleID)
}

// Quiz returns a quiz with its slots.
func (s *Store) Quiz(ctx context.Context, quizID int64) (*Quiz, error) {
	return loadQuiz(ctx, s.db, "qz.id = ?", quizID)
}

func loadQuiz(ctx context.Context, db bun.IDB, where string, id int64) (*Quiz, error) {
	r := new(quizRow)
	if err := db.NewSelect().Model(r).Where(where, id).Scan(ctx); err != nil {
		return nil, notFound(err, "quiz (%s %d)", strings.TrimSuffix(where, " = ?"), id)
	}
	q := r.quiz()
	slots, err := loadSlots(ctx, db, q.ID)
	if err != nil {
		return nil, err
	}
	q.Slots = slots
	return q, nil
}

func loadSlots(ctx context.Context, db bun.IDB, quizID int64) ([]Slot, error) {
	var rows []slotRow
	if err := db.NewSelect().Model(&rows).Where("qs.quiz_id = ?", quizID).OrderExpr("qs.position").Scan(ctx); err != nil {
		return nil, wrap(err, "load slots of quiz %d", quizID)
	}
	out := make([]Slot, len(rows))
	for i := range rows {
		out[i] = rows[i].slot()
	}
	return out, nil
}

// enum returns v, or def when v is empty, or an ErrInvalid naming field.
func enum(field, v, def string, allowed ...string) (string, error) {
	if v == "" {
		return def, nil
	}
	if !slices.Contains(allowed, v) {
		return "", invalidf(field, "want one of %s, got %q", strings.Join(allowed, ", "), v)
	}
	return v, nil
}

// checkQuiz validates the settings and fills the defaults.
func checkQuiz(q *Quiz) error {
	var err error
	if q.OverdueHandling, err = enum("overdue_handling", q.OverdueHandling, OverdueAutosubmit,
		OverdueAutosubmit, OverdueGracePeriod, OverdueNeverSubmit); err != nil {
		return err
	}
	if q.GradingMethod, err = enum("grading_method", q.GradingMethod, GradeHighest,
		GradeHighest, GradeAverage, GradeFirst, GradeLast); err != nil {
		return err
	}
	if q.ReviewWhen, err = enum("review_when", q.ReviewWhen, ReviewImmediately,
		ReviewImmediately, ReviewAfterClose, ReviewNever); err != nil {
		return err
	}
	switch {
	case math.IsNaN(q.PassPercent) || q.PassPercent < 0 || q.PassPercent > 100:
		return invalidf("pass_percent", "want 0 to 100, got %v", q.PassPercent)
	case q.AttemptsAllowed < 0:
		return invalidf("attempts_allowed", "want 0 (unlimited) or more, got %d", q.AttemptsAllowed)
	case q.TimeLimitSeconds < 0:
		return invalidf("time_limit_seconds", "want 0 (no limit) or more, got %d", q.TimeLimitSeconds)
	case q.GraceSeconds < 0:
		return invalidf("grace_seconds", "want 0 or more, got %d", q.GraceSeconds)
	case utf8.RuneCountInString(q.Title) > 200:
		return invalidf("title", "longer than 200 characters")
	case q.ModuleID <= 0:
		return invalidf("module_id", "required")
	}
	q.Title = strings.TrimSpace(q.Title)
	return nil
}

// SaveQuiz creates the quiz of q.ModuleID (q.ID == 0) or updates the
// settings of quiz q.ID; slots are set with SetSlots. It validates the
// settings (ErrInvalid naming the field), fills empty enums with their
// defaults, and sets q.ID, q.CenterID and the timestamps. A second quiz for
// a module is store.ErrConflict. Attempts already started keep the time
// limit and overdue handling they started with.
func (s *Store) SaveQuiz(ctx context.Context, q *Quiz) error {
	if err := checkQuiz(q); err != nil {
		return err
	}
	now := s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var centerID int64
		if err := tx.NewSelect().Table("modules").Column("center_id").Where("id = ?", q.ModuleID).Scan(ctx, &centerID); err != nil {
			return notFound(err, "module %d", q.ModuleID)
		}
		r := &quizRow{
			ID: q.ID, CenterID: centerID, ModuleID: q.ModuleID, Title: q.Title, TimeLimitSeconds: q.TimeLimitSeconds,
			OverdueHandling: q.OverdueHandling, GraceSeconds: q.GraceSeconds, AttemptsAllowed: q.AttemptsAllowed,
			GradingMethod: q.GradingMethod, PassPercent: q.PassPercent, ShuffleQuestions: q.ShuffleQuestions,
			ShuffleAnswers: q.ShuffleAnswers, ReviewMarks: q.ReviewMarks, ReviewRightAnswers: q.ReviewRightAnswers,
			ReviewFeedback: q.ReviewFeedback, ReviewWhen: q.ReviewWhen, CreatedAt: now, UpdatedAt: now,
		}
		if q.ID == 0 {
			if _, err := tx.NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
				return wrap(err, "create quiz of module %d", q.ModuleID)
			}
		} else {
			old := new(quizRow)
			if err := forUpdate(tx.NewSelect().Model(old).Where("qz.id = ?", q.ID)).Scan(ctx); err != nil {
				return notFound(err, "quiz %d", q.ID)
			}
			if old.ModuleID != q.ModuleID {
				return invalidf("module_id", "a quiz cannot move to another module")
			}
			r.CreatedAt = old.CreatedAt
			if _, err := tx.NewUpdate().Model(r).WherePK().ExcludeColumn("id", "center_id", "module_id", "created_at").Exec(ctx); err != nil {
				return wrap(err, "update quiz %d", q.ID)
			}
		}
		q.ID, q.CenterID, q.CreatedAt, q.UpdatedAt = r.ID, r.CenterID, r.CreatedAt, r.UpdatedAt
		return nil
	})
}

// SetSlots replaces the slots of a quiz, numbering them in the order given.
// It is allowed while attempts exist: they keep the questions they pinned.
// Fixed questions and random categories must belong to the quiz's center; a
// question may be fixed once per quiz.
func (s *Store) SetSlots(ctx context.Context, quizID int64, slots []Slot) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return s.setSlots(ctx, tx, quizID, slots)
	})
}

// setSlots is SetSlots inside the caller's transaction.
func (s *Store) setSlots(ctx context.Context, tx bun.Tx, quizID int64, slots []Slot) error {
	now := s.clock()
	{
		qr := new(quizRow)
		if err := forUpdate(tx.NewSelect().Model(qr).Where("qz.id = ?", quizID)).Scan(ctx); err != nil {
			return notFound(err, "quiz %d", quizID)
		}
		rows := make([]slotRow, len(slots))
		seen := map[int64]bool{}
		for i, sl := range slots {
			field := fmt.Sprintf("slots[%d]", i)
			r := slotRow{QuizID: quizID, Position: i + 1, Kind: sl.Kind, MaxMark: sl.MaxMark,
				IncludeSubcategories: sl.IncludeSubcategories, Count: sl.Count}
			if math.IsNaN(sl.MaxMark) || math.IsInf(sl.MaxMark, 0) || sl.MaxMark < 0 {
				return invalidf(field+".max_mark", "want 0 or more, got %v", sl.MaxMark)
			}
			switch sl.Kind {
			case SlotFixed:
				if sl.QuestionID <= 0 {
					return invalidf(field+".question_id", "required for a fixed slot")
				}
				if seen[sl.QuestionID] {
					return invalidf(field+".question_id", "question %d is already in the quiz", sl.QuestionID)
				}
				seen[sl.QuestionID] = true
				ok, err := tx.NewSelect().Model((*questionRow)(nil)).Where("q.id = ?", sl.QuestionID).
					Where("q.center_id = ?", qr.CenterID).Exists(ctx)
				if err != nil {
					return wrap(err, "find question %d", sl.QuestionID)
				}
				if !ok {
					return invalidf(field+".question_id", "no question %d in this center", sl.QuestionID)
				}
				id := sl.QuestionID
				r.QuestionID, r.Count, r.IncludeSubcategories = &id, 1, false
			case SlotRandom:
				if sl.CategoryID <= 0 {
					return invalidf(field+".category_id", "required for a random slot")
				}
				if sl.Count < 1 {
					return invalidf(field+".count", "want 1 or more, got %d", sl.Count)
				}
				ok, err := tx.NewSelect().Model((*categoryRow)(nil)).Where("qc.id = ?", sl.CategoryID).
					Where("qc.center_id = ?", qr.CenterID).Exists(ctx)
				if err != nil {
					return wrap(err, "find category %d", sl.CategoryID)
				}
				if !ok {
					return invalidf(field+".category_id", "no category %d in this center", sl.CategoryID)
				}
				tags, err := normalizeTags(field+".tags", sl.Tags)
				if err != nil {
					return err
				}
				id := sl.CategoryID
				r.CategoryID, r.Tags = &id, strings.Join(tags, ",")
			default:
				return invalidf(field+".kind", "want %s or %s, got %q", SlotFixed, SlotRandom, sl.Kind)
			}
			rows[i] = r
		}
		if _, err := tx.NewDelete().Model((*slotRow)(nil)).Where("quiz_id = ?", quizID).Exec(ctx); err != nil {
			return wrap(err, "clear slots of quiz %d", quizID)
		}
		if len(rows) > 0 {
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return wrap(err, "insert slots of quiz %d", quizID)
			}
		}
		if _, err := tx.NewUpdate().Model((*quizRow)(nil)).Set("updated_at = ?", now).Where("id = ?", quizID).Exec(ctx); err != nil {
			return wrap(err, "touch quiz %d", quizID)
		}
		return nil
	}
}

// QuizQuestions returns the fixed questions of a quiz in slot order, with
// their current versions (for GIFT export; random slots have no fixed
// questions).
func (s *Store) QuizQuestions(ctx context.Context, quizID int64) ([]BankQuestion, error) {
	q, err := s.Quiz(ctx, quizID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, sl := range q.Slots {
		if sl.Kind == SlotFixed {
			ids = append(ids, sl.QuestionID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []questionRow
	if err := s.db.NewSelect().Model(&rows).Where("q.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, wrap(err, "load questions of quiz %d", quizID)
	}
	byID := map[int64]questionRow{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	ordered := make([]questionRow, 0, len(ids))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("quizzes: question %d of quiz %d: %w", id, quizID, store.ErrNotFound)
		}
		ordered = append(ordered, r)
	}
	return loadBank(ctx, s.db, ordered)
}
