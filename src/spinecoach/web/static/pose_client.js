/* spinecoach: the page side of pose-in-the-browser. Grabs video frames as ImageBitmaps,
   hands them to pose_worker.js one at a time, and reports each result with the measured
   detection rate and mean landmark confidence. Only keypoints leave this page.
   window.spinecoachPose.start(video, onResult, onError) -> stop()
   onResult({t, landmarks, keypoints, width, height, detectFps, confidence, ms})
   keypoints: [[x, y, z, visibility], ...] in pixels (z: the relative depth, x's pixel scale;
   null where the model gave none), the guided session's keypoints message; landmarks:
   [[x, y, visibility], ...] normalised, for drawing. */
(function () {
  "use strict";
  const WASM = "/static/vendor/tasks-vision/wasm";
  const MODEL = "/static/vendor/models/pose_landmarker_full.task";
  const MAX_FPS = 30;

  function start(video, onResult, onError) {
    const worker = new Worker("/static/pose_worker.js");
    let stopped = false;
    let ready = false;
    let inFlight = 0;        // two frames in flight: the next waits while one is detected
    let lastT = 0;
    let lastVideoTime = -1;
    const done = [];   // completion times of the last 2 s, for the detection rate
    const times = [];  // worker milliseconds per detection
    function next() {
      if (stopped || !ready || inFlight >= 2) return;
      const now = performance.now();
      if (video.readyState < 2 || now - lastT < 1000 / MAX_FPS || video.currentTime === lastVideoTime) {
        setTimeout(next, 5);
        return;
      }
      inFlight += 1;
      lastT = now;
      lastVideoTime = video.currentTime;
      createImageBitmap(video).then((bitmap) => {
        if (stopped) { bitmap.close(); return; }
        worker.postMessage({ type: "frame", bitmap, t: now }, [bitmap]);
        next();
      }).catch(() => { inFlight -= 1; setTimeout(next, 50); });
    }
    worker.onmessage = (event) => {
      const msg = event.data;
      if (msg.type === "ready") { ready = true; next(); return; }
      if (msg.type === "error") { if (onError) onError(msg.error); return; }
      if (msg.type !== "result") return;
      inFlight -= 1;
      const now = performance.now();
      done.push(now);
      times.push(msg.ms);
      while (done.length && now - done[0] > 2000) { done.shift(); times.shift(); }
      const span = done.length > 1 ? (done[done.length - 1] - done[0]) / 1000 : 0;
      const detectFps = span > 0 ? (done.length - 1) / span : 0;
      let keypoints = null, confidence = 0;
      if (msg.landmarks) {
        const depth = msg.depth || [];
        keypoints = msg.landmarks.map(([x, y, v], i) => [x * msg.width, y * msg.height,
          typeof depth[i] === "number" ? depth[i] * msg.width : null, v]);
        confidence = msg.landmarks.reduce((s, p) => s + p[2], 0) / msg.landmarks.length;
      }
      const ms = times.reduce((s, v) => s + v, 0) / times.length;
      onResult({ t: msg.t, landmarks: msg.landmarks, keypoints, width: msg.width,
                 height: msg.height, detectFps, confidence, ms });
      next();
    };
    worker.onerror = (event) => { if (onError) onError(event.message || (window.spinecoachT || ((s) => s))("the pose worker failed")); };
    worker.postMessage({ type: "init", wasm: WASM, model: MODEL });
    return function stop() { stopped = true; worker.terminate(); };
  }

  window.spinecoachPose = { start };
})();
