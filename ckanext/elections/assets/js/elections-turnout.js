/* Turnout during the day (12:00, 17:00, closing) of the whole territory,
 * beside the previous election's when it is public: a small chart of bars
 * that is a table (each figure is a cell, readable without the bars).
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <section data-module="elections-turnout" data-module-api="/api/3/action/elections_turnout_show" hidden></section>
 *
 * It asks for the turnout when the election shown changes, and again when
 * the results change (at most once a minute); it stays hidden for an
 * election without turnout figures.
 */
this.ckan.module("elections-turnout", function ($) {
  "use strict";

  var AGAIN_AFTER = 60000;

  return {
    options: {
      api: ""
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      // Answers by election name: {entry, at}.
      this.answers = {};
      // The page waits for the first answer (elections-live).
      this.el.attr("data-pending", "true");
      this.sandbox.subscribe("elections:results", this._onResults);
    },

    _onResults: function (payload) {
      var self = this;
      var previous = payload.territory && payload.territory.previous_election;
      var names = [payload.state.election];
      if (previous && previous.published) {
        names.push(previous.name);
      }
      this.payload = payload;
      Promise.all(names.map(function (name, i) {
        // The previous election is over: once is enough.
        return self._turnout(name, i === 0 && payload.changed);
      })).then(function (answers) {
        if (self.payload === payload) {
          self._render(answers[0], answers[1], previous);
        }
        if (self.el.attr("data-pending")) {
          self.el.removeAttr("data-pending");
          self.sandbox.publish("elections:drawn");
        }
      });
    },

    _turnout: function (name, again) {
      var self = this;
      var known = this.answers[name];
      if (known && (!again || Date.now() - known.at < AGAIN_AFTER)) {
        return known.promise;
      }
      var promise = this.sandbox.electionsApi.get(this.options.api, {id: name, level: "territory"},
                                                  known && known.entry).then(function (answer) {
        self.answers[name].entry = answer.entry;
        return answer.entry.data;
      }, function () {
        // No turnout is no reason to fail the page: the chart stays hidden.
        return known && known.entry ? known.entry.data : null;
      });
      this.answers[name] = {promise: promise, at: Date.now(), entry: known && known.entry};
      return promise;
    },

    _hours: function (answer) {
      var found = {};
      var area = answer && answer.areas && answer.areas[0];
      $.each((area && area.turnout) || [], function (i, hour) { found[hour.hour] = hour; });
      return found;
    },

    _render: function (answer, before, previous) {
      var render = this.sandbox.elections();
      var now = this._hours(answer);
      var then = this._hours(before);
      var hours = (answer && answer.hours) || [];
      var compare = Boolean(previous && $.map(hours, function (hour) { return then[hour] || null; }).length);
      this.el.prop("hidden", !hours.length);
      if (!hours.length) {
        this.el.empty();
        return;
      }
      var year = compare ? render.since(this.payload) : "";
      var head = $("<tr>").append($("<th>", {scope: "col", text: this._("Time")}),
                                  $("<th>", {scope: "col", text: this._("This election")}),
                                  compare ? $("<th>", {scope: "col", text: year}) : null);
      var self = this;
      var rows = $.map(hours, function (hour) {
        return $("<tr>").append(
          $("<th>", {scope: "row", text: self._hour(hour)}),
          self._cell(now[hour], "el-bar-fill--participation", render),
          compare ? self._cell(then[hour], "el-bar-fill--previous", render) : null)[0];
      });
      this.el.empty().append(
        $("<h2>", {"class": "el-section-title", text: this._("Turnout during the day")}),
        $("<table>", {"class": "el-turnout"}).append(
          compare ? $("<caption>", {text: this._("Compared with %(election)s", {election: previous.title})}) : null,
          $("<thead>").append(head), $("<tbody>").append(rows)));
    },

    _hour: function (hour) {
      var parts = /^(\d{1,2}):(\d{2})$/.exec(hour);
      return parts ? this._("%(hours)s:%(minutes)s", {hours: parts[1], minutes: parts[2]}) : this._("Closing");
    },

    /* A share as a bar and its figure; a dash until every area has told. */
    _cell: function (hour, kind, render) {
      var share = hour ? hour.participation : null;
      var known = share !== null && share !== undefined;
      return $("<td>").append(
        $("<span>", {"class": "el-bar-track", "aria-hidden": "true"}).append(
          $("<span>", {"class": "el-bar-fill " + kind}).css("width", (known ? share : 0).toFixed(1) + "%")),
        $("<span>", {"class": "el-turnout-value", text: known ? render.percent(share) : "–"}));
    }
  };
});
