package httpapi

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// Sign-in by mail (ARCHITECTURE.md §11), when AUTH_PASSWORDLESS is on; off, both
// endpoints answer 404 not_found. The request shares the per-IP budget of the
// other mail-sending operations (forgot), the verification that of the login.

func (h *handlers) signInRoutes(r router, rl RateLimits) {
	r.add(fiber.MethodPost, "/v1/auth/otp", limit(rl.Forgot), h.requestSignIn)
	r.add(fiber.MethodPost, "/v1/auth/otp/verify", limit(rl.Login), h.verifySignIn)
	r.add(fiber.MethodPost, "/v1/auth/otp/authorize", limit(rl.Login), h.authorizeSignIn)
	r.add(fiber.MethodGet, "/sign-in", h.signInPage)
}

// signInRequest asks for a sign-in mail, optionally naming the app the link
// should end at (ARCHITECTURE.md §10's authorization-code grant).
type signInRequest struct {
	Email               string `json:"email"`
	RedirectURI         string `json:"redirect_uri"`
	CodeChallenge       string `json:"code_challenge"`
	CodeChallengeMethod string `json:"code_challenge_method"`
	State               string `json:"state"`
}

// signInVerifyRequest is a sign-in link's token, or an address with its code.
type signInVerifyRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
	Token string `json:"token"`
}

// requestSignIn answers 202 whether or not the address has an account.
func (h *handlers) requestSignIn(c *fiber.Ctx) error {
	var req signInRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.app.RequestSignIn(c.UserContext(), app.SignInRequestInput{
		Email: req.Email, PreferredLocales: acceptLanguages(c.Get(fiber.HeaderAcceptLanguage)),
		RedirectURI: req.RedirectURI, CodeChallenge: req.CodeChallenge, CodeChallengeMethod: req.CodeChallengeMethod, State: req.State,
		Client: client(c),
	}); err != nil {
		return err
	}
	c.Status(fiber.StatusAccepted)
	return nil
}

func (h *handlers) verifySignIn(c *fiber.Ctx) error {
	var req signInVerifyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	pair, err := h.app.VerifySignIn(c.UserContext(), app.SignInVerifyInput{
		Email: req.Email, Code: req.Code, Token: req.Token,
		PreferredLocales: acceptLanguages(c.Get(fiber.HeaderAcceptLanguage)), Client: client(c),
	})
	if err != nil {
		return err
	}
	return sendTokens(c, pair)
}

type redirectBody struct {
	RedirectTo string `json:"redirect_to"`
}

// authorizeSignIn is the sign-in page's button: it spends the link and answers
// where the browser goes next — the app's redirect_uri with a code, or with the
// error once the redirect is known. A problem document means there is nowhere
// to send the browser; the page shows it.
func (h *handlers) authorizeSignIn(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	to, err := h.app.RedeemSignInLink(c.UserContext(), req.Token, client(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, fiber.StatusOK, redirectBody{RedirectTo: to})
}

// signInPage is where a sign-in mail's link lands. It spends nothing; it says
// whether the link can be used here (see app.SignInLink) and, if so, offers the
// button that does.
func (h *handlers) signInPage(c *fiber.Ctx) error {
	const title = "Sign in"
	token := c.Query("token")
	if token == "" {
		return writePage(c, fiber.StatusBadRequest, "sign_in.html.tmpl", pageData{Title: title})
	}
	err := h.app.SignInLink(c.UserContext(), token)
	var de *domain.Error
	switch {
	case err == nil:
		return writePage(c, fiber.StatusOK, "sign_in.html.tmpl", pageData{Title: title, Token: token, Ready: true})
	case !errors.As(err, &de):
		return err
	}
	msg := de.Message
	switch {
	case de.Code == domain.CodeTokenInvalid:
		msg = "This sign-in link is no longer valid: it was used already, or a newer one was sent. Ask the app for a new one."
	case de.Code == domain.CodeTokenExpired:
		msg = "This sign-in link has expired; links last 10 minutes. Ask the app for a new one."
	case de.Code == domain.CodeValidationFailed && len(de.Fields) > 0:
		msg = de.Fields[0].Message
		if de.Fields[0].Code == "not_allowed" {
			msg = "The app this link was made for is no longer allowed to receive sign-ins here. Type the code from the same mail into the app instead."
		}
	case de.Code == domain.CodeNotFound:
	default:
		return err
	}
	status := fiber.StatusBadRequest
	if de.Code == domain.CodeNotFound {
		status = fiber.StatusNotFound
	}
	return writePage(c, status, "sign_in.html.tmpl", pageData{Title: title, Message: msg})
}
