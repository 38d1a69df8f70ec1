// Starts Swagger UI on authd's own OpenAPI document. It is a served file, not an
// inline script, so that the page's Content-Security-Policy can stay at
// script-src 'self'. Every URL is relative to the page, so the reference works
// behind a proxy that mounts authd under a path prefix.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var specURL = new URL("openapi.json", document.baseURI).href;
  // "Try it out" must call the origin serving this page: the document's server is
  // AUTH_PUBLIC_URL, which the page's connect-src 'self' may not reach.
  var origin = new URL(".", document.baseURI).href.replace(/\/$/, "");

  function fail(message) {
    var p = document.createElement("p");
    p.className = "authd-message";
    p.textContent = "The API document could not be loaded (" + message + "). The plain reference is at docs/reference.";
    root.replaceChildren(p);
  }

  fetch(specURL, { headers: { Accept: "application/json" }, credentials: "omit" })
    .then(function (res) {
      if (!res.ok) {
        throw new Error(specURL + " answered " + res.status);
      }
      return res.json();
    })
    .then(function (spec) {
      spec.servers = [{ url: origin, description: "This server" }];
      window.ui = SwaggerUIBundle({
        spec: spec,
        dom_id: "#swagger-ui",
        deepLinking: true,
        docExpansion: "list",
        defaultModelsExpandDepth: 1,
        displayRequestDuration: true,
        filter: true,
        requestSnippetsEnabled: true,
        persistAuthorization: false,
        // The default asks validator.swagger.io for a badge: no request leaves
        // this origin.
        validatorUrl: null,
        presets: [SwaggerUIBundle.presets.apis],
        layout: "BaseLayout"
      });
    })
    .catch(function (err) {
      fail(String(err && err.message ? err.message : err));
    });
})();
