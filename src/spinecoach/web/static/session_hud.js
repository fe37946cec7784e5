/* Phone first (issue 14): on a narrow screen the panel with the countdown, the instruction and
   the cues sits below the camera view, so with the camera in view they were out of sight.
   This mirrors the three into a small strip over the bottom of the video (#video-hud, shown
   by app.css only on narrow screens and only with the camera). The strip is aria-hidden:
   screen readers already get the panel and the spoken-cue live region. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const hud = $("video-hud");
  if (!hud) return;
  const sources = [$("countdown"), $("step-text"), $("cues")];
  if (sources.some((el) => !el)) return;
  function copy() {
    const latest = $("cues").querySelector("li");
    const pairs = [["hud-countdown", $("countdown").textContent],
                   ["hud-step", $("step-text").textContent],
                   ["hud-cue", latest ? latest.textContent : ""]];
    pairs.forEach(([id, text]) => { const el = $(id); if (el.textContent !== text) el.textContent = text; });
    $("hud-cue").classList.toggle("urgent", !!(latest && latest.classList.contains("urgent")));
  }
  const observer = new MutationObserver(copy);
  sources.forEach((el) => observer.observe(el, { childList: true, characterData: true, subtree: true }));
  copy();
})();
