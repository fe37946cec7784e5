/* spinecoach: pose estimation in the browser, off the page's main thread.
   A classic worker running MediaPipe's web runtime (@mediapipe/tasks-vision, CPU delegate)
   on the BlazePose model bundle the server built from the mediapipe wheel. Everything is
   loaded from this app (/static/vendor); nothing goes to any other host (the page's
   Content-Security-Policy says connect-src 'self').
   Messages in:  {type: "init", wasm, model}, {type: "frame", bitmap, t}
   Messages out: {type: "ready"}, {type: "error", error},
                 {type: "result", t, ms, width, height, landmarks: [[x, y, visibility], ...] | null,
                  depth: [z, ...] | null}
   (x, y normalised to the frame; z is the Tasks API's relative depth: 0 at the hips' mid
   point, negative toward the camera, on about the scale of x, so z * width is in pixels). */
"use strict";
self.exports = {};  // vision_bundle.cjs assigns its exports here
importScripts("/static/vendor/tasks-vision/vision_bundle.cjs");
const vision = self.exports;
let landmarker = null;

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg.type === "init") {
    try {
      const fileset = await vision.FilesetResolver.forVisionTasks(msg.wasm);
      landmarker = await vision.PoseLandmarker.createFromOptions(fileset, {
        baseOptions: { modelAssetPath: msg.model, delegate: "CPU" },
        runningMode: "VIDEO",
        numPoses: 1,
      });
      self.postMessage({ type: "ready" });
    } catch (err) {
      self.postMessage({ type: "error", error: String(err && err.message || err) });
    }
    return;
  }
  if (msg.type === "frame") {
    const started = performance.now();
    const { width, height } = msg.bitmap;
    let landmarks = null, depth = null;
    try {
      const result = landmarker.detectForVideo(msg.bitmap, msg.t);
      const pose = result.landmarks && result.landmarks[0];
      if (pose) {
        landmarks = pose.map((p) => [p.x, p.y, p.visibility === undefined ? 1 : p.visibility]);
        depth = pose.map((p) => (typeof p.z === "number" && isFinite(p.z) ? p.z : null));
      }
    } catch (err) {
      self.postMessage({ type: "error", error: String(err && err.message || err) });
    } finally {
      msg.bitmap.close();
    }
    self.postMessage({ type: "result", t: msg.t, ms: performance.now() - started, width, height, landmarks, depth });
  }
};
