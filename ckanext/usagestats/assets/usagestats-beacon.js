/* CKAN's CSRF token on the tracking plugin's beacon.
 *
 * CKAN 2.11's tracking.js posts page views to /_tracking without a token.
 * usagestats refuses beacon posts that a browser says come from another
 * site unless they carry the visitor's CSRF token (ckanext/usagestats/beacon.py),
 * so that our own pages' posts pass whatever the browser says: this adds
 * the token of the page's <meta> to every POST to /_tracking. A plain
 * script rather than a ckan.module: modules start after CKAN has loaded its
 * translations, too late for the beacon, which tracking.js sends as soon as
 * the page is ready. Loaded on every page (templates/page.html).
 */
(function ($) {
  "use strict";
  if (!$ || !$.ajaxPrefilter) {
    return;
  }
  $.ajaxPrefilter(function (options, original, xhr) {
    if ((options.type || "").toUpperCase() !== "POST" || !/\/_tracking$/.test(options.url || "")) {
      return;
    }
    var field = $("meta[name=csrf_field_name]").attr("content");
    var token = field && $('meta[name="' + field + '"]').attr("content");
    if (token) {
      xhr.setRequestHeader("X-CSRFToken", token);
    }
  });
})(window.jQuery);
