package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/store/storetest"
)

func TestRecordAndList(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	clock := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	log := audit.New(db, func() time.Time { clock = clock.Add(time.Second); return clock })
	one := int64(1)
	for _, a := range []string{"login.ok", "user.create", "login.fail"} {
		if err := log.Record(ctx, nil, audit.Entry{CenterID: &one, Actor: "user:1 admin", Action: a, Target: "user:2", IP: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := log.List(ctx, audit.Filter{CenterID: 1, Action: "login"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Action != "login.fail" || got[1].Action != "login.ok" {
		t.Fatalf("List(login) = %+v, want login.fail then login.ok", got)
	}
	if !got[0].At.After(got[1].At) {
		t.Errorf("times not from the injected clock: %v, %v", got[0].At, got[1].At)
	}
	page, err := log.List(ctx, audit.Filter{BeforeID: got[0].ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].Action != "user.create" {
		t.Fatalf("paging = %+v, want user.create", page)
	}
}
