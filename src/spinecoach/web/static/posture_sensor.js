/* spinecoach: this phone on the lower back as the IMU of the posture check or the sitting
   monitor open on the person's computer (same account). Streams devicemotion to
   /ws/posture/sensor in the JSON-lines protocol (motion.js). */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const T = window.spinecoachT || ((s) => s);
  let stop = null;
  function status(text) { $("sensor-status").textContent = text; }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(scheme + "//" + location.host + "/ws/posture/sensor");
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === "hello") {
        status(msg.kind === "check" ? T("Connected to your posture check. Stand still and upright for 3 seconds to calibrate.") : T("Connected to your sitting monitor. Stand still and upright for 3 seconds to calibrate."));
        stop = window.spinecoachMotion.start((lines) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "imu", t: performance.now(), lines }));
        }, 10);
      } else if (msg.type === "ack") {
        status(msg.calibrated ? T("Streaming to your computer.") : T("Calibrating: stand still and upright…"));
      } else if (msg.type === "error") {
        status(msg.error);
      }
    };
    ws.onclose = () => { if (stop) stop(); stop = null; $("sensor-start").disabled = false; status(T("Stopped.")); };
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
