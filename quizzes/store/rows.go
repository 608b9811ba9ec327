package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Row structs of the tables of migration 0004. They stay inside the package:
// the exported types (Category, BankQuestion, Quiz, Attempt, …) are what
// callers see, so a column can change without changing the API.

type categoryRow struct {
	bun.BaseModel `bun:"table:question_categories,alias:qc"`

	ID       int64 `bun:",pk,autoincrement"`
	CenterID int64
	ParentID *int64
	Name     string
	Path     string
}

type questionRow struct {
	bun.BaseModel `bun:"table:questions,alias:q"`

	ID               int64 `bun:",pk,autoincrement"`
	CenterID         int64
	CategoryID       int64
	CurrentVersionID *int64
	CreatedBy        int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Archived         bool
}

type versionRow struct {
	bun.BaseModel `bun:"table:question_versions,alias:qv"`

	ID         int64 `bun:",pk,autoincrement"`
	QuestionID int64
	Number     int
	Type       string
	Name       string
	Content    string
	CreatedBy  int64
	CreatedAt  time.Time
}

type tagRow struct {
	bun.BaseModel `bun:"table:question_tags,alias:qt"`

	ID         int64 `bun:",pk,autoincrement"`
	QuestionID int64
	Tag        string
}

type quizRow struct {
	bun.BaseModel `bun:"table:quizzes,alias:qz"`

	ID                 int64 `bun:",pk,autoincrement"`
	CenterID           int64
	ModuleID           int64
	Title              string
	TimeLimitSeconds   int
	OverdueHandling    string
	GraceSeconds       int
	AttemptsAllowed    int
	GradingMethod      string
	PassPercent        float64
	ShuffleQuestions   bool
	ShuffleAnswers     bool
	ReviewMarks        bool
	ReviewRightAnswers bool
	ReviewFeedback     bool
	ReviewWhen         string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

type slotRow struct {
	bun.BaseModel `bun:"table:quiz_slots,alias:qs"`

	ID                   int64 `bun:",pk,autoincrement"`
	QuizID               int64
	Position             int
	Kind                 string
	QuestionID           *int64
	CategoryID           *int64
	IncludeSubcategories bool
	Tags                 string
	Count                int
	MaxMark              float64
}

type attemptRow struct {
	bun.BaseModel `bun:"table:attempts,alias:a"`

	ID              int64 `bun:",pk,autoincrement"`
	CenterID        int64
	QuizID          int64
	StaffID         int64
	EnrolmentID     *int64
	Number          int
	State           string
	OverdueHandling string
	StartedAt       time.Time
	DeadlineAt      *time.Time
	ClosesAt        *time.Time
	SubmittedAt     *time.Time
	FinishedAt      *time.Time
	SumMarks        float64
	MaxMarks        float64
	GradePercent    *float64
	NeedsGrading    bool
	SubmitKey       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

type attemptQuestionRow struct {
	bun.BaseModel `bun:"table:attempt_questions,alias:aq"`

	ID                int64 `bun:",pk,autoincrement"`
	AttemptID         int64
	Position          int
	QuestionVersionID int64
	MaxMark           float64
	Perm              string
	Response          string
	SavedAt           *time.Time
	Fraction          *float64
	Mark              *float64
	NeedsManual       bool
	GraderID          *int64
	GraderComment     string
	GradedAt          *time.Time
}
