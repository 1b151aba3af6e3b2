/* Behaviour every page shares, kept out of inline handlers for the Content-Security-Policy. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
