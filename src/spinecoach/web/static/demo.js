/* spinecoach exercise demonstrations: a stick figure moving at the exercise's real tempo.
   Draws every <canvas data-demo="EXERCISE_ID"> from /exercises/ID/demonstration.json
   (3D keypoints in cm, x forward, y left, z up), from the side or the front. Plain
   JavaScript, no network beyond this server. Options on the canvas:
     data-demo-view="side|front"    the view (default: the exercise's own)
     data-demo-caption="ELEMENT_ID" write the current step's cue and breath there
     data-demo-still                show one frame (the target position), do not animate
   window.spinecoachDemo.show(canvas, id) switches a canvas to another exercise. */
(function () {
  "use strict";
  const cache = {};
  const reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const T = window.spinecoachT || ((s, p) => s.replace(/\{(\w+)\}/g, (m, k) => (p && k in p ? String(p[k]) : m)));
  const BREATH = { inhale: T("Breathe in"), exhale: T("Breathe out"), hold: T("Hold the breath"), natural: T("Breathe normally") };
  const live = new Set();

  function load(id) {
    if (!cache[id]) {
      // ?lang=: the words are in the page's language, so the offline copy is kept per language
      cache[id] = fetch("/exercises/" + encodeURIComponent(id) + "/demonstration.json?lang=" + encodeURIComponent(document.documentElement.lang || "en"), { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
    }
    return cache[id];
  }

  function project(p, view) { return view === "front" ? [p[1], p[2]] : [p[0], p[2]]; }

  function prepare(demo, view) {
    const index = {};
    demo.names.forEach((n, i) => { index[n] = i; });
    let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    demo.frames.forEach((f) => f.forEach((p) => {
      const q = project(p, view);
      lo = [Math.min(lo[0], q[0]), Math.min(lo[1], q[1])];
      hi = [Math.max(hi[0], q[0]), Math.max(hi[1], q[1])];
    }));
    const head = 14;   // cm: room for the head circle around the keypoints
    return { index, lo: [lo[0] - head, lo[1]], hi: [hi[0] + head, hi[1] + head] };
  }

  function frameAt(demo, t) {
    const times = demo.times;
    let k = 0;
    while (k < times.length - 2 && times[k + 1] <= t) k += 1;
    const a = demo.frames[k], b = demo.frames[Math.min(k + 1, demo.frames.length - 1)];
    const span = times[k + 1] - times[k];
    const f = span > 0 ? Math.min(Math.max((t - times[k]) / span, 0), 1) : 0;
    return a.map((p, i) => [p[0] + (b[i][0] - p[0]) * f, p[1] + (b[i][1] - p[1]) * f, p[2] + (b[i][2] - p[2]) * f]);
  }

  function stepAt(demo, t) {
    return demo.steps.find((s) => t < s.end_s) || demo.steps[demo.steps.length - 1];
  }

  function draw(canvas, state, t) {
    const { demo, view, box } = state;
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || Number(canvas.getAttribute("width")) || 160;
    const h = canvas.clientHeight || Number(canvas.getAttribute("height")) || 120;
    if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio); }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const pad = Math.max(6, w * 0.05);
    const span = [Math.max(box.hi[0] - box.lo[0], 50), Math.max(box.hi[1] - box.lo[1], 50)];
    const scale = Math.min((w - 2 * pad) / span[0], (h - 2 * pad) / span[1]);
    const cx = (box.lo[0] + box.hi[0]) / 2;
    const floorY = h - pad;
    const xy = (p) => { const q = project(p, view); return [w / 2 + (q[0] - cx) * scale, floorY - q[1] * scale]; };
    const pts = frameAt(demo, t);
    const at = (n) => pts[box.index[n]];
    const line = Math.max(2, scale * 5);
    ctx.lineCap = "round"; ctx.lineJoin = "round";
    ctx.strokeStyle = "#cbd5e1"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(2, floorY + line / 2); ctx.lineTo(w - 2, floorY + line / 2); ctx.stroke();
    const far = "left";   // seen from the subject's right in the side view
    const bones = demo.bones.slice().sort((a, b) => (a[0].startsWith(far) ? 0 : 1) - (b[0].startsWith(far) ? 0 : 1));
    bones.forEach(([a, b]) => {
      ctx.strokeStyle = view === "side" && a.startsWith(far) ? "#93c5fd" : "#1d4ed8";
      ctx.lineWidth = line;
      const p = xy(at(a)), q = xy(at(b));
      ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
    });
    const mid = (a, b) => a.map((v, i) => (v + b[i]) / 2);
    const hips = xy(mid(at("left_hip"), at("right_hip")));
    const spine = xy(at("spine_mid"));
    const neck = xy(mid(at("left_shoulder"), at("right_shoulder")));
    ctx.strokeStyle = "#dc2626"; ctx.lineWidth = line * 1.3;
    ctx.beginPath(); ctx.moveTo(hips[0], hips[1]);
    ctx.quadraticCurveTo(spine[0] * 2 - (hips[0] + neck[0]) / 2, spine[1] * 2 - (hips[1] + neck[1]) / 2, neck[0], neck[1]);
    ctx.stroke();
    const head = xy(mid(at("left_ear"), at("right_ear")));
    ctx.fillStyle = "#fff"; ctx.strokeStyle = "#1d4ed8"; ctx.lineWidth = line * 0.8;
    ctx.beginPath(); ctx.arc(head[0], head[1], 8.5 * scale, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    const nose = xy(at("nose"));
    ctx.fillStyle = "#1d4ed8"; ctx.beginPath(); ctx.arc(nose[0], nose[1], Math.max(1.5, line / 2), 0, 2 * Math.PI); ctx.fill();
    return stepAt(demo, t);
  }

  function caption(state, step, t) {
    if (!state.caption) return;
    let text = (step.cue || (step.label || step.name).replace(/_/g, " "));
    let breath = BREATH[step.breath] || "";
    if (step.name === "hold") breath += " · " + Math.max(0, Math.ceil(step.end_s - t)) + " s";
    const key = text + "|" + breath;
    if (state.lastCaption === key) return;
    state.lastCaption = key;
    state.caption.querySelector(".demo-cue").textContent = text;
    state.caption.querySelector(".demo-breath").textContent = breath;
    state.caption.dataset.breath = step.breath;
  }

  function targetTime(demo) {
    const moved = demo.steps.find((s) => s.name !== "start");
    return moved ? moved.end_s : 0;
  }

  function tick(now) {
    live.forEach((canvas) => {
      const state = canvas._demo;
      if (!state || !state.visible) return;
      const t = ((now - state.t0) / 1000) % state.demo.duration_s;
      const step = draw(canvas, state, t);
      caption(state, step, t);
    });
    if (live.size) window.requestAnimationFrame(tick);
  }

  function show(canvas, id) {
    if (!id) { live.delete(canvas); canvas.hidden = true; return Promise.resolve(null); }
    if (canvas._demo && canvas._demo.demo.exercise_id === id) return Promise.resolve(canvas._demo);
    canvas.dataset.demo = id;
    return load(id).then((demo) => {
      if (!demo || canvas.dataset.demo !== id) return null;
      canvas.hidden = false;
      const view = canvas.dataset.demoView || demo.view;
      const captionId = canvas.dataset.demoCaption;
      const state = {
        demo, view, box: prepare(demo, view), t0: performance.now(), visible: true,
        caption: captionId ? document.getElementById(captionId) : null, lastCaption: null,
      };
      canvas._demo = state;
      labelToggles(canvas, view);
      canvas.setAttribute("role", "img");
      if (!canvas.getAttribute("aria-label")) canvas.setAttribute("aria-label", T("Demonstration of {name}", { name: demo.name }));
      if (reduced || canvas.hasAttribute("data-demo-still")) {
        live.delete(canvas);
        const t = targetTime(demo);
        caption(state, draw(canvas, state, t), t);
      } else {
        const wasIdle = live.size === 0;
        live.add(canvas);
        if (wasIdle) window.requestAnimationFrame(tick);
      }
      return state;
    });
  }

  // A view toggle offers the view not shown: the exercise's own view decides its first label.
  function labelToggles(canvas, view) {
    if (!canvas.id) return;
    document.querySelectorAll(`[data-demo-toggle="${canvas.id}"]`).forEach((button) => {
      button.textContent = view === "front" ? T("Show from the side") : T("Show from the front");
    });
  }

  function setView(canvas, view) {
    const state = canvas._demo;
    if (!state) return;
    state.view = view; state.box = prepare(state.demo, view);
    canvas.dataset.demoView = view;
    if (!live.has(canvas)) draw(canvas, state, targetTime(state.demo));
  }

  const observer = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
    entries.forEach((e) => { if (e.target._demo) e.target._demo.visible = e.isIntersecting; });
  }) : null;

  function init() {
    document.querySelectorAll("canvas[data-demo]").forEach((canvas) => {
      if (!canvas.dataset.demo) return;
      show(canvas, canvas.dataset.demo).then(() => { if (observer) observer.observe(canvas); });
    });
    document.querySelectorAll("[data-demo-toggle]").forEach((button) => {
      button.addEventListener("click", () => {
        const canvas = document.getElementById(button.dataset.demoToggle);
        const view = (canvas.dataset.demoView || (canvas._demo && canvas._demo.view)) === "front" ? "side" : "front";
        setView(canvas, view);
        labelToggles(canvas, view);
      });
    });
  }
  window.spinecoachDemo = { show, setView };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
