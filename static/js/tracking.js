/* Live updates for the tracking page: poll a tiny version probe and swap in the new page when it changes.
   The page works fully without this script. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.live || !window.fetch) return;
  var version = main.dataset.version;
  var every = 30000;
  var timer = null;

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(check, delay);
  }

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        /* only the <main> part: the new response's <head> carries another nonce, which this page's CSP refuses */
        var start = html.indexOf("<main"), end = html.lastIndexOf("</main>");
        if (start < 0 || end < 0) return;
        var fresh = new DOMParser().parseFromString(html.slice(start, end + 7), "text/html").getElementById("main");
        if (!fresh) return;
        var active = document.activeElement && main.contains(document.activeElement);
        if (active && document.activeElement.form) return; /* never wipe what the shopper is typing */
        main.innerHTML = fresh.innerHTML;
        main.dataset.status = fresh.dataset.status;
        main.dataset.version = fresh.dataset.version;
        version = fresh.dataset.version;
        var note = document.getElementById("live-note");
        var heading = document.getElementById("status-heading");
        if (note && heading) note.textContent = heading.textContent;
      });
  }

  function check() {
    if (document.hidden) { schedule(every); return; }
    fetch(main.dataset.live, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.v && body.v !== version) return refresh();
      })
      .catch(function () { /* offline: try again later */ })
      .then(function () { schedule(every); });
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) schedule(0); });
  window.OrderTrailLive = { check: check, setInterval: function (ms) { every = ms; schedule(ms); } };
  schedule(every);
})();
