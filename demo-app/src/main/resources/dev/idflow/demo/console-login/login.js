// The console's login page: keeps the choice of language where the console page keeps it
// (localStorage "idflow.console.lang"), so a choice made on either page holds on the other.
(function () {
  'use strict';
  var KEY = 'idflow.console.lang';
  var LOCALES = ['kk', 'ru', 'en'];
  var params = new URLSearchParams(window.location.search);
  var asked = params.get('lang');
  try {
    if (asked && LOCALES.indexOf(asked) >= 0) {
      window.localStorage.setItem(KEY, asked);
      return;
    }
    var kept = window.localStorage.getItem(KEY);
    // e.g. back on ?error=1 after a wrong password: show it again in the language chosen before
    if (kept && LOCALES.indexOf(kept) >= 0 && kept !== document.documentElement.lang) {
      params.set('lang', kept);
      window.location.replace(window.location.pathname + '?' + params.toString());
    }
  } catch (e) {
    // storage off: the language the server chose stands
  }
})();
