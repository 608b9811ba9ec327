package followup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/store"
)

// Appeal states: pending until decided, then one of the three outcomes.
const (
	AppealPending = "pending"
	// Upheld: a mistaken or malicious rating, excluded from every score
	// (ratings.excluded).
	Upheld = "upheld"
	// Partly: upheld in part: the complaint is real but not the person's
	// doing (a policy, a system outage); the rating leaves the person's own
	// score (ratings.personal_excluded) but stays in the channel and center
	// statistics.
	Partly = "partly"
	// Rejected: the rating stands.
	Rejected = "rejected"
)

// Appeal is a person's appeal of a bad rating (table rating_appeals); a
// rating has at most one.
type Appeal struct {
	bun.BaseModel `bun:"table:rating_appeals,alias:ra"`

	ID             int64 `bun:",pk,autoincrement"`
	CenterID       int64
	RatingID       int64
	StaffID        int64 // the appellant: the rated person
	Reason         string
	State          string // AppealPending, Upheld, Partly or Rejected
	SubmittedAt    time.Time
	SubmittedBy    string
	Deadline       string // the last day it could be submitted, YYYY-MM-DD in the center's zone
	DecidedAt      *time.Time
	DecidedBy      string
	DecisionReason string

	// Evidence lists the files, without their Data (see Service.Evidence).
	Evidence []Evidence `bun:"rel:has-many,join:id=appeal_id"`
	// Rating is the appealed rating with the citizen's personal data as
	// stored; nil when the appeal is read as part of its Case.
	Rating    *ratings.Rating `bun:"rel:belongs-to,join:rating_id=id"`
	StaffNo   string          `bun:",scanonly"`
	StaffName string          `bun:",scanonly"`
	// TeamID is the team of the rating's case, whose lead decides; nil if
	// the person had no team on the rating's date.
	TeamID *int64 `bun:",scanonly"`
}

// Evidence is a file attached to an appeal (table appeal_evidence). Files
// live in the database so that every instance can serve them.
type Evidence struct {
	bun.BaseModel `bun:"table:appeal_evidence,alias:ae"`

	ID          int64 `bun:",pk,autoincrement"`
	AppealID    int64
	Name        string // base name only, see EvidenceUpload
	ContentType string // sniffed from the content, never taken from the upload
	Size        int64
	Data        []byte // nil in lists
	CreatedAt   time.Time
}

// AppealDeadline returns the end of the last day on which the rated person
// may appeal r: Rules.AppealDays working days of the center's calendar after
// the day the rating was received (when the person was told about it).
func (s *Service) AppealDeadline(ctx context.Context, r *ratings.Rating) (time.Time, error) {
	d, err := s.deadlines(ctx, s.db, r.CenterID)
	if err != nil {
		return time.Time{}, err
	}
	return d.add(r.ReceivedAt, s.rules.AppealDays), nil
}

// SubmitAppeal files the rated person's appeal of a bad rating, with a
// reason (required, at most MaxText characters) and up to MaxFiles files
// (see EvidenceUpload), and tells whoever decides it in-app: the leads of
// the person's team (on the rating's date) who have staff records, or the
// center's HR people when the person leads that team themselves or the team
// has no such lead. It opens the rating's case if it has none, so every
// appeal has its case and team.
//
// Refused: an actor who is not the rated person (ErrForbidden), a rating
// that is not bad (ErrInvalid), a second appeal (ErrExists), an appeal after
// AppealDeadline (ErrLate, naming the deadline), bad input (ErrInvalid).
func (s *Service) SubmitAppeal(ctx context.Context, ratingID int64, a Actor, reason string, files []EvidenceUpload) (*Appeal, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	d, err := s.deadlinesBeforeTx(ctx, (*ratings.Rating)(nil), "r", "rating", ratingID)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r := new(ratings.Rating)
		// The lock makes two submissions of one rating queue on PostgreSQL;
		// the unique rating_id is the last word either way.
		if err := forUpdate(tx.NewSelect().Model(r).Where("r.id = ?", ratingID)).Scan(ctx); err != nil {
			return notFound(err, "rating %d", ratingID)
		}
		if a.StaffID == 0 || a.StaffID != r.StaffID {
			return fail(ErrForbidden, "", "只能对自己收到的差评申诉 (you can only appeal your own ratings)")
		}
		if !r.Bad() {
			return fail(ErrInvalid, "rating", "只能对差评（1–2 星）申诉，该评价为 %d 星 (only a bad rating, level 1–2, can be appealed; this one is %d)", r.Level, r.Level)
		}
		exists, err := tx.NewSelect().Model((*Appeal)(nil)).Where("ra.rating_id = ?", ratingID).Exists(ctx)
		if err != nil {
			return fmt.Errorf("followup: appeal of rating %d: %w", ratingID, err)
		}
		if exists {
			return appealExists(ratingID)
		}
		deadline := d.add(r.ReceivedAt, s.rules.AppealDays)
		now := s.stamp()
		if now.After(deadline) {
			return fail(ErrLate, "", "申诉期限已过：最迟应在 %s 前提交 (the deadline to appeal was the end of %s)", d.date(deadline), d.date(deadline))
		}
		reason, err := text("reason", reason, true)
		if err != nil {
			return err
		}
		evidence, err := checkFiles(files)
		if err != nil {
			return err
		}
		if err := s.openCases(ctx, tx, []ratings.Rating{*r}, map[int64]deadlines{r.CenterID: d}); err != nil {
			return err
		}
		ap := &Appeal{CenterID: r.CenterID, RatingID: r.ID, StaffID: r.StaffID, Reason: reason, State: AppealPending,
			SubmittedAt: now, SubmittedBy: a.Label, Deadline: d.date(deadline)}
		if _, err := tx.NewInsert().Model(ap).Exec(ctx); err != nil {
			if err = store.Translate(err); errors.Is(err, store.ErrConflict) {
				return appealExists(ratingID)
			}
			return fmt.Errorf("followup: insert appeal of rating %d: %w", ratingID, err)
		}
		id = ap.ID
		for i := range evidence {
			evidence[i].AppealID, evidence[i].CreatedAt = ap.ID, now
			if _, err := tx.NewInsert().Model(&evidence[i]).Exec(ctx); err != nil {
				return fmt.Errorf("followup: store evidence %q: %w", evidence[i].Name, store.Translate(err))
			}
		}
		if err := s.notifySubmitted(ctx, tx, ap, r, d); err != nil {
			return err
		}
		return s.record(ctx, tx, ap.CenterID, a.Label, a.IP, "appeal.submit", appealTarget(ap.ID),
			fmt.Sprintf("rating=%d files=%d reason=%q", ap.RatingID, len(evidence), reason))
	})
	if err != nil {
		return nil, err
	}
	return s.Appeal(ctx, id)
}

