// Attachments in the editor and on audit evidence: a file button, drag and drop, and pasting a
// screenshot upload the file and insert its Markdown reference at the cursor. A static file:
// the CSP forbids inline script.
(function () {
  "use strict";
  var MAX = 10 * 1024 * 1024;
  var TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv"];

  function csrfToken(el) {
    var form = el.closest("form");
    var input = form && form.querySelector("input[name=csrf_token]");
    if (input) { return input.value; }
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { return ""; }
  }

  // errorText reads the server's message from a JSON error or an error fragment.
  function errorText(xhr) {
    if (xhr.status === 413) { return "The file is larger than 10 MiB."; }
    try {
      var j = JSON.parse(xhr.responseText);
      if (j && j.error) {
        var f = j.error.fields && j.error.fields.file;
        return f ? "The file was refused: " + f + "." : j.error.message;
      }
    } catch (e) { /* not JSON: an HTML fragment */ }
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var text = (doc.body && doc.body.textContent || "").trim();
    return text || "The upload failed (HTTP " + xhr.status + "). Try again.";
  }

  function insertAtCursor(target, text) {
    var start = target.selectionStart, end = target.selectionEnd;
    if (typeof start !== "number") { start = end = target.value.length; }
    var before = target.value.slice(0, start), after = target.value.slice(end);
    // A reference is a paragraph of its own: a blank line before and after it.
    if (before && !/\n\n$/.test(before)) { text = (/\n$/.test(before) ? "\n" : "\n\n") + text; }
    if (!/^\n\n/.test(after)) { text = text + (/^\n/.test(after) ? "\n" : "\n\n"); }
    target.value = before + text + after;
    var pos = before.length + text.length;
    target.setSelectionRange(pos, pos);
    target.focus();
    // Let htmx refresh the live preview and the autosave.
    target.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function reference(a, file) {
    if (a.content_type.indexOf("image/") === 0) {
      var alt = (file.name || "").replace(/\.[A-Za-z0-9]+$/, "").replace(/[-_]+/g, " ").trim();
      if (!alt || /^image$/i.test(alt)) { alt = "Screenshot"; }
      return "![" + alt.replace(/[\[\]]/g, "") + "](" + a.url + ")";
    }
    return "[" + a.name + "](" + a.url + ")";
  }

  function setup(box) {
    var target = document.getElementById(box.getAttribute("data-attach-for"));
    if (!target) { return; }
    var input = box.querySelector("input[type=file]");
    var progress = box.querySelector("progress");
    var status = box.querySelector("[data-attach-status]");
    var queue = [], busy = false;

    function say(msg, isError) {
      status.textContent = msg;
      status.classList.toggle("error", !!isError);
    }

    function next() {
      if (busy || queue.length === 0) { return; }
      var file = queue.shift();
      if (file.size === 0) { say("The file " + file.name + " is empty.", true); next(); return; }
      if (file.size > MAX) { say("The file " + file.name + " is larger than 10 MiB; it was not uploaded.", true); next(); return; }
      if (file.type && TYPES.indexOf(file.type) < 0 && !/\.(csv|txt)$/i.test(file.name)) {
        say("The file " + file.name + " (" + file.type + ") is not accepted: PNG, JPEG, GIF and WebP images, PDF, text and CSV only.", true);
        next();
        return;
      }
      busy = true;
      var data = new FormData();
      data.append("file", file, file.name || "screenshot.png");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/attachments");
      xhr.setRequestHeader("X-CSRF-Token", csrfToken(box));
      xhr.setRequestHeader("HX-Request", "true");
      progress.hidden = false;
      progress.value = 0;
      say("Uploading " + (file.name || "the screenshot") + "…");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { progress.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.addEventListener("loadend", function () {
        busy = false;
        progress.hidden = true;
        if (xhr.status === 201) {
          var a = JSON.parse(xhr.responseText);
          insertAtCursor(target, reference(a, file));
          say("Attached " + a.name + ".");
        } else if (xhr.status === 0) {
          say("The upload of " + file.name + " did not reach Attest. Check the connection and try again.", true);
        } else {
          say(errorText(xhr), true);
        }
        next();
      });
      xhr.send(data);
    }

    function add(files) {
      for (var i = 0; i < files.length; i++) { queue.push(files[i]); }
      next();
    }

    input.addEventListener("change", function () { add(input.files); input.value = ""; });
    target.addEventListener("dragover", function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0) {
        e.preventDefault();
        target.classList.add("drop-here");
      }
    });
    target.addEventListener("dragleave", function () { target.classList.remove("drop-here"); });
    target.addEventListener("drop", function (e) {
      target.classList.remove("drop-here");
      if (e.dataTransfer && e.dataTransfer.files.length > 0) {
        e.preventDefault();
        add(e.dataTransfer.files);
      }
    });
    target.addEventListener("paste", function (e) {
      var items = (e.clipboardData && e.clipboardData.items) || [];
      var files = [];
      for (var i = 0; i < items.length; i++) {
        if (items[i].kind === "file") { var f = items[i].getAsFile(); if (f) { files.push(f); } }
      }
      if (files.length > 0) {
        e.preventDefault();
        add(files);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-attach-for]");
    for (var i = 0; i < boxes.length; i++) { setup(boxes[i]); }
  });
})();
