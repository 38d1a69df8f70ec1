#!/usr/bin/env python3
"""Verify an authd access token offline with PyJWT, as a Python service would.

Usage: verify_pyjwt.py ISSUER_URL AUDIENCE TOKEN

Reads ISSUER_URL/.well-known/openid-configuration for the issuer, the JWKS URL
and the signing algorithms, then checks the token: signature by the key its kid
names (algorithm pinned to the ones discovery lists, never "none" or HS256 with a
public key), iss, aud, exp (required, 30 s leeway), and the header typ at+jwt
(RFC 9068): an ID token or any other JWT signed by the same keys is refused.
Prints the subject and exits 0 when the token is valid; prints the reason to
stderr and exits 1 when it is not.

Needs PyJWT >= 2 with its crypto extra (Debian: python3-jwt python3-cryptography;
pip: "pyjwt[crypto]"). Cache the PyJWKClient for the life of the process in a real
service: it keeps the keys and refetches them when it meets an unknown kid.
"""

import json
import sys
import urllib.request

import jwt

ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")


def discover(issuer_url):
    url = issuer_url.rstrip("/") + "/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=5) as res:
        return json.load(res)


def verify(token, meta, audience, jwks):
    header = jwt.get_unverified_header(token)
    # The header is covered by the signature checked below; reading it first only
    # refuses a token that is not an access token before any key is looked up.
    if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        raise jwt.InvalidTokenError("typ %r is not at+jwt: not an access token" % header.get("typ"))
    key = jwks.get_signing_key_from_jwt(token).key
    return jwt.decode(
        token,
        key,
        algorithms=meta["id_token_signing_alg_values_supported"],
        audience=audience,
        issuer=meta["issuer"],
        leeway=30,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    issuer_url, audience, token = argv[1:]
    meta = discover(issuer_url)
    jwks = jwt.PyJWKClient(meta["jwks_uri"])
    try:
        claims = verify(token, meta, audience, jwks)
    except jwt.PyJWTError as e:
        print("rejected: %s" % e, file=sys.stderr)
        return 1
    print(claims["sub"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
