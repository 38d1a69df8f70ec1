package httpapi

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
)

// maxAcceptLanguages bounds how many entries of an Accept-Language header are
// looked at: browsers send a handful; a longer header is not worth parsing whole.
const maxAcceptLanguages = 16

// acceptLanguages returns the language ranges of an Accept-Language header (RFC
// 9110 §12.5.4), most preferred first: by q-value, ties in the order sent. "*" and
// ranges with q=0 (not acceptable) are left out; so are malformed q-values. The
// app decides which of them is a usable locale.
func acceptLanguages(header string) []string {
	type ranged struct {
		tag string
		q   float64
	}
	var out []ranged
	for i, part := range strings.Split(header, ",") {
		if i == maxAcceptLanguages {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q > 0 {
			out = append(out, ranged{tag, q})
		}
	}
	slices.SortStableFunc(out, func(a, b ranged) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	tags := make([]string, len(out))
	for i, r := range out {
		tags[i] = r.tag
	}
	return tags
}

// updateMeRequest is the PATCH /v1/auth/me body: the caller's own profile fields,
// of which an absent (or null) one is left alone.
type updateMeRequest struct {
	Name     *string `json:"name"`
	Username *string `json:"username"`
	Mobile   *string `json:"mobile"`
	Locale   *string `json:"locale"`
}

// updateMe changes the caller's own profile, the language of its mail among it:
// the same use case as PATCH /v1/users/{id} on one's own id, without role and
// status.
func (h *handlers) updateMe(c *fiber.Ctx) error {
	var req updateMeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := principal(c)
	u, err := h.app.UpdateUser(c.UserContext(), p, p.UserID, app.UserPatch{
		Name: req.Name, Username: req.Username, Mobile: req.Mobile, Locale: req.Locale,
	})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, userBody{User: newUserView(u)})
}
