/* spinecoach: this phone on the lower back as a motion sensor beside a camera session running
   in another window (same account). Streams devicemotion to /ws/session/sensor. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const T = window.spinecoachT || ((text) => text);
  let stop = null;
  function status(text) { $("sensor-status").textContent = text; }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(scheme + "//" + location.host + "/ws/session/sensor");
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "hello") {
        status(T("Connected. Stand still and upright for 3 seconds to calibrate."));
        stop = window.spinecoachMotion.start((lines) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "imu", t: performance.now(), lines }));
        }, 10);
      } else if (msg.type === "ack" && msg.sensor_angle) {
        const s = msg.sensor_angle;
        if (!s.calibrated) { status(T("Calibrating: stand still and upright…")); return; }
        status(T("Streaming to your session."));
        $("sensor-value").textContent = s.label + ": " + (s.value_deg == null ? "–" : Math.round(s.value_deg) + "°");
      } else if (msg.type === "error") {
        status(msg.error);
      } else if (msg.type === "finished") {
        status(T("The session has ended. You can take the phone off."));
      }
    };
    ws.onclose = () => { if (stop) stop(); stop = null; $("sensor-start").disabled = false; };
  }
  $("sensor-start").addEventListener("click", () => {
    if (!window.DeviceMotionEvent) { status(T("This browser has no motion sensors.")); return; }
    window.spinecoachMotion.requestPermission().then((ok) => {
      if (!ok) { status(window.spinecoachMotion.DENIED_HELP); return; }
      $("sensor-start").disabled = true;
      status(T("Connecting…"));
      connect();
    });
  });
})();
