/* Yewu's glue around the bpmn-js viewer (vendored: /static/vendor/bpmn-js/bpmn-viewer.production.min.js).
 *
 *   YewuDiagram.show(container, xmlUrl, {done: ["step_a"], current: ["step_b"]})
 *
 * fetches the BPMN from xmlUrl (same origin, with the session cookie), renders it into a canvas
 * added to `container`, fits it to the width, and marks steps: CSS classes `yw-done` and
 * `yw-current` on the shapes (styled by diagram.css). Ids that the diagram does not contain are
 * ignored. Returns a Promise of {viewer, warnings, missing}; on failure it shows a short message
 * in the container (other children of the container are left alone) and rejects.
 *
 * Messages: data-msg-load, data-msg-http and data-msg-render on the container (translated by the page).
 * The bpmn.io watermark that bpmn-js adds stays visible: its licence asks for it.
 */
(function (global) {
  "use strict";

  /* Messages come translated from the page: data-msg-load / data-msg-http / data-msg-render on the container. */
  function text(container, key, fallback) {
    return container.getAttribute("data-msg-" + key) || fallback;
  }

  function message(container, cls, body) {
    var note = container.querySelector(".yw-diagram-message");
    if (!note) {
      note = document.createElement("div");
      note.className = "yw-diagram-message small";
      container.appendChild(note);
    }
    note.className = "yw-diagram-message small " + cls;
    note.textContent = body;
    return note;
  }

  function mark(viewer, ids, cls) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var missing = [];
    (ids || []).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, cls);
      } else {
        missing.push(id);
      }
    });
    return missing;
  }

  function show(container, xmlUrl, marks, options) {
    marks = marks || {};
    options = options || {};
    if (typeof container === "string") {
      container = document.querySelector(container);
    }
    if (!container) {
      return Promise.reject(new Error("YewuDiagram: no container"));
    }
    if (!global.BpmnJS) {
      message(container, "text-danger", text(container, "load", "The diagram viewer could not be loaded."));
      return Promise.reject(new Error("YewuDiagram: bpmn-js is not loaded"));
    }
    var canvasEl = container.querySelector(".yw-diagram-canvas");
    if (!canvasEl) {
      canvasEl = document.createElement("div");
      canvasEl.className = "yw-diagram-canvas";
      container.insertBefore(canvasEl, container.firstChild);
    }
    if (options.height) {
      canvasEl.style.height = options.height;
    }
    canvasEl.setAttribute("aria-busy", "true");
    var viewer = new global.BpmnJS({ container: canvasEl });
    return fetch(xmlUrl, { credentials: "same-origin", headers: { Accept: "application/xml" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(text(container, "http", "The diagram could not be loaded") + " (HTTP " + response.status + ")");
        }
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function (result) {
        var canvas = viewer.get("canvas");
        canvas.zoom("fit-viewport", "auto");
        var missing = mark(viewer, marks.done, "yw-done").concat(mark(viewer, marks.current, "yw-current"));
        canvasEl.removeAttribute("aria-busy");
        container.classList.add("yw-diagram-ready");
        container.dataset.diagramState = "ready";
        var warnings = (result && result.warnings) || [];
        return { viewer: viewer, warnings: warnings, missing: missing };
      })
      .catch(function (error) {
        canvasEl.removeAttribute("aria-busy");
        container.dataset.diagramState = "error";
        canvasEl.style.display = "none";
        message(container, "text-danger", text(container, "render", "The diagram cannot be shown:") + " " + (error && error.message ? error.message : error));
        throw error;
      });
  }

  global.YewuDiagram = { show: show, mark: mark };

  /* Pages may declare a diagram without script: <div data-yw-diagram="URL" data-done='[..]' data-current='[..]'>. */
  function auto() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-yw-diagram]"), function (el) {
      var parse = function (value) { try { return JSON.parse(value || "[]"); } catch (e) { return []; } };
      show(el, el.getAttribute("data-yw-diagram"), { done: parse(el.dataset.done), current: parse(el.dataset.current) })
        .catch(function () { /* the message is shown in the container */ });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", auto);
  } else {
    auto();
  }
})(window);
