// Package identifiers implements ports.Identifiers with the Unicode tables of
// golang.org/x/text and golang.org/x/net/idna, which the domain may not import.
//
// An e-mail address is trimmed, width-folded (fullwidth letters become ASCII),
// NFC-normalised and fully case-folded (so "ß" is "ss"); its domain goes through
// IDNA (UTS #46 lookup profile) and is kept in its Unicode form, so "bücher.de" and
// "xn--bcher-kva.de" are one domain. Refused: control, format (Cf: zero-width space
// and joiner, BOM, soft hyphen, every bidi control), private-use, unassigned and
// other default-ignorable characters; IP-literal and bare-IP domains; and a domain
// label or local part that mixes scripts beyond what UTS #39 calls highly
// restrictive (one script, or Latin with the Han, Kana, Bopomofo or Hangul of CJK
// writing). The script rule applies per label, not to the whole domain, because
// a Cyrillic name under .com or a Latin one under .рф is ordinary; it cannot tell a
// whole-script lookalike (every letter Cyrillic) from a real name in that script.
//
// A username is trimmed and mapped by RFC 8265's UsernameCaseMapped profile
// (width, case, NFC, the bidi rule); the domain's [a-z0-9._-] rule still applies
// to the result, so in practice the profile folds width and case and refuses.
package identifiers
