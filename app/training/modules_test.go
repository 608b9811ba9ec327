package training_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
)

// TestModelsMatchSchema checks that every model has exactly the columns
// migration 0002 created.
func TestModelsMatchSchema(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, model := range []any{
		(*training.Module)(nil), (*training.Version)(nil), (*training.VersionLesson)(nil), (*training.Asset)(nil),
		(*training.Assignment)(nil), (*training.Enrolment)(nil), (*training.Certificate)(nil), (*training.Notification)(nil),
	} {
		table := f.db.Table(reflect.TypeOf(model).Elem())
		t.Run(table.Name, func(t *testing.T) {
			rows, err := f.db.QueryContext(ctx, "SELECT * FROM "+table.Name+" WHERE 1 = 0")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, field := range table.Fields {
				want = append(want, field.Name)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("table %s columns = %v, model has %v", table.Name, got, want)
			}
		})
	}
}

func TestCreateModule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	item := &staff.ServiceItem{CenterID: f.center.ID, Code: "310100-001", Name: "企业设立登记"}
	if err := f.staff.CreateItem(ctx, item); err != nil {
		t.Fatal(err)
	}

	m, v, err := f.svc.CreateModule(ctx, training.ModuleInput{
		CenterID: f.center.ID, Code: " 310100-001 ", ItemCode: "310100-001", ValidityMonths: 12, Title: "企业设立登记",
	}, author)
	if err != nil {
		t.Fatalf("CreateModule: %v", err)
	}
	if m.Code != "310100-001" || m.ItemID == nil || *m.ItemID != item.ID || v.Number != 1 || v.Status != training.StatusDraft || v.AuthorID != author {
		t.Errorf("module %+v, version %+v", m, v)
	}
	got, err := f.svc.ModuleByCode(ctx, f.center.ID, "310100-001")
	if err != nil || got.Item == nil || got.Item.Name != "企业设立登记" || got.ValidityMonths != 12 {
		t.Fatalf("ModuleByCode = %+v, %v", got, err)
	}
	if _, err := f.svc.ModuleByCode(ctx, f.center.ID, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}

	for _, tc := range []struct {
		name  string
		in    training.ModuleInput
		want  error
		field string
	}{
		{"duplicate code", training.ModuleInput{Code: "310100-001"}, store.ErrConflict, ""},
		{"duplicate code other case", training.ModuleInput{Code: "310100-001"}, store.ErrConflict, ""},
		{"empty code", training.ModuleInput{Code: ""}, training.ErrInvalid, "code"},
		{"bad characters", training.ModuleInput{Code: "企业"}, training.ErrInvalid, "code"},
		{"space inside", training.ModuleInput{Code: "a b"}, training.ErrInvalid, "code"},
		{"too long", training.ModuleInput{Code: "abcdefghijabcdefghijabcdefghijabcdefghijx"}, training.ErrInvalid, "code"},
		{"unknown item", training.ModuleInput{Code: "x1", ItemCode: "999"}, training.ErrInvalid, "item_code"},
		{"negative validity", training.ModuleInput{Code: "x2", ValidityMonths: -1}, training.ErrInvalid, "validity_months"},
		{"duplicate steps", training.ModuleInput{Code: "x3", Standard: training.Standard{Steps: []training.Step{{Title: "a"}, {Title: "a"}}}}, training.ErrInvalid, "steps[2].title"},
		{"unknown center", training.ModuleInput{CenterID: 999, Code: "x4"}, training.ErrInvalid, "center_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.CenterID == 0 {
				tc.in.CenterID = f.center.ID
			}
			_, _, err := f.svc.CreateModule(ctx, tc.in, author)
			wantErr(t, tc.name, err, tc.want, tc.field)
		})
	}
	if n := f.count(t, (*training.Module)(nil)); n != 1 {
		t.Errorf("%d modules after the refusals, want 1 (nothing half-saved)", n)
	}
	if n := f.count(t, (*training.Version)(nil)); n != 1 {
		t.Errorf("%d versions after the refusals, want 1", n)
	}

	// UpdateModule: item and validity only.
	m.ItemID, m.ValidityMonths = nil, 6
	if err := f.svc.UpdateModule(ctx, m); err != nil {
		t.Fatalf("UpdateModule: %v", err)
	}
	if got, _ := f.svc.ModuleByID(ctx, m.ID); got.ItemID != nil || got.ValidityMonths != 6 || got.Code != "310100-001" {
		t.Errorf("after UpdateModule: %+v", got)
	}
	bad := int64(12345)
	m.ItemID = &bad
	wantErr(t, "UpdateModule unknown item", f.svc.UpdateModule(ctx, m), training.ErrInvalid, "item_id")
}

