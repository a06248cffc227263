/* Conditional GETs of the elections API, for the modules that poll it
 * (elections-live, elections-turnout):
 *
 *   var api = this.sandbox.electionsApi;
 *   api.get("/api/3/action/elections_results_show", {id: "regionales-2028", level: "canton"}, entry)
 *     .then(function (answer) {
 *       // answer: {changed: Boolean, entry: {etag, data}, date: the server's clock (ms)}
 *     });
 *
 * ``entry`` is the last answer ({etag, data}) or null; a 304 keeps it. A
 * failure rejects with an Error whose ``status`` is the HTTP status.
 */
(function (ckan) {
  "use strict";

  /* JSON with sorted keys: the page's copy (Jinja's tojson) sorts them, the
   * API does not. */
  function canonical(value) {
    return JSON.stringify(value, function (key, item) {
      if (!item || typeof item !== "object" || Array.isArray(item)) {
        return item;
      }
      return Object.keys(item).sort().reduce(function (sorted, name) {
        sorted[name] = item[name];
        return sorted;
      }, {});
    });
  }

  function get(url, params, entry) {
    var headers = {"Accept": "application/json"};
    if (entry && entry.etag) {
      headers["If-None-Match"] = entry.etag;
    }
    // no-store: our own validators, not the browser cache's.
    return window.fetch(url + "?" + new URLSearchParams(params).toString(), {
      headers: headers, cache: "no-store", credentials: "same-origin"
    }).then(function (response) {
      var date = Date.parse(response.headers.get("Date") || "");
      if (response.status === 304 && entry) {
        return {changed: false, entry: entry, date: date};
      }
      if (!response.ok) {
        var failure = new Error("HTTP " + response.status);
        failure.status = response.status;
        throw failure;
      }
      return response.json().then(function (body) {
        var data = body.result;
        // The first poll after the page's own copy brings validators, not news.
        return {changed: !entry || canonical(data) !== canonical(entry.data),
                entry: {etag: response.headers.get("ETag"), data: data}, date: date};
      });
    });
  }

  ckan.sandbox.extend({electionsApi: {get: get}});
})(this.ckan);
