/* spinecoach service worker: the app's own static files (styles, scripts, icons) and the
   exercise demonstrations are kept on the device, so the pages open offline once visited.
   Pages: network first, the last copy when offline (this device's own pages only; cleared on
   sign-out by pwa.js). Reminders (reminders.js, reminder_due.js): shown here when a page asks
   ("check-reminders") and, where the browser offers Periodic Background Sync (an installed
   app in Chromium), when the browser wakes this worker with no page open. Nothing is sent
   anywhere. */
"use strict";
importScripts("/static/reminder_due.js");
const VERSION = "v4";  // v2: keypoints carry depth; v3: reminders in the worker; v4: session.js
const STATIC = "spinecoach-static-" + VERSION;
const PAGES = "spinecoach-pages";
const ASSETS = [
  "/static/app.css", "/static/demo.js", "/static/session.js", "/static/session_hud.js", "/static/motion.js",
  "/static/sensor.js", "/static/sensor_gauges.js", "/static/pwa.js", "/static/reminders.js", "/static/reminder_due.js", "/static/logo.svg", "/static/icon-192.png",
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

// ------------------------------------------------------------------------ reminders
const Due = self.spinecoachReminderDue;
// From a page: within an hour of each time (the page checks every 30 s). From a background
// wake-up (the browser decides when, often hours apart): the daily session for 6 hours after
// its time, a desk break for an hour.
const PAGE_LATE = { daily: 60 * 60 * 1000, breaks: 60 * 60 * 1000 };
const BACKGROUND_LATE = { daily: 6 * 60 * 60 * 1000, breaks: 60 * 60 * 1000 };

function showReminder(r, tag) {
  return self.registration.showNotification(r.title, {
    body: r.body, tag: tag, data: { url: r.url }, icon: "/static/icon-192.png",
  });
}

function checkReminders(now, late) {
  if (self.Notification && self.Notification.permission !== "granted") return Promise.resolve([]);
  return Due.check(new Date(now), showReminder, late).catch(() => []);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "check-reminders") return;
  const now = typeof data.now === "number" && isFinite(data.now) ? data.now : Date.now();
  event.waitUntil(checkReminders(now, PAGE_LATE));
});

self.addEventListener("periodicsync", (event) => {
  if (event.tag !== "spinecoach-reminders") return;
  event.waitUntil(checkReminders(Date.now(), BACKGROUND_LATE));
});

// A reminder was clicked: open the app where it points.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/today";
  event.waitUntil(self.clients.openWindow(url));
});
