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

  // The server asks for a redraw when this page fell too far behind.
  document.body.addEventListener("htmx:sseMessage", function (event) {
    if (event.detail && event.detail.type === "reload") { refresh(); }
  });
})();
