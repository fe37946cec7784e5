/* Reminders at the times the person picked (the Reminders page): the daily session and each
   desk break, as browser notifications shown by this device's service worker where there is
   one (so a click opens the app), else by the page. The times live in this browser's
   localStorage; nothing is sent anywhere. Checked every 30 s while any page of the app is
   open; each reminder is shown once a day, within an hour after its time. */
(function () {
  "use strict";
  const T = window.spinecoachT || ((s, p) => s.replace(/\{(\w+)\}/g, (m, k) => (p && k in p ? String(p[k]) : m)));
  const KEY = "spinecoach-reminders";
  const LATE_MS = 60 * 60 * 1000;
  const load = () => { try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; } };
  const save = (value) => localStorage.setItem(KEY, JSON.stringify(value));
  const pad = (n) => String(n).padStart(2, "0");
  const day = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());

  function show(title, body, url) {
    const options = { body: body, tag: "spinecoach-" + title, data: { url: url }, icon: "/static/icon-192.png" };
    if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
      return navigator.serviceWorker.ready.then((reg) => reg.showNotification(title, options));
    }
    const n = new Notification(title, options);
    n.onclick = () => { window.focus(); location.href = url; };
    return Promise.resolve();
  }

  function due(settings, now) {
    const out = [];
    if (settings.daily) out.push({ at: settings.daily, title: T("Time for your back routine"), body: T("Your daily session is ready."), url: "/session" });
    if (settings.breaksOn) (settings.breaks || []).forEach((b) => out.push({ at: b, title: T("Desk break {time}", { time: b }), body: T("Two minutes to move: your desk break is due."), url: "/session?desk_break=" + b }));
    return out.filter((r) => {
      const [h, m] = r.at.split(":").map(Number);
      const when = new Date(now); when.setHours(h, m, 0, 0);
      const late = now - when;
      return late >= 0 && late < LATE_MS && !localStorage.getItem("spinecoach-reminded-" + day(now) + "-" + r.title);
    });
  }

  function check() {
    const settings = load();
    if (!settings || !settings.on || !("Notification" in window) || Notification.permission !== "granted") return;
    const now = new Date();
    due(settings, now).forEach((r) => {
      localStorage.setItem("spinecoach-reminded-" + day(now) + "-" + r.title, "1");
      show(r.title, r.body, r.url);
    });
  }
  window.spinecoachReminders = { check: check, load: load };
  check();
  setInterval(check, 30000);

  // ------------------------------------------------------------ the Reminders page
  const configEl = document.getElementById("reminder-config");
  if (!configEl) return;
  const config = JSON.parse(configEl.textContent);
  const $ = (id) => document.getElementById(id);
  const status = $("reminder-status");
  const current = load() || { on: false, daily: "", breaks: [], breaksOn: true };
  current.breaks = config.breaks;   // the plan's desk-break times, kept up to date here
  if (current.on) save(current);
  $("daily-time").value = current.daily || "";
  if ($("break-reminders")) $("break-reminders").checked = current.breaksOn !== false;
  status.textContent = current.on ? T("Reminders are on in this browser.") : T("Reminders are off.");
  $("reminder-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!("Notification" in window)) { status.textContent = T("This browser cannot show notifications."); return; }
    Notification.requestPermission().then((p) => {
      if (p !== "granted") { status.textContent = T("Notifications were not allowed: allow them in the browser's site settings."); return; }
      const settings = { on: true, daily: $("daily-time").value, breaks: config.breaks,
                         breaksOn: $("break-reminders") ? $("break-reminders").checked : false };
      save(settings);
      const parts = [settings.daily ? T("daily session at {time}", { time: settings.daily }) : "",
                     settings.breaksOn && settings.breaks.length ? T("desk breaks at {times}", { times: settings.breaks.join(", ") }) : ""].filter(Boolean);
      status.textContent = parts.length ? T("Reminders on: {what}.", { what: parts.join("; ") }) : T("Reminders on, but no time is set.");
      check();
    });
  });
  $("reminders-off").addEventListener("click", () => {
    const settings = load() || current;
    settings.on = false;
    save(settings);
    status.textContent = T("Reminders are off.");
  });
})();
