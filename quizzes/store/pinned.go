package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/quizzes"
)

// pinnedQuestion is one question of an attempt as Start pinned it: the
// version, the shuffle, and what the taker sees. None of it changes after
// Start (the database refuses edits of a version an attempt used), which
// is what makes caching it safe on every instance.
type pinnedQuestion struct {
	id        int64 // attempt_questions.id
	position  int
	versionID int64
	maxMark   float64
	q         *quizzes.Question
	perm      []int
	presented quizzes.Presented
	options   map[string]bool // matching: the answer texts a response may pick
}

// pinnedAttempt is the immutable part of an attempt.
type pinnedAttempt struct {
	closesAt  *time.Time
	questions []pinnedQuestion // by position - 1
}

// loadPinned reads an attempt's questions with their versions.
func loadPinned(ctx context.Context, db bun.IDB, attemptID int64) (*pinnedAttempt, error) {
	a := new(attemptRow)
	if err := db.NewSelect().Model(a).Column("a.id", "a.closes_at").Where("a.id = ?", attemptID).Scan(ctx); err != nil {
		return nil, notFound(err, "attempt %d", attemptID)
	}
	var rows []struct {
		ID                int64
		Position          int
		QuestionVersionID int64
		MaxMark           float64
		Perm              string
		Content           string
	}
	if err := db.NewSelect().TableExpr("attempt_questions AS aq").
		Join("JOIN question_versions AS qv ON qv.id = aq.question_version_id").
		ColumnExpr("aq.id, aq.position, aq.question_version_id, aq.max_mark, aq.perm, qv.content").
		Where("aq.attempt_id = ?", attemptID).OrderExpr("aq.position").Scan(ctx, &rows); err != nil {
		return nil, wrap(err, "load questions of attempt %d", attemptID)
	}
	p := &pinnedAttempt{closesAt: a.ClosesAt, questions: make([]pinnedQuestion, len(rows))}
	versions := map[int64]*quizzes.Question{}
	for i, r := range rows {
		if r.Position != i+1 {
			return nil, fmt.Errorf("quizzes: attempt %d: question at position %d, want %d", attemptID, r.Position, i+1)
		}
		q := versions[r.QuestionVersionID]
		if q == nil {
			var err error
			if q, err = decodeQuestion(r.QuestionVersionID, r.Content); err != nil {
				return nil, err
			}
			versions[r.QuestionVersionID] = q
		}
		var perm []int
		if r.Perm != "" && r.Perm != "null" {
			if err := json.Unmarshal([]byte(r.Perm), &perm); err != nil {
				return nil, fmt.Errorf("quizzes: attempt %d position %d: decode perm: %w", attemptID, r.Position, err)
			}
		}
		p.questions[i] = newPinnedQuestion(r.ID, r.Position, r.QuestionVersionID, r.MaxMark, q, perm)
	}
	return p, nil
}

func newPinnedQuestion(id int64, position int, versionID int64, maxMark float64, q *quizzes.Question, perm []int) pinnedQuestion {
	pq := pinnedQuestion{id: id, position: position, versionID: versionID, maxMark: maxMark, q: q, perm: perm,
		presented: quizzes.Present(q, perm)}
	if q.Type == quizzes.Matching {
		pq.options = make(map[string]bool, len(pq.presented.MatchOptions))
		for _, o := range pq.presented.MatchOptions {
			pq.options[o] = true
		}
	}
	return pq
}

// question returns the pinned question at position (1-based).
func (p *pinnedAttempt) question(position int) (*pinnedQuestion, error) {
	if position < 1 || position > len(p.questions) {
		return nil, invalidf("position", "want 1 to %d, got %d", len(p.questions), position)
	}
	return &p.questions[position-1], nil
}
