package httpapi

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// The token endpoint (ARCHITECTURE.md §10, step 3): an app redeems the
// authorization code its redirect_uri received, with the PKCE verifier, as JSON or
// as the form RFC 6749 §4.1.3 describes. Its problem documents also carry the
// members of an OAuth error response (RFC 6749 §5.2: error, error_description),
// so OAuth client libraries report a refusal the way they know.

func (h *handlers) tokenRoutes(r router, rl RateLimits) {
	r.add(fiber.MethodPost, "/v1/auth/token", limit(rl.Login), h.token)
}

type codeGrantRequest struct {
	GrantType    string `json:"grant_type"`
	Code         string `json:"code"`
	CodeVerifier string `json:"code_verifier"`
	RedirectURI  string `json:"redirect_uri"`
	// ClientID is accepted and ignored: OAuth libraries send it, and authd has
	// one client per deployment, whose PKCE verifier is its proof.
	ClientID string `json:"client_id"`
}

func (h *handlers) token(c *fiber.Ctx) error {
	var req codeGrantRequest
	if err := decodeBody(c, &req, map[string]*string{"grant_type": &req.GrantType, "code": &req.Code,
		"code_verifier": &req.CodeVerifier, "redirect_uri": &req.RedirectURI, "client_id": &req.ClientID}); err != nil {
		return oauthError(err)
	}
	pair, err := h.app.ExchangeCode(c.UserContext(), app.CodeGrantInput{
		GrantType: req.GrantType, Code: req.Code, CodeVerifier: req.CodeVerifier, RedirectURI: req.RedirectURI, Client: client(c),
	})
	if err != nil {
		return oauthError(err)
	}
	return sendTokens(c, pair)
}

// decodeBody reads a JSON body into dst, or a form body into the named string
// fields (unknown ones ignored, as JSON's are; a repeated one refused, RFC 6749
// §3.2), with the control-character check of decodeJSON either way.
func decodeBody(c *fiber.Ctx, dst any, fields map[string]*string) error {
	if !isFormMedia(c.Get(fiber.HeaderContentType)) {
		return decodeJSON(c, dst)
	}
	values, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return domain.Errorf(domain.CodeInvalidRequest, "The form body is not valid application/x-www-form-urlencoded.")
	}
	for name, v := range values {
		p, ok := fields[name]
		if !ok {
			continue
		}
		if len(v) > 1 {
			return domain.Invalid(domain.FieldError{Field: name, Code: "repeated", Message: "This parameter must appear once."})
		}
		*p = v[0]
	}
	return checkStrings(dst)
}

// oauthError adds RFC 6749 §5.2's error code to a domain error.
func oauthError(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	code := ""
	switch de.Code {
	case domain.CodeTokenInvalid, domain.CodeTokenExpired, domain.CodeAccountDisabled, domain.CodeAccountNotActive:
		code = "invalid_grant"
	case domain.CodeValidationFailed:
		code = "invalid_request"
		for _, f := range de.Fields {
			if f.Field == "grant_type" && f.Code == "unsupported" {
				code = "unsupported_grant_type"
			}
		}
	case domain.CodeInvalidRequest, domain.CodeUnsupportedMediaType:
		code = "invalid_request"
	case domain.CodeUnavailable, domain.CodeInternal:
		code = "server_error"
	}
	if code == "" {
		return err
	}
	out := *de
	out.Extensions = map[string]any{"error": code}
	for k, v := range de.Extensions {
		out.Extensions[k] = v
	}
	return &out
}
