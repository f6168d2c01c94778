// Mounts Swagger UI on the REST docs page. Served from the binary under a
// strict Content-Security-Policy: no inline script, nothing from a CDN.
//
// A key can be handed to the page once through the URL fragment
// (/v1/docs#key=...), which browsers never send to servers; it is removed
// from the address bar at once and used as the X-API-Key of "Try it out"
// requests. Otherwise use the Authorize button. The key lives only in this
// page's memory: it is not stored.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var specURL = root.getAttribute("data-spec-url");
  var key = null;
  var m = /^#key=([^&]+)$/.exec(window.location.hash || "");
  if (m) {
    try {
      key = decodeURIComponent(m[1]);
    } catch (e) {
      key = null;
    }
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  root.textContent = "";
  var ui = window.SwaggerUIBundle({
    url: specURL,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: true,
    persistAuthorization: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    presets: [window.SwaggerUIBundle.presets.apis],
    plugins: [window.SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
    onComplete: function () {
      if (key) {
        ui.preauthorizeApiKey("apiKey", key);
        key = null;
      }
    },
  });
})();
