package argon2_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/authd/authd/adapters/argon2"
)

// foreignVectors are known answers from the libraries that produce each format:
// each hash was made by that library for the password given, never by this package.
var foreignVectors = []struct {
	name, password, hash string
}{
	// golang.org/x/crypto/bcrypt.GenerateFromPassword, cost 4 and 5 (made with
	// v0.58.0 and recorded here).
	{"bcrypt 2a x/crypto", "correct horse battery staple", "$2a$04$rE2yIs1bvBubZklWCKAVtOxsDmvNkt0f/SIRjXM0rvmSAmIYz2koq"},
	{"bcrypt 2a unicode", "pässwörd-ünïcode", "$2a$05$qkQAAqtjaJrICs.OC.mi7uFO8y03NEg7aeeBJFrwp7Zty8Lpa6wYK"},
	// PHP's password_hash, the example of the PHP manual's password_verify page.
	{"bcrypt 2y PHP manual", "rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"},
	// The reference argon2 CLI, as its README shows:
	// echo -n password | argon2 somesalt -t 2 -m 16 -p 4 -l 24.
	{"argon2i reference README", "password", "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"},
	// Django's own test_hashers (make_password('lètmein', 'seasalt', 'pbkdf2_sha256')
	// at 216000 iterations), and one from Python's hashlib.pbkdf2_hmac:
	// base64(pbkdf2_hmac('sha256', pw, b'pepper', 1000)).
	{"django pbkdf2 test_hashers", "lètmein", "pbkdf2_sha256$216000$seasalt$youGZxOw6ZOcfrXv2i8/AhrnpZflJJ9EshS9XmUJTUg="},
	{"django pbkdf2 hashlib", "correct horse battery staple", "pbkdf2_sha256$1000$pepper$jP6qCDAd4ehFIUIu1Lv2h30F4ZCnbrumk02S6HI6UkM="},
	// Python's hashlib.scrypt(pw, salt=b'0123456789abcdef', n=2**10, r=8, p=1,
	// dklen=32) in passlib's PHC layout.
	{"scrypt hashlib", "correct horse battery staple", "$scrypt$ln=10,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$7AnzIswxwEinpwz+ntydndYfVHPvOACmX9Vvo8hO1qM"},
	// passlib's documented scrypt example is for an unknown password; RFC 7914's
	// vector (password, NaCl, N=1024, r=8, p=16, 64 bytes) in the PHC layout.
	{"scrypt RFC 7914", "password", "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA"},
}

func TestForeignHashesVerifyAndAskForRehash(t *testing.T) {
	t.Parallel()
	h := argon2.New(cheap, 0)
	for _, v := range foreignVectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			if !argon2.IsForeign(v.hash) {
				t.Fatalf("IsForeign(%q) = false, want true", v.hash)
			}
			ok, rehash, err := h.Verify(context.Background(), v.password, v.hash)
			if err != nil || !ok || !rehash {
				t.Fatalf("Verify(right password) = %v, %v, %v; want true, true, nil", ok, rehash, err)
			}
			ok, rehash, err = h.Verify(context.Background(), v.password+"x", v.hash)
			if err != nil || ok || rehash {
				t.Fatalf("Verify(wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

func TestForeignHashBitFlipFails(t *testing.T) {
	t.Parallel()
	h := argon2.New(cheap, 0)
	for _, v := range foreignVectors {
		// Change one character of the hash field (the last, which in base64 may
		// carry only padding bits, is avoided).
		i := len(v.hash) - 3
		c := byte('A')
		if v.hash[i] == 'A' {
			c = 'B'
		}
		bad := v.hash[:i] + string(c) + v.hash[i+1:]
		ok, _, err := h.Verify(context.Background(), v.password, bad)
		if ok {
			t.Errorf("%s: Verify(altered %q) = true, want false (err %v)", v.name, bad, err)
		}
	}
}

func TestForeignHashesMalformedOrTooCostly(t *testing.T) {
	t.Parallel()
	h := argon2.New(cheap, 0)
	for _, bad := range []string{
		"$2a$31$rE2yIs1bvBubZklWCKAVtOxsDmvNkt0f/SIRjXM0rvmSAmIYz2koq", // cost 31: hours
		"$2a$04$short",
		"$argon2i$v=16$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"$argon2i$v=19$m=8388608,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", // 8 GiB
		"pbkdf2_sha256$99999999$seasalt$youGZxOw6ZOcfrXv2i8/AhrnpZflJJ9EshS9XmUJTUg=",
		"pbkdf2_sha256$abc$seasalt$youGZxOw6ZOcfrXv2i8/AhrnpZflJJ9EshS9XmUJTUg=",
		"pbkdf2_sha256$1000$pepper$!!",
		"$scrypt$ln=30,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$7AnzIswxwEinpwz+ntydndYfVHPvOACmX9Vvo8hO1qM", // 128 GiB
		"$scrypt$ln=10,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg",
		"$scrypt$ln=010,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$7AnzIswxwEinpwz+ntydndYfVHPvOACmX9Vvo8hO1qM",
	} {
		ok, _, err := h.Verify(context.Background(), "password", bad)
		if ok || !errors.Is(err, argon2.ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v; want false and ErrMalformedHash", bad, ok, err)
		}
	}
}

func TestBcryptReadsOnly72Bytes(t *testing.T) {
	t.Parallel()
	// bcrypt ignores what follows byte 72, as every bcrypt does; a longer password
	// whose first 72 bytes match must log in, not be refused as too long.
	h := argon2.New(cheap, 0)
	hash, err := bcrypt.GenerateFromPassword([]byte(strings.Repeat("x", 72)), 4)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := h.Verify(context.Background(), strings.Repeat("x", 100), string(hash)); !ok || err != nil {
		t.Fatalf("Verify(100 bytes, 72 matching) = %v, %v; want true, nil", ok, err)
	}
	if ok, _, err := h.Verify(context.Background(), strings.Repeat("x", 71)+"y", string(hash)); ok || err != nil {
		t.Fatalf("Verify(72 bytes, last differs) = %v, %v; want false, nil", ok, err)
	}
}
