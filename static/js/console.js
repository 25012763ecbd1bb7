/* Console niceties the pages work without: live branding preview while typing, copy buttons for new keys. */
(function () {
  "use strict";
  var nonce = document.currentScript ? document.currentScript.nonce : "";

  // The preview documents come from our own preview route; they are shown in sandboxed srcdoc frames that
  // inherit this page's CSP, so their nonce attributes are set to this page's nonce before display.
  function refreshPreviews(form) {
    var data = new URLSearchParams(new FormData(form));
    data.delete("csrf_token");
    data.delete("action");
    document.querySelectorAll("iframe[data-preview]").forEach(function (frame) {
      var url = frame.getAttribute("data-preview") + "?" + data.toString();
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) return;
          frame.setAttribute("data-loaded", url);
          frame.srcdoc = html.replace(/ nonce="[^"]*"/g, ' nonce="' + nonce + '"');
        })
        .catch(function () { /* keep the last preview */ });
    });
  }

  var form = document.querySelector("form[data-live-preview]");
  if (form) {
    var timer = null;
    var schedule = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { refreshPreviews(form); }, 300);
    };
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
    });
  });
})();
