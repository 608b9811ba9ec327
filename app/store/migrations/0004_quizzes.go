package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Frozen row structs of migration 0004 (quizzes). Do not edit: add a
// migration instead.
//
// Times are UTC. Columns that hold a user id (created_by, grader_id) have no
// foreign key: the CLI acts as user 0. questions.current_version_id has no
// foreign key either: questions and question_versions refer to each other.

type questionCategory0004 struct {
	bun.BaseModel `bun:"table:question_categories"`
	ID            int64  `bun:",pk,autoincrement"`
	CenterID      int64  `bun:",notnull,unique:question_categories_path"`
	ParentID      *int64 ``
	Name          string `bun:",notnull"`
	// Path is the "/"-joined names from the root ("窗口/企业登记"): unique
	// per center, which a unique (center_id, parent_id, name) could not be
	// for roots (NULL parents are distinct in a unique index).
	Path string `bun:",notnull,unique:question_categories_path"`

	Center *center0001           `bun:"rel:belongs-to,join:center_id=id"`
	Parent *questionCategory0004 `bun:"rel:belongs-to,join:parent_id=id"`
}

type question0004 struct {
	bun.BaseModel    `bun:"table:questions"`
	ID               int64     `bun:",pk,autoincrement"`
	CenterID         int64     `bun:",notnull"`
	CategoryID       int64     `bun:",notnull"`
	CurrentVersionID *int64    ``
	CreatedBy        int64     `bun:",notnull"`
	CreatedAt        time.Time `bun:",notnull"`
	UpdatedAt        time.Time `bun:",notnull"`
	Archived         bool      `bun:",notnull"`

	Center   *center0001           `bun:"rel:belongs-to,join:center_id=id"`
	Category *questionCategory0004 `bun:"rel:belongs-to,join:category_id=id"`
}

