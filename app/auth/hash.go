package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. They are written into every encoded
// hash, so they can be raised later without invalidating old hashes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns the OWASP recommendation for argon2id:
// 19 MiB, 2 passes, 1 lane, 16-byte salt, 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters read back from an encoded hash: a corrupt or forged
// row must not make one verification allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB = 1 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

var errMalformedHash = errors.New("auth: malformed password hash")

// Hasher hashes and verifies passwords with argon2id in the PHC string format
// ($argon2id$v=19$m=19456,t=2,p=1$salt$hash). Each hash takes Params.Memory
// KiB, so at most maxConcurrent are computed at once; the rest wait (or give
// up when their context ends). A Hasher is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	// dummy is a well-formed hash no password matches, verified against for
	// unknown usernames so they cost as much time as wrong passwords.
	dummy string
	// key derives the hash; argon2.IDKey except in package-internal tests,
	// which instrument it to watch concurrency.
	key func(password, salt []byte, p Params) []byte
}

// NewHasher returns a hasher producing hashes with p (zero fields take
// DefaultParams' values) and computing at most maxConcurrent at once
// (≤ 0: runtime.GOMAXPROCS(0)).
func NewHasher(p Params, maxConcurrent int) *Hasher {
	def := DefaultParams()
	if p.Memory == 0 {
		p.Memory = def.Memory
	}
	if p.Time == 0 {
		p.Time = def.Time
	}
	if p.Threads == 0 {
		p.Threads = def.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = def.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = def.KeyLen
	}
	// Keep within what decodeHash accepts, so every hash made can be checked;
	// argon2 itself silently raises memory below 8 KiB per lane.
	p.Memory = min(max(p.Memory, 8*uint32(p.Threads)), maxMemory)
	p.Time = min(p.Time, maxTime)
	p.SaltLen = min(max(p.SaltLen, minSaltLen), maxSaltLen)
	p.KeyLen = min(max(p.KeyLen, minKeyLen), maxKeyLen)
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	return &Hasher{
		params: p,
		sem:    make(chan struct{}, maxConcurrent),
		dummy:  encodeHash(p, randomBytes(int(p.SaltLen)), randomBytes(int(p.KeyLen))),
		key:    argon2Key,
	}
}

func argon2Key(password, salt []byte, p Params) []byte {
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// Hash returns the PHC-encoded argon2id hash of password with a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := randomBytes(int(h.params.SaltLen))
	key, err := h.derive(ctx, []byte(password), salt, h.params)
	if err != nil {
		return "", err
	}
	return encodeHash(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, using the parameters
// stored in encoded. A malformed encoded hash is an error, not a mismatch.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.derive(ctx, []byte(password), salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// verifyDummy spends the time of one verification and always fails.
func (h *Hasher) verifyDummy(ctx context.Context, password string) error {
	_, err := h.Verify(ctx, h.dummy, password)
	return err
}

// NeedsRehash reports whether encoded was made with other parameters than
// the current ones (or cannot be read), so it should be replaced by a fresh
// hash the next time the password is known.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != h.params
}

// derive runs the key derivation once a slot of the semaphore is free.
func (h *Hasher) derive(ctx context.Context, password, salt []byte, p Params) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()
	return h.key(password, salt, p), nil
}

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// decodeHash parses a PHC argon2id string. The salt and key lengths become
// Params.SaltLen and Params.KeyLen, so a decoded Params compares equal to the
// one that produced it.
func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", errMalformedHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", errMalformedHash, parts[2])
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", errMalformedHash, parts[3])
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: parameters %q", errMalformedHash, parts[3])
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %s: %w", errMalformedHash, name, err)
		}
		vals[i] = n
	}
	p.Memory, p.Time = uint32(vals[0]), uint32(vals[1])
	if vals[2] < 1 || vals[2] > 255 || p.Time < 1 || p.Time > maxTime ||
		p.Memory < 8*uint32(vals[2]) || p.Memory > maxMemory {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range %q", errMalformedHash, parts[3])
	}
	p.Threads = uint8(vals[2])
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return p, nil, nil, fmt.Errorf("%w: salt", errMalformedHash)
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("%w: key", errMalformedHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// randomBytes reads n bytes from crypto/rand, which never fails on the
// platforms Go supports (it crashes the program rather than return short).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
