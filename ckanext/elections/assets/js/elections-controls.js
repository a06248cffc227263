/* The choices of an election view: level (cantons, bureaux…), way of
 * colouring the map, candidate whose share is shown, and the way back from
 * a canton's bureaux. Publishes them on "elections:select".
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <div data-module="elections-controls" data-module-modes="true"></div>
 */
this.ckan.module("elections-controls", function ($) {
  "use strict";

  return {
    options: {
      modes: true
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.candidateKey = null;
      this._build();
      this.sandbox.subscribe("elections:results", this._onResults);
      this.el.on("click", "[data-level]", this._onLevel);
      this.el.on("click", "[data-role=back]", this._onBack);
      this.el.on("change", "[data-role=mode]", this._onMode);
      this.el.on("change", "[data-role=candidate]", this._onCandidate);
    },

    _build: function () {
      var render = this.sandbox.elections();
      this.levels = $("<div>", {"class": "el-levels", role: "group", "aria-label": this._("Level")});
      this.back = $("<p>", {"class": "el-drill", hidden: true}).append(
        $("<button>", {type: "button", "class": "el-button el-button--link", "data-role": "back",
                       text: "← " + this._("All cantons")}),
        " ",
        $("<span>", {"data-role": "drill-label"}));
      this.el.append(this.levels, this.back);
      if (this.options.modes) {
        var id = "el-mode-" + Math.random().toString(36).slice(2, 8);
        this.mode = $("<select>", {id: id, "data-role": "mode", "class": "el-select"}).append(
          $("<option>", {value: "leader", text: this._("Leading candidate")}),
          $("<option>", {value: "participation", text: render.count("participation")}),
          $("<option>", {value: "candidate", text: this._("Share of one candidate")}));
        this.candidate = $("<select>", {id: id + "-c", "data-role": "candidate", "class": "el-select",
                                        "aria-label": this._("Candidate")});
        this.el.append($("<div>", {"class": "el-modes"}).append(
          $("<label>", {"for": id, text: this._("Colour by")}), " ", this.mode, " ", this.candidate));
      }
    },

    _onResults: function (payload) {
      var state = payload.state;
      var self = this;
      var render = this.sandbox.elections();
      // A level without outlines has nothing to draw on the map.
      var boundaries = payload.election.boundaries || {};
      var levels = $.grep(payload.levels || [], function (level) {
        return boundaries[level] || level === state.level;
      });
      if (this.levels.children().map(function () { return this.getAttribute("data-level"); }).get().join() !== levels.join()) {
        this.levels.empty();
        $.each(levels, function (i, level) {
          self.levels.append($("<button>", {type: "button", "class": "el-button", "data-level": level,
                                            text: render.level(level)}));
        });
      }
      this.levels.prop("hidden", levels.length < 2);
      this.levels.children().each(function () {
        var on = this.getAttribute("data-level") === state.level && !state.canton;
        this.setAttribute("aria-pressed", on ? "true" : "false");
      });

      var canton = payload.canton && payload.canton.areas && payload.canton.areas[0];
      if (state.canton) {
        this.lastCanton = state.canton;
      }
      this.back.prop("hidden", !state.canton);
      this.$("[data-role=drill-label]").text(state.canton
        ? this._("Polling stations of %(name)s", {name: canton ? canton.name || canton.code : state.canton})
        : "");

      if (this.mode) {
        this._compare(payload);
        this._candidates(payload);
        this.mode.val(this.mode.find("option[value=" + state.mode + "]").length ? state.mode : "leader");
        this.candidate.prop("hidden", this.mode.val() !== "candidate").val(state.candidate);
      }
    },

    /* "Compared with <the previous election>", where it is public. */
    _compare: function (payload) {
      var previous = payload.territory && payload.territory.previous_election;
      var title = previous && previous.published ? previous.title : "";
      if (title === this.compareTitle) {
        return;
      }
      this.compareTitle = title;
      this.mode.find("optgroup").remove();
      if (title) {
        this.mode.append($("<optgroup>", {label: this._("Compared with %(election)s", {election: title})}).append(
          $("<option>", {value: "participation_change", text: this._("Participation (points)")}),
          $("<option>", {value: "leader_change", text: this._("Change of leader")})));
      }
    },

    /* The candidates, grouped by the area they stand in where areas have
     * their own (a canton's binômes). */
    _candidates: function (payload) {
      var candidates = this.sandbox.electionsMapScale.candidates(payload);
      var key = candidates.map(function (c) { return c.id; }).sort().join("|");
      if (key === this.candidateKey) {
        return;
      }
      this.candidateKey = key;
      var render = this.sandbox.elections();
      var names = {};
      $.each([payload.areas, payload.canton], function (i, answer) {
        $.each((answer && answer.areas) || [], function (j, area) { names[area.code] = area.name || area.code; });
      });
      var select = this.candidate.empty();
      var groups = {};
      $.each(candidates.slice().sort(function (a, b) {
        return String(a.area || "").localeCompare(String(b.area || "")) || String(a.name).localeCompare(String(b.name));
      }), function (i, candidate) {
        var parent = select;
        if (candidate.area) {
          parent = groups[candidate.area] = groups[candidate.area] ||
            $("<optgroup>", {label: names[candidate.area] || candidate.area}).appendTo(select);
        }
        parent.append($("<option>", {value: candidate.id, text: render.candidateLabel(candidate)}));
      });
    },

    _onLevel: function (event) {
      var level = $(event.currentTarget).attr("data-level");
      this.sandbox.publish("elections:select", {level: level, canton: "", area: ""});
    },

    _onBack: function () {
      this.sandbox.publish("elections:select", {level: "canton", area: this.lastCanton || "", canton: ""});
    },

    _onMode: function () {
      var change = {mode: this.mode.val()};
      if (change.mode === "candidate" && !this.candidate.val()) {
        change.candidate = this.candidate.find("option").first().val() || "";
      } else if (change.mode === "candidate") {
        change.candidate = this.candidate.val();
      }
      this.sandbox.publish("elections:select", change);
    },

    _onCandidate: function () {
      this.sandbox.publish("elections:select", {candidate: this.candidate.val()});
    }
  };
});
