/* The bpmn-js modeler for draft versions (vendored: /static/vendor/bpmn-js/bpmn-modeler.production.min.js).
 *
 * <div id="yw-modeler" data-xml-url="…/export.bpmn" data-save-url="…/modeler/" data-csrf="…"
 *      data-msg-saved="…" data-msg-failed="…" data-msg-unsaved="…">
 * Loads the diagram, and on "Save" POSTs the XML (application/xml) to the save URL; the server
 * checks it like an import and answers JSON {code, message}. A refusal is shown as it is.
 */
(function (global) {
  "use strict";
  var el = document.getElementById("yw-modeler");
  if (!el || !global.BpmnJS) { return; }
  var status = document.getElementById("yw-modeler-status");
  var saveButton = document.getElementById("yw-modeler-save");
  var modeler = new global.BpmnJS({ container: el, keyboard: { bindTo: document } });
  var dirty = false;

  function say(cls, body) {
    if (!status) { return; }
    status.className = "alert py-2 mb-2 alert-" + cls;
    status.textContent = body;
    status.hidden = false;
  }

  fetch(el.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      modeler.get("canvas").zoom("fit-viewport", "auto");
      el.dataset.state = "ready";
      modeler.on("commandStack.changed", function () { dirty = true; });
      if (saveButton) { saveButton.disabled = false; }
    })
    .catch(function (error) {
      el.dataset.state = "error";
      say("danger", (el.dataset.msgFailed || "The diagram cannot be shown:") + " " + error.message);
    });

  function save() {
    if (saveButton) { saveButton.disabled = true; }
    return modeler.saveXML({ format: true })
      .then(function (result) {
        return fetch(el.dataset.saveUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/xml; charset=utf-8", "X-CSRFToken": el.dataset.csrf, Accept: "application/json" },
          body: result.xml
        });
      })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (answer.ok) {
          dirty = false;
          say("success", answer.body.message || el.dataset.msgSaved || "Saved.");
          el.dataset.saved = String(Date.now());
        } else {
          say("danger", answer.body.message || "Error");
        }
      })
      .catch(function (error) { say("danger", error.message); })
      .then(function () { if (saveButton) { saveButton.disabled = false; } });
  }

  if (saveButton) { saveButton.addEventListener("click", function () { save(); }); }
  global.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = el.dataset.msgUnsaved || ""; }
  });
  global.YewuModeler = { modeler: modeler, save: save };
})(window);
