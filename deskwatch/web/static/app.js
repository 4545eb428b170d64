// deskwatch reading room: small enhancements only; every page works without this file.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    // On a release with a tag chosen, bring its first evidence span into view.
    var text = document.getElementById("text");
    if (text && window.location.hash === "#text") {
      var first = text.querySelector("mark");
      if (first) { first.scrollIntoView({ block: "center" }); }
    }
    // Compare form: the later version cannot be the earlier one.
    document.querySelectorAll("form.compare").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var a = form.querySelector("[name=a]"), b = form.querySelector("[name=b]");
        if (a && b && a.value === b.value) {
          event.preventDefault();
          b.setCustomValidity("Choose two different versions");
          b.reportValidity();
          b.addEventListener("change", function () { b.setCustomValidity(""); }, { once: true });
        }
      });
    });
  });
})();
