/* Keeps an election view up to date and shares the results with the other
 * modules of the page, which subscribe to "elections:results".
 *
 * Usage (the templates of elections/views and elections/widgets):
 *
 *   <main data-module="elections-live"
 *         data-module-api="/api/3/action/elections_results_show"
 *         data-module-elections='[{"name": "regionales-2028", "title": "…", "boundaries": {…}}]'
 *         data-module-levels='["canton", "bureau"]' data-module-level="canton"
 *         data-module-interval="30" data-module-initial="elections-initial"
 *         data-module-queries="territory level">
 *     <span data-role="status"></span> <span data-role="progress"></span> …
 *   </main>
 *
 * It polls the results API with If-None-Match (a 304 costs nothing), waits
 * while the tab is hidden, backs off exponentially on errors and then keeps
 * the last good results on screen with a "not updated since" notice.
 *
 * It owns the selection (election, level, area, canton, colour mode,
 * candidate), keeps it in the URL's hash so that a link reopens the same
 * view, and applies the changes other modules publish on "elections:select".
 */
this.ckan.module("elections-live", function ($) {
  "use strict";

  var MODES = ["leader", "participation", "candidate"];
  var FALLBACK_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b",
                          "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e"];

  return {
    options: {
      api: "",
      elections: [],
      levels: [],
      level: "canton",
      colourMode: "leader",
      candidate: "",
      interval: 30,
      maxBackoff: 300,
      initial: "",
      queries: "territory level",
      fitFrame: false
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this._colour = $.proxy(this._colour, this);
      this._bars = $.proxy(this._bars, this);
      var lang = document.documentElement.lang || "en";
      this.lang = lang;
      this.format = {
        number: this._formatter(lang, {maximumFractionDigits: 0}),
        percent: this._formatter(lang, {style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1}),
        time: this._timeFormatter(lang),
        relative: this._relativeFormatter(lang)
      };
      this.cache = {};
      this.failures = 0;
      this.skew = 0;
      this.staleSince = null;
      this.error = null;
      this.lastAnswer = null;
      this.nextAt = null;
      this.announced = null;
      this.colours = {};
      this.state = this._stateFromHash(this._defaultState());
      this._seedCache();

      this.sandbox.subscribe("elections:select", this._onSelect);
      this.el.on("click", "[data-election]", this._onElectionClick);
      this.el.on("click", "[data-role=big-screen]", this._onBigScreen);
      $(document).on("visibilitychange", this._onVisibility);
      $(document).on("fullscreenchange", this._onFullscreen);
      $(window).on("hashchange", this._onHashChange);
      window.setInterval(this._onTick, 1000);
      if (this.options.fitFrame && window.ResizeObserver) {
        new window.ResizeObserver(this._onResize).observe(document.body);
      }
      // Let the modules inside this one subscribe before the first publish.
      window.setTimeout(this._onStart, 0);
    },

    // ------------------------------------------------------------------
    // Selection

    _defaultState: function () {
      var elections = this.options.elections || [];
      return {
        election: elections.length ? elections[0].name : "",
        level: String(this.options.level || "canton"),
        area: "",
        canton: "",
        mode: MODES.indexOf(this.options.colourMode) >= 0 ? this.options.colourMode : "leader",
        // An empty data-module-* attribute reads as true; ids may read as numbers.
        candidate: typeof this.options.candidate === "boolean" ? "" : String(this.options.candidate || "")
      };
    },

    _stateFromHash: function (state) {
      var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
      var next = $.extend({}, state);
      var self = this;
      $.each(["election", "level", "area", "canton", "mode", "candidate"], function (i, key) {
        if (params.has(key)) {
          next[key] = params.get(key);
        }
      });
      if (!this._election(next.election)) {
        next.election = state.election;
      }
      if ((self.options.levels || []).indexOf(next.level) < 0) {
        next.level = state.level;
      }
      if (MODES.indexOf(next.mode) < 0) {
        next.mode = state.mode;
      }
      return next;
    },

    _writeHash: function () {
      var params = new URLSearchParams();
      var defaults = this._defaultState();
      var state = this.state;
      $.each(state, function (key, value) {
        if (value && value !== defaults[key]) {
          params.set(key, value);
        }
      });
      var hash = params.toString();
      var url = window.location.pathname + window.location.search + (hash ? "#" + hash : "");
      window.history.replaceState(null, "", url);
      this.$("[data-role=permalink]").attr("href", window.location.href);
    },

    _onHashChange: function () {
      this._select(this._stateFromHash(this._defaultState()));
    },

    _onSelect: function (change) {
      this._select($.extend({}, this.state, change));
    },

    _onElectionClick: function (event) {
      event.preventDefault();
      var name = $(event.currentTarget).attr("data-election");
      if (name !== this.state.election) {
        // Areas and candidates differ from one election to the other.
        this._select($.extend({}, this.state, {election: name, area: "", candidate: ""}));
      }
    },

    _select: function (state) {
      if (state.level !== "bureau") {
        state.canton = "";
      }
      this.state = state;
      this._writeHash();
      this._renderSwitcher();
      var missing = this._queries().some(function (query) { return !this.cache[query.key]; }, this);
      this._publish(false);
      if (missing) {
        this._refresh();
      }
    },

    _election: function (name) {
      var found = null;
      $.each(this.options.elections || [], function (i, election) {
        if (election.name === name) {
          found = election;
        }
      });
      return found;
    },

    // ------------------------------------------------------------------
    // Polling

    _queries: function () {
      var wanted = String(this.options.queries).split(/\s+/);
      var state = this.state;
      var queries = [];
      if (wanted.indexOf("territory") >= 0) {
        queries.push({level: "territory"});
      }
      if (wanted.indexOf("level") >= 0) {
        queries.push({level: state.level});
        if (state.level === "bureau" && state.canton) {
          queries.push({level: "canton", code: state.canton});
        }
      }
      return queries.map(function (query) {
        query.election = state.election;
        query.key = [state.election, query.level, query.code || ""].join("|");
        return query;
      });
    },

    _seedCache: function () {
      var element = this.options.initial ? document.getElementById(this.options.initial) : null;
      if (!element) {
        return;
      }
      var initial;
      try {
        initial = JSON.parse(element.textContent);
      } catch (error) {
        return;
      }
      var name = this._defaultState().election;
      var cache = this.cache;
      $.each(initial || {}, function (level, answer) {
        if (answer) {
          // No validator yet: the first poll fetches them.
          cache[[name, level, ""].join("|")] = {etag: null, data: answer};
        }
      });
    },

    _onStart: function () {
      var missing = this._queries().some(function (query) { return !this.cache[query.key]; }, this);
      this._writeHash();
      this._renderSwitcher();
      this._publish(false);
      if (missing) {
        this._refresh();
      } else {
        this._schedule(this._interval());
      }
    },

    _interval: function () {
      return Math.max(1, Number(this.options.interval) || 30) * 1000;
    },

    _schedule: function (delay) {
      window.clearTimeout(this.timer);
      this.nextAt = Date.now() + delay;
      this.timer = window.setTimeout(this._onTimer, delay);
    },

    _onTimer: function () {
      this._refresh();
    },

    _onVisibility: function () {
      if (document.hidden) {
        // Nobody is looking: no polling until someone is.
        window.clearTimeout(this.timer);
        this.timer = null;
        this.nextAt = null;
      } else if (!this.timer && !this.inFlight) {
        var due = this.lastPoll ? this.lastPoll + this._interval() - Date.now() : 0;
        this._schedule(Math.max(0, due));
      }
    },

    _refresh: function () {
      window.clearTimeout(this.timer);
      this.timer = null;
      if (document.hidden) {
        this.nextAt = null;
        return;
      }
      if (this.inFlight) {
        this.again = true;
        return;
      }
      var self = this;
      var queries = this._queries();
      this.inFlight = true;
      this.lastPoll = Date.now();
      Promise.all(queries.map(function (query) { return self._fetch(query); })).then(function (changes) {
        self.failures = 0;
        self.staleSince = null;
        self.error = null;
        self._publish(changes.some(Boolean));
        self._schedule(self._interval());
      }, function (error) {
        self.failures += 1;
        self.error = error;
        self.staleSince = self.staleSince || self.lastSuccess || self.loadedAt || Date.now();
        // 1, 2, 4… times the interval (plus a little jitter), at most maxBackoff.
        var delay = Math.min(self._interval() * Math.pow(2, self.failures),
                             Number(self.options.maxBackoff) * 1000);
        self._publish(false);
        self._schedule(delay * (0.9 + Math.random() * 0.2));
      }).then(function () {
        self.inFlight = false;
        if (self.again) {
          self.again = false;
          self._refresh();
        }
      });
    },

    _fetch: function (query) {
      var self = this;
      var entry = this.cache[query.key];
      var params = new URLSearchParams({id: query.election, level: query.level});
      if (query.code) {
        params.set("code", query.code);
      }
      var headers = {"Accept": "application/json"};
      if (entry && entry.etag) {
        headers["If-None-Match"] = entry.etag;
      }
      // no-store: our own validators, not the browser cache's.
      return window.fetch(this.options.api + "?" + params.toString(), {
        headers: headers, cache: "no-store", credentials: "same-origin"
      }).then(function (response) {
        var date = Date.parse(response.headers.get("Date") || "");
        if (!isNaN(date)) {
          self.skew = Date.now() - date;
        }
        if (response.status === 304) {
          self.lastSuccess = Date.now();
          return false;
        }
        if (!response.ok) {
          var failure = new Error("HTTP " + response.status);
          failure.status = response.status;
          throw failure;
        }
        return response.json().then(function (body) {
          self.cache[query.key] = {etag: response.headers.get("ETag"), data: body.result};
          self.lastSuccess = Date.now();
          return true;
        });
      });
    },

    // ------------------------------------------------------------------
    // Sharing

    _publish: function (changed) {
      var state = this.state;
      var cache = this.cache;
      var answer = function (level, code) {
        var entry = cache[[state.election, level, code || ""].join("|")];
        return entry ? entry.data : null;
      };
      var payload = {
        state: $.extend({}, state),
        election: this._election(state.election) || {name: state.election, boundaries: {}},
        elections: this.options.elections,
        levels: this.options.levels,
        territory: answer("territory"),
        areas: answer(state.level),
        canton: state.canton ? answer("canton", state.canton) : null,
        format: this.format,
        colour: this._colour,
        bars: this._bars,
        changed: changed,
        stale: Boolean(this.staleSince),
        // The answers for this selection are on their way.
        loading: this._queries().some(function (query) { return !cache[query.key]; })
      };
      this.latest = payload;
      var main = payload.territory || payload.areas;
      if (main) {
        this.lastAnswer = main;
        this.loadedAt = this.loadedAt || Date.now();
      }
      this._renderHeader(main);
      if (changed && main) {
        this._announce(main);
      }
      this.sandbox.publish("elections:results", payload);
      this._onResize();
    },

    /* Bars of candidates (sorted by votes), for the modules that show them:
     * name, nuance, share as a bar scaled to the first one, share and votes. */
    _bars: function (candidates, label) {
      var self = this;
      var format = this.format;
      var top = candidates.length ? candidates[0].pct_exprimes || 0 : 0;
      var list = $("<ol>", {"class": "el-bars", "aria-label": label});
      $.each(candidates, function (i, candidate) {
        var colour = self._colour(candidate);
        var width = top ? Math.max(0.5, 100 * (candidate.pct_exprimes || 0) / top) : 0;
        list.append($("<li>", {"class": "el-bar-row"}).append(
          $("<span>", {"class": "el-bar-name"}).append(
            $("<span>", {"class": "el-swatch", "aria-hidden": "true"}).css("background-color", colour),
            $("<span>", {text: candidate.name}),
            candidate.nuance ? $("<small>", {text: " " + candidate.nuance}) : null),
          $("<span>", {"class": "el-bar-track", "aria-hidden": "true"}).append(
            $("<span>", {"class": "el-bar-fill"}).css({width: width.toFixed(1) + "%", "background-color": colour})),
          $("<span>", {"class": "el-bar-value"}).append(
            $("<strong>", {text: format.percent(candidate.pct_exprimes)}), " ",
            $("<small>", {text: self.ngettext("%(votes)s vote", "%(votes)s votes", candidate.voix || 0,
                                              {votes: format.number(candidate.voix)})}))));
      });
      return list;
    },

    /* A candidate's display colour: the dataset's when it is a plain hex
     * colour, otherwise one of a fixed palette, stable per candidate. */
    _colour: function (candidate) {
      var colour = candidate && candidate.color;
      if (colour && /^#[0-9a-f]{6}$/i.test(colour)) {
        return colour;
      }
      var key = candidate ? String(candidate.id) : "";
      if (!this.colours[key]) {
        this.colours[key] = FALLBACK_COLOURS[Object.keys(this.colours).length % FALLBACK_COLOURS.length];
      }
      return this.colours[key];
    },

    // ------------------------------------------------------------------
    // Header: status, progress, freshness

    _statusLabel: function (status) {
      var labels = {
        upcoming: this._("Upcoming"),
        counting: this._("Counting in progress"),
        provisional: this._("Provisional results"),
        final: this._("Final results")
      };
      return labels[status] || labels.upcoming;
    },

    _renderSwitcher: function () {
      var current = this.state.election;
      this.$("[data-election]").each(function () {
        var on = this.getAttribute("data-election") === current;
        this.setAttribute("aria-pressed", on ? "true" : "false");
      });
      var election = this._election(current);
      if (election) {
        this.$("[data-role=title]").text(election.title);
      }
    },

    _renderHeader: function (answer) {
      if (!answer) {
        return;
      }
      var status = answer.status || "upcoming";
      this.$("[data-role=status]").text(this._statusLabel(status))
        .attr("class", "el-badge el-badge--" + (/^[a-z]+$/.test(status) ? status : "upcoming"));
      var progress = answer.progress || {counted: 0, total: 0};
      this.$("[data-role=progress]").text(this._progressText(progress));
      var share = progress.total ? progress.counted / progress.total : 0;
      this.$("[data-role=progress-bar]").attr({
        "aria-valuenow": progress.counted, "aria-valuemax": progress.total,
        "aria-valuetext": this._progressText(progress)
      }).find("span").css("width", (100 * share).toFixed(1) + "%");
      this._renderFreshness();
    },

    _progressText: function (progress) {
      return this.ngettext("%(counted)s / %(total)s polling station counted",
                           "%(counted)s / %(total)s polling stations counted",
                           progress.total || 0, {counted: this.format.number(progress.counted || 0),
                                                 total: this.format.number(progress.total || 0)});
    },

    _onTick: function () {
      if (!document.hidden) {
        this._renderFreshness();
      }
    },

    _renderFreshness: function () {
      var answer = this.lastAnswer;
      var now = Date.now();
      if (answer && answer.updated) {
        var updated = Date.parse(answer.updated);
        var seconds = Math.max(0, Math.round((now - this.skew - updated) / 1000));
        this.$("[data-role=updated]").text(this._("Updated %(ago)s", {ago: this._ago(seconds)}))
          .attr("title", this.format.time(new Date(updated)));
      }
      var countdown = this.$("[data-role=countdown]");
      if (this.inFlight) {
        countdown.text(this._("Refreshing…"));
      } else if (this.nextAt) {
        var left = Math.max(0, Math.round((this.nextAt - now) / 1000));
        countdown.text(this._("next refresh in %(seconds)s s", {seconds: left}));
      } else {
        countdown.text(document.hidden ? this._("paused") : "");
      }
      var stale = this.$("[data-role=stale]");
      if (this.staleSince) {
        var reason = this.error && (this.error.status === 403 || this.error.status === 404)
          ? this._("These results are no longer available.")
          : this._("The results could not be refreshed.");
        stale.text(reason + " " + this._("Showing the results as of %(time)s.",
                                         {time: this.format.time(new Date(this.staleSince))}))
          .prop("hidden", false);
        this.el.addClass("is-stale");
      } else {
        stale.text("").prop("hidden", true);
        this.el.removeClass("is-stale");
      }
    },

    _ago: function (seconds) {
      var relative = this.format.relative;
      if (seconds < 60) {
        return relative(-seconds, "second");
      }
      if (seconds < 3600) {
        return relative(-Math.floor(seconds / 60), "minute");
      }
      if (seconds < 86400) {
        return relative(-Math.floor(seconds / 3600), "hour");
      }
      return relative(-Math.floor(seconds / 86400), "day");
    },

    _announce: function (answer) {
      var text = this._("Results updated: %(progress)s.", {progress: this._progressText(answer.progress || {})});
      if (text !== this.announced) {
        this.announced = text;
        this.$("[data-role=announce]").text(text);
      }
    },

    // ------------------------------------------------------------------
    // Big screen, frame height

    _onBigScreen: function (event) {
      event.preventDefault();
      var root = document.documentElement;
      var big = !$(root).hasClass("is-big");
      $(root).toggleClass("is-big", big);
      $(event.currentTarget).attr("aria-pressed", big ? "true" : "false");
      if (big && root.requestFullscreen) {
        root.requestFullscreen().catch(function () { /* a frame without allowfullscreen */ });
      } else if (!big && document.fullscreenElement && document.exitFullscreen) {
        document.exitFullscreen();
      }
      this.sandbox.publish("elections:resize");
    },

    _onFullscreen: function () {
      if (!document.fullscreenElement) {
        $(document.documentElement).removeClass("is-big");
        this.$("[data-role=big-screen]").attr("aria-pressed", "false");
        this.sandbox.publish("elections:resize");
      }
    },

    /* Inside CKAN's own resource page the frame is on the same origin: let
     * it follow the height of the view, which grows as results come in. */
    _onResize: function () {
      if (!this.options.fitFrame) {
        return;
      }
      try {
        var frame = window.frameElement;
        if (frame) {
          frame.style.height = Math.max(400, document.body.scrollHeight + 4) + "px";
        }
      } catch (error) {
        // Another origin's frame: its height is the embedder's business.
      }
    },

    // ------------------------------------------------------------------
    // Formatting, per the page's language ("29 278", "27,8 %" in French)

    _formatter: function (lang, options) {
      var format;
      try {
        format = new Intl.NumberFormat(lang, options);
      } catch (error) {
        format = new Intl.NumberFormat("en", options);
      }
      var percent = options.style === "percent";
      return function (value) {
        if (value === null || value === undefined || isNaN(value)) {
          return "–";
        }
        return format.format(percent ? value / 100 : value);
      };
    },

    _timeFormatter: function (lang) {
      var format;
      try {
        format = new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", second: "2-digit"});
      } catch (error) {
        format = new Intl.DateTimeFormat("en", {hour: "2-digit", minute: "2-digit", second: "2-digit"});
      }
      return function (date) { return format.format(date); };
    },

    _relativeFormatter: function (lang) {
      var format;
      try {
        format = new Intl.RelativeTimeFormat(lang, {numeric: "always", style: "short"});
      } catch (error) {
        format = new Intl.RelativeTimeFormat("en", {numeric: "always", style: "short"});
      }
      return function (value, unit) { return format.format(value, unit); };
    }
  };
});
