/* spinecoach: small gauges for the sensor plug-ins beside the camera (session page).
   Band: tension (or stretch, when the band reports it) on a bar with the exercise's zone.
   EMG: left and right activation (% of the reference contraction) as two bars, and the
   left/right symmetry. Plain SVG built here (nothing is fetched); each gauge is an image
   with a text alternative (aria-label) that says the same numbers, and only the zone or
   calibration status, which changes rarely, is announced (aria-live). Other plug-ins get a
   line of text. Used by session.js: SensorGauges.render(box, readouts). */
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const T = window.spinecoachT || ((s, p) => s.replace(/\{(\w+)\}/g, (m, k) => (p && k in p ? String(p[k]) : m)));

  function el(tag, attrs, parent) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(node, value) { if (node.textContent !== value) node.textContent = value; }
  function attr(node, name, value) { const v = String(value); if (node.getAttribute(name) !== v) node.setAttribute(name, v); }
  const known = (v) => v !== undefined && v !== null && isFinite(v);
  const fmt = (v) => (Math.round(v * 10) / 10).toString();

  // ------------------------------------------------------------------------- band
  function bandGauge(box) {
    const root = el("div", { class: "plugin-gauge band-gauge", "data-sensor": "band" }, box);
    const label = el("div", { class: "gauge-label" }, root);
    const name = el("span", {}, label);
    const value = el("strong", { class: "pg-value" }, label);
    const svg = el("svg:svg", { viewBox: "0 0 300 28", class: "gauge-bar", role: "img", preserveAspectRatio: "none" }, root);
    el("svg:rect", { x: 0, y: 8, width: 300, height: 12, rx: 6, class: "gauge-track" }, svg);
    const zone = el("svg:rect", { x: 0, y: 8, width: 0, height: 12, class: "gauge-zone" }, svg);
    const marker = el("svg:rect", { x: 0, y: 2, width: 4, height: 24, rx: 2, class: "gauge-marker" }, svg);
    const status = el("p", { class: "small pg-status", "aria-live": "polite" }, root);
    return { root, name, value, svg, zone, marker, status };
  }

  function renderBand(g, r) {
    const label = r.label || T("Band");
    text(g.name, label);
    const byStretch = r.unit === "%" && known(r.stretch_pct);
    const v = byStretch ? r.stretch_pct : r.tension_n;
    const unit = byStretch ? "%" : "N";
    if (!known(v)) {
      text(g.value, "–");
      text(g.status, T("Waiting for the band…"));
      attr(g.svg, "aria-label", T("{label}: waiting for data", { label }));
      g.marker.setAttribute("visibility", "hidden");
      return;
    }
    const other = byStretch && known(r.tension_n) ? " (" + fmt(r.tension_n) + " N)" : "";
    text(g.value, fmt(v) + " " + unit + other);
    const zone = Array.isArray(r.zone) ? r.zone : null;
    const max = Math.max(zone ? zone[1] * 1.5 : 0, v * 1.1, 1);
    const x = (n) => Math.max(0, Math.min(300, (n / max) * 300));
    attr(g.marker, "x", Math.min(296, x(v)).toFixed(1));
    g.marker.removeAttribute("visibility");
    if (zone) {
      attr(g.zone, "x", x(zone[0]).toFixed(1));
      attr(g.zone, "width", (x(zone[1]) - x(zone[0])).toFixed(1));
    } else {
      attr(g.zone, "width", 0);
    }
    const where = r.in_zone === true ? T("in your zone") : !zone ? T("no zone for this exercise")
      : v > zone[1] ? T("above your zone") : T("below your zone");
    g.marker.classList.toggle("in-zone", r.in_zone === true);
    g.root.dataset.state = r.in_zone === true ? "in" : !zone ? "none" : v > zone[1] ? "above" : "below";
    text(g.status, zone ? T("Zone {low}–{high} {unit}: {where}", { low: fmt(zone[0]), high: fmt(zone[1]), unit, where }) + (r.in_zone === true ? " ✓" : "") : T("Shown only: {where}.", { where }));
    attr(g.svg, "aria-label", zone
      ? T("{label}: {value} {unit}, zone {low} to {high} {unit}, {where}", { label, value: fmt(v), unit, low: fmt(zone[0]), high: fmt(zone[1]), where })
      : T("{label}: {value} {unit}, {where}", { label, value: fmt(v), unit, where }));
  }

  // -------------------------------------------------------------------------- EMG
  function emgGauge(box) {
    const root = el("div", { class: "plugin-gauge emg-gauge", "data-sensor": "emg" }, box);
    const label = el("div", { class: "gauge-label" }, root);
    const name = el("span", {}, label);
    const value = el("strong", { class: "pg-value" }, label);
    const svg = el("svg:svg", { viewBox: "0 0 300 44", class: "emg-bars", role: "img", preserveAspectRatio: "none" }, root);
    const bars = {};
    [["left", 4], ["right", 26]].forEach(([side, y]) => {
      el("svg:rect", { x: 0, y: y, width: 300, height: 14, rx: 4, class: "gauge-track" }, svg);
      bars[side] = el("svg:rect", { x: 0, y: y, width: 0, height: 14, rx: 4, class: "emg-bar emg-" + side, "data-side": side }, svg);
    });
    const ref = el("svg:line", { x1: 0, x2: 0, y1: 0, y2: 44, class: "emg-ref" }, svg);
    const legend = el("p", { class: "small muted emg-legend" }, root);
    const status = el("p", { class: "small pg-status", "aria-live": "polite" }, root);
    return { root, name, value, svg, bars, ref, legend, status };
  }

  function renderEmg(g, r) {
    const label = r.label || T("Back muscles");
    text(g.name, label);
    if (r.calibrating || !known(r.left_pct) || !known(r.right_pct)) {
      text(g.value, "–");
      text(g.legend, "");
      text(g.status, T("Calibrating: hold the gentle back effort for the first 5 seconds…"));
      attr(g.svg, "aria-label", T("{label}: calibrating", { label }));
      return;
    }
    const max = Math.max(100, r.left_pct * 1.1, r.right_pct * 1.1);
    const w = (v) => Math.max(0, Math.min(300, (v / max) * 300));
    attr(g.bars.left, "width", w(r.left_pct).toFixed(1));
    attr(g.bars.right, "width", w(r.right_pct).toFixed(1));
    attr(g.ref, "x1", w(100).toFixed(1));
    attr(g.ref, "x2", w(100).toFixed(1));
    const sym = known(r.symmetry_pct) ? fmt(r.symmetry_pct) + " %" : "–";
    text(g.value, T("L/R {sym}", { sym }));
    text(g.legend, T("Left {left} %, right {right} % (of your reference; line: 100 %)", { left: fmt(r.left_pct), right: fmt(r.right_pct) }));
    const floor = known(r.uneven_below_pct) ? r.uneven_below_pct : 70;   // data/sensors/emg.toml
    const even = !known(r.symmetry_pct) ? "" : r.symmetry_pct >= floor ? "even" : "uneven";
    g.root.dataset.state = even || "unknown";
    text(g.status, even === "even" ? T("Left and right are working evenly.") : even ? T("Left and right are working unevenly.") : "");
    attr(g.svg, "aria-label", T("{label}: left {left} %, right {right} % (of the reference); symmetry {sym}", { label, left: fmt(r.left_pct), right: fmt(r.right_pct), sym }));
  }

  // ------------------------------------------------------------------------ others
  function lineGauge(box, name) {
    const root = el("p", { class: "small plugin-gauge", "data-sensor": name }, box);
    return { root };
  }
  function renderLine(g, r, name) {
    const parts = Object.entries(r).filter(([k, v]) => k !== "label" && known(v)).map(([k, v]) => k + " " + v);
    text(g.root, (r.label || name) + ": " + (parts.join(", ") || T("waiting for data")));
  }

  const KINDS = { band: [bandGauge, renderBand], emg: [emgGauge, renderEmg] };
  const gauges = new WeakMap();

  function render(box, sensors) {
    box.hidden = false;
    let mine = gauges.get(box);
    if (!mine) { mine = {}; gauges.set(box, mine); box.textContent = ""; }
    Object.entries(sensors || {}).forEach(([name, r]) => {
      const [make, draw] = KINDS[name] || [(b) => lineGauge(b, name), (g, x) => renderLine(g, x, name)];
      if (!mine[name]) mine[name] = make(box);
      draw(mine[name], r || {});
    });
  }

  window.SensorGauges = { render };
})();
