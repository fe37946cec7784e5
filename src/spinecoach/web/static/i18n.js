/* spinecoach: the words scripts show, in the page's language. The page carries the
   translations of every string the scripts pass to T() (JSON in #i18n-messages, built by
   spinecoach.web.i18n from the same catalogue as the pages); English needs none.
   T(text, {p: 3}) fills {p}-style placeholders after translating. */
(function () {
  "use strict";
  let messages = {};
  try {
    const el = document.getElementById("i18n-messages");
    if (el) messages = JSON.parse(el.textContent) || {};
  } catch (e) { messages = {}; }
  window.spinecoachT = function (text, params) {
    let out = Object.prototype.hasOwnProperty.call(messages, text) ? messages[text] : text;
    if (params) out = out.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
    return out;
  };
})();
