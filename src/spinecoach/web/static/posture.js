// Posture pages: desk-break reminders, the webcam posture check and the sitting monitor.
// Frames go to this app's own server over a WebSocket (same format as the guided session:
// an 8-byte little-endian float64 time stamp in ms, then a JPEG); nothing is sent elsewhere.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const T = window.spinecoachT || ((s, p) => s.replace(/\{(\w+)\}/g, (m, k) => (p && k in p ? String(p[k]) : m)));
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";

  function frameMessage(canvas, video, done) {
    canvas.width = video.videoWidth || 640;
    canvas.height = video.videoHeight || 480;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob((blob) => {
      if (!blob) { done(null); return; }
      blob.arrayBuffer().then((jpeg) => {
        const header = new ArrayBuffer(8);
        new DataView(header).setFloat64(0, performance.now(), true);
        const message = new Uint8Array(8 + jpeg.byteLength);
        message.set(new Uint8Array(header), 0);
        message.set(new Uint8Array(jpeg), 8);
        done(message.buffer);
      });
    }, "image/jpeg", 0.7);
  }

  function notify(title, body, url) {
    if (!("Notification" in window) || Notification.permission !== "granted") return false;
    const n = new Notification(title, { body: body });
    if (url) n.onclick = () => { window.focus(); location.href = url; };
    return true;
  }

  // ------------------------------------------------------------ desk-break reminders
  const postureConfig = $("posture-config");
  if (postureConfig) {
    const config = JSON.parse(postureConfig.textContent);
    const button = $("reminders");
    const state = $("reminder-state");
    const today = new Date().toISOString().slice(0, 10);
    const key = (label) => "spinecoach-reminded-" + today + "-" + label;
    function check() {
      const now = new Date();
      const hhmm = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
      for (const label of config.breaks) {
        if (label <= hhmm && !config.done.includes(label) && !localStorage.getItem(key(label))) {
          if (notify(T("Desk break {time}", { time: label }), T("Two minutes to move: your desk break is due."),
                     "/session?desk_break=" + label)) localStorage.setItem(key(label), "1");
        }
      }
    }
    if (button) {
      button.addEventListener("click", () => {
        if (!("Notification" in window)) { state.textContent = T("This browser cannot show notifications."); return; }
        Notification.requestPermission().then((p) => {
          state.textContent = p === "granted" ? T("Reminders on while this page is open.") : T("Notifications were not allowed: allow them in the browser's site settings.");
          if (p === "granted") { check(); setInterval(check, 30000); }
        });
      });
      if ("Notification" in window && Notification.permission === "granted") { check(); setInterval(check, 30000); }
    }
  }

  // ------------------------------------------------------------ the webcam check
  const checkConfig = $("check-config");
  if (checkConfig) {
    const config = JSON.parse(checkConfig.textContent);
    const video = $("preview"), status = $("status"), result = $("result");
    const canvas = document.createElement("canvas");
    function showResult(msg) {
      status.textContent = T("Saved.");
      result.hidden = false;
      const rows = msg.figures.map((f) => "<tr><td>" + (f.label || f.measure) + "</td><td>" + f.value_deg + "°</td><td>" + f.confidence_label + "</td><td>" + f.comparison + "</td></tr>").join("");
      const missing = Object.entries(msg.unmeasurable || {}).map(([k, v]) => "<li>" + k + ": " + v + "</li>").join("");
      result.innerHTML = "<table class='figures'><tbody>" + rows + "</tbody></table>" +
        (missing ? "<ul class='muted small'>" + missing + "</ul>" : "") +
        (msg.notes.length ? "<p class='muted'>" + msg.notes.join("; ") + "</p>" : "") +
        "<p><a class='button' href='/posture'>" + T("See all checks") + "</a></p>";
    }
    if (config.source === "imu") {
      $("start").addEventListener("click", () => {
        $("start").disabled = true;
        const ws = new WebSocket(scheme + "//" + location.host + "/ws/posture/check?source=imu&position=" + config.position);
        let timer = null;
        ws.onopen = () => {
          status.textContent = T("Waiting for the phone: open /posture/sensor on it and tap Start sensor.");
          timer = setInterval(() => ws.send(JSON.stringify({ type: "status" })), 1000);
        };
        ws.onmessage = (event) => {
          const msg = JSON.parse(event.data);
          if (msg.type === "sensor") {
            if (!msg.receiving) status.textContent = msg.connected ? T("Phone connected: waiting for its data…") : T("Waiting for the phone: open /posture/sensor on it and tap Start sensor.");
            else if (!msg.calibrated) status.textContent = T("Stand still and upright: calibrating…");
            else if (msg.held_s < 12) status.textContent = config.position === "seated" ? T("Now sit as you work and hold still… {s} s", { s: Math.floor(msg.held_s) }) : T("Now stand as you usually do and hold still… {s} s", { s: Math.floor(msg.held_s) });
            else { clearInterval(timer); status.textContent = T("Measuring…"); ws.send(JSON.stringify({ type: "done" })); }
          }
          if (msg.type === "error") status.textContent = msg.error;
          if (msg.type === "result") { clearInterval(timer); showResult(msg); }
        };
        ws.onclose = () => { if (timer) clearInterval(timer); $("start").disabled = false; };
      });
    } else
    $("start").addEventListener("click", async () => {
      let stream;
      try { stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false }); }
      catch (e) { status.textContent = T("No camera: allow camera access for this site and try again."); return; }
      video.srcObject = stream;
      const ws = new WebSocket(scheme + "//" + location.host + "/ws/posture/check?view=" + config.view + "&position=" + config.position);
      ws.binaryType = "arraybuffer";
      let sent = 0;
      const started = performance.now();
      ws.onopen = () => {
        status.textContent = T("Hold still…");
        const timer = setInterval(() => {
          if (performance.now() - started > 10000) {
            clearInterval(timer);
            ws.send(JSON.stringify({ type: "done" }));
            stream.getTracks().forEach((t) => t.stop());
            status.textContent = T("Measuring…");
            return;
          }
          frameMessage(canvas, video, (m) => { if (m && ws.readyState === WebSocket.OPEN) { ws.send(m); sent += 1; } });
        }, 250);
      };
      ws.onmessage = (event) => {
        const msg = JSON.parse(event.data);
        if (msg.type === "progress") status.textContent = T("Hold still… {n} frames", { n: msg.frames });
        if (msg.type === "error") status.textContent = msg.error;
        if (msg.type === "result") showResult(msg);
      };
    });
  }

  // ------------------------------------------------------------ the sitting monitor
  const monitorConfig = $("monitor-config");
  if (monitorConfig) {
    const config = JSON.parse(monitorConfig.textContent);
    const toggle = $("monitor-toggle"), indicator = $("monitor-indicator"), stateLine = $("monitor-state");
    const video = $("monitor-preview");
    const canvas = document.createElement("canvas");
    let ws = null, stream = null, timer = null;
    function setIndicator(on, words) {
      indicator.className = on ? "monitor-on" : "monitor-off";
      indicator.innerHTML = (on ? T("Monitor is <strong>ON</strong>") : T("Monitor is <strong>OFF</strong>")) + (words ? " · " + words : "");
      toggle.textContent = on ? T("Switch off") : T("Switch on");
      document.title = (on ? "● " + T("Monitor on") + " · " : "") + T("Sitting monitor") + " · spinecoach";
    }
    async function start() {
      const chosen = document.querySelector("input[name=monitor-source]:checked");
      const source = chosen ? chosen.value : "camera";
      if (source === "camera") {
        try { stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false }); }
        catch (e) { stateLine.textContent = T("No camera: allow camera access for this site."); return; }
        video.srcObject = stream;
      }
      if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
      ws = new WebSocket(scheme + "//" + location.host + "/ws/posture/monitor?source=" + source);
      ws.binaryType = "arraybuffer";
      ws.onopen = () => {
        if (source === "imu") {
          setIndicator(true, T("waiting for the phone on your back (open /posture/sensor on it)"));
          timer = setInterval(() => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "tick", t: performance.now() })); }, 1000 / config.fps);
          return;
        }
        setIndicator(true, T("sit upright for 10 s (your baseline)"));
        timer = setInterval(() => {
          if (document.hidden && !video.videoWidth) { ws.send(JSON.stringify({ type: "away", t: performance.now() })); return; }
          frameMessage(canvas, video, (m) => { if (m && ws && ws.readyState === WebSocket.OPEN) ws.send(m); });
        }, 1000 / config.fps);
      };
      ws.onmessage = (event) => {
        const msg = JSON.parse(event.data);
        if (msg.type === "state") {
          const category = { upright: T("upright"), slumped: T("slumped"), away: T("away") }[msg.category] || msg.category;
          let words = msg.category === "away" ? T("paused: no one in view") : (msg.calibrated ? category : T("learning your upright posture"));
          if (msg.sensor && msg.category === "away") words = !msg.sensor.receiving ? T("paused: no data from the phone") : T("phone calibrating: stand upright 3 s, then sit");
          setIndicator(true, words);
          stateLine.textContent = T("Minutes: upright {upright}, slumped {slumped}, away {away}", msg.minutes);
          for (const n of msg.nudges) { if (!notify("spinecoach", n.text, n.kind === "break" ? "/posture#breaks" : null)) alert(n.text); }
        }
        if (msg.type === "stopped") stateLine.textContent = T("Saved: upright {upright}, slumped {slumped}, away {away} minutes; {nudges} nudge(s).", Object.assign({ nudges: msg.nudges }, msg.minutes));
        if (msg.type === "error") stateLine.textContent = msg.error;
      };
      ws.onclose = () => stop(false);
    }
    function stop(sendStop) {
      if (timer) clearInterval(timer);
      timer = null;
      if (sendStop && ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "stop" }));
      if (stream) stream.getTracks().forEach((t) => t.stop());
      stream = null;
      setIndicator(false, "");
    }
    toggle.addEventListener("click", () => { if (timer) stop(true); else start(); });
    setIndicator(false, "");
  }
})();
