/* Big screen, for a city hall's TV: the whole window (fullscreen when the
 * browser allows it), no controls, and the screens of the page taking turns
 * (elements with data-screen="leaders|map|seats|participation"), then the
 * same for the other election of the night. A screen with nothing to show
 * (no seats shared in this election) is passed over.
 *
 * Usage, inside an element with data-module="elections-live" (the button
 * of the live results view; a page opened with ?screen=1, or a view with
 * the big_screen setting, starts in this mode):
 *
 *   <button type="button" data-module="elections-big-screen" aria-pressed="false">Big screen</button>
 *
 * The embed URL sets the turns: ?screens=leaders,map,seats,participation,sibling
 * (the order; "sibling" adds the other election) and ?every=15 (seconds).
 */
this.ckan.module("elections-big-screen", function ($) {
  "use strict";

  var SCREENS = ["leaders", "map", "seats", "participation", "sibling"];

  return {
    options: {
      every: 15
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      var query = new URLSearchParams(window.location.search);
      var wanted = (query.get("screens") || SCREENS.join(",")).split(",");
      this.screens = $.grep(wanted, function (name) { return SCREENS.indexOf(name) >= 0; });
      this.every = Math.max(5, Number(query.get("every")) || Number(this.options.every) || 15) * 1000;
      this.el.on("click", this._onClick);
      $(document).on("fullscreenchange", this._onFullscreen);
      $(document).on("keydown", this._onKey);
      this.sandbox.subscribe("elections:results", this._onResults);
    },

    _onResults: function (payload) {
      var first = !this.payload;
      this.payload = payload;
      if (first && $(document.documentElement).hasClass("is-screen")) {
        this._start();
      } else if (this.timer && !payload.loading) {
        // Once every module has drawn these results.
        window.clearTimeout(this.check);
        this.check = window.setTimeout(this._onCheck, 0);
      }
    },

    /* The election now shown may have nothing for this screen. */
    _onCheck: function () {
      if (this.timer && this._empty(this.turns[this.turn])) {
        this._next();
      }
    },

    /* A screen whose module has nothing to show (it hides itself). */
    _empty: function (turn) {
      var screens = $(".elections [data-screen=" + turn.screen + "]");
      return turn.screen !== "" && screens.length > 0 && screens.filter(":not(.is-empty)").length === 0;
    },

    _onClick: function (event) {
      event.preventDefault();
      var root = document.documentElement;
      var big = !$(root).hasClass("is-screen");
      if (big) {
        this._start();
        if (root.requestFullscreen) {
          root.requestFullscreen().catch(function () { /* a frame without allowfullscreen */ });
        }
      } else {
        this._stop();
      }
    },

    _onKey: function (event) {
      if (event.key === "Escape" && this.timer) {
        this._stop();
      }
    },

    _onFullscreen: function () {
      if (!document.fullscreenElement && this.timer && this.byButton) {
        this._stop();
      }
    },

    /* The turns: each screen the page has, for each election asked for. */
    _turns: function () {
      var page = $(".elections");
      var names = $.grep(this.screens, function (name) { return page.find("[data-screen=" + name + "]").length; });
      var elections = [this.payload.state.election];
      if (this.screens.indexOf("sibling") >= 0) {
        $.each(this.payload.elections || [], function (i, election) {
          if (elections.indexOf(election.name) < 0) {
            elections.push(election.name);
          }
        });
      }
      var turns = [];
      $.each(elections, function (i, election) {
        $.each(names.length ? names : [""], function (j, name) { turns.push({election: election, screen: name}); });
      });
      return turns;
    },

    _start: function () {
      this.byButton = !$(document.documentElement).hasClass("is-screen");
      $(document.documentElement).addClass("is-big is-screen");
      this.el.attr("aria-pressed", "true");
      this.sandbox.publish("elections:select", {area: "", canton: "", level: this.payload.state.level});
      this.turns = this._turns();
      this.turn = -1;
      this._next();
    },

    _next: function () {
      window.clearTimeout(this.timer);
      var turn;
      for (var tries = 0; tries < this.turns.length; tries += 1) {
        this.turn = (this.turn + 1) % this.turns.length;
        turn = this.turns[this.turn];
        // Another election's screens are judged once its results are in.
        if (turn.election !== this.payload.state.election || !this._empty(turn)) {
          break;
        }
      }
      if (turn.election !== this.payload.state.election) {
        this.sandbox.publish("elections:select", {election: turn.election, area: "", candidate: "", canton: ""});
      }
      $(".elections [data-screen]").removeClass("is-current").filter("[data-screen=" + turn.screen + "]").addClass("is-current");
      this.sandbox.publish("elections:resize");
      this.timer = window.setTimeout(this._onTimer, this.every);
    },

    _onTimer: function () {
      this._next();
    },

    _stop: function () {
      window.clearTimeout(this.timer);
      this.timer = null;
      $(document.documentElement).removeClass("is-big is-screen");
      $(".elections [data-screen]").removeClass("is-current");
      this.el.attr("aria-pressed", "false");
      if (document.fullscreenElement && document.exitFullscreen) {
        document.exitFullscreen();
      }
      this.sandbox.publish("elections:resize");
    }
  };
});
