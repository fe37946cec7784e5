/* Reminders at the times the person picked (the Reminders page): the daily session and each
   desk break on the chosen weekdays.

   Three ways, from the most to the least dependable:
   * the calendar file (/reminders.ics, made by the server from the saved times): the phone's
     own calendar reminds, with no page open;
   * Periodic Background Sync, where the browser offers it (an installed app in Chromium):
     the service worker checks when the browser wakes it and shows a reminder it finds due;
   * notifications while any page of the app is open: checked every 30 s.
   The page says which of these is active on this device. This device's settings live in its
   Cache Storage (reminder_due.js), so the service worker can read them; nothing is sent
   anywhere. */
(function () {
  "use strict";
  const T = window.spinecoachT || ((s, p) => s.replace(/\{(\w+)\}/g, (m, k) => (p && k in p ? p[k] : m)));
  const Due = window.spinecoachReminderDue;
  const TAG = "spinecoach-reminders";
  const PAGE_LATE = { daily: 60 * 60 * 1000, breaks: 60 * 60 * 1000 };
  if (!Due || !window.caches) {   // no Cache Storage (not a secure context): calendar only
    const el = document.getElementById("reminder-mode");
    if (el) { el.dataset.mode = "calendar"; el.textContent = T("This browser cannot show spinecoach's notifications, so only your calendar can remind you."); }
    return;
  }

  function showFromPage(r, tag) {
    const n = new Notification(r.title, { body: r.body, tag: tag, data: { url: r.url }, icon: "/static/icon-192.png" });
    n.onclick = () => { window.focus(); location.href = r.url; };
  }

  /* One check: the service worker shows the notifications where it controls this page (so a
     click opens the app); else this page does. `now` comes from the page's clock. */
  function tick() {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const now = Date.now();
    if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "check-reminders", now: now });
    } else {
      Due.check(new Date(now), (r, tag) => showFromPage(r, tag), PAGE_LATE).catch(() => {});
    }
  }
  window.spinecoachReminders = { check: tick };
  tick();
  setInterval(tick, 30000);

  // ------------------------------------------------------------ the Reminders page
  const configEl = document.getElementById("reminder-config");
  if (!configEl) return;
  const config = JSON.parse(configEl.textContent);
  const $ = (id) => document.getElementById(id);
  const status = $("reminder-status");
  const modeEl = $("reminder-mode");
  const zone = $("time-zone");
  const browserZone = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; } })();
  if (zone && !zone.value && browserZone) zone.value = browserZone;

  const words = () => ({
    dailyTitle: T("Time for your back routine"),
    dailyBody: T("Your daily session is ready."),
    breakTitle: T("Desk break {time}"),
    breakBody: T("Two minutes to move: your desk break is due."),
  });

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), ms))]);
  }

  function registration() {
    if (!("serviceWorker" in navigator)) return Promise.resolve(null);
    return withTimeout(navigator.serviceWorker.ready, 3000);
  }

  /* Periodic Background Sync: feature-detected; granted only to an installed app. */
  async function registerBackground() {
    const reg = await registration();
    if (!reg || !("periodicSync" in reg)) return false;
    try {
      const state = await navigator.permissions.query({ name: "periodic-background-sync" });
      if (state.state !== "granted") return false;
      await reg.periodicSync.register(TAG, { minInterval: 60 * 60 * 1000 });
      return true;
    } catch (e) { return false; }
  }

  async function unregisterBackground() {
    const reg = await registration();
    if (reg && "periodicSync" in reg) { try { await reg.periodicSync.unregister(TAG); } catch (e) { /* none */ } }
  }

  async function backgroundActive() {
    const reg = await registration();
    if (!reg || !("periodicSync" in reg)) return false;
    try { return (await reg.periodicSync.getTags()).includes(TAG); } catch (e) { return false; }
  }

  const MODES = {
    background: () => T("Active on this device: notifications while a spinecoach page is open, and background checks by the installed app (the browser decides when to wake it, so these can come late). For reminders exactly on time with no page open, add them to your calendar."),
    page: () => T("Active on this device: notifications only while a spinecoach page is open in this browser. Background checks need spinecoach installed as an app in Chrome or Edge, so for reminders with no page open, add them to your calendar."),
    blocked: () => T("Notifications are not allowed in this browser (allow them in the site settings), so only your calendar can remind you."),
    off: () => T("Reminders are off in this browser. Your calendar still reminds you if you added them to it."),
    calendar: () => T("This browser cannot show spinecoach's notifications, so only your calendar can remind you."),
  };

  async function currentMode() {
    if (!("Notification" in window) || !("serviceWorker" in navigator)) return "calendar";
    const settings = await Due.read(Due.SETTINGS_KEY);
    if (!settings || !settings.on) return "off";
    if (Notification.permission !== "granted") return "blocked";
    return (await backgroundActive()) ? "background" : "page";
  }

  async function showMode() {
    const mode = await currentMode();
    modeEl.dataset.mode = mode;
    modeEl.textContent = MODES[mode]();
    return mode;
  }

  function summary(settings) {
    const parts = [settings.daily ? T("daily session at {time}", { time: settings.daily }) : "",
                   settings.breaksOn && settings.breaks.length ? T("desk breaks at {times}", { times: settings.breaks.join(", ") }) : ""].filter(Boolean);
    return parts.length ? T("Reminders on: {what}.", { what: parts.join("; ") }) : T("Reminders on, but no time is set.");
  }

  const form = $("reminder-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let permission = "denied";
    if ("Notification" in window) {
      try { permission = await Notification.requestPermission(); } catch (e) { permission = Notification.permission; }
    }
    const response = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin" });
    const reply = await response.json().catch(() => ({}));
    if (!response.ok) { status.textContent = reply.error || T("Could not save the reminders."); return; }
    const checked = [...form.querySelectorAll("input[name=break_days]:checked")].map((i) => i.value);
    const settings = { on: permission === "granted", daily: reply.daily, breaks: config.breaks,
                       breaksOn: !!reply.breaks_on, breakDays: reply.break_days || checked, words: words() };
    await Due.write(Due.SETTINGS_KEY, settings);
    if (settings.on) await registerBackground();
    status.textContent = settings.on ? summary(settings)
      : T("Saved. Notifications were not allowed in this browser: add the reminders to your calendar, or allow notifications in the browser's site settings.");
    $("calendar-ready").hidden = false;   // the calendar file can be made once times are saved
    $("calendar-later").hidden = true;
    await showMode();
    tick();
  });

  $("reminders-off").addEventListener("click", async () => {
    const settings = (await Due.read(Due.SETTINGS_KEY)) || {};
    settings.on = false;
    await Due.write(Due.SETTINGS_KEY, settings);
    await unregisterBackground();
    status.textContent = T("Reminders are off in this browser.");
    await showMode();
  });

  // Keep this device's copy in step with the saved times (desk-break times change on the
  // Posture page; the words follow the page's language).
  (async () => {
    const settings = await Due.read(Due.SETTINGS_KEY);
    if (settings && config.saved) {
      Object.assign(settings, { daily: config.daily, breaks: config.breaks, breaksOn: config.breaksOn, breakDays: config.breakDays, words: words() });
      await Due.write(Due.SETTINGS_KEY, settings);
      if (settings.on && !status.textContent) status.textContent = summary(settings);
    }
    await showMode();
  })();
})();
