package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/quizzes"
)

// Attempt states. The database holds inprogress, finished and abandoned;
// overdue is reported for an attempt in progress whose deadline has passed
// (in a grace period it still takes answers until ClosesAt) and that the
// server has not finalized yet.
const (
	StateInProgress = "inprogress"
	StateOverdue    = "overdue"
	StateFinished   = "finished"
	StateAbandoned  = "abandoned"
)

// pcgStream is the second PCG seed of an attempt's random source; the first
// is the seed given to Start.
const pcgStream = 0x6b616f70696e67 // "kaoping"

// Attempt is one person's attempt at a quiz. It never carries the key:
// questions are in their presented form, and per-question marks, right
// answers and feedback are only in Review, under the quiz's review options.
// Once finished it carries the total (SumMarks, GradePercent) for graders
// and reports; a page for the taker shows what Review allows.
type Attempt struct {
	ID          int64     `json:"id"`
	CenterID    int64     `json:"center_id"`
	QuizID      int64     `json:"quiz_id"`
	StaffID     int64     `json:"staff_id"`
	EnrolmentID *int64    `json:"enrolment_id,omitempty"`
	Number      int       `json:"number"` // 1, 2, … per person and quiz
	State       string    `json:"state"`  // StateInProgress, StateOverdue, StateFinished, StateAbandoned
	StartedAt   time.Time `json:"started_at"`
	// DeadlineAt is when the time is up (nil: no time limit); ClosesAt is
	// the end of the grace period, from which answers are refused.
	DeadlineAt   *time.Time `json:"deadline_at,omitempty"`
	ClosesAt     *time.Time `json:"closes_at,omitempty"`
	SubmittedAt  *time.Time `json:"submitted_at,omitempty"` // nil when the server finalized it
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	MaxMarks     float64    `json:"max_marks"`
	SumMarks     float64    `json:"sum_marks"`               // of the graded questions, once finished
	GradePercent *float64   `json:"grade_percent,omitempty"` // nil until finished and every essay graded
	NeedsGrading bool       `json:"needs_grading"`

	Questions []AttemptQuestion `json:"questions,omitempty"` // filled by Attempt and Start
}

// AttemptQuestion is a question of an attempt as the taker sees it.
type AttemptQuestion struct {
	ID        int64             `json:"id"`
	Position  int               `json:"position"` // 1-based, in the attempt's (possibly shuffled) order
	MaxMark   float64           `json:"max_mark"`
	Presented quizzes.Presented `json:"presented"`
	// Response is the saved answer with choices and order given as shown
	// positions (quizzes.Choice.Index), as SaveAnswer takes it; nil if not
	// answered.
	Response *quizzes.Response `json:"response,omitempty"`
	SavedAt  *time.Time        `json:"saved_at,omitempty"`
}

func (r *attemptRow) attempt(now time.Time) *Attempt {
	a := &Attempt{
		ID: r.ID, CenterID: r.CenterID, QuizID: r.QuizID, StaffID: r.StaffID, EnrolmentID: r.EnrolmentID, Number: r.Number,
		State: r.State, StartedAt: r.StartedAt, DeadlineAt: r.DeadlineAt, ClosesAt: r.ClosesAt, SubmittedAt: r.SubmittedAt,
		FinishedAt: r.FinishedAt, MaxMarks: r.MaxMarks, SumMarks: r.SumMarks, GradePercent: r.GradePercent,
		NeedsGrading: r.NeedsGrading,
	}
	if a.State == StateInProgress && a.DeadlineAt != nil && !now.Before(*a.DeadlineAt) {
		a.State = StateOverdue
	}
	return a
}

// overdue reports whether an attempt in progress is past its close: the
// server finalizes it.
func (r *attemptRow) overdue(now time.Time) bool {
	return r.State == StateInProgress && r.ClosesAt != nil && !now.Before(*r.ClosesAt)
}

// Start starts an attempt of staffID at the quiz, or resumes the open one:
// there is at most one attempt in progress per person and quiz, also under
// concurrent calls (a unique index decides; the loser returns the winner's
// attempt), whatever enrolmentID the resuming call gives. An open attempt
// past its close is finalized first.
//
// enrolmentID ties the attempt to the person's enrolment in the quiz's
// module (nil: practice). AttemptsAllowed counts the attempts of the same
// enrolment (or, for nil, of no enrolment), so a re-certification starts
// afresh; ErrNoAttemptsLeft when they are used up.
//
// Start pins the current version of every question: fixed slots in order,
// random slots drawn from their category (and tags), preferring questions
// the person has seen least, then those used least overall; then it
// shuffles the question order (ShuffleQuestions) and the answers
// (quizzes.Shuffle). All randomness comes from seed, so a seed reproduces
// the attempt; 0 picks a random seed. The deadline is now + the time limit.
func (s *Store) Start(ctx context.Context, quizID, staffID int64, enrolmentID *int64, seed int64) (*Attempt, error) {
	id, err := s.StartID(ctx, quizID, staffID, enrolmentID, seed)
	if err != nil {
		return nil, err
	}
	return s.Attempt(ctx, id)
}