func appealExists(ratingID int64) error {
	return fail(ErrExists, "", "该差评已经申诉过，每条差评只能申诉一次 (rating %d has already been appealed; one appeal per rating)", ratingID)
}

func appealTarget(id int64) string { return "rating_appeal:" + strconv.FormatInt(id, 10) }

// DecideAppeal decides a pending appeal: outcome Upheld, Partly or Rejected,
// with a reason (required). In the same transaction it sets the rating's
// excluded (Upheld) or personal_excluded (Partly) flag and tells the person
// in-app.
//
// The appellant can never decide their own appeal, and when they lead the
// team of the rating's case only an HR actor may decide it (ErrForbidden).
// Whether the actor leads the team at all is the caller's casbin check.
// An appeal already decided is ErrState.
func (s *Service) DecideAppeal(ctx context.Context, appealID int64, a Actor, outcome, reason string) (*Appeal, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	if outcome != Upheld && outcome != Partly && outcome != Rejected {
		return nil, fail(ErrInvalid, "outcome", "处理结果 %q 无效，应为 upheld（采纳）、partly（部分采纳）或 rejected（驳回） (outcome must be upheld, partly or rejected)", outcome)
	}
	reason, err := text("reason", reason, true)
	if err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ap := new(Appeal)
		if err := forUpdate(tx.NewSelect().Model(ap).Where("ra.id = ?", appealID)).Scan(ctx); err != nil {
			return notFound(err, "appeal %d", appealID)
		}
		if a.StaffID != 0 && a.StaffID == ap.StaffID {
			return fail(ErrForbidden, "", "不能处理自己的申诉 (you cannot decide your own appeal)")
		}
		if ap.State != AppealPending {
			return fail(ErrState, "", "申诉 %d 已处理（%s），不能再次处理 (appeal %d was already decided: %s)", ap.ID, outcomeLabel(ap.State), ap.ID, ap.State)
		}
		if !a.HR {
			lead, err := s.leadsOwnTeam(ctx, tx, ap)
			if err != nil {
				return err
			}
			if lead {
				return fail(ErrForbidden, "", "申诉人是本班组负责人，须由人事部门处理 (the appellant leads this team: HR decides)")
			}
		}
		now := s.stamp()
		ap.State, ap.DecidedAt, ap.DecidedBy, ap.DecisionReason = outcome, &now, a.Label, reason
		if _, err := tx.NewUpdate().Model(ap).Column("state", "decided_at", "decided_by", "decision_reason").
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("followup: decide appeal %d: %w", ap.ID, store.Translate(err))
		}
		if flag := excludeFlag(outcome); flag != "" {
			if _, err := tx.NewUpdate().Model((*ratings.Rating)(nil)).Set("? = ?", bun.Ident(flag), true).
				Where("id = ?", ap.RatingID).Exec(ctx); err != nil {
				return fmt.Errorf("followup: exclude rating %d: %w", ap.RatingID, err)
			}
		}
		if err := s.notifyDecided(ctx, tx, ap); err != nil {
			return err
		}
		return s.record(ctx, tx, ap.CenterID, a.Label, a.IP, "appeal.decide", appealTarget(ap.ID),
			fmt.Sprintf("rating=%d outcome=%s reason=%q", ap.RatingID, outcome, reason))
	})
	if err != nil {
		return nil, err
	}
	return s.Appeal(ctx, appealID)
}

