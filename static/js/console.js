/* Console niceties that the pages do not depend on: live branding preview, copy-to-clipboard for new keys. */
(function () {
  "use strict";

  function refreshPreviews(form) {
    var frames = document.querySelectorAll("iframe[data-preview]");
    if (!frames.length) return;
    var data = new URLSearchParams(new FormData(form));
    data.delete("logo");
    frames.forEach(function (frame) {
      var url = frame.getAttribute("data-preview") + "?" + data.toString();
      if (frame.getAttribute("src") !== url) frame.setAttribute("src", url);
    });
  }

  var form = document.querySelector("form[data-live-preview]");
  if (form) {
    var timer = null;
    var schedule = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { refreshPreviews(form); }, 250);
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
