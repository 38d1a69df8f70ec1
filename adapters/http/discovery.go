package httpapi

// discovery is the body of /.well-known/openid-configuration: the metadata a
// resource server needs to verify authd's access tokens offline (issuer, where the
// keys are, which algorithms they sign with), and nothing that authd does not serve.
//
// authd is not an OpenID Provider: it has no authorization endpoint, issues no ID
// tokens and serves no OAuth grant, so the document names no authorization_endpoint,
// token_endpoint or userinfo_endpoint (a later issue adds a token endpoint, and
// only then may the document name it). The members OpenID Connect Discovery 1.0
// §3 and RFC 8414 §2 require are present with values that are true:
//   - response_types_supported and grant_types_supported are empty: no
//     authorization or token endpoint answers any (RFC 8414 would otherwise
//     default grant_types_supported to authorization_code and implicit);
//   - subject_types_supported is "public": sub is the user id, the same for every
//     service;
//   - id_token_signing_alg_values_supported lists the algorithms of the keys in
//     the JWKS. No ID token is ever signed with them; the member is required, and
//     clients such as go-oidc read it to pin the algorithms of their verifier.
//
// A go-oidc Verifier built from this document accepts authd's access tokens, since
// it checks neither typ (at+jwt, RFC 9068) nor that the token is an ID token; the
// README shows the typ check a resource server must add.
func discovery(opts Options, algs []string) map[string]any {
	return map[string]any{
		"issuer":                                opts.Issuer,
		"jwks_uri":                              opts.PublicURL + "/.well-known/jwks.json",
		"response_types_supported":              []string{},
		"grant_types_supported":                 []string{},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": algs,
		"service_documentation":                 opts.PublicURL + "/docs",
	}
}
