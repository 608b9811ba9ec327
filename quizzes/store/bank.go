package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/quizzes"
)

// DefaultCategory is the root category of questions that name none (GIFT
// files without $CATEGORY).
const DefaultCategory = "默认"

// Limits of the bank.
const (
	MaxCategoryName = 100 // runes per path part
	MaxTag          = 50  // runes per tag
	MaxTags         = 20  // tags per question
	nameFromText    = 80  // runes of the text that name an unnamed question, as Moodle does
)

// Category is a node of a center's question category tree.
type Category struct {
	ID       int64  `json:"id"`
	CenterID int64  `json:"center_id"`
	ParentID *int64 `json:"parent_id,omitempty"` // nil for a root
	Name     string `json:"name"`
	Path     string `json:"path"` // names from the root joined by "/": "窗口/企业登记"
}

// BankQuestion is a question of the bank with the content of its current
// version. Question.Category holds the category path and Question.Tags the
// tags, which belong to the question rather than to a version: moving a
// question or retagging it makes no new version.
type BankQuestion struct {
	ID         int64            `json:"id"`
	CenterID   int64            `json:"center_id"`
	CategoryID int64            `json:"category_id"`
	VersionID  int64            `json:"version_id"` // the current version
	Version    int              `json:"version"`    // its number: 1, 2, …
	Question   quizzes.Question `json:"question"`
	Archived   bool             `json:"archived"`
	CreatedBy  int64            `json:"created_by"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// QuestionFilter selects questions of a center's bank. The zero value lists
// every question that is not archived.
type QuestionFilter struct {
	CategoryID int64    // 0: any category
	IncludeSub bool     // with CategoryID: also its subcategories
	Tags       []string // every tag must be on the question
	Query      string   // case-insensitive substring of the name, text or an answer
	// ModuleID keeps the questions the module's quiz may use: its fixed
	// questions and the candidates of its random slots.
	ModuleID        int64
	IncludeArchived bool
}

// splitPath normalizes a category path: parts trimmed, empty parts dropped,
// "" meaning DefaultCategory.
func splitPath(path string) ([]string, error) {
	var parts []string
	for _, p := range strings.Split(path, "/") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if n := utf8.RuneCountInString(p); n > MaxCategoryName {
			return nil, invalidf("category", "%q is longer than %d characters", p, MaxCategoryName)
		}
		if !utf8.ValidString(p) {
			return nil, invalidf("category", "not valid UTF-8")
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		parts = []string{DefaultCategory}
	}
	return parts, nil
}

// EnsureCategory returns the category at path in the center, creating the
// missing parts of the path ("窗口/企业登记" creates "窗口" first). "" is
// DefaultCategory. Concurrent calls for the same path create it once.
func (s *Store) EnsureCategory(ctx context.Context, centerID int64, path string) (*Category, error) {
	var c *Category
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		c, err = ensureCategory(ctx, tx, centerID, path)
		return err
	})
	return c, err
}

func ensureCategory(ctx context.Context, db bun.IDB, centerID int64, path string) (*Category, error) {
	parts, err := splitPath(path)
	if err != nil {
		return nil, err
	}
	var parent *int64
	var row categoryRow
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		row = categoryRow{}
		err := db.NewSelect().Model(&row).Where("qc.center_id = ?", centerID).Where("qc.path = ?", p).Scan(ctx)
		if err == nil {
			id := row.ID
			parent = &id
			continue
		}
		if !errors.Is(store.Translate(err), store.ErrNotFound) {
			return nil, wrap(err, "find category %q", p)
		}
		row = categoryRow{CenterID: centerID, ParentID: parent, Name: parts[i], Path: p}
		if _, err := db.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return nil, wrap(err, "create category %q", p)
		}
		row = categoryRow{}
		if err := db.NewSelect().Model(&row).Where("qc.center_id = ?", centerID).Where("qc.path = ?", p).Scan(ctx); err != nil {
			return nil, notFound(err, "category %q", p)
		}
		id := row.ID
		parent = &id
	}
	return row.category(), nil
}

func (r *categoryRow) category() *Category {
	return &Category{ID: r.ID, CenterID: r.CenterID, ParentID: r.ParentID, Name: r.Name, Path: r.Path}
}

// Categories lists the center's categories in tree order (by path, a parent
// before its children).
func (s *Store) Categories(ctx context.Context, centerID int64) ([]Category, error) {
	rows, err := categories(ctx, s.db, centerID)
	if err != nil {
		return nil, err
	}
	out := make([]Category, len(rows))
	for i := range rows {
		out[i] = *rows[i].category()
	}
	return out, nil
}

func categories(ctx context.Context, db bun.IDB, centerID int64) ([]categoryRow, error) {
	var rows []categoryRow
	if err := db.NewSelect().Model(&rows).Where("qc.center_id = ?", centerID).Scan(ctx); err != nil {
		return nil, wrap(err, "list categories")
	}
	sort.Slice(rows, func(i, j int) bool { return comparePaths(rows[i].Path, rows[j].Path) < 0 })
	return rows, nil
}

// comparePaths orders category paths part by part, so that "A/B" sorts
// right after "A" whatever characters follow in "A-x".
func comparePaths(a, b string) int {
	return slices.Compare(strings.Split(a, "/"), strings.Split(b, "/"))
}

// subtree returns the ids of the category id and, with sub, its descendants.
func subtree(cats []categoryRow, id int64, sub bool) []int64 {
	var root *categoryRow
	for i := range cats {
		if cats[i].ID == id {
			root = &cats[i]
		}
	}
	if root == nil {
		return nil
	}
	ids := []int64{root.ID}
	if sub {
		for _, c := range cats {
			if strings.HasPrefix(c.Path, root.Path+"/") {
				ids = append(ids, c.ID)
			}
		}
	}
	return ids
}

// normalizeTags trims, deduplicates and sorts tags. A tag may not contain a
// comma: quiz slots keep their tag lists comma-separated.
func normalizeTags(field string, tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if strings.ContainsAny(t, ",，") {
			return nil, invalidf(field, "tag %q contains a comma", t)
		}
		if utf8.RuneCountInString(t) > MaxTag {
			return nil, invalidf(field, "tag %q is longer than %d characters", t, MaxTag)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, invalidf(field, "%d tags, at most %d", len(out), MaxTags)
	}
	sort.Strings(out)
	return out, nil
}

// checkQuestion validates q and returns its normalized tags. Validation
// errors always wrap quizzes.ErrInvalid.
func checkQuestion(q *quizzes.Question) ([]string, error) {
	if err := q.Validate(); err != nil {
		if !errors.Is(err, quizzes.ErrInvalid) {
			err = fmt.Errorf("%w: %w", quizzes.ErrInvalid, err)
		}
		return nil, err
	}
	if _, err := splitPath(q.Category); err != nil {
		return nil, err
	}
	return normalizeTags("tags", q.Tags)
}

// content is the stored JSON of a version: the question without its
// category and tags, which live in their own tables.
func content(q quizzes.Question) (string, error) {
	q.Category, q.Tags = "", nil
	if strings.TrimSpace(q.Name) == "" {
		q.Name = defaultName(q.Text)
	}
	b, err := json.Marshal(q)
	if err != nil {
		return "", fmt.Errorf("quizzes: encode question: %w", err)
	}
	return string(b), nil
}

// defaultName is the first characters of the text, as Moodle names a GIFT
// question without a title.
func defaultName(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= nameFromText {
		return text
	}
	return string([]rune(text)[:nameFromText])
}

func decodeQuestion(versionID int64, s string) (*quizzes.Question, error) {
	q := new(quizzes.Question)
	if err := json.Unmarshal([]byte(s), q); err != nil {
		return nil, fmt.Errorf("quizzes: decode question version %d: %w", versionID, err)
	}
	return q, nil
}

// AddQuestion validates q and adds it to the center's bank as version 1,
// in the category q.Category (created if missing; "" is DefaultCategory)
// with the tags q.Tags. by is the user who adds it.
func (s *Store) AddQuestion(ctx context.Context, centerID int64, q quizzes.Question, by int64) (*BankQuestion, error) {
	out, err := s.AddQuestions(ctx, centerID, []quizzes.Question{q}, by)
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// AddQuestions adds several questions in one transaction (a GIFT or Aiken
// import): either all of them are stored, or none. Every invalid question is
// reported ("question 3: …"), not just the first.
func (s *Store) AddQuestions(ctx context.Context, centerID int64, qs []quizzes.Question, by int64) ([]BankQuestion, error) {
	tags, err := checkQuestions(qs)
	if err != nil {
		return nil, err
	}
	out := make([]BankQuestion, 0, len(qs))
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = s.addQuestions(ctx, tx, centerID, qs, tags, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkQuestions validates every question (all errors together) and
// returns their normalized tags.
func checkQuestions(qs []quizzes.Question) ([][]string, error) {
	tags := make([][]string, len(qs))
	var errs []error
	for i := range qs {
		t, err := checkQuestion(&qs[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("question %d (%s): %w", i+1, defaultName(qs[i].Name+" "+qs[i].Text), err))
			continue
		}
		tags[i] = t
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return tags, nil
}

// addQuestions stores checked questions inside the caller's transaction.
func (s *Store) addQuestions(ctx context.Context, tx bun.Tx, centerID int64, qs []quizzes.Question, tags [][]string, by int64) ([]BankQuestion, error) {
	now := s.clock()
	out := make([]BankQuestion, 0, len(qs))
	cats := map[string]*Category{}
	for i, q := range qs {
		cat, ok := cats[q.Category]
		if !ok {
			var err error
			if cat, err = ensureCategory(ctx, tx, centerID, q.Category); err != nil {
				return nil, err
			}
			cats[q.Category] = cat
		}
		bq, err := addQuestion(ctx, tx, centerID, cat, q, tags[i], by, now)
		if err != nil {
			return nil, fmt.Errorf("question %d: %w", i+1, err)
		}
		out = append(out, *bq)
	}
	return out, nil
}

func addQuestion(ctx context.Context, tx bun.Tx, centerID int64, cat *Category, q quizzes.Question, tags []string, by int64, now time.Time) (*BankQuestion, error) {
	body, err := content(q)
	if err != nil {
		return nil, err
	}
	qr := &questionRow{CenterID: centerID, CategoryID: cat.ID, CreatedBy: by, CreatedAt: now, UpdatedAt: now}
	if _, err := tx.NewInsert().Model(qr).Returning("id").Exec(ctx); err != nil {
		return nil, wrap(err, "insert question")
	}
	vr := &versionRow{QuestionID: qr.ID, Number: 1, Type: string(q.Type), Name: versionName(q), Content: body, CreatedBy: by, CreatedAt: now}
	if _, err := tx.NewInsert().Model(vr).Returning("id").Exec(ctx); err != nil {
		return nil, wrap(err, "insert question version")
	}
	if _, err := tx.NewUpdate().Model((*questionRow)(nil)).Set("current_version_id = ?", vr.ID).Where("id = ?", qr.ID).Exec(ctx); err != nil {
		return nil, wrap(err, "set current version")
	}
	qr.CurrentVersionID = &vr.ID
	if err := setTags(ctx, tx, qr.ID, tags); err != nil {
		return nil, err
	}
	return bankQuestion(qr, vr, cat.Path, tags)
}

func versionName(q quizzes.Question) string {
	if strings.TrimSpace(q.Name) == "" {
		return defaultName(q.Text)
	}
	return q.Name
}

// setTags replaces the tags of a question.
func setTags(ctx context.Context, tx bun.Tx, questionID int64, tags []string) error {
	if _, err := tx.NewDelete().Model((*tagRow)(nil)).Where("question_id = ?", questionID).Exec(ctx); err != nil {
		return wrap(err, "clear tags")
	}
	if len(tags) == 0 {
		return nil
	}
	rows := make([]tagRow, len(tags))
	for i, t := range tags {
		rows[i] = tagRow{QuestionID: questionID, Tag: t}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return wrap(err, "insert tags")
	}
	return nil
}

func bankQuestion(qr *questionRow, vr *versionRow, path string, tags []string) (*BankQuestion, error) {
	q, err := decodeQuestion(vr.ID, vr.Content)
	if err != nil {
		return nil, err
	}
	q.Category, q.Tags = path, tags
	return &BankQuestion{
		ID: qr.ID, CenterID: qr.CenterID, CategoryID: qr.CategoryID, VersionID: vr.ID, Version: vr.Number,
		Question: *q, Archived: qr.Archived, CreatedBy: qr.CreatedBy, CreatedAt: qr.CreatedAt, UpdatedAt: qr.UpdatedAt,
	}, nil
}

// UpdateQuestion replaces the content, category and tags of a question. If
// an attempt has shown the current version, the content goes into a new
// version (attempts keep showing the one they pinned); otherwise the
// current version is changed in place. A change of category or tags alone
// makes no version.
func (s *Store) UpdateQuestion(ctx context.Context, questionID int64, q quizzes.Question, by int64) (*BankQuestion, error) {
	tags, err := checkQuestion(&q)
	if err != nil {
		return nil, err
	}
	body, err := content(q)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		qr := new(questionRow)
		if err := forUpdate(tx.NewSelect().Model(qr).Where("q.id = ?", questionID)).Scan(ctx); err != nil {
			return notFound(err, "question %d", questionID)
		}
		cat, err := ensureCategory(ctx, tx, qr.CenterID, q.Category)
		if err != nil {
			return err
		}
		if err := setTags(ctx, tx, qr.ID, tags); err != nil {
			return err
		}
		upd := tx.NewUpdate().Model((*questionRow)(nil)).Set("category_id = ?", cat.ID).Set("updated_at = ?", now).Where("id = ?", qr.ID)
		if qr.CurrentVersionID == nil {
			return fmt.Errorf("quizzes: question %d has no version", qr.ID)
		}
		// The version row is locked before asking whether an attempt used
		// it: Start share-locks the versions it pins, so on PostgreSQL the
		// question below sees every attempt committed before this lock.
		cur := new(versionRow)
		if err := forUpdate(tx.NewSelect().Model(cur).Where("qv.id = ?", *qr.CurrentVersionID)).Scan(ctx); err != nil {
			return notFound(err, "question version %d", *qr.CurrentVersionID)
		}
		if cur.Content != body || cur.Type != string(q.Type) || cur.Name != versionName(q) {
			used, err := tx.NewSelect().Model((*attemptQuestionRow)(nil)).Where("aq.question_version_id = ?", cur.ID).Exists(ctx)
			if err != nil {
				return wrap(err, "find attempts of version %d", cur.ID)
			}
			if used {
				vr := &versionRow{QuestionID: qr.ID, Number: cur.Number + 1, Type: string(q.Type), Name: versionName(q),
					Content: body, CreatedBy: by, CreatedAt: now}
				if err := tx.NewSelect().Model((*versionRow)(nil)).ColumnExpr("COALESCE(MAX(qv.number), 0) + 1").
					Where("qv.question_id = ?", qr.ID).Scan(ctx, &vr.Number); err != nil {
					return wrap(err, "number the version")
				}
				if _, err := tx.NewInsert().Model(vr).Returning("id").Exec(ctx); err != nil {
					return wrap(err, "insert question version")
				}
				upd = upd.Set("current_version_id = ?", vr.ID)
			} else if _, err := tx.NewUpdate().Model((*versionRow)(nil)).Set("type = ?", string(q.Type)).Set("name = ?", versionName(q)).
				Set("content = ?", body).Where("id = ?", cur.ID).Exec(ctx); err != nil {
				return wrap(err, "update question version %d", cur.ID)
			}
		}
		if _, err := upd.Exec(ctx); err != nil {
			return wrap(err, "update question %d", qr.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Question(ctx, questionID)
}

// Question returns a question of the bank with its current version.
func (s *Store) Question(ctx context.Context, questionID int64) (*BankQuestion, error) {
	var rows []questionRow
	if err := s.db.NewSelect().Model(&rows).Where("q.id = ?", questionID).Scan(ctx); err != nil {
		return nil, wrap(err, "find question %d", questionID)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("quizzes: question %d: %w", questionID, store.ErrNotFound)
	}
	out, err := loadBank(ctx, s.db, rows)
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// QuestionVersion returns the content of one version, with the category and
// tags the question has now.
func (s *Store) QuestionVersion(ctx context.Context, versionID int64) (*quizzes.Question, error) {
	vr := new(versionRow)
	if err := s.db.NewSelect().Model(vr).Where("qv.id = ?", versionID).Scan(ctx); err != nil {
		return nil, notFound(err, "question version %d", versionID)
	}
	var rows []questionRow
	if err := s.db.NewSelect().Model(&rows).Where("q.id = ?", vr.QuestionID).Scan(ctx); err != nil || len(rows) == 0 {
		return nil, notFound(err, "question %d", vr.QuestionID)
	}
	bq, err := loadBank(ctx, s.db, rows)
	if err != nil {
		return nil, err
	}
	q, err := decodeQuestion(vr.ID, vr.Content)
	if err != nil {
		return nil, err
	}
	q.Category, q.Tags = bq[0].Question.Category, bq[0].Question.Tags
	return q, nil
}

// loadBank completes question rows with their current version, category
// path and tags, keeping the order of rows.
func loadBank(ctx context.Context, db bun.IDB, rows []questionRow) ([]BankQuestion, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var vids, qids []int64
	for _, r := range rows {
		qids = append(qids, r.ID)
		if r.CurrentVersionID != nil {
			vids = append(vids, *r.CurrentVersionID)
		}
	}
	versions := map[int64]*versionRow{}
	for _, ch := range chunks(vids) {
		var vs []versionRow
		if err := db.NewSelect().Model(&vs).Where("qv.id IN (?)", bun.List(ch)).Scan(ctx); err != nil {
			return nil, wrap(err, "load question versions")
		}
		for i := range vs {
			versions[vs[i].ID] = &vs[i]
		}
	}
	tags := map[int64][]string{}
	for _, ch := range chunks(qids) {
		var ts []tagRow
		if err := db.NewSelect().Model(&ts).Where("qt.question_id IN (?)", bun.List(ch)).Scan(ctx); err != nil {
			return nil, wrap(err, "load tags")
		}
		for _, t := range ts {
			tags[t.QuestionID] = append(tags[t.QuestionID], t.Tag)
		}
	}
	paths := map[int64]string{}
	for _, r := range rows {
		paths[r.CategoryID] = ""
	}
	var cids []int64
	for id := range paths {
		cids = append(cids, id)
	}
	for _, ch := range chunks(cids) {
		var cs []categoryRow
		if err := db.NewSelect().Model(&cs).Where("qc.id IN (?)", bun.List(ch)).Scan(ctx); err != nil {
			return nil, wrap(err, "load categories")
		}
		for _, c := range cs {
			paths[c.ID] = c.Path
		}
	}
	out := make([]BankQuestion, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if r.CurrentVersionID == nil {
			return nil, fmt.Errorf("quizzes: question %d has no version", r.ID)
		}
		vr := versions[*r.CurrentVersionID]
		if vr == nil {
			return nil, fmt.Errorf("quizzes: question %d: version %d: %w", r.ID, *r.CurrentVersionID, store.ErrNotFound)
		}
		t := tags[r.ID]
		sort.Strings(t)
		bq, err := bankQuestion(r, vr, paths[r.CategoryID], t)
		if err != nil {
			return nil, err
		}
		out = append(out, *bq)
	}
	return out, nil
}

// Questions lists the questions of a center's bank that match f, by
// category path, then name.
func (s *Store) Questions(ctx context.Context, centerID int64, f QuestionFilter) ([]BankQuestion, error) {
	tags, err := normalizeTags("tags", f.Tags)
	if err != nil {
		return nil, err
	}
	q := s.db.NewSelect().Model((*questionRow)(nil)).Where("q.center_id = ?", centerID).Where("q.current_version_id IS NOT NULL")
	if !f.IncludeArchived {
		q = q.Where("q.archived = ?", false)
	}
	if f.CategoryID != 0 {
		cats, err := categories(ctx, s.db, centerID)
		if err != nil {
			return nil, err
		}
		ids := subtree(cats, f.CategoryID, f.IncludeSub)
		if len(ids) == 0 {
			return nil, fmt.Errorf("quizzes: category %d: %w", f.CategoryID, store.ErrNotFound)
		}
		q = q.Where("q.category_id IN (?)", bun.List(ids))
	}
	for _, t := range tags {
		q = q.Where("EXISTS (SELECT 1 FROM question_tags AS t WHERE t.question_id = q.id AND t.tag = ?)", t)
	}
	var rows []questionRow
	if err := q.OrderExpr("q.id").Scan(ctx, &rows); err != nil {
		return nil, wrap(err, "list questions")
	}
	if f.ModuleID != 0 {
		keep, err := s.moduleQuestionIDs(ctx, centerID, f.ModuleID)
		if err != nil {
			return nil, err
		}
		rows = slices.DeleteFunc(rows, func(r questionRow) bool { return !keep[r.ID] })
	}
	out, err := loadBank(ctx, s.db, rows)
	if err != nil {
		return nil, err
	}
	if query := strings.TrimSpace(f.Query); query != "" {
		out = slices.DeleteFunc(out, func(b BankQuestion) bool { return !matches(&b.Question, query) })
	}
	sort.SliceStable(out, func(i, j int) bool {
		if c := comparePaths(out[i].Question.Category, out[j].Question.Category); c != 0 {
			return c < 0
		}
		return out[i].Question.Name < out[j].Question.Name
	})
	return out, nil
}

// matches reports whether query occurs, ignoring case, in the question's
// name, text or answers.
func matches(q *quizzes.Question, query string) bool {
	query = strings.ToLower(query)
	in := func(s string) bool { return strings.Contains(strings.ToLower(s), query) }
	if in(q.Name) || in(q.Text) || in(q.GeneralFeedback) {
		return true
	}
	for _, a := range q.Answers {
		if in(a.Text) {
			return true
		}
	}
	for _, p := range q.Pairs {
		if in(p.Question) || in(p.Answer) {
			return true
		}
	}
	for _, it := range q.Items {
		if in(it) {
			return true
		}
	}
	return false
}

// moduleQuestionIDs returns the questions the module's quiz may use.
func (s *Store) moduleQuestionIDs(ctx context.Context, centerID, moduleID int64) (map[int64]bool, error) {
	qz, err := s.QuizForModule(ctx, moduleID)
	if errors.Is(err, store.ErrNotFound) {
		return map[int64]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	keep := map[int64]bool{}
	var cats []categoryRow
	for _, sl := range qz.Slots {
		if sl.Kind == SlotFixed {
			keep[sl.QuestionID] = true
			continue
		}
		if cats == nil {
			if cats, err = categories(ctx, s.db, centerID); err != nil {
				return nil, err
			}
		}
		cands, err := candidates(ctx, s.db, centerID, cats, sl.CategoryID, sl.IncludeSubcategories, sl.Tags, 0)
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			keep[c.QuestionID] = true
		}
	}
	return keep, nil
}

// ArchiveQuestion hides a question from the bank and from random picks.
// Quizzes that name it as a fixed question keep it, and attempts keep the
// version they showed.
func (s *Store) ArchiveQuestion(ctx context.Context, id int64) error {
	res, err := s.db.NewUpdate().Model((*questionRow)(nil)).Set("archived = ?", true).Set("updated_at = ?", s.clock()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return wrap(err, "archive question %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("quizzes: question %d: %w", id, store.ErrNotFound)
	}
	return nil
}