func TestVersioning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, v1 := f.newModule(t, "etiquette", 0)

	// Editing the draft keeps one version.
	d, err := f.svc.SaveDraft(ctx, m.ID, content("窗口礼仪", 2), author)
	if err != nil {
		t.Fatalf("SaveDraft: %v", err)
	}
	if d.ID != v1.ID || d.Number != 1 {
		t.Errorf("SaveDraft on a draft made version %d (#%d), want the draft %d", d.Number, d.ID, v1.ID)
	}
	if _, err := f.svc.CurrentVersion(ctx, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CurrentVersion before publishing: %v, want ErrNotFound", err)
	}
	f.publish(t, v1.ID, training.PolicyGrandfather, 0)
	pub, err := f.svc.CurrentVersion(ctx, m.ID)
	if err != nil || pub.ID != v1.ID || pub.Status != training.StatusPublished || pub.PublishedAt == nil ||
		pub.ApprovedBy == nil || *pub.ApprovedBy != approver || len(pub.Lessons) != 2 {
		t.Fatalf("CurrentVersion = %+v, %v", pub, err)
	}
	if _, err := f.svc.Draft(ctx, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Draft after publishing: %v, want ErrNotFound", err)
	}
	// The standard round-trips through its JSON column.
	if want := content("窗口礼仪", 2); !reflect.DeepEqual(pub.Standard, want.Standard) || pub.Title != want.Title || pub.Lessons[1].Body != want.Lessons[1].Body {
		t.Errorf("stored content differs:\n got %+v\nwant %+v", pub.Standard, want.Standard)
	}

	// A published version is immutable: every method refuses it...
	wantErr(t, "Submit published", f.svc.Submit(ctx, v1.ID, training.PolicyGrandfather, 0, author), training.ErrNotEditable)
	wantErr(t, "Approve published", f.svc.Approve(ctx, v1.ID, approver), training.ErrNotEditable)
	wantErr(t, "Reject published", f.svc.Reject(ctx, v1.ID, approver, "no"), training.ErrNotEditable)

	// ...and SaveDraft starts version 2 instead of touching it.
	v2, err := f.svc.SaveDraft(ctx, m.ID, content("窗口礼仪（修订）", 3), author)
	if err != nil {
		t.Fatalf("SaveDraft after publishing: %v", err)
	}
	if v2.Number != 2 || v2.ID == v1.ID || v2.Status != training.StatusDraft {
		t.Fatalf("new draft = #%d v%d %s", v2.ID, v2.Number, v2.Status)
	}
	again, err := f.svc.SaveDraft(ctx, m.ID, content("窗口礼仪（再修订）", 1), approver)
	if err != nil || again.ID != v2.ID {
		t.Fatalf("second SaveDraft = %+v, %v; want the same draft", again, err)
	}
	if again.AuthorID != approver {
		t.Errorf("draft author = %d, want the last editor %d", again.AuthorID, approver)
	}
	unchanged, err := f.svc.Version(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if unchanged.Title != pub.Title || !reflect.DeepEqual(unchanged.Standard, pub.Standard) || !reflect.DeepEqual(unchanged.Lessons, pub.Lessons) {
		t.Errorf("published version changed:\n got %+v\nwant %+v", unchanged, pub)
	}

	// The database refuses too.
	if _, err := f.db.NewUpdate().Model((*training.Version)(nil)).Set("title = ?", "hacked").Where("id = ?", v1.ID).Exec(ctx); err == nil {
		t.Error("UPDATE of a published title succeeded")
	}
	if _, err := f.db.NewUpdate().Model((*training.VersionLesson)(nil)).Set("body = ?", "hacked").Where("version_id = ?", v1.ID).Exec(ctx); err == nil {
		t.Error("UPDATE of a published lesson succeeded")
	}
	if _, err := f.db.NewDelete().Model((*training.VersionLesson)(nil)).Where("version_id = ?", v1.ID).Exec(ctx); err == nil {
		t.Error("DELETE of a published lesson succeeded")
	}
	if _, err := f.db.NewInsert().Model(&training.VersionLesson{VersionID: v1.ID, Position: 9, Title: "x", Body: "y"}).Exec(ctx); err == nil {
		t.Error("INSERT of a lesson into a published version succeeded")
	}

	// One draft at a time: a second open version is refused by the database.
	dup := &training.Version{ModuleID: m.ID, Number: 3, Status: training.StatusDraft, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	if _, err := f.db.NewInsert().Model(dup).Exec(ctx); !errors.Is(store.Translate(err), store.ErrConflict) {
		t.Errorf("second draft insert: %v, want a conflict", err)
	}

	// Pending is not editable; rejecting makes it editable again.
	if err := f.svc.Submit(ctx, v2.ID, training.PolicyGrandfather, 0, approver); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SaveDraft(ctx, m.ID, content("x", 1), author)
	wantErr(t, "SaveDraft on pending", err, training.ErrNotEditable)
	if err := f.svc.Approve(ctx, v2.ID, author); err != nil {
		t.Fatalf("Approve v2: %v", err)
	}
	vs, err := f.svc.Versions(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Status)
		if v.Lessons != nil {
			t.Errorf("Versions returned lessons for v%d", v.Number)
		}
	}
	if want := []string{training.StatusPublished, training.StatusRetired}; !slices.Equal(got, want) || vs[0].Number != 2 {
		t.Errorf("Versions statuses = %v (first v%d), want %v newest first", got, vs[0].Number, want)
	}
	if vs[1].RetiredAt == nil {
		t.Error("retired version has no retired_at")
	}
	if _, err := f.db.NewUpdate().Model((*training.Version)(nil)).Set("title = ?", "hacked").Where("id = ?", v1.ID).Exec(ctx); err == nil {
		t.Error("UPDATE of a retired title succeeded")
	}
	v3, err := f.svc.SaveDraft(ctx, m.ID, content("三", 1), author)
	if err != nil || v3.Number != 3 {
		t.Fatalf("third draft = %+v, %v", v3, err)
	}

	sums, err := f.svc.Modules(ctx, f.center.ID)
	if err != nil || len(sums) != 1 || sums[0].Current == nil || sums[0].Current.Number != 2 || sums[0].Draft == nil || sums[0].Draft.Number != 3 {
		t.Fatalf("Modules = %+v, %v", sums, err)
	}
}

