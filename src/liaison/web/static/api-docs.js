// Starts Swagger UI on /openapi.json (a file of our own: the CSP forbids inline scripts).
window.addEventListener("load", function () {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
