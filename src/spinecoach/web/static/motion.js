/* spinecoach: this device's motion sensors (devicemotion) as an IMU stream in the JSON-lines
   protocol of spinecoach.sources.imu.live: one "lower" (sacral) sensor, gyro in deg/s,
   accel in g including gravity. Used by the session page (phone-only sessions) and the
   phone-as-back-sensor page. Plain JavaScript, no libraries. */
window.spinecoachMotion = (function () {
  "use strict";
  const G = 9.80665;
  function available() {
    return !!window.DeviceMotionEvent && /Mobi|Android|iPhone|iPad/.test(navigator.userAgent);
  }
  // iOS asks for permission on a tap; elsewhere it is granted. Resolves true when allowed.
  function requestPermission() {
    const ask = window.DeviceMotionEvent && DeviceMotionEvent.requestPermission
      ? DeviceMotionEvent.requestPermission() : Promise.resolve("granted");
    return ask.then((answer) => answer === "granted", () => false);
  }
  // What to tell a person whose browser refused the motion sensors: how to allow them.
  const T = window.spinecoachT || ((s) => s);
  const DENIED_HELP = T("Motion sensors are blocked for this page. To allow them: open the site settings (the icon left of the address bar), set “Motion sensors” to Allow, then reload this page. On an iPhone or iPad: Settings › Safari › Motion & Orientation Access, then reload and tap Start again.");
  // Calls sendLines(text) with every `batch` samples; returns a function that stops.
  function start(sendLines, batch) {
    let lines = [];
    function onMotion(e) {
      const a = e.accelerationIncludingGravity, r = e.rotationRate;
      if (!a || a.x == null) return;
      const line = { t: +(e.timeStamp / 1000).toFixed(4), sensor: "lower",
        accel: [a.x / G, a.y / G, a.z / G] };
      if (r && r.alpha != null) line.gyro = [r.beta, r.gamma, r.alpha];
      lines.push(JSON.stringify(line));
      if (lines.length >= (batch || 10)) { sendLines(lines.join("\n")); lines = []; }
    }
    window.addEventListener("devicemotion", onMotion);
    return () => window.removeEventListener("devicemotion", onMotion);
  }
  return { available, requestPermission, start, DENIED_HELP };
})();
