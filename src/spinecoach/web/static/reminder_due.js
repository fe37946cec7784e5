/* Which reminders are due, shared by the pages (reminders.js) and the service worker (sw.js,
   which loads it with importScripts). This device's reminder settings and the reminders
   already shown today are kept in this browser's Cache Storage ("spinecoach-reminders"), which
   both can read, under two keys that are never fetched from the network. Nothing is sent
   anywhere. */
(function (root) {
  "use strict";
  const STORE = "spinecoach-reminders";
  const SETTINGS_KEY = "/reminders/device/settings";
  const SHOWN_KEY = "/reminders/device/shown";
  const DAY_CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];  // Date.getDay() order
  const pad = (n) => String(n).padStart(2, "0");
  const day = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());

  async function read(key) {
    const cache = await caches.open(STORE);
    const hit = await cache.match(key);
    if (!hit) return null;
    try { return await hit.json(); } catch (e) { return null; }
  }

  async function write(key, value) {
    const cache = await caches.open(STORE);
    await cache.put(key, new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } }));
  }

  /* The reminders of `settings` due at `now` (a Date, local wall-clock time): past their time
     today by less than `late` ms ({daily, breaks}) and not in `shown` (keys shown today). */
  function due(settings, now, shown, late) {
    if (!settings || !settings.on) return [];
    const words = settings.words || {};
    const out = [];
    if (settings.daily) {
      out.push({ key: "daily", at: settings.daily, late: late.daily, url: "/session",
                 title: words.dailyTitle || "Time for your back routine",
                 body: words.dailyBody || "Your daily session is ready." });
    }
    if (settings.breaksOn && (settings.breakDays || []).includes(DAY_CODES[now.getDay()])) {
      (settings.breaks || []).forEach((b) => out.push({
        key: "break-" + b, at: b, late: late.breaks, url: "/session?desk_break=" + b,
        title: (words.breakTitle || "Desk break {time}").replace("{time}", b),
        body: words.breakBody || "Two minutes to move: your desk break is due.",
      }));
    }
    return out.filter((r) => {
      const [h, m] = r.at.split(":").map(Number);
      const when = new Date(now.getTime()); when.setHours(h, m, 0, 0);
      const since = now - when;
      return since >= 0 && since < r.late && !shown.includes(r.key);
    });
  }

  /* Show what is due at `now` with `show(reminder, tag)` and remember it for today. */
  async function check(now, show, late) {
    const settings = await read(SETTINGS_KEY);
    if (!settings || !settings.on) return [];
    const record = (await read(SHOWN_KEY)) || {};
    const today = day(now);
    const shown = record.day === today ? record.keys || [] : [];
    const list = due(settings, now, shown, late);
    if (!list.length) return [];
    await write(SHOWN_KEY, { day: today, keys: shown.concat(list.map((r) => r.key)) });
    for (const r of list) await show(r, "spinecoach-" + today + "-" + r.key);
    return list;
  }

  root.spinecoachReminderDue = {
    STORE: STORE, SETTINGS_KEY: SETTINGS_KEY, SHOWN_KEY: SHOWN_KEY,
    read: read, write: write, due: due, check: check, day: day,
  };
})(self);
