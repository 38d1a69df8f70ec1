package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/oauth2"

	"github.com/authd/authd/domain"
)

// gitHubUser is the part of GET /user that authd reads.
type gitHubUser struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
}

// gitHubEmail is one entry of GET /user/emails.
type gitHubEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// gitHubIdentity reads the user and its primary e-mail with the access token.
// The subject is the numeric user id (a login can be renamed and reused); the
// e-mail is the primary one, verified only when GitHub says so. An account
// without a verified primary address has Email "".
func (p *provider) gitHubIdentity(ctx context.Context, cfg *oauth2.Config, tok *oauth2.Token) (*domain.ExternalIdentity, error) {
	client := cfg.Client(ctx, tok)
	var u gitHubUser
	if err := p.gitHubGet(ctx, client, "/user", &u); err != nil {
		return nil, err
	}
	if u.ID <= 0 {
		return nil, providerError(p.cfg.Name, "GET /user has no id", nil)
	}
	var emails []gitHubEmail
	if err := p.gitHubGet(ctx, client, "/user/emails", &emails); err != nil {
		return nil, err
	}
	id := &domain.ExternalIdentity{Provider: p.cfg.Name, Subject: strconv.FormatInt(u.ID, 10), Name: u.Name}
	if id.Name == "" {
		id.Name = u.Login
	}
	for _, e := range emails {
		if e.Primary && e.Verified {
			id.Email, id.EmailVerified = e.Email, true
		}
	}
	return id, nil
}

// gitHubGet reads one JSON resource of the API, bounded to 1 MiB.
func (p *provider) gitHubGet(ctx context.Context, client *http.Client, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.APIURL+path, nil)
	if err != nil {
		return providerError(p.cfg.Name, "GET "+path, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	res, err := client.Do(req)
	if err != nil {
		return providerError(p.cfg.Name, "GET "+path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return providerError(p.cfg.Name, fmt.Sprintf("GET %s answered %d", path, res.StatusCode), nil)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(out); err != nil {
		return providerError(p.cfg.Name, "GET "+path+" is not JSON", err)
	}
	return nil
}
