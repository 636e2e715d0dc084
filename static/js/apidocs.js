// Starts the self-hosted Swagger UI on /docs (app/apidocs.py). Kept in a file, not inline,
// so the page works under the app's Content-Security-Policy (script-src 'self').
(function () {
  "use strict";

  // Swagger UI renders its own <main id="operations"> but leaves the API title and
  // description above it, outside any landmark; wrap that block in a labelled <section>.
  function infoInRegion() {
    return {
      wrapComponents: {
        InfoContainer: function (Original, system) {
          return function (props) {
            var h = system.React.createElement;
            return h("section", { "aria-label": "API information" }, h(Original, props));
          };
        },
      },
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.ui = SwaggerUIBundle({
      url: "/api/v1/openapi.json",
      dom_id: "#swagger-ui",
      plugins: [infoInRegion],
    });
  });
})();
