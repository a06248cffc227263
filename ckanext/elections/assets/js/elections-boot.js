/* Starts the modules of an election view, in place of CKAN's main.js: the
 * views load only what ckan.module needs (h.elections_embed_base: jQuery,
 * Jed, the sandbox, modules, pub/sub and i18n from CKAN's own files), not
 * CKAN's main bundle. Their translations come with the page:
 *
 *   <script type="application/json" id="elections-i18n">{"": {…}, "Turnout": […]}</script>
 *
 * so that the modules start without waiting for /api/i18n/<lang>.
 */
(function (ckan, $) {
  "use strict";

  $(function () {
    var body = $("body");
    var root = window.location.protocol + "//" + window.location.host;
    ckan.SITE_ROOT = String(body.data("siteRoot") || root).replace(/\/$/, "");
    ckan.LOCALE_ROOT = String(body.data("localeRoot") || root).replace(/\/$/, "");
    var catalogue = document.getElementById("elections-i18n");
    try {
      ckan.i18n.load(catalogue ? JSON.parse(catalogue.textContent) : {});
    } catch (error) {
      // Untranslated words are better than no results.
    }
    ckan.module.initialize();
  });
})(this.ckan, this.jQuery);
