package session

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// A Record is stored as a compact binary message, sealed (package seal) with
// its store key as additional data. The encoding is this package's own
// because the hot path decodes a record on every proxied request: it decodes
// an Okta-sized record about ten times faster than encoding/json and
// twenty-five times faster than gob (BenchmarkRecordDecode in codec_test.go).
//
// Layout: recordFormat (1 byte), then each field in the order of
// appendRecord: unsigned integers and times (Unix nanoseconds, 0 for the zero
// time) as uvarints/varints, strings as a uvarint length and the bytes, lists
// as a uvarint count and their strings, booleans as one byte 0 or 1.
// Format 1 ends at AuthTime; format 2 adds GroupsFromUserinfo; format 3 adds
// the token set's Scopes. Records of every format decode, so sessions survive
// an upgrade (an older record has no Scopes until its next refresh brings a
// scope parameter).
const recordFormat = 3

// maxField bounds one string or list when decoding, so that a corrupt length
// cannot ask for gigabytes.
const maxField = 1 << 20

var errCorrupt = errors.New("session: the stored record is corrupt")

func appendRecord(b []byte, r *Record) []byte {
	b = append(b, recordFormat)
	b = binary.AppendUvarint(b, r.Version)
	b = appendTime(b, r.CreatedAt)
	b = appendTime(b, r.Ends)
	b = appendTime(b, r.LastSeen)
	t := &r.Tokens
	b = appendString(b, t.AccessToken)
	b = appendString(b, t.TokenType)
	b = appendString(b, t.RefreshToken)
	b = appendString(b, t.IDToken)
	b = appendTime(b, t.Expiry)
	b = appendTime(b, t.ReceivedAt)
	b = appendTime(b, t.RefreshExpiry)
	u := &r.User
	b = appendString(b, u.Issuer)
	b = appendString(b, u.Subject)
	b = appendStrings(b, u.Audience)
	b = appendString(b, u.SessionID)
	b = appendString(b, u.Name)
	b = appendString(b, u.Email)
	b = appendString(b, u.PreferredUsername)
	b = appendStrings(b, u.Groups)
	b = appendTime(b, u.AuthTime)
	if u.GroupsFromUserinfo {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return appendStrings(b, t.Scopes)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = appendString(b, s)
	}
	return b
}

// decoder reads the layout above; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return time.Time{}
	}
	d.b = d.b[n:]
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > maxField || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) strings() []string {
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return nil
	}
	// Each string takes at least one byte (its length).
	if n > math.MaxInt32 || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return nil
	}
	list := make([]string, n)
	for i := range list {
		list[i] = d.string()
	}
	return list
}

func decodeRecord(b []byte) (Record, error) {
	if len(b) == 0 || b[0] < 1 || b[0] > recordFormat {
		return Record{}, errCorrupt
	}
	format := b[0]
	d := decoder{b: b[1:]}
	var r Record
	r.Version = d.uvarint()
	r.CreatedAt = d.time()
	r.Ends = d.time()
	r.LastSeen = d.time()
	t := &r.Tokens
	t.AccessToken = d.string()
	t.TokenType = d.string()
	t.RefreshToken = d.string()
	t.IDToken = d.string()
	t.Expiry = d.time()
	t.ReceivedAt = d.time()
	t.RefreshExpiry = d.time()
	u := &r.User
	u.Issuer = d.string()
	u.Subject = d.string()
	u.Audience = d.strings()
	u.SessionID = d.string()
	u.Name = d.string()
	u.Email = d.string()
	u.PreferredUsername = d.string()
	u.Groups = d.strings()
	u.AuthTime = d.time()
	if format >= 2 {
		switch d.byte() {
		case 0:
		case 1:
			u.GroupsFromUserinfo = true
		default:
			d.err = errCorrupt
		}
	}
	if format >= 3 {
		t.Scopes = d.strings()
	}
	if d.err != nil {
		return Record{}, d.err
	}
	if len(d.b) != 0 {
		return Record{}, errCorrupt
	}
	return r, nil
}
