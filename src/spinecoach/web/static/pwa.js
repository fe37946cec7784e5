/* Installable app: registers the service worker (sw.js); signing out clears this device's
   saved pages. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => { /* still works online */ });
  });
  document.querySelectorAll('form[action="/logout"]').forEach((form) => {
    form.addEventListener("submit", () => { if (window.caches) caches.delete("spinecoach-pages"); });
  });
})();
