/* spinecoach guided session: webcam -> pose in this browser (pose_client.js, a Web Worker)
   -> keypoints -> coach on the server -> skeleton, cues, voice. Frames leave the page only
   when the person chooses server-side pose ("send-frames"). Plain JavaScript; protocol
   documented in spinecoach/web/routes/session.py. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("session-config").textContent);
  const $ = (id) => document.getElementById(id);
  const T = window.spinecoachT || ((s, p) => s.replace(/\{(\w+)\}/g, (m, k) => (p && k in p ? String(p[k]) : m)));
  const nameIndex = {};
  config.names.forEach((n, i) => { nameIndex[n] = i; });
  const edges = config.edges
    .map(([a, b]) => [nameIndex[a], nameIndex[b]])
    .filter(([a, b]) => a !== undefined && b !== undefined);

  const FRAME_INTERVAL_MS = 1000 / 15;   // 15 frames per second at most
  const FRAME_WIDTH = 640;
  let ws = null;
  let source = "timer";
  let withSensor = false;   // a motion sensor beside the camera (sensor=imu)
  let stream = null;
  let inFlight = false;
  let lastSend = 0;
  let muted = false;
  let finished = false;
  let landmarks = null;
  let landmarksAt = 0;
  let stopPose = null;      // pose in the browser (pose_client.js), while it runs
  let moved = false;        // the session continues in another window (do not take it back)
  let reconnects = 0;       // tries to resume the session after a dropped connection
  let lastBreath = null;
  const spoken = new Set();
  const grab = document.createElement("canvas");
  const video = $("video");
  const overlay = $("overlay");
  const rtts = [];
  window.spinecoachStats = { frames: 0, landmarkFrames: 0, cues: 0, rtts,
                             keypointsSent: 0, detectFps: 0, confidence: 0 };

  // ---------------------------------------------------------------- audio
  let audio = null;
  function chime(freq, ms) {
    if (muted) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      osc.type = "sine";
      gain.gain.setValueAtTime(0.0001, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.12, audio.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + ms / 1000);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + ms / 1000 + 0.05);
    } catch (e) { /* audio unavailable: visual cues still work */ }
  }
  function speak(text, priority) {
    if (muted || !("speechSynthesis" in window)) return;
    const u = new SpeechSynthesisUtterance(text);
    u.lang = document.documentElement.lang || "en";   // the cues' language: a voice that speaks it
    u.rate = 0.95;
    if (priority >= 3) window.speechSynthesis.cancel();
    window.speechSynthesis.speak(u);
  }

  // ---------------------------------------------------------------- screen readers
  // Cues reach assistive technology through one polite live region (#cue-announcer), not
  // the visible list: the same words within ANNOUNCE_AGAIN_MS are announced once (tracking
  // that flaps between "I can't see you" and "I can see you again" is not read out each
  // time), and only the latest few stay in the region.
  const ANNOUNCE_AGAIN_MS = 8000;
  const announced = new Map();
  function announce(text) {
    const region = $("cue-announcer");
    if (!region || !text) return;
    const now = Date.now();
    const last = announced.get(text);
    if (last !== undefined && now - last < ANNOUNCE_AGAIN_MS) return;
    for (const [key, at] of announced) if (now - at >= ANNOUNCE_AGAIN_MS) announced.delete(key);
    announced.set(text, now);
    const p = document.createElement("p");
    p.textContent = text;
    region.append(p);
    while (region.children.length > 3) region.removeChild(region.firstChild);
  }
  window.spinecoachAnnounce = announce;

  // ---------------------------------------------------------------- cues
  function showCues(cues) {
    const list = $("cues");
    cues.forEach((c) => {
      const key = c.t_s + "|" + c.text;
      if (spoken.has(key)) return;
      spoken.add(key);
      window.spinecoachStats.cues += 1;
      if (c.kind === "breath" && (c.breath === "inhale" || c.breath === "exhale")) chime(c.breath === "inhale" ? 520 : 390, 350);
      else if (c.kind === "count") chime(880, 120);
      speak(c.text, c.kind === "count" ? 1 : c.priority);
      if (c.kind !== "count" && c.kind !== "breath") announce(c.text);
      if (c.text === $("step-text").textContent) return;   // already shown as the step text
      const li = document.createElement("li");
      li.className = "cue cue-" + c.kind + (c.priority >= 3 ? " urgent" : "");
      li.textContent = c.text;
      list.prepend(li);
      while (list.children.length > 4) list.removeChild(list.lastChild);
    });
  }

  // ---------------------------------------------------------------- state
  function setText(id, text) { const el = $(id); if (el.textContent !== text) el.textContent = text; }
  // On a phone "Something is wrong" is pinned to the bottom of the screen: when the step
  // changes, scroll just enough that the step text and the countdown sit above it (CSS
  // scroll-margin-bottom leaves the button's height free), never covered by it.
  // When the strip over the camera view (it repeats the step, countdown and cue) is in sight,
  // the person is watching the video: the page is left where it is, since scrolling would
  // take the video away.
  function watchingTheVideo() {
    const hud = $("video-hud");
    if (!hud || getComputedStyle(hud).display === "none") return false;
    const h = hud.getBoundingClientRect();
    const wrong = $("wrong").getBoundingClientRect();
    return h.top >= 0 && h.bottom <= Math.min(window.innerHeight, wrong.top);
  }
  function keepClearOfWrongButton() {
    const wrong = $("wrong");
    if (!wrong || getComputedStyle(wrong).position !== "fixed" || watchingTheVideo()) return;
    const row = document.querySelector("#live .big-row");
    [$("step-text"), row].forEach((el) => { if (el) el.scrollIntoView({ block: "nearest", behavior: "auto" }); });
  }
  function render(state) {
    if (!state) return;
    const step = state.step || {};
    setText("exercise-name", step.exercise_name || (state.status === "waiting_for_pain" ? T("Pain check") : T("Getting ready")));
    if ($("step-text").textContent !== (step.text || "")) {
      setText("step-text", step.text || "");
      // after this render's layout (the demonstration box may open or close), and once more
      // when a late image or gauge has moved things
      requestAnimationFrame(keepClearOfWrongButton);
      setTimeout(keepClearOfWrongButton, 400);
    }
    const parts = [];
    if (state.exercise_number) parts.push(T("Exercise {n} of {total}", { n: state.exercise_number, total: state.exercise_count }));
    if (step.kind === "instruction" && step.reps > 1) parts.push(T("step {n} of {total}", { n: step.rep, total: step.reps }));
    if (step.sets > 1) parts.push(T("set {n} of {total}", { n: step.set, total: step.sets }));
    if (step.side === "left") parts.push(T("left side"));
    else if (step.side === "right") parts.push(T("right side"));
    setText("progress-line", parts.join(" · ") || T("Session"));
    setText("countdown", state.countdown_s == null ? "–" : String(Math.ceil(state.countdown_s)));
    setText("reps", String(state.reps_done || 0));
    setText("reps-target", String(state.reps_target || 0));
    const breath = state.breath || "natural";
    if (breath !== lastBreath) {
      $("breath").className = "breath breath-" + breath;
      setText("breath-word", { inhale: T("breathe in"), exhale: T("breathe out"), hold: T("hold"), natural: T("breathe easy") }[breath] || breath);
      lastBreath = breath;
    }
    $("pain-ask").hidden = state.awaiting !== "pain";
    // "Stop this exercise" stays on screen until acknowledged; the session waits meanwhile
    const notice = state.awaiting === "acknowledge_stop" ? (state.stop_notice || T("Stop this exercise.")) : "";
    if (notice) setText("stop-text", notice.replace(T("Stop this exercise."), "").trim() || notice);
    if ($("stop-overlay").hidden === Boolean(notice)) {
      $("stop-overlay").hidden = !notice;
      if (notice) $("stop-ack").focus();
    }
    // The banner shows exactly the tracking cue last spoken (the coach announces a lasting
    // change once, so a flickering view neither flashes the banner nor repeats the voice).
    const trackingNotice = state.tracking_notice || "";
    $("tracking-warning").hidden = !trackingNotice;
    if (trackingNotice) setText("tracking-warning", trackingNotice);
    renderAngle(state.angle);
    if ("sensor_angle" in state) renderSensor(state.sensor_angle);
    if (state.sensors) renderPlugins(state.sensors);
    showCues(state.last_cues || []);
    followDemo(step);
  }
  // The exercise's demonstration: full size while getting ready for it, small during it.
  const GETTING_READY = ["setup", "instruction", "switch_side", "rest", "checkin"];
  function followDemo(step) {
    ghostFor(step.exercise_id || null);
    if (!window.spinecoachDemo) return;
    const box = $("demo-box");
    const id = step.exercise_id || null;
    box.hidden = !id;
    if (!id) return;
    box.classList.toggle("full", GETTING_READY.includes(step.kind));
    box.classList.toggle("small", !GETTING_READY.includes(step.kind));
    window.spinecoachDemo.show($("session-demo"), id);
  }
  function renderAngle(angle) {
    const gauge = $("gauge");
    if (!angle) { gauge.hidden = true; return; }
    gauge.hidden = false;
    const max = Math.max(angle.high_deg * 1.5, 30);
    const x = (v) => Math.max(0, Math.min(300, (v / max) * 300));
    $("gauge-zone").setAttribute("x", x(angle.low_deg));
    $("gauge-zone").setAttribute("width", Math.max(2, x(angle.high_deg) - x(angle.low_deg)));
    setText("gauge-name", angle.label || angle.name.replace(/_deg$/, "").replace(/_/g, " "));
    if (angle.value_deg == null) { setText("gauge-value", "–"); return; }
    $("gauge-marker").setAttribute("x", x(angle.value_deg) - 2);
    drawTrace(angle, max);
    const inZone = angle.value_deg >= angle.low_deg && angle.value_deg <= angle.high_deg;
    $("gauge-marker").setAttribute("class", "gauge-marker" + (inZone ? " in-zone" : ""));
    setText("gauge-value", Math.round(angle.value_deg) + "° from the start (aim " + angle.low_deg + "–" + angle.high_deg + "°)");
  }

  // ---------------------------------------------------------------- angle trace (last 10 s)
  const trace = [];
  function drawTrace(angle, max) {
    const now = performance.now();
    trace.push([now, angle.value_deg]);
    while (trace.length && now - trace[0][0] > 10000) trace.shift();
    const y = (v) => 60 - Math.max(0, Math.min(60, (v / max) * 60));
    $("trace-zone").setAttribute("y", y(angle.high_deg));
    $("trace-zone").setAttribute("height", Math.max(1, y(angle.low_deg) - y(angle.high_deg)));
    $("trace-line").setAttribute("points", trace.map(([t, v]) =>
      (300 - (now - t) / 10000 * 300).toFixed(1) + "," + y(v).toFixed(1)).join(" "));
  }

  // ---------------------------------------------------------------- sensor beside the camera
  // Degrees from the posture held during the sensor's calibration (0 = neutral standing);
  // drawn on a symmetric scale with the zero line in the middle.
  const sensorTrace = [];
  let sensorT = null;
  // Sensor plug-ins beside the camera (band, EMG): small gauges from their readouts
  // (sensor_gauges.js).
  function renderPlugins(sensors) {
    window.SensorGauges.render($("plugin-sensors"), sensors);
  }

  function renderSensor(s) {
    if (!withSensor) return;
    $("sensor-gauge").hidden = false;
    if (!s) return;
    setText("sensor-name", s.label);
    if (!s.calibrated) { setText("sensor-note", T("Back sensor: stand still and upright to calibrate…")); return; }
    setText("sensor-note", T("Measured by the back sensor, from your calibrated upright posture."));
    if (s.value_deg == null) { setText("sensor-value", "–"); return; }
    setText("sensor-value", Math.round(s.value_deg) + "°");
    if (s.t_s === sensorT) return;   // the same sample again (state and frame messages)
    sensorT = s.t_s;
    const now = performance.now();
    sensorTrace.push([now, s.value_deg]);
    while (sensorTrace.length && now - sensorTrace[0][0] > 10000) sensorTrace.shift();
    const max = Math.max(30, ...sensorTrace.map(([, v]) => Math.abs(v)));
    const y = (v) => 30 - (v / max) * 28;
    $("sensor-line").setAttribute("points", sensorTrace.map(([t, v]) =>
      (300 - (now - t) / 10000 * 300).toFixed(1) + "," + y(v).toFixed(1)).join(" "));
  }

  // ---------------------------------------------------------------- ghost of the target pose
  // The exercise's demonstration keyframe at its target position, drawn over the person:
  // scaled by their torso (shoulders to hips) and anchored at their hips, from the side or
  // the front as the exercise is filmed, turned the way the person faces. Toggleable.
  const ghost = { on: true, exerciseId: null, pose: null, loading: null };
  window.spinecoachStats.ghostFrames = 0;
  function ghostFor(exerciseId) {
    if (ghost.exerciseId === exerciseId) return;
    ghost.exerciseId = exerciseId; ghost.pose = null;
    if (!exerciseId) return;
    fetch("/exercises/" + encodeURIComponent(exerciseId) + "/demonstration.json?lang=" + encodeURIComponent(document.documentElement.lang || "en"), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((demo) => {
        if (!demo || ghost.exerciseId !== exerciseId) return;
        const moved = demo.steps.find((st) => st.name !== "start");
        const t = moved ? moved.end_s : 0;
        let k = 0;
        while (k < demo.times.length - 1 && demo.times[k + 1] <= t) k += 1;
        const index = {};
        demo.names.forEach((n, i) => { index[n] = i; });
        ghost.pose = { points: demo.frames[k], index, bones: demo.bones, view: demo.view };
      })
      .catch(() => { /* no demonstration: no ghost */ });
  }
  function drawGhost(ctx, px) {
    const g = ghost.pose;
    if (!ghost.on || !g || !landmarks) return;
    const seen = (n) => { const p = landmarks[nameIndex[n]]; return p && p[2] >= 0.5 ? p : null; };
    const ls = seen("left_shoulder"), rs = seen("right_shoulder"), lh = seen("left_hip"), rh = seen("right_hip");
    const sh = ls && rs ? [(ls[0] + rs[0]) / 2, (ls[1] + rs[1]) / 2] : (ls || rs);
    const hp = lh && rh ? [(lh[0] + rh[0]) / 2, (lh[1] + rh[1]) / 2] : (lh || rh);
    if (!sh || !hp) return;
    const [sx, sy] = px(sh), [hx, hy] = px(hp);
    const torsoPx = Math.hypot(sx - hx, sy - hy);
    const at = (n) => g.points[g.index[n]];
    const mid = (a, b) => a.map((v, i) => (v + b[i]) / 2);
    const dSh = mid(at("left_shoulder"), at("right_shoulder")), dHp = mid(at("left_hip"), at("right_hip"));
    const torsoCm = Math.hypot(dSh[0] - dHp[0], dSh[1] - dHp[1], dSh[2] - dHp[2]);
    if (torsoPx < 10 || torsoCm < 1) return;
    const scale = torsoPx / torsoCm;   // pixels per centimetre, from the person's torso
    // which way the person faces in the picture (side view): nose ahead of the hips
    const nose = seen("nose");
    const facing = nose ? (px(nose)[0] < hx ? -1 : 1) : 1;
    const proj = (p) => (g.view === "front"
      ? [hx + (p[1] - dHp[1]) * scale, hy - (p[2] - dHp[2]) * scale]
      : [hx + facing * (p[0] - dHp[0]) * scale, hy - (p[2] - dHp[2]) * scale]);
    ctx.save();
    ctx.setLineDash([10, 6]); ctx.lineWidth = 6; ctx.lineCap = "round";
    ctx.strokeStyle = "rgba(250, 204, 21, 0.75)";   // the target: dashed yellow, under the skeleton
    g.bones.forEach(([a, b]) => {
      if (g.index[a] === undefined || g.index[b] === undefined) return;
      const p = proj(at(a)), q = proj(at(b));
      ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]); ctx.stroke();
    });
    const head = proj(mid(at("left_ear"), at("right_ear")));
    ctx.beginPath(); ctx.arc(head[0], head[1], 8.5 * scale, 0, 2 * Math.PI); ctx.stroke();
    ctx.restore();
    window.spinecoachStats.ghostFrames += 1;
  }
  $("ghost-toggle").addEventListener("click", () => {
    ghost.on = !ghost.on;
    $("ghost-toggle").setAttribute("aria-pressed", String(ghost.on));
    $("ghost-toggle").textContent = ghost.on ? T("Hide target pose") : T("Show target pose");
  });

  // ---------------------------------------------------------------- skeleton
  function drawSkeleton() {
    const w = video.clientWidth || 640;
    const h = video.clientHeight || 480;
    if (overlay.width !== w || overlay.height !== h) { overlay.width = w; overlay.height = h; }
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, w, h);
    if (landmarks && performance.now() - landmarksAt < 600) {
      // Map normalised image coordinates onto the displayed (object-fit: contain) video.
      const vw = video.videoWidth || 640, vh = video.videoHeight || 480;
      const scale = Math.min(w / vw, h / vh);
      const ox = (w - vw * scale) / 2, oy = (h - vh * scale) / 2;
      const px = (p) => [ox + p[0] * vw * scale, oy + p[1] * vh * scale];
      drawGhost(ctx, px);
      ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.strokeStyle = "rgba(45, 212, 191, 0.95)";
      edges.forEach(([a, b]) => {
        const p = landmarks[a], q = landmarks[b];
        if (!p || !q || p[2] < 0.5 || q[2] < 0.5) return;
        const [x1, y1] = px(p), [x2, y2] = px(q);
        ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
      });
      ctx.fillStyle = "#f8fafc";
      landmarks.forEach((p) => {
        if (p[2] < 0.5) return;
        const [x, y] = px(p);
        ctx.beginPath(); ctx.arc(x, y, 4, 0, Math.PI * 2); ctx.fill();
      });
    }
    if (!finished) requestAnimationFrame(drawSkeleton);
  }

  // ---------------------------------------------------------------- camera frames
  function sendFrame() {
    if (finished || !ws || ws.readyState !== WebSocket.OPEN || source !== "camera") return;
    const now = performance.now();
    if (inFlight || now - lastSend < FRAME_INTERVAL_MS || video.readyState < 2) {
      setTimeout(sendFrame, 10);
      return;
    }
    const scale = Math.min(1, FRAME_WIDTH / (video.videoWidth || FRAME_WIDTH));
    grab.width = Math.round((video.videoWidth || 640) * scale);
    grab.height = Math.round((video.videoHeight || 480) * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    inFlight = true;
    lastSend = now;
    grab.toBlob((blob) => {
      if (!blob) { inFlight = false; setTimeout(sendFrame, 50); return; }
      blob.arrayBuffer().then((jpeg) => {
        const header = new ArrayBuffer(8);
        new DataView(header).setFloat64(0, performance.now(), true);
        const message = new Uint8Array(8 + jpeg.byteLength);
        message.set(new Uint8Array(header), 0);
        message.set(new Uint8Array(jpeg), 8);
        if (ws.readyState === WebSocket.OPEN) ws.send(message.buffer);
        window.spinecoachStats.frames += 1;
        setTimeout(sendFrame, 5);
      });
    }, "image/jpeg", 0.7);
  }

  // ---------------------------------------------------------------- socket
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const resume = config.resume ? "resume=" + encodeURIComponent(config.resume) : "";
    // a desk break (/session?desk_break=HH:MM) runs through the same session socket
    const deskBreak = new URLSearchParams(location.search).get("desk_break");
    const query = [resume, deskBreak ? "desk_break=" + encodeURIComponent(deskBreak) : ""]
      .filter(Boolean).join("&");
    const path = source === "imu" ? "/ws/session/imu" + (query ? "?" + query : "")
      : "/ws/session?source=" + source + sensorQuery() + (query ? "&" + query : "");
    ws = new WebSocket(scheme + "//" + location.host + path);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "hello") {
        document.body.dataset.sessionId = msg.session_id;
        render(msg.state); showCues(msg.cues || []);
        if (source === "camera") sendFrame();
        else if (source === "keypoints" && !stopPose) startBrowserPose();
        reconnects = 0;
      } else if (msg.type === "state") {
        render(msg.state); showCues(msg.cues || []);
      } else if (msg.type === "ack") {
        if (typeof msg.client_ts === "number" && source === "keypoints") rtts.push(performance.now() - msg.client_ts);
        if ("angle" in msg) renderAngle(msg.angle);
        if ("sensor_angle" in msg) renderSensor(msg.sensor_angle);
        if (msg.sensors) renderPlugins(msg.sensors);
        showCues(msg.cues || []);
      } else if (msg.type === "frame") {
        inFlight = false;
        rtts.push(performance.now() - msg.client_ts);
        if (msg.landmarks) { landmarks = msg.landmarks; landmarksAt = performance.now(); window.spinecoachStats.landmarkFrames += 1; }
        renderAngle(msg.angle);
        if ("sensor_angle" in msg) renderSensor(msg.sensor_angle);
        showCues(msg.cues || []);
      } else if (msg.type === "error") {
        inFlight = false;
        if (msg.fatal) { showFatal(msg.error); }
        else console.warn("spinecoach:", msg.error);
      } else if (msg.type === "finished") {
        finish(msg);
      } else if (msg.type === "moved") {   // reconnected in another window: no reconnect here
        moved = true;
        showFatal(msg.error);
      }
    };
    ws.onclose = () => {
      if (finished || moved) return;
      const sessionId = document.body.dataset.sessionId;
      if (sessionId && reconnects < 5) {   // resume the same stored session, on any server
        reconnects += 1;
        showFatal(T("The connection to the coach was lost; reconnecting… Your finished exercises are saved."));
        config.resume = sessionId;
        setTimeout(connect, 1000 * reconnects);
        return;
      }
      showFatal(T("The connection to the coach was lost. Your finished exercises are saved; reload the page to resume."));
    };
  }
  function sensorQuery() {
    const plugin = ($("with-plugin") || {}).value || "";
    const names = [withSensor ? "imu" : "", plugin].filter((n) => n);
    return names.length ? "&sensor=" + names.join(",") : "";
  }
  function send(obj) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj)); }

  // ---------------------------------------------------------------- pose in the browser
  function startBrowserPose() {
    const missing = config.names.map(() => [null, null, null, 0]);  // as keypoints: x, y, z, v
    stopPose = window.spinecoachPose.start(video, (r) => {
      if (finished) return;
      const stats = window.spinecoachStats;
      stats.detectFps = r.detectFps; stats.confidence = r.confidence; stats.detectMs = r.ms;
      if (r.landmarks) { landmarks = r.landmarks; landmarksAt = performance.now(); stats.landmarkFrames += 1; }
      send({ type: "keypoints", t: r.t, keypoints: r.keypoints || missing,
             detect_fps: Math.round(r.detectFps * 10) / 10,
             confidence: Math.round(r.confidence * 1000) / 1000 });
      stats.keypointsSent += 1;
    }, (error) => {
      showFatal(T("Pose in this browser could not start ({error}). Reload and choose timers only, or tick 'analyse on the server'.", { error }));
    });
  }

  function showFatal(text) {
    const list = $("cues");
    const li = document.createElement("li");
    li.className = "cue urgent";
    li.textContent = text;
    list.prepend(li);
  }

  function finish(msg) {
    finished = true;
    if (stopPose) { stopPose(); stopPose = null; }
    render(msg.state);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    $("live").hidden = true;
    $("summary").hidden = false;
    const status = msg.state.status;
    setText("summary-title", status === "completed" ? T("Well done — session complete") :
      status === "urgent_care" ? T("Please get medical help now") : T("Session ended"));
    $("stop-overlay").hidden = true;
    $("summary-safety").hidden = status === "completed";
    const reasons = (msg.state.last_cues || []).filter((c) => c.kind === "safety").map((c) => c.text);
    setText("summary-reasons", reasons.join(" "));
    const rows = $("summary-rows");
    $("summary-table").hidden = !(msg.results || []).length;
    (msg.results || []).forEach((r) => {
      const tr = document.createElement("tr");
      [r.name || r.exercise_id.replace(/_/g, " "), r.reps_done + "/" + r.reps_target,
       (r.ranges_deg || []).map((v) => Math.round(v)).join(", ") || "–",
       (r.hold_times_s || []).map((v) => Math.round(v)).join(", ") || "–",
       r.count_confidence && r.count_confidence !== "none" ? r.count_confidence :
         (r.count_confidence_text ? T("not clear") : "–")].forEach((text) => {
        const td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    // The short summary: what you did, what improved, what changes tomorrow (server-built,
    // the same lines as `spinecoach session` prints).
    const summary = msg.summary || { did: [], improved: [], tomorrow: [T("No changes yet.")], ask_pain: false };
    const fill = (id, lines) => {
      const list = $(id);
      list.textContent = "";
      lines.forEach((text) => { const li = document.createElement("li"); li.textContent = text; list.appendChild(li); });
    };
    fill("summary-did", summary.did || []);
    fill("summary-improved", summary.improved || []);
    fill("summary-changes", summary.tomorrow || []);
    // "Pain now?" whenever the session has no pain after yet, e.g. it ended early
    $("summary-pain").hidden = !(summary.ask_pain && msg.session_id);
    if (summary.ask_pain && msg.session_id) askPainNow(msg.session_id);
  }
  function askPainNow(sessionId) {
    const box = $("summary-pain-buttons");
    if (box.children.length) return;
    painButtons(box, (p) => {
      fetch("/session/" + sessionId + "/pain", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": $("summary-csrf").value },
        body: JSON.stringify({ pain: p }),
      }).then((r) => {
        if (!r.ok) throw new Error(String(r.status));
        $("summary-pain").hidden = true;
        $("summary-pain-saved").hidden = false;
        $("summary-pain-saved").textContent = T("Thank you: pain {p}/10 saved with this session.", { p });
      }).catch(() => { $("summary-pain-saved").hidden = false; $("summary-pain-saved").textContent = T("Could not save that; please try again."); });
    });
  }

  // ---------------------------------------------------------------- controls
  function painButtons(container, onPick) {
    for (let p = 0; p <= 10; p++) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "pain p" + p; b.textContent = String(p);
      b.setAttribute("aria-label", T("Pain {p} out of 10", { p }));
      b.addEventListener("click", () => onPick(p, b));
      container.appendChild(b);
    }
  }
  painButtons($("pain-buttons"), (p) => send({ type: "pain", pain: p }));
  let symptomPain = null;
  painButtons($("symptom-pain"), (p, b) => {
    symptomPain = p;
    $("symptom-pain").querySelectorAll("button").forEach((x) => x.classList.toggle("picked", x === b));
  });
  config.symptoms.forEach((s) => {
    const label = document.createElement("label");
    label.className = "symptom";
    const box = document.createElement("input");
    box.type = "checkbox"; box.value = s.id; box.name = "symptom";
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + s.label));
    $("symptom-list").appendChild(label);
  });

  $("wrong").addEventListener("click", () => {
    send({ type: "pause" });
    symptomPain = null;
    $("symptom-dialog").showModal();
  });
  $("symptom-dialog").addEventListener("close", () => {
    const dialog = $("symptom-dialog");
    const boxes = Array.from(dialog.querySelectorAll("input[name=symptom]:checked"));
    if (dialog.returnValue === "report") {
      const msg = { type: "symptoms", symptoms: boxes.map((b) => b.value) };
      if (symptomPain !== null) msg.pain = symptomPain;
      send(msg);
    } else {
      send({ type: "resume" });
    }
    boxes.forEach((b) => { b.checked = false; });
  });
  $("report-pain").addEventListener("click", () => { $("pain-ask").hidden = false; });
  $("stop-ack").addEventListener("click", () => send({ type: "acknowledge_stop" }));
  $("skip").addEventListener("click", () => send({ type: "skip" }));
  $("stop").addEventListener("click", () => send({ type: "stop" }));
  $("mute").addEventListener("click", () => {
    muted = !muted;
    $("mute").setAttribute("aria-pressed", String(muted));
    $("mute").textContent = muted ? T("Unmute voice") : T("Mute voice");
    if (muted && "speechSynthesis" in window) window.speechSynthesis.cancel();
  });

  function begin(withCamera) {
    $("intro").hidden = true;
    $("live").hidden = false;
    // Default: pose runs here and only keypoints are sent; frames only if the person chose it.
    source = withCamera ? ($("send-frames").checked ? "camera" : "keypoints") : "timer";
    withSensor = withCamera && $("with-sensor").checked;
    if (withSensor) renderSensor(null);
    $("no-camera").hidden = withCamera;
    video.hidden = !withCamera;
    chime(660, 150);   // unlock audio on the user's tap
    connect();
    if (withCamera) requestAnimationFrame(drawSkeleton);
  }
  $("start-timer").addEventListener("click", () => begin(false));

  // A phone strapped to the sacrum as the motion sensor steering the session (motion.js).
  if (window.spinecoachMotion.available()) {
    $("start-phone").hidden = false;
  }
  $("start-phone").addEventListener("click", () => {
    window.spinecoachMotion.requestPermission().then((ok) => {
      if (!ok) { $("camera-note").textContent = window.spinecoachMotion.DENIED_HELP + " " + T("Starting with timers only for now."); begin(false); return; }
      source = "imu";
      $("intro").hidden = true; $("live").hidden = false;
      $("no-camera").hidden = false; video.hidden = true;
      $("no-camera").textContent = T("Phone sensor: stand still and upright for 3 seconds to calibrate.");
      chime(660, 150);
      connect();
      window.spinecoachMotion.start((lines) => send({ type: "imu", t: performance.now(), lines }), 10);
    });
  });
  $("start-camera").addEventListener("click", () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $("camera-note").textContent = T("This browser cannot share a camera here; starting with timers only.");
      begin(false);
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
      .then((s) => { stream = s; video.srcObject = s; begin(true); })
      .catch(() => {
        $("camera-note").textContent = T("No camera available (or permission refused); starting with timers only.");
        begin(false);
      });
  });
})();