type questionVersion0004 struct {
	bun.BaseModel `bun:"table:question_versions"`
	ID            int64     `bun:",pk,autoincrement"`
	QuestionID    int64     `bun:",notnull,unique:question_versions_number"`
	Number        int       `bun:",notnull,unique:question_versions_number"`
	Type          string    `bun:",notnull,type:varchar(16)"`
	Name          string    `bun:",notnull"`
	Content       string    `bun:",notnull,type:text"` // JSON of quizzes.Question
	CreatedBy     int64     `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Question *question0004 `bun:"rel:belongs-to,join:question_id=id,on_delete:cascade"`
}

type questionTag0004 struct {
	bun.BaseModel `bun:"table:question_tags"`
	ID            int64  `bun:",pk,autoincrement"`
	QuestionID    int64  `bun:",notnull,unique:question_tags_question_tag"`
	Tag           string `bun:",notnull,unique:question_tags_question_tag"`

	Question *question0004 `bun:"rel:belongs-to,join:question_id=id,on_delete:cascade"`
}

type quiz0004 struct {
	bun.BaseModel      `bun:"table:quizzes"`
	ID                 int64     `bun:",pk,autoincrement"`
	CenterID           int64     `bun:",notnull"`
	ModuleID           int64     `bun:",notnull,unique"`
	Title              string    `bun:",notnull"`
	TimeLimitSeconds   int       `bun:",notnull"`                  // 0 = none
	OverdueHandling    string    `bun:",notnull,type:varchar(16)"` // autosubmit, graceperiod, neversubmit
	GraceSeconds       int       `bun:",notnull"`
	AttemptsAllowed    int       `bun:",notnull"`                  // 0 = unlimited
	GradingMethod      string    `bun:",notnull,type:varchar(16)"` // highest, average, first, last
	PassPercent        float64   `bun:",notnull"`
	ShuffleQuestions   bool      `bun:",notnull"`
	ShuffleAnswers     bool      `bun:",notnull"`
	ReviewMarks        bool      `bun:",notnull"`
	ReviewRightAnswers bool      `bun:",notnull"`
	ReviewFeedback     bool      `bun:",notnull"`
	ReviewWhen         string    `bun:",notnull,type:varchar(16)"` // immediately, after_close, never
	CreatedAt          time.Time `bun:",notnull"`
	UpdatedAt          time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Module *module0002 `bun:"rel:belongs-to,join:module_id=id,on_delete:cascade"`
}

type quizSlot0004 struct {
	bun.BaseModel        `bun:"table:quiz_slots"`
	ID                   int64   `bun:",pk,autoincrement"`
	QuizID               int64   `bun:",notnull,unique:quiz_slots_position"`
	Position             int     `bun:",notnull,unique:quiz_slots_position"`
	Kind                 string  `bun:",notnull,type:varchar(16)"` // fixed, random
	QuestionID           *int64  ``
	CategoryID           *int64  ``
	IncludeSubcategories bool    `bun:",notnull"`
	Tags                 string  `bun:",notnull,type:text"` // comma list; all must match
	Count                int     `bun:",notnull"`
	MaxMark              float64 `bun:",notnull"` // per question; 0 = the question's default mark

	Quiz     *quiz0004             `bun:"rel:belongs-to,join:quiz_id=id,on_delete:cascade"`
	Question *question0004         `bun:"rel:belongs-to,join:question_id=id"`
	Category *questionCategory0004 `bun:"rel:belongs-to,join:category_id=id"`
}

type attempt0004 struct {
	bun.BaseModel `bun:"table:attempts"`
	ID            int64  `bun:",pk,autoincrement"`
	CenterID      int64  `bun:",notnull"`
	QuizID        int64  `bun:",notnull"`
	StaffID       int64  `bun:",notnull"`
	EnrolmentID   *int64 ``
	Number        int    `bun:",notnull"`
	State         string `bun:",notnull,type:varchar(16)"` // inprogress, overdue, finished, abandoned
	// OverdueHandling is the quiz's setting pinned at the start, like
	// DeadlineAt and ClosesAt: the rules an attempt started under do not
	// change under it.
	OverdueHandling string     `bun:",notnull,type:varchar(16)"`
	StartedAt       time.Time  `bun:",notnull"`
	DeadlineAt      *time.Time `` // started + time limit
	ClosesAt        *time.Time `` // deadline + grace: answers are refused from then on
	SubmittedAt     *time.Time ``
	FinishedAt      *time.Time ``
	SumMarks        float64    `bun:",notnull"`
	MaxMarks        float64    `bun:",notnull"`
	GradePercent    *float64   `` // NULL while essays wait
	NeedsGrading    bool       `bun:",notnull"`
	SubmitKey       string     `bun:",notnull"`
	CreatedAt       time.Time  `bun:",notnull"`
	UpdatedAt       time.Time  `bun:",notnull"`

	Center    *center0001    `bun:"rel:belongs-to,join:center_id=id"`
	Quiz      *quiz0004      `bun:"rel:belongs-to,join:quiz_id=id"`
	Staff     *staff0001     `bun:"rel:belongs-to,join:staff_id=id,on_delete:cascade"`
	Enrolment *enrolment0002 `bun:"rel:belongs-to,join:enrolment_id=id,on_delete:set null"`
}

type attemptQuestion0004 struct {
	bun.BaseModel     `bun:"table:attempt_questions"`
	ID                int64      `bun:",pk,autoincrement"`
	AttemptID         int64      `bun:",notnull,unique:attempt_questions_position"`
	Position          int        `bun:",notnull,unique:attempt_questions_position"`
	QuestionVersionID int64      `bun:",notnull"`
	MaxMark           float64    `bun:",notnull"`
	Perm              string     `bun:",notnull,type:text"` // JSON []int
	Response          string     `bun:",notnull,type:text"` // JSON quizzes.Response, "" = not answered
	SavedAt           *time.Time ``
	Fraction          *float64   ``
	Mark              *float64   ``
	NeedsManual       bool       `bun:",notnull"`
	GraderID          *int64     ``
	GraderComment     string     `bun:",notnull,type:text"`
	GradedAt          *time.Time ``

	Attempt         *attempt0004         `bun:"rel:belongs-to,join:attempt_id=id,on_delete:cascade"`
	QuestionVersion *questionVersion0004 `bun:"rel:belongs-to,join:question_version_id=id"`
}

func up0004(ctx context.Context, tx bun.Tx) error {
	if err := createTables(ctx, tx,
		(*questionCategory0004)(nil), (*question0004)(nil), (*questionVersion0004)(nil), (*questionTag0004)(nil),
		(*quiz0004)(nil), (*quizSlot0004)(nil), (*attempt0004)(nil), (*attemptQuestion0004)(nil),
	); err != nil {
		return err
	}
	if err := exec(ctx, tx,
		"CREATE INDEX question_categories_parent ON question_categories (parent_id)",
		"CREATE INDEX questions_center_category ON questions (center_id, category_id)",
		"CREATE INDEX questions_category ON questions (category_id)",
		"CREATE INDEX question_tags_tag ON question_tags (tag, question_id)",
		"CREATE INDEX quiz_slots_question ON quiz_slots (question_id)",
		"CREATE INDEX quiz_slots_category ON quiz_slots (category_id)",
		// One open attempt per person and quiz, whatever the code does:
		// this is what makes concurrent Start calls (several tabs, several
		// instances) resume one attempt instead of opening two.
		"CREATE UNIQUE INDEX attempts_one_open ON attempts (quiz_id, staff_id) WHERE state = 'inprogress'",
		"CREATE INDEX attempts_quiz_staff ON attempts (quiz_id, staff_id, number)",
		"CREATE INDEX attempts_open_closes ON attempts (state, closes_at)",
		"CREATE INDEX attempts_center_grading ON attempts (center_id, needs_grading)",
		"CREATE INDEX attempts_staff ON attempts (staff_id)",
		"CREATE INDEX attempts_enrolment ON attempts (enrolment_id)",
		"CREATE INDEX attempt_questions_version ON attempt_questions (question_version_id)",
	); err != nil {
		return err
	}
	return questionVersionsImmutable(ctx, tx)
}

// questionVersionsImmutable makes the database refuse changes to a question
// version that an attempt has shown: attempts pin versions, and a review
// must show the text that was answered.
func questionVersionsImmutable(ctx context.Context, tx bun.Tx) error {
	if tx.Dialect().Name() == dialect.PG {
		return exec(ctx, tx,
			`CREATE FUNCTION kaoping_question_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM attempt_questions aq WHERE aq.question_version_id = OLD.id) THEN
    RAISE EXCEPTION 'question version % was used in an attempt and is immutable', OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$`,
			"CREATE TRIGGER question_versions_immutable BEFORE UPDATE OR DELETE ON question_versions FOR EACH ROW EXECUTE FUNCTION kaoping_question_version_immutable()",
		)
	}
	const used = "EXISTS (SELECT 1 FROM attempt_questions aq WHERE aq.question_version_id = OLD.id)"
	return exec(ctx, tx,
		"CREATE TRIGGER question_versions_immutable_update BEFORE UPDATE ON question_versions WHEN "+used+
			" BEGIN SELECT RAISE(ABORT, 'a question version used in an attempt is immutable'); END",
		"CREATE TRIGGER question_versions_immutable_delete BEFORE DELETE ON question_versions WHEN "+used+
			" BEGIN SELECT RAISE(ABORT, 'a question version used in an attempt is immutable'); END",
	)
}
