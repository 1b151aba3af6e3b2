/* The periodic-task form in the admin: the chosen crontab said in words under its field.
   Replaces django-celery-beat's inline script (the CSP allows no inline script); the
   words come from the server as JSON and go in as text, never as HTML. */
(function () {
  "use strict";
  var data = document.getElementById("readable-crontabs");
  var script = document.getElementById("periodic-task-overrides");
  var select = document.getElementById("id_crontab");
  var help = document.querySelector(".field-crontab .help");
  var row = document.querySelector(".field-crontab_translation");
  // The read-only row says the same as the line under the field, for the saved choice only.
  if (row) row.style.display = "none";
  if (!data || !select) return;
  var readable = JSON.parse(data.textContent) || {};
  if (!help) {
    help = document.createElement("div");
    help.className = "help";
    select.closest(".form-row, .fieldBox, div").appendChild(help);
  }
  var line = document.createElement("div");
  line.className = "crontab-in-words";
  line.setAttribute("aria-live", "polite");
  help.appendChild(line);

  function update() {
    var words = readable[select.value];
    line.textContent = words ? (script ? script.dataset.inWords : "") + " " + words : "";
  }
  select.addEventListener("change", update);
  update();
})();
