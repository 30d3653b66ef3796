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

// Issue 18 (agents): "/" jumps to the search box (the page's own, else the header's), unless
// the person is typing in a field.
document.addEventListener("keydown", function (e) {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) { return; }
  var t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
  var box = document.getElementById("search-q") || document.getElementById("q");
  if (box) { e.preventDefault(); box.focus(); box.select(); }
});