func TestTwoPersonApproval(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, v := f.newModule(t, "hotline-12345", 0)
	if err := f.svc.Submit(ctx, v.ID, training.PolicyGrandfather, 0, author); err != nil {
		t.Fatal(err)
	}
	pending, err := f.svc.PendingApprovals(ctx, f.center.ID)
	if err != nil || len(pending) != 1 || pending[0].ID != m.ID || pending[0].Draft == nil || pending[0].Draft.Status != training.StatusPending {
		t.Fatalf("PendingApprovals = %+v, %v", pending, err)
	}

	wantErr(t, "self-approval", f.svc.Approve(ctx, v.ID, author), training.ErrSelfApproval)
	if got, _ := f.svc.Version(ctx, v.ID); got.Status != training.StatusPending {
		t.Errorf("after self-approval: status %s, want pending", got.Status)
	}

	if err := f.svc.Reject(ctx, v.ID, approver, "步骤二说明不清"); err != nil {
		t.Fatalf("Reject: %v", err)
	}
	got, _ := f.svc.Version(ctx, v.ID)
	if got.Status != training.StatusDraft || got.RejectReason != "步骤二说明不清" {
		t.Errorf("after Reject: %s %q", got.Status, got.RejectReason)
	}
	wantErr(t, "approve a draft", f.svc.Approve(ctx, v.ID, approver), training.ErrNotEditable)
	if pending, _ := f.svc.PendingApprovals(ctx, f.center.ID); len(pending) != 0 {
		t.Errorf("PendingApprovals after reject = %d", len(pending))
	}

	// The author edits and resubmits; the second person approves.
	if _, err := f.svc.SaveDraft(ctx, m.ID, content("12345 热线咨询规范", 2), author); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Submit(ctx, v.ID, training.PolicyGrandfather, 0, author); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Version(ctx, v.ID); got.RejectReason != "" || got.SubmittedAt == nil {
		t.Errorf("resubmitted: reason %q, submitted %v", got.RejectReason, got.SubmittedAt)
	}
	if err := f.svc.Approve(ctx, v.ID, approver); err != nil {
		t.Fatalf("Approve by the second person: %v", err)
	}
}

func TestPublishRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, v := f.newModule(t, "rules", 0)
	for _, tc := range []struct {
		name   string
		in     training.DraftInput
		policy string
		days   int
		field  string
	}{
		{"empty module", training.DraftInput{Title: "空"}, training.PolicyGrandfather, 0, "content"},
		{"empty channel notes only", training.DraftInput{Title: "空", Standard: training.Standard{ChannelNotes: map[string]string{"online": " "}}}, training.PolicyGrandfather, 0, "content"},
		{"no title", func() training.DraftInput { c := content("", 1); return c }(), training.PolicyGrandfather, 0, "title"},
		{"lesson without body", training.DraftInput{Title: "t", Lessons: []training.Lesson{{Title: "a", Body: " \n"}}}, training.PolicyGrandfather, 0, "lessons[1].body"},
		{"lesson without title", training.DraftInput{Title: "t", Lessons: []training.Lesson{{Body: "x"}}}, training.PolicyGrandfather, 0, "lessons[1].title"},
		{"unknown policy", content("t", 1), "maybe", 0, "policy"},
		{"recertify without days", content("t", 1), training.PolicyRecertify, 0, "recert_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.svc.SaveDraft(ctx, m.ID, tc.in, author); err != nil {
				t.Fatalf("SaveDraft (drafts may be empty): %v", err)
			}
			wantErr(t, "Submit", f.svc.Submit(ctx, v.ID, tc.policy, tc.days, author), training.ErrInvalid, tc.field)
			if got, _ := f.svc.Version(ctx, v.ID); got.Status != training.StatusDraft {
				t.Errorf("status after refused submit = %s", got.Status)
			}
		})
	}
	// A standard that breaks its own rules is refused already in the draft.
	bad := content("t", 1)
	bad.Standard.Steps = append(bad.Standard.Steps, training.Step{Title: "查验身份"})
	_, err := f.svc.SaveDraft(ctx, m.ID, bad, author)
	wantErr(t, "duplicate step", err, training.ErrInvalid, "steps[4].title")

	// A standard alone is enough content.
	std := training.DraftInput{Title: "只有标准", Standard: content("x", 0).Standard}
	if _, err := f.svc.SaveDraft(ctx, m.ID, std, author); err != nil {
		t.Fatal(err)
	}
	f.publish(t, v.ID, training.PolicyGrandfather, 0)
}

func TestImportModule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := content("居住证办理", 2)
	in := training.ModuleInput{CenterID: f.center.ID, Code: "residence", ValidityMonths: 12, Title: c.Title, Summary: c.Summary, Standard: c.Standard, Lessons: c.Lessons}
	assets := map[string][]byte{"Flow.PNG": pngBytes()}

	m, v, err := f.svc.ImportModule(ctx, in, assets, author)
	if err != nil {
		t.Fatalf("ImportModule (new): %v", err)
	}
	if v.Number != 1 || v.Status != training.StatusDraft {
		t.Errorf("imported version %d %s", v.Number, v.Status)
	}
	if as, _ := f.svc.Assets(ctx, m.ID); len(as) != 1 || as[0].Name != "flow.png" {
		t.Errorf("assets after import = %+v", as)
	}

	// The same file again replaces the draft: still one version.
	_, v2, err := f.svc.ImportModule(ctx, in, assets, author)
	if err != nil || v2.ID != v.ID {
		t.Fatalf("re-import = %+v, %v", v2, err)
	}
	if n := f.count(t, (*training.Version)(nil)); n != 1 {
		t.Errorf("%d versions, want 1", n)
	}
	f.publish(t, v.ID, training.PolicyGrandfather, 0)
	// Importing the published content makes the next draft (export → import
	// → export --draft is how the CLI proves the format round-trips).
	_, v3, err := f.svc.ImportModule(ctx, in, assets, author)
	if err != nil || v3.Number != 2 || v3.Status != training.StatusDraft {
		t.Fatalf("re-import of the published content = %+v, %v; want draft v2", v3, err)
	}
	pub, _ := f.svc.CurrentVersion(ctx, m.ID)
	if d := training.Diff(pub, v3); !d.Empty() {
		t.Errorf("re-imported draft differs from the published version:\n%s", d)
	}

	// Changed content makes a draft and never publishes; module fields follow the file.
	in.Title, in.ValidityMonths = "居住证办理（2026）", 24
	m4, v4, err := f.svc.ImportModule(ctx, in, nil, approver)
	if err != nil || v4.Number != 2 || v4.Status != training.StatusDraft || m4.ValidityMonths != 24 {
		t.Fatalf("import of changed content = %+v %+v, %v", m4, v4, err)
	}
	if cur, _ := f.svc.CurrentVersion(ctx, m.ID); cur.ID != v.ID {
		t.Error("import published something")
	}

	// An asset with other content under the same name refuses the whole import.
	in.Title = "居住证办理（第三稿）"
	other := append(pngBytes(), 0, 1, 2)
	_, _, err = f.svc.ImportModule(ctx, in, map[string][]byte{"flow.png": other}, author)
	wantErr(t, "conflicting asset", err, store.ErrConflict, "flow.png")
	if d, _ := f.svc.Draft(ctx, m.ID); d.Title != "居住证办理（2026）" {
		t.Errorf("draft after refused import = %q (half-saved)", d.Title)
	}

	// A bad asset refuses a new module entirely.
	bad := in
	bad.Code = "brand-new"
	_, _, err = f.svc.ImportModule(ctx, bad, map[string][]byte{"x.png": []byte("not an image")}, author)
	wantErr(t, "bad asset", err, training.ErrInvalid, "x.png")
	if _, err := f.svc.ModuleByCode(ctx, f.center.ID, "brand-new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("module of a refused import exists: %v", err)
	}
}
