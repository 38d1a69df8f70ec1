package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authd/authd/domain"
)

// readyTimeout bounds one readiness check, so a hung database makes /readyz fail
// rather than hang the orchestrator's probe.
const readyTimeout = 2 * time.Second

// wellKnown serves the discovery, health, metrics and documentation endpoints. Their
// bodies that never change are built once, in New.
type wellKnown struct {
	opts        Options
	jwksBody    []byte
	discovery   []byte
	openAPIBody []byte
	docsPage    []byte // the hand-rendered reference at /docs/reference
	prom        fiber.Handler
}

func newWellKnown(opts Options) *wellKnown {
	doc := loadDocument(opts.PublicURL, opts.Version)
	w := &wellKnown{
		opts:        opts,
		jwksBody:    []byte(`{"keys":[]}`),
		openAPIBody: mustJSON(doc),
		docsPage:    renderDocs(doc),
		prom:        adaptor.HTTPHandler(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})),
	}
	algs := []string{"HS256"}
	if opts.Keys != nil {
		w.jwksBody = opts.Keys.JWKS()
		algs = opts.Keys.Algorithms()
	}
	w.discovery = mustJSON(discovery(opts, algs))
	return w
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("httpapi: " + err.Error())
	}
	return b
}

// jwks publishes the verification keys; other services cache them for five minutes.
func (w *wellKnown) jwks(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(w.jwksBody)
}

func (w *wellKnown) openIDConfiguration(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(w.discovery)
}

// healthz says the process is alive; it checks nothing else, so an orchestrator
// does not restart instances because the database is down.
func (w *wellKnown) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, fiber.StatusOK, map[string]string{"status": "ok", "version": w.opts.Version})
}

// readyz says whether the instance can serve: it runs Ready (a store ping) and
// answers 503 unavailable with Retry-After when that fails.
func (w *wellKnown) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if w.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		defer cancel()
		if err := w.opts.Ready(ctx); err != nil {
			var de *domain.Error
			if errors.As(err, &de) && de.Code == domain.CodeUnavailable {
				return err
			}
			return domain.Wrap(domain.CodeUnavailable, err, "The service is not ready.")
		}
	}
	return sendJSON(c, fiber.StatusOK, map[string]string{"status": "ready"})
}

func (w *wellKnown) metrics(c *fiber.Ctx) error { return w.prom(c) }

func (w *wellKnown) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(w.openAPIBody)
}
