// Attest's few behaviours beyond htmx. No inline script anywhere: the CSP forbids it.
document.addEventListener("DOMContentLoaded", function () {
  // Close the search suggestions with Escape.
  var q = document.getElementById("q");
  var box = document.getElementById("suggestions");
  if (q && box) {
    q.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { box.innerHTML = ""; }
    });
  }
  // Confirm destructive actions that carry data-confirm.
  document.body.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
});
