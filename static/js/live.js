// Live updates for pages with an SSE connection (htmx's sse extension does the swapping).
// Kept in a file, not inline, because the Content-Security-Policy forbids inline script.
(function () {
  "use strict";
  // Stream elements that have opened once. hx-boost swaps in a new element with a new
  // stream (a first open); the extension's reconnect reopens on the same element.
  var opened = new WeakSet();

  // After a reconnect, events sent while the page was offline are gone: redraw from the
  // database by reloading the page, unless the person is typing (then say so instead).
  function typing() {
    var el = document.activeElement;
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "submit")) && el.value;
  }

  function refresh() {
    if (typing()) {
      var note = document.getElementById("live-stale");
      if (note) { note.hidden = false; }
      return;
    }
    window.location.reload();
  }

  document.body.addEventListener("htmx:sseOpen", function (event) {
    var element = event.target;
    if (opened.has(element)) { refresh(); }
    opened.add(element);
  });

  // A pushed fragment is drawn once for everyone who sees the same thing, so its forms carry
  // an empty CSRF token: give them this page's (the one its requests send as a header).
  function pageToken(element) {
    var holder = element.closest ? element.closest("[hx-headers]") : null;
    if (!holder) { return ""; }
    try { return JSON.parse(holder.getAttribute("hx-headers"))["X-CSRF-Token"] || ""; }
    catch (error) { return ""; }
  }

  function fillTokens(root) {
    if (!root || !root.querySelectorAll) { return; }
    var token = pageToken(root);
    if (!token) { return; }
    var fields = root.querySelectorAll('input[type="hidden"][name="csrf_token"]');
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) { fields[i].value = token; }
    }
  }

  document.body.addEventListener("htmx:load", function (event) { fillTokens(event.target); });

  document.body.addEventListener("htmx:sseMessage", function (event) {
    // The server asks for a redraw when this page fell too far behind.
    if (event.detail && event.detail.type === "reload") { refresh(); return; }
    fillTokens(event.target);
  });
})();
