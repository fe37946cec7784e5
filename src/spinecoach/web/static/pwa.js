/* Installable app: registers the service worker (sw.js); signing out clears this device's
   saved pages and its reminder settings (and stops the background reminder checks). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => { /* still works online */ });
  });
  document.querySelectorAll('form[action="/logout"]').forEach((form) => {
    form.addEventListener("submit", () => {
      if (window.caches) { caches.delete("spinecoach-pages"); caches.delete("spinecoach-reminders"); }
      navigator.serviceWorker.getRegistration().then((reg) => {
        if (reg && reg.periodicSync) reg.periodicSync.unregister("spinecoach-reminders");
      }).catch(() => {});
    });
  });
})();
