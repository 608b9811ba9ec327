package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/store"
)

func TestCreateUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	u := f.createUser(t, "  Alice.Wang ", goodPassword)
	if u.ID == 0 {
		t.Fatal("CreateUser did not set ID")
	}
	if got, want := u.Username, "alice.wang"; got != want {
		t.Errorf("Username = %q, want %q", got, want)
	}
	if got, want := u.DisplayName, "alice.wang"; got != want {
		t.Errorf("DisplayName = %q, want the username %q", got, want)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, goodPassword) {
		t.Errorf("PasswordHash = %q, want an argon2id hash", u.PasswordHash)
	}
	if want := f.clock.Now(); !u.CreatedAt.Equal(want.Truncate(time.Microsecond)) || !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Errorf("CreatedAt, UpdatedAt = %v, %v; want %v", u.CreatedAt, u.UpdatedAt, want)
	}

	got, err := f.svc.UserByName(ctx, "ALICE.WANG")
	if err != nil {
		t.Fatalf("UserByName in upper case: %v", err)
	}
	if got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("UserByName = %+v, want %+v", got, u)
	}

	for _, name := range []string{"alice.wang", "ALICE.wang"} {
		err := f.svc.CreateUser(ctx, f.db, &auth.User{CenterID: f.center, Username: name}, goodPassword)
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateUser(%q) again: error = %v, want store.ErrConflict", name, err)
		}
	}

	zh := f.createUser(t, "张伟", goodPassword)
	if got, err := f.svc.UserByName(ctx, "张伟"); err != nil || got.ID != zh.ID {
		t.Errorf("UserByName(张伟) = %v, %v", got, err)
	}

	if _, err := f.svc.UserByName(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByName(unknown): error = %v, want store.ErrNotFound", err)
	}
	if _, err := f.svc.User(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User(unknown): error = %v, want store.ErrNotFound", err)
	}
}

func TestCreateUserRejects(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		user     auth.User
		password string
		want     error
	}{
		{"weak password", auth.User{Username: "bob"}, "short", auth.ErrWeakPassword},
		{"bad username", auth.User{Username: "bob smith"}, goodPassword, auth.ErrInvalid},
		{"control character in display name", auth.User{Username: "bob", DisplayName: "Bob\x00"}, goodPassword, auth.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			u.CenterID = f.center
			if err := f.svc.CreateUser(ctx, f.db, &u, tt.password); !errors.Is(err, tt.want) {
				t.Fatalf("CreateUser: error = %v, want %v", err, tt.want)
			}
		})
	}
	if n := f.count(t, "users", "1 = 1"); n != 0 {
		t.Errorf("users after rejected creations = %d, want 0", n)
	}
}

func TestCreateUserInCallersTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rollback := errors.New("roll back")
	err := f.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u := &auth.User{CenterID: f.center, Username: "carol"}
		if err := f.svc.CreateUser(ctx, tx, u, goodPassword); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("RunInTx: %v", err)
	}
	if _, err := f.svc.UserByName(ctx, "carol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user created in a rolled-back transaction exists (err = %v)", err)
	}
}

func TestUsersAndUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range []string{"carol", "Alice", "bob", "a_d", "a.b", "a-c"} {
		f.createUser(t, name, goodPassword)
	}
	other := f.addCenter(t, "north")
	if err := f.svc.CreateUser(ctx, f.db, &auth.User{CenterID: other, Username: "aaron"}, goodPassword); err != nil {
		t.Fatal(err)
	}
	us, err := f.svc.Users(ctx, f.center)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Username)
	}
	if got, want := strings.Join(names, ","), "a-c,a.b,a_d,alice,bob,carol"; got != want {
		t.Errorf("Users = %s, want %s (bytewise)", got, want)
	}

	staff := f.addStaff(t, "1001")
	bob, err := f.svc.UserByName(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	bob.DisplayName = " 鲍勃 "
	bob.StaffID = &staff
	bob.Username = "hacked" // not saved: UpdateUser changes only the name and staff link
	if err := f.svc.UpdateUser(ctx, bob); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err := f.svc.UserByStaffID(ctx, staff)
	if err != nil {
		t.Fatalf("UserByStaffID: %v", err)
	}
	if got.ID != bob.ID || got.DisplayName != "鲍勃" || got.Username != "bob" {
		t.Errorf("after UpdateUser: %+v", got)
	}
	if !got.UpdatedAt.After(got.CreatedAt) {
		t.Errorf("UpdatedAt %v not after CreatedAt %v", got.UpdatedAt, got.CreatedAt)
	}

	carol, err := f.svc.UserByName(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	carol.StaffID = &staff
	if err := f.svc.UpdateUser(ctx, carol); !errors.Is(err, store.ErrConflict) {
		t.Errorf("linking a staff member twice: error = %v, want store.ErrConflict", err)
	}
	if err := f.svc.UpdateUser(ctx, &auth.User{ID: 999999, DisplayName: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUser(unknown): error = %v, want store.ErrNotFound", err)
	}
	bob.StaffID = nil
	if err := f.svc.UpdateUser(ctx, bob); err != nil {
		t.Fatalf("unlinking staff: %v", err)
	}
	if _, err := f.svc.UserByStaffID(ctx, staff); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByStaffID after unlinking: error = %v, want store.ErrNotFound", err)
	}
	if _, err := f.svc.UserByStaffID(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UserByStaffID(unknown): error = %v, want store.ErrNotFound", err)
	}
}

func TestUserJSONHidesPasswordHash(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(auth.User{Username: "alice", PasswordHash: "$argon2id$secret"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "argon2id") {
		t.Errorf("JSON of a user carries the hash: %s", b)
	}
	b, err = json.Marshal(auth.Token{Name: "sync", TokenHash: "deadbeef"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "deadbeef") {
		t.Errorf("JSON of a token carries the hash: %s", b)
	}
}
