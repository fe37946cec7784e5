/* spinecoach service worker: the app's own static files (styles, scripts, icons) and the
   exercise demonstrations are kept on the device, so the pages open offline once visited.
   Pages: network first, the last copy when offline (this device's own pages only; cleared on
   sign-out by pwa.js). Nothing is sent anywhere. */
"use strict";
const VERSION = "v2";  // v2: keypoints carry depth (pose_client.js, session.js)
const STATIC = "spinecoach-static-" + VERSION;
const PAGES = "spinecoach-pages";
const ASSETS = [
  "/static/app.css", "/static/demo.js", "/static/session.js", "/static/motion.js",
  "/static/sensor.js", "/static/sensor_gauges.js", "/static/pwa.js", "/static/reminders.js", "/static/logo.svg", "/static/icon-192.png",
  "/static/icon-512.png", "/static/manifest.webmanifest",
];
const OFFLINE_PAGES = ["/today", "/progress"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("spinecoach-static-") && k !== STATIC).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/") || url.pathname.endsWith("/demonstration.json")) {
    event.respondWith(
      caches.match(request, { ignoreSearch: url.pathname.startsWith("/static/") }).then((hit) => {
        const fresh = fetch(request).then((response) => {
          if (response.ok) caches.open(STATIC).then((cache) => cache.put(request, response.clone()));
          return response;
        });
        return hit || fresh;
      })
    );
    return;
  }
  if (request.mode === "navigate" && OFFLINE_PAGES.includes(url.pathname)) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(PAGES).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() => caches.match(url.pathname, { cacheName: PAGES }).then((hit) => hit || Response.error()))
    );
  }
});

// A reminder (reminders.js) was clicked: open the app where it points.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/today";
  event.waitUntil(self.clients.openWindow(url));
});