// StartID is Start without reading the attempt back: it returns the id of
// the new (or resumed) attempt. The quiz start page only redirects to the
// attempt, whose page reads it anyway; when a whole department starts at
// once, the read saved here is worth having.
func (s *Store) StartID(ctx context.Context, quizID, staffID int64, enrolmentID *int64, seed int64) (int64, error) {
	if err := s.finalizeOpenOverdue(ctx, quizID, staffID); err != nil {
		return 0, err
	}
	if seed == 0 {
		seed = rand.Int64()
	}
	// Everything that only reads — the quiz, the checks, the questions
	// drawn and their shuffles — is planned before the write transaction:
	// on SQLite that transaction holds the database's one write lock from
	// its first statement (BEGIN IMMEDIATE), and every answer save and
	// other start waits for it.
	pl, err := s.plan(ctx, s.db, quizID, staffID, enrolmentID, seed)
	if err != nil {
		if open, oerr := openAttemptID(ctx, s.db, quizID, staffID); oerr == nil && open != 0 {
			return open, nil // an open attempt is resumed whatever the plan says
		}
		return 0, err
	}
	var id int64
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id, err = s.start(ctx, tx, pl)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		// A concurrent Start opened the attempt first: resume it.
		if open, oerr := openAttemptID(ctx, s.db, quizID, staffID); oerr == nil && open != 0 {
			id, err = open, nil
		}
	}
	if err != nil {
		return 0, err
	}
	return id, nil
}

