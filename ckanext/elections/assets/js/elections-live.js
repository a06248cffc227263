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
 *         data-module-queries="territory level"
 *         data-module-vocabulary='{{ h.elections_vocabulary()|tojson }}'>
 *     <span data-role="status"></span> <span data-role="progress"></span> …
 *   </main>
 *
 * It polls the results API with If-None-Match (a 304 costs nothing, see
 * elections-api.js), waits while the tab is hidden, backs off exponentially
 * on errors and then keeps the last good results on screen with a "not
 * updated since" notice.
 *
 * It owns the selection (election, level, area, canton, colour mode,
 * candidate), keeps it in the URL's hash so that a link reopens the same
 * view, and applies the changes other modules publish on "elections:select".
 * What it publishes is data; the modules render it with the helpers of
 * elections-render.js (this.sandbox.elections()), which read the labels
 * from data-module-vocabulary.
 */
this.ckan.module("elections-live", function ($) {
  "use strict";

  // participation_change and leader_change compare with the previous election.
  var MODES = ["leader", "participation", "candidate", "participation_change", "leader_change"];

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
      urls: {},
      fitFrame: false
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      // Answers by election, level and code: {etag, data}.
      this.cache = {};
      this.failures = this.skew = 0;
      this.staleSince = this.error = this.lastAnswer = this.nextAt = null;
      var urls = this.options.urls || {};
      $.each(this.options.elections || [], function (i, election) {
        election.url = String(urls.dataset || "").replace("__election__", encodeURIComponent(election.name));
        election.csv = String(urls.csv || "").replace("__election__", encodeURIComponent(election.name));
      });
      this.state = this._parse(window.location.hash, this._defaultState());
      this._seedCache();

      this.sandbox.subscribe("elections:select", this._onSelect);
      this.sandbox.subscribe("elections:drawn", this._onDrawn);
      // Shown as it is after a while, whatever is still on its way.
      window.setTimeout($.proxy(function () { this.el.removeClass("is-loading"); }, this), 4000);
      this.el.on("click", "[data-election]", this._onElectionClick);
      this.el.on("change", "[data-role=election-select]", this._onElectionClick);
      $(document).on("visibilitychange", this._onVisibility);
      $(window).on("hashchange", this._onHashChange);
      window.setInterval(this._onTick, 1000);
      this.sandbox.elections().watchFrame(Boolean(this.options.fitFrame));
      // Let the modules inside this one subscribe before the first publish.
      window.setTimeout(this._onStart, 0);
    },

    // ------------------------------------------------------------------
    // Selection

    /* The view's settings, then the embed URL's query (?level=…): each
     * valid value of the query replaces the setting. */
    _defaultState: function () {
      if (!this.defaults) {
        var first = (this.options.elections || [])[0];
        this.defaults = this._parse(window.location.search, {
          election: first ? first.name : "",
          level: String(this.options.level || "canton"),
          area: "",
          canton: "",
          mode: MODES.indexOf(this.options.colourMode) >= 0 ? this.options.colourMode : "leader",
          // An empty data-module-* attribute reads as true; ids may read as numbers.
          candidate: typeof this.options.candidate === "boolean" ? "" : String(this.options.candidate || "")
        });
      }
      return $.extend({}, this.defaults);
    },

    /* ``state`` changed by the valid values of a query or a hash. */
    _parse: function (query, state) {
      var self = this;
      var params = new URLSearchParams(String(query).replace(/^[?#]/, ""));
      var valid = {
        election: function (name) { return Boolean(self._election(name)); },
        level: function (level) { return (self.options.levels || []).indexOf(level) >= 0; },
        mode: function (mode) { return MODES.indexOf(mode) >= 0; }
      };
      var next = {};
      $.each(state, function (key, value) {
        var given = params.has(key) ? params.get(key) : value;
        next[key] = !valid[key] || valid[key](given) ? given : value;
      });
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
      this._select(this._parse(window.location.hash, this._defaultState()));
    },

    _onSelect: function (change) {
      this._select($.extend({}, this.state, change));
    },

    _onElectionClick: function (event) {
      event.preventDefault();
      var name = $(event.currentTarget).attr("data-election") || $(event.currentTarget).val();
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
      var missing = this._missing();
      this._publish(false);
      if (missing) {
        this._refresh();
      }
    },

    _election: function (name) {
      return $.grep(this.options.elections || [], function (election) { return election.name === name; })[0] || null;
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

    _missing: function () {
      return this._queries().some(function (query) { return !this.cache[query.key]; }, this);
    },

    _seedCache: function () {
      var element = this.options.initial ? document.getElementById(this.options.initial) : null;
      var initial = null;
      try {
        initial = element ? JSON.parse(element.textContent) : null;
      } catch (error) {
        // The first poll fetches everything.
      }
      // The page's copy is of its own election, whatever ?election= asks for.
      var name = ((this.options.elections || [])[0] || {}).name;
      var cache = this.cache;
      $.each(initial || {}, function (level, answer) {
        if (answer) {
          // No validator yet: the first poll fetches them.
          cache[[name, level, ""].join("|")] = {etag: null, data: answer};
        }
      });
    },

    _onStart: function () {
      this._select(this.state);
      if (!this.inFlight) {
        this._schedule(this._interval());
      }
    },

    _interval: function () {
      return Math.max(1, Number(this.options.interval) || 30) * 1000;
    },

    _schedule: function (delay) {
      window.clearTimeout(this.timer);
      this.nextAt = Date.now() + delay;
      this.timer = window.setTimeout($.proxy(this._refresh, this), delay);
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
      var params = {id: query.election, level: query.level};
      if (query.code) {
        params.code = query.code;
      }
      return this.sandbox.electionsApi.get(this.options.api, params, this.cache[query.key]).then(function (answer) {
        if (!isNaN(answer.date)) {
          self.skew = Date.now() - answer.date;
        }
        self.cache[query.key] = answer.entry;
        self.lastSuccess = Date.now();
        return answer.changed;
      });
    },

    // ------------------------------------------------------------------
    // Sharing: data only, the modules render it (this.sandbox.elections())

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
        changed: changed,
        stale: Boolean(this.staleSince),
        // The answers for this selection are on their way.
        loading: this._missing()
      };
      var main = payload.territory || payload.areas;
      if (main) {
        this.lastAnswer = main;
        this.loadedAt = this.loadedAt || Date.now();
      }
      this._renderHeader();
      if (changed && main) {
        this.sandbox.elections().announce(this.el, main);
      }
      this.sandbox.publish("elections:results", payload);
      this._onDrawn();
      this.sandbox.elections().fitFrame(Boolean(this.options.fitFrame));
    },

    /* The page shows once its modules have drawn: those that wait for more
     * than the results (outlines, turnout) say so with data-pending and
     * publish "elections:drawn" when done. */
    _onDrawn: function () {
      if (this.lastAnswer && !this.el.find("[data-pending]").length) {
        this.el.removeClass("is-loading");
      }
    },

    _renderHeader: function () {
      this.sandbox.elections().header(this.el, this._election(this.state.election), {
        answer: this.lastAnswer, skew: this.skew, inFlight: this.inFlight, nextAt: this.nextAt,
        staleSince: this.staleSince, error: this.error, level: this.state.level
      });
    },

    _onTick: function () {
      if (!document.hidden) {
        this._renderHeader();
      }
    }
  };
});