// excludeFlag is the ratings column an outcome sets, "" for none.
func excludeFlag(outcome string) string {
	switch outcome {
	case Upheld:
		return "excluded"
	case Partly:
		return "personal_excluded"
	}
	return ""
}

func outcomeLabel(state string) string {
	switch state {
	case Upheld:
		return "已采纳"
	case Partly:
		return "部分采纳"
	case Rejected:
		return "已驳回"
	}
	return "待处理"
}

// AppealFilter narrows Appeals. Zero fields do not filter, except TeamIDs:
// nil means any team, an empty non-nil slice none at all.
type AppealFilter struct {
	CenterID int64
	TeamIDs  []int64 // the team of the rating's case
	StaffID  int64
	States   []string // AppealPending, Upheld, Partly, Rejected; empty: all
	Limit    int      // 0: no limit
}

// Appeals lists appeals, pending ones first (oldest first, as they wait),
// then the decided ones, last decided first.
func (s *Service) Appeals(ctx context.Context, f AppealFilter) ([]Appeal, error) {
	out := []Appeal{}
	if f.TeamIDs != nil && len(f.TeamIDs) == 0 {
		return out, nil
	}
	if err := checkStates(f.States, AppealPending, Upheld, Partly, Rejected); err != nil {
		return nil, err
	}
	q := whereFilter(s.selectAppeals(s.db, &out, true), "ra", f.CenterID, f.TeamIDs, f.StaffID, f.States)
	q = q.OrderExpr("CASE WHEN ra.state = 'pending' THEN 0 ELSE 1 END").
		OrderExpr("CASE WHEN ra.state = 'pending' THEN ra.submitted_at END").
		OrderExpr("ra.decided_at DESC").OrderExpr("ra.id")
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("followup: list appeals: %w", err)
	}
	normalizeAppeals(out)
	return out, nil
}

// Appeal returns the appeal with id, with its rating and the list of its
// files.
func (s *Service) Appeal(ctx context.Context, id int64) (*Appeal, error) {
	var out []Appeal
	if err := s.selectAppeals(s.db, &out, true).Where("ra.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("followup: appeal %d: %w", id, store.Translate(err))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("followup: appeal %d: %w", id, store.ErrNotFound)
	}
	normalizeAppeals(out)
	return &out[0], nil
}

// Evidence returns one evidence file with its Data. Whether the reader may
// see it is decided on its appeal (AppealID).
func (s *Service) Evidence(ctx context.Context, id int64) (*Evidence, error) {
	e := new(Evidence)
	if err := s.db.NewSelect().Model(e).Where("ae.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "evidence %d", id)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// selectAppeals selects appeals with the person, the team of the case, the
// file list and, if withRating, the rating.
func (s *Service) selectAppeals(db bun.IDB, dest *[]Appeal, withRating bool) *bun.SelectQuery {
	q := db.NewSelect().Model(dest).
		ColumnExpr("ra.*").
		ColumnExpr("s.staff_no AS staff_no, s.name AS staff_name, rc.team_id AS team_id").
		Join("JOIN staff AS s ON s.id = ra.staff_id").
		Join("LEFT JOIN rating_cases AS rc ON rc.rating_id = ra.rating_id").
		Relation("Evidence", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.ExcludeColumn("data").OrderExpr("ae.id")
		})
	if withRating {
		q = q.Relation("Rating")
	}
	return q
}

// appealsOf returns the appeals of the ratings, by rating id, without their
// ratings.
func (s *Service) appealsOf(ctx context.Context, db bun.IDB, ratingIDs []int64) (map[int64]*Appeal, error) {
	out := make(map[int64]*Appeal)
	for chunk := range slices.Chunk(ratingIDs, insertChunk) {
		var part []Appeal
		if err := s.selectAppeals(db, &part, false).Where("ra.rating_id IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("followup: appeals of cases: %w", err)
		}
		normalizeAppeals(part)
		for i := range part {
			out[part[i].RatingID] = &part[i]
		}
	}
	return out, nil
}

func normalizeAppeals(as []Appeal) {
	for i := range as {
		ap := &as[i]
		ap.SubmittedAt = ap.SubmittedAt.UTC()
		utcPtr(&ap.DecidedAt)
		normalizeRating(ap.Rating)
		if ap.Evidence == nil {
			ap.Evidence = []Evidence{}
		}
		for j := range ap.Evidence {
			ap.Evidence[j].CreatedAt = ap.Evidence[j].CreatedAt.UTC()
		}
	}
}