// openAttemptID returns the id of the person's attempt in progress, or 0.
func openAttemptID(ctx context.Context, db bun.IDB, quizID, staffID int64) (int64, error) {
	var ids []int64
	if err := db.NewSelect().Model((*attemptRow)(nil)).Column("a.id").Where("a.quiz_id = ?", quizID).
		Where("a.staff_id = ?", staffID).Where("a.state = ?", StateInProgress).Scan(ctx, &ids); err != nil {
		return 0, wrap(err, "find open attempt")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// finalizeOpenOverdue finalizes the person's open attempt if its time is up.
func (s *Store) finalizeOpenOverdue(ctx context.Context, quizID, staffID int64) error {
	now := s.clock()
	var ids []int64
	if err := s.db.NewSelect().Model((*attemptRow)(nil)).Column("a.id").Where("a.quiz_id = ?", quizID).
		Where("a.staff_id = ?", staffID).Where("a.state = ?", StateInProgress).
		Where("a.closes_at <= ?", now).Scan(ctx, &ids); err != nil {
		return wrap(err, "find overdue attempt")
	}
	for _, id := range ids {
		out, err := s.finalize(ctx, id, byClock, "", now)
		if err != nil {
			return err
		}
		if err := s.afterCommit(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

// pick is a question chosen for an attempt.
type pick struct {
	version *versionRow
	q       *quizzes.Question
	maxMark float64
}

// startPlan is an attempt worked out before its write transaction: the
// quiz, the questions drawn (their versions pinned) in the order shown,
// and each one's shuffle.
type startPlan struct {
	qz          *Quiz
	staffID     int64
	enrolmentID *int64
	seed        int64
	picks       []pick
	perms       []string // JSON of quizzes.Shuffle per pick
}

// plan reads and checks what an attempt needs — the quiz, that the person
// and the enrolment fit it — and draws its questions with the seed.
func (s *Store) plan(ctx context.Context, db bun.IDB, quizID, staffID int64, enrolmentID *int64, seed int64) (*startPlan, error) {
	qz, err := loadQuiz(ctx, db, "qz.id = ?", quizID)
	if err != nil {
		return nil, err
	}
	if len(qz.Slots) == 0 {
		return nil, invalidf("quiz_id", "quiz %d has no questions", quizID)
	}
	var staffCenter int64
	if err := db.NewSelect().Table("staff").Column("center_id").Where("id = ?", staffID).Scan(ctx, &staffCenter); err != nil {
		return nil, notFound(err, "staff %d", staffID)
	}
	if staffCenter != qz.CenterID {
		return nil, invalidf("staff_id", "staff %d is not in the quiz's center", staffID)
	}
	if enrolmentID != nil {
		var eStaff, eModule int64
		if err := db.NewSelect().Table("enrolments").Column("staff_id", "module_id").Where("id = ?", *enrolmentID).
			Scan(ctx, &eStaff, &eModule); err != nil {
			return nil, notFound(err, "enrolment %d", *enrolmentID)
		}
		if eStaff != staffID || eModule != qz.ModuleID {
			return nil, invalidf("enrolment_id", "enrolment %d is not this person's enrolment in the quiz's module", *enrolmentID)
		}
	}
	rnd := rand.New(rand.NewPCG(uint64(seed), pcgStream))
	picks, err := s.pick(ctx, db, qz, staffID, rnd)
	if err != nil {
		return nil, err
	}
	if qz.ShuffleQuestions {
		rnd.Shuffle(len(picks), func(i, j int) { picks[i], picks[j] = picks[j], picks[i] })
	}
	perms := make([]string, len(picks))
	for i, p := range picks {
		perm, err := json.Marshal(quizzes.Shuffle(p.q, rnd, qz.ShuffleAnswers))
		if err != nil {
			return nil, fmt.Errorf("quizzes: encode perm: %w", err)
		}
		perms[i] = string(perm)
	}
	return &startPlan{qz: qz, staffID: staffID, enrolmentID: enrolmentID, seed: seed, picks: picks, perms: perms}, nil
}

// unchanged reports whether the plan's question versions are still as
// planned, share-locking them: UpdateQuestion locks a version before
// deciding whether an attempt used it, so it cannot edit one in place
// while this attempt pins it (PostgreSQL; SQLite serializes writers).
func (pl *startPlan) unchanged(ctx context.Context, tx bun.Tx) (bool, error) {
	planned := make(map[int64]string, len(pl.picks))
	ids := make([]int64, 0, len(pl.picks))
	for _, p := range pl.picks {
		if _, ok := planned[p.version.ID]; !ok {
			planned[p.version.ID] = p.version.Content
			ids = append(ids, p.version.ID)
		}
	}
	seen := 0
	for _, ch := range chunks(ids) {
		var vs []versionRow
		if err := forShare(tx.NewSelect().Model(&vs).Column("qv.id", "qv.content").Where("qv.id IN (?)", bun.List(ch))).Scan(ctx); err != nil {
			return false, wrap(err, "lock question versions")
		}
		for _, v := range vs {
			if planned[v.ID] != v.Content {
				return false, nil
			}
			seen++
		}
	}
	return seen == len(ids), nil
}

// start writes the planned attempt, unless the person has one open (its id
// is returned) or has used up the attempts. A plan overtaken by an edit of
// one of its questions is made again inside the transaction.
func (s *Store) start(ctx context.Context, tx bun.Tx, pl *startPlan) (int64, error) {
	qz := pl.qz
	if open, err := openAttemptID(ctx, tx, qz.ID, pl.staffID); err != nil || open != 0 {
		return open, err
	}
	used, err := seriesQuery(tx.NewSelect().Model((*attemptRow)(nil)), qz.ID, pl.staffID, pl.enrolmentID).Count(ctx)
	if err != nil {
		return 0, wrap(err, "count attempts")
	}
	if qz.AttemptsAllowed > 0 && used >= int64(qz.AttemptsAllowed) {
		return 0, fmt.Errorf("quizzes: quiz %d allows %d attempts: %w", qz.ID, qz.AttemptsAllowed, ErrNoAttemptsLeft)
	}
	var number int
	if err := tx.NewSelect().Model((*attemptRow)(nil)).ColumnExpr("COALESCE(MAX(a.number), 0) + 1").
		Where("a.quiz_id = ?", qz.ID).Where("a.staff_id = ?", pl.staffID).Scan(ctx, &number); err != nil {
		return 0, wrap(err, "number the attempt")
	}
	if ok, err := pl.unchanged(ctx, tx); err != nil {
		return 0, err
	} else if !ok {
		if pl, err = s.plan(ctx, tx, qz.ID, pl.staffID, pl.enrolmentID, pl.seed); err != nil {
			return 0, err
		}
		qz = pl.qz
	}

	now := s.clock()
	a := &attemptRow{CenterID: qz.CenterID, QuizID: qz.ID, StaffID: pl.staffID, EnrolmentID: pl.enrolmentID, Number: number,
		State: StateInProgress, OverdueHandling: qz.OverdueHandling, StartedAt: now, CreatedAt: now, UpdatedAt: now}
	if qz.TimeLimitSeconds > 0 {
		deadline := now.Add(time.Duration(qz.TimeLimitSeconds) * time.Second)
		closes := deadline
		if qz.OverdueHandling == OverdueGracePeriod {
			closes = deadline.Add(time.Duration(qz.GraceSeconds) * time.Second)
		}
		a.DeadlineAt, a.ClosesAt = &deadline, &closes
	}
	for _, p := range pl.picks {
		a.MaxMarks += p.maxMark
	}
	if _, err := tx.NewInsert().Model(a).Returning("id").Exec(ctx); err != nil {
		return 0, wrap(err, "start attempt")
	}
	rows := make([]attemptQuestionRow, len(pl.picks))
	for i, p := range pl.picks {
		rows[i] = attemptQuestionRow{AttemptID: a.ID, Position: i + 1, QuestionVersionID: p.version.ID, MaxMark: p.maxMark, Perm: pl.perms[i]}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return 0, wrap(err, "pin questions of attempt %d", a.ID)
	}
	return a.ID, nil
}

// seriesQuery restricts q (on attempts AS a) to a person's attempts at a
// quiz under one enrolment (nil: under none).
func seriesQuery(q *bun.SelectQuery, quizID, staffID int64, enrolmentID *int64) *bun.SelectQuery {
	q = q.Where("a.quiz_id = ?", quizID).Where("a.staff_id = ?", staffID)
	if enrolmentID == nil {
		return q.Where("a.enrolment_id IS NULL")
	}
	return q.Where("a.enrolment_id = ?", *enrolmentID)
}

// candidate is a question a random slot may draw.
type candidate struct {
	QuestionID int64 `bun:"question_id"`
	Seen       int   `bun:"seen"` // times the person was shown it
	Used       int   `bun:"used"` // times anybody was shown it
}

// candidates lists the questions of a category (and its subcategories)
// with all the tags, not archived and not descriptions, by id.
func candidates(ctx context.Context, db bun.IDB, centerID int64, cats []categoryRow, categoryID int64, sub bool, tags []string, staffID int64) ([]candidate, error) {
	ids := subtree(cats, categoryID, sub)
	if len(ids) == 0 {
		return nil, nil
	}
	q := db.NewSelect().TableExpr("questions AS q").
		Join("JOIN question_versions AS qv ON qv.id = q.current_version_id").
		ColumnExpr("q.id AS question_id").
		ColumnExpr(`(SELECT count(*) FROM attempt_questions AS aq
 JOIN question_versions AS v ON v.id = aq.question_version_id
 JOIN attempts AS a ON a.id = aq.attempt_id
 WHERE v.question_id = q.id AND a.staff_id = ?) AS seen`, staffID).
		ColumnExpr(`(SELECT count(*) FROM attempt_questions AS aq
 JOIN question_versions AS v ON v.id = aq.question_version_id
 WHERE v.question_id = q.id) AS used`).
		Where("q.center_id = ?", centerID).Where("q.archived = ?", false).
		Where("q.category_id IN (?)", bun.List(ids)).Where("qv.type <> ?", string(quizzes.Description))
	for _, t := range tags {
		q = q.Where("EXISTS (SELECT 1 FROM question_tags AS t WHERE t.question_id = q.id AND t.tag = ?)", t)
	}
	var out []candidate
	if err := q.OrderExpr("q.id").Scan(ctx, &out); err != nil {
		return nil, wrap(err, "list candidates of category %d", categoryID)
	}
	return out, nil
}

// pick chooses the questions of an attempt in slot order and pins their
// current versions.
func (s *Store) pick(ctx context.Context, tx bun.IDB, qz *Quiz, staffID int64, rnd *rand.Rand) ([]pick, error) {
	chosen := map[int64]bool{}
	for _, sl := range qz.Slots {
		if sl.Kind == SlotFixed {
			chosen[sl.QuestionID] = true
		}
	}
	type placed struct {
		questionID int64
		slot       Slot
	}
	var order []placed
	var cats []categoryRow
	for i, sl := range qz.Slots {
		if sl.Kind == SlotFixed {
			order = append(order, placed{sl.QuestionID, sl})
			continue
		}
		if cats == nil {
			var err error
			if cats, err = categories(ctx, tx, qz.CenterID); err != nil {
				return nil, err
			}
		}
		all, err := candidates(ctx, tx, qz.CenterID, cats, sl.CategoryID, sl.IncludeSubcategories, sl.Tags, staffID)
		if err != nil {
			return nil, err
		}
		var cands []candidate
		for _, c := range all {
			if !chosen[c.QuestionID] {
				cands = append(cands, c)
			}
		}
		if len(cands) < sl.Count {
			return nil, invalidf(fmt.Sprintf("slots[%d].count", i), "the slot draws %d questions, its category has %d left", sl.Count, len(cands))
		}
		// Shuffle, then sort stably: ties (same seen and used counts) stay
		// in the seeded random order.
		rnd.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		sort.SliceStable(cands, func(i, j int) bool {
			if cands[i].Seen != cands[j].Seen {
				return cands[i].Seen < cands[j].Seen
			}
			return cands[i].Used < cands[j].Used
		})
		for _, c := range cands[:sl.Count] {
			chosen[c.QuestionID] = true
			order = append(order, placed{c.QuestionID, sl})
		}
	}

	qids := make([]int64, len(order))
	for i, p := range order {
		qids[i] = p.questionID
	}
	current := map[int64]int64{}
	for _, ch := range chunks(qids) {
		var rows []questionRow
		if err := tx.NewSelect().Model(&rows).Column("q.id", "q.current_version_id").Where("q.id IN (?)", bun.List(ch)).Scan(ctx); err != nil {
			return nil, wrap(err, "load questions")
		}
		for _, r := range rows {
			if r.CurrentVersionID != nil {
				current[r.ID] = *r.CurrentVersionID
			}
		}
	}
	vids := make([]int64, 0, len(current))
	for _, v := range current {
		vids = append(vids, v)
	}
	// Share-lock the versions being pinned: UpdateQuestion locks a version
	// before deciding whether an attempt used it, so it cannot edit one in
	// place while this attempt pins it (PostgreSQL; SQLite serializes
	// writers anyway).
	versions := map[int64]*versionRow{}
	for _, ch := range chunks(vids) {
		var vs []versionRow
		if err := forShare(tx.NewSelect().Model(&vs).Where("qv.id IN (?)", bun.List(ch))).Scan(ctx); err != nil {
			return nil, wrap(err, "load question versions")
		}
		for i := range vs {
			versions[vs[i].ID] = &vs[i]
		}
	}
	out := make([]pick, len(order))
	decoded := map[int64]*quizzes.Question{}
	for i, p := range order {
		v := versions[current[p.questionID]]
		if v == nil {
			return nil, fmt.Errorf("quizzes: question %d has no version: %w", p.questionID, store.ErrNotFound)
		}
		q := decoded[v.ID]
		if q == nil {
			var err error
			if q, err = decodeQuestion(v.ID, v.Content); err != nil {
				return nil, err
			}
			decoded[v.ID] = q
		}
		out[i] = pick{version: v, q: q, maxMark: maxMark(q, p.slot.MaxMark)}
	}
	return out, nil
}

// maxMark is what a question is worth in a slot: the slot's mark, else the
// question's default mark, else 1; a description is worth nothing.
func maxMark(q *quizzes.Question, slotMark float64) float64 {
	if q.MaxFraction() == 0 {
		return 0
	}
	if slotMark > 0 {
		return slotMark
	}
	if q.DefaultMark > 0 {
		return q.DefaultMark
	}
	return 1
}

// Attempt returns an attempt with its questions in presented form and the
// saved answers — never the key. An attempt past its close that the server
// has not finalized yet is finalized first.
func (s *Store) Attempt(ctx context.Context, id int64) (*Attempt, error) {
	r, err := s.attemptRow(ctx, id)
	if err != nil {
		return nil, err
	}
	a := r.attempt(s.clock())
	p, err := s.pinnedOf(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	var rows []attemptQuestionRow
	if err := s.db.NewSelect().Model(&rows).Column("aq.id", "aq.position", "aq.response", "aq.saved_at").
		Where("aq.attempt_id = ?", id).OrderExpr("aq.position").Scan(ctx); err != nil {
		return nil, wrap(err, "load answers of attempt %d", id)
	}
	a.Questions = make([]AttemptQuestion, 0, len(rows))
	for _, row := range rows {
		pq, err := p.question(row.Position)
		if err != nil {
			return nil, err
		}
		aq := AttemptQuestion{ID: row.ID, Position: row.Position, MaxMark: pq.maxMark, Presented: pq.presented, SavedAt: row.SavedAt}
		resp, err := decodeResponse(row.Response)
		if err != nil {
			return nil, err
		}
		if resp != nil {
			shown := pq.toShown(*resp)
			aq.Response = &shown
		}
		a.Questions = append(a.Questions, aq)
	}
	return a, nil
}

// attemptRow reads an attempt, finalizing it first when it is past its
// close.
func (s *Store) attemptRow(ctx context.Context, id int64) (*attemptRow, error) {
	r := new(attemptRow)
	if err := s.db.NewSelect().Model(r).Where("a.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "attempt %d", id)
	}
	now := s.clock()
	if !r.overdue(now) {
		return r, nil
	}
	out, err := s.finalize(ctx, id, byClock, "", now)
	if err != nil {
		return nil, err
	}
	if err := s.afterCommit(ctx, out); err != nil {
		return nil, err
	}
	r = new(attemptRow)
	if err := s.db.NewSelect().Model(r).Where("a.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "attempt %d", id)
	}
	return r, nil
}

// pinnedOf returns the pinned questions of an attempt from the cache, or
// reads them through db (the transaction, inside one).
func (s *Store) pinnedOf(ctx context.Context, db bun.IDB, attemptID int64) (*pinnedAttempt, error) {
	if p, ok := s.cache.get(attemptID); ok {
		return p, nil
	}
	p, err := loadPinned(ctx, db, attemptID)
	if err != nil {
		return nil, err
	}
	s.cache.put(attemptID, p)
	return p, nil
}

// Attempts lists a person's attempts at a quiz, by number, without their
// questions.
func (s *Store) Attempts(ctx context.Context, quizID, staffID int64) ([]Attempt, error) {
	var rows []attemptRow
	if err := s.db.NewSelect().Model(&rows).Where("a.quiz_id = ?", quizID).Where("a.staff_id = ?", staffID).
		OrderExpr("a.number, a.id").Scan(ctx); err != nil {
		return nil, wrap(err, "list attempts")
	}
	now := s.clock()
	out := make([]Attempt, len(rows))
	for i := range rows {
		out[i] = *rows[i].attempt(now)
	}
	return out, nil
}

// SaveAnswer saves the answer at position (1-based) of an attempt and
// returns the time it was saved. r is as the taker's form posts it:
// choices and order are shown positions (quizzes.Choice.Index), which the
// attempt translates into the question's own indexes; they are validated
// against the question (quizzes.ErrInvalid naming the field). The answer is
// refused when the attempt is not in progress (ErrAttemptClosed) or past its
// deadline and grace (ErrDeadlinePassed).
//
// This is the hot path of an exam: the pinned questions come from an
// in-process cache and the answer is written with one statement that
// checks the attempt's state and close time itself, so no read precedes it;
// concurrent saves share one commit (see saveBatcher).
func (s *Store) SaveAnswer(ctx context.Context, attemptID int64, position int, r quizzes.Response) (time.Time, error) {
	p, err := s.pinnedOf(ctx, s.db, attemptID)
	if err != nil {
		return time.Time{}, err
	}
	pq, err := p.question(position)
	if err != nil {
		return time.Time{}, err
	}
	stored, err := pq.fromShown(r)
	if err != nil {
		return time.Time{}, err
	}
	body, err := json.Marshal(stored)
	if err != nil {
		return time.Time{}, fmt.Errorf("quizzes: encode response: %w", err)
	}
	now := s.clock()
	if p.closesAt != nil && !now.Before(*p.closesAt) {
		return time.Time{}, s.whyNotSaved(ctx, attemptID, now)
	}
	saved, err := s.saves.save(ctx, attemptID, position, string(body), now)
	if err != nil {
		return time.Time{}, err
	}
	if !saved {
		return time.Time{}, s.whyNotSaved(ctx, attemptID, now)
	}
	return now, nil
}

// saveAnswerSQL writes an answer if the attempt is in progress and not
// closed. The conditions on the answer's own row (not graded yet) are what
// PostgreSQL re-checks when the update waits for a concurrent Submit, which
// locks and grades every answer row: the update then finds the row graded
// and changes nothing, so no answer is acknowledged that the grade did not
// see. (The EXISTS is evaluated once, from the statement's snapshot.)
const saveAnswerSQL = `UPDATE attempt_questions SET response = ?, saved_at = ?
 WHERE attempt_id = ? AND position = ? AND fraction IS NULL AND needs_manual = ?
 AND EXISTS (SELECT 1 FROM attempts AS a WHERE a.id = ? AND a.state = ? AND (a.closes_at IS NULL OR a.closes_at > ?))`

// sqliteTime is how bun writes a time.Time into SQLite (always UTC).
const sqliteTime = "2006-01-02 15:04:05.999999-07:00"

// whyNotSaved explains a refused answer.
func (s *Store) whyNotSaved(ctx context.Context, attemptID int64, now time.Time) error {
	r := new(attemptRow)
	if err := s.db.NewSelect().Model(r).Column("a.state", "a.closes_at").Where("a.id = ?", attemptID).Scan(ctx); err != nil {
		return notFound(err, "attempt %d", attemptID)
	}
	switch {
	case r.State != StateInProgress:
		return fmt.Errorf("quizzes: attempt %d is %s: %w", attemptID, r.State, ErrAttemptClosed)
	case r.ClosesAt != nil && !now.Before(*r.ClosesAt):
		return fmt.Errorf("quizzes: attempt %d closed at %s: %w", attemptID, r.ClosesAt.Format(time.RFC3339), ErrDeadlinePassed)
	}
	return fmt.Errorf("quizzes: answer of attempt %d: %w", attemptID, store.ErrNotFound)
}

// Submit finishes an attempt and grades it (quizzes.Grade per question):
// essays wait for a grader (NeedsGrading, GradePercent nil). key is the
// client's idempotency key, kept with the attempt. Submit is idempotent: a
// second call, with the same key or any other, returns the finished attempt
// unchanged, also when two calls race.
//
// A submit after the close of a never-submit attempt abandons it and
// returns ErrDeadlinePassed; for the other handlings it finishes the
// attempt as the server would have at its close. A submit of an abandoned
// attempt is ErrAttemptClosed.
//
// When the attempt belongs to an enrolment and makes its quiz passed,
// Options.OnPassed is called after the commit; if it fails, Submit returns
// the finished attempt together with that error.
func (s *Store) Submit(ctx context.Context, attemptID int64, key string) (*Attempt, error) {
	if len(key) > 200 {
		return nil, invalidf("key", "longer than 200 bytes")
	}
	out, err := s.finalize(ctx, attemptID, bySubmit, key, s.clock())
	if err != nil {
		return nil, err
	}
	if out.state == StateAbandoned {
		if out.late {
			return nil, fmt.Errorf("quizzes: attempt %d was not submitted in time: %w", attemptID, ErrDeadlinePassed)
		}
		return nil, fmt.Errorf("quizzes: attempt %d is abandoned: %w", attemptID, ErrAttemptClosed)
	}
	a, err := s.Attempt(ctx, attemptID)
	if err != nil {
		return nil, err
	}
	return a, s.afterCommit(ctx, out)
}

// FinalizeOverdue finalizes every attempt in progress whose close is at or
// before now, per the overdue handling it started with: autosubmit and
// graceperiod grade what was saved (the attempt finishes at its close),
// neversubmit abandons it without a grade. It returns how many attempts it
// finalized. Several instances may run it at once: each attempt is claimed
// by one conditional update, so it is finalized once. It carries on past a
// failing attempt and returns the errors joined.
func (s *Store) FinalizeOverdue(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var after int64
	n := 0
	var errs []error
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		var ids []int64
		if err := s.db.NewSelect().Model((*attemptRow)(nil)).Column("a.id").Where("a.state = ?", StateInProgress).
			Where("a.closes_at <= ?", now).Where("a.id > ?", after).OrderExpr("a.id").Limit(200).Scan(ctx, &ids); err != nil {
			return n, wrap(err, "find overdue attempts")
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			out, err := s.finalize(ctx, id, byClock, "", now)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if out.done {
				n++
			}
			if err := s.afterCommit(ctx, out); err != nil {
				errs = append(errs, err)
			}
		}
		after = ids[len(ids)-1]
	}
	return n, errors.Join(errs...)
}

type finalizeMode int

const (
	bySubmit finalizeMode = iota // the taker submits
	byClock                      // the server finalizes an attempt past its close
)

// outcome is what a finalization did.
type outcome struct {
	done   bool   // this call finalized the attempt
	state  string // the attempt's state afterwards
	late   bool   // a submit that came after the close
	passed *int64 // the enrolment whose quiz became passed
}

// errSkip rolls back a transaction that turned out to have nothing to do.
var errSkip = errors.New("skip")

// finalize finishes (or abandons) an attempt in one transaction. The first
// statement claims the attempt: of two concurrent finalizations (a double
// click, two instances' sweepers) only one updates a row in progress; the
// other waits for it and then finds the attempt closed.
func (s *Store) finalize(ctx context.Context, id int64, mode finalizeMode, key string, now time.Time) (outcome, error) {
	var out outcome
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		out = outcome{}
		res, err := tx.NewUpdate().Model((*attemptRow)(nil)).Set("updated_at = ?", now).
			Where("id = ?", id).Where("state = ?", StateInProgress).Exec(ctx)
		if err != nil {
			return wrap(err, "claim attempt %d", id)
		}
		claimed, _ := res.RowsAffected()
		a := new(attemptRow)
		if err := tx.NewSelect().Model(a).Where("a.id = ?", id).Scan(ctx); err != nil {
			return notFound(err, "attempt %d", id)
		}
		out.state = a.State
		if claimed == 0 {
			return nil
		}
		late := a.ClosesAt != nil && !now.Before(*a.ClosesAt)
		if mode == byClock && !late {
			return errSkip
		}
		out.done, out.late = true, late && mode == bySubmit
		finishedAt, submittedAt := now, &now
		if late {
			finishedAt, submittedAt = *a.ClosesAt, nil
			key = ""
		}
		if late && a.OverdueHandling == OverdueNeverSubmit {
			if _, err := tx.NewUpdate().Model((*attemptRow)(nil)).Set("state = ?", StateAbandoned).
				Set("finished_at = ?", finishedAt).Where("id = ?", id).Exec(ctx); err != nil {
				return wrap(err, "abandon attempt %d", id)
			}
			out.state = StateAbandoned
			return nil
		}
		before, err := s.enrolmentPassed(ctx, tx, a)
		if err != nil {
			return err
		}
		sum, pending, err := s.gradeQuestions(ctx, tx, id)
		if err != nil {
			return err
		}
		var grade *float64
		if !pending {
			g := percent(sum, a.MaxMarks)
			grade = &g
		}
		if _, err := tx.NewUpdate().Model((*attemptRow)(nil)).Set("state = ?", StateFinished).
			Set("submitted_at = ?", submittedAt).Set("finished_at = ?", finishedAt).Set("sum_marks = ?", sum).
			Set("grade_percent = ?", grade).Set("needs_grading = ?", pending).Set("submit_key = ?", key).
			Where("id = ?", id).Exec(ctx); err != nil {
			return wrap(err, "finish attempt %d", id)
		}
		out.state = StateFinished
		after, err := s.enrolmentPassed(ctx, tx, a)
		if err != nil {
			return err
		}
		if !before && after {
			out.passed = a.EnrolmentID
		}
		return nil
	})
	if errors.Is(err, errSkip) {
		return out, nil
	}
	return out, err
}

// gradeQuestions grades every saved answer of an attempt and stores the
// fractions and marks; it returns the sum of the marks and whether an essay
// waits for a grader.
func (s *Store) gradeQuestions(ctx context.Context, tx bun.Tx, attemptID int64) (float64, bool, error) {
	p, err := s.pinnedOf(ctx, tx, attemptID)
	if err != nil {
		return 0, false, err
	}
	// Locking the answer rows (PostgreSQL) waits for saves in flight and
	// makes later ones wait for this grade, then find their row graded.
	var rows []attemptQuestionRow
	if err := forUpdate(tx.NewSelect().Model(&rows).Column("aq.id", "aq.position", "aq.response").
		Where("aq.attempt_id = ?", attemptID).OrderExpr("aq.position")).Scan(ctx); err != nil {
		return 0, false, wrap(err, "load answers of attempt %d", attemptID)
	}
	sum, pending := 0.0, false
	for _, row := range rows {
		pq, err := p.question(row.Position)
		if err != nil {
			return 0, false, err
		}
		resp, err := decodeResponse(row.Response)
		if err != nil {
			return 0, false, err
		}
		if resp == nil {
			resp = &quizzes.Response{}
		}
		res := quizzes.Grade(pq.q, *resp)
		var fraction, mark *float64
		if res.NeedsManual {
			pending = true
		} else {
			f := res.Fraction
			m := f * pq.maxMark
			fraction, mark = &f, &m
			sum += m
		}
		if _, err := tx.NewUpdate().Model((*attemptQuestionRow)(nil)).Set("fraction = ?", fraction).Set("mark = ?", mark).
			Set("needs_manual = ?", res.NeedsManual).Where("id = ?", row.ID).Exec(ctx); err != nil {
			return 0, false, wrap(err, "grade question %d of attempt %d", row.Position, attemptID)
		}
	}
	return sum, pending, nil
}

// afterCommit calls the OnPassed hook for an enrolment whose quiz became
// passed.
func (s *Store) afterCommit(ctx context.Context, out outcome) error {
	if out.passed == nil || s.onPassed == nil {
		return nil
	}
	if err := s.onPassed(ctx, *out.passed); err != nil {
		return fmt.Errorf("quizzes: quiz passed, but completing enrolment %d failed: %w", *out.passed, err)
	}
	return nil
}
