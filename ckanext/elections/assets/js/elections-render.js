/* Rendering helpers shared by every module of the election views, added to
 * CKAN's sandbox so that pub/sub payloads carry data only:
 *
 *   var render = this.sandbox.elections();
 *   render.percent(27.8);                  // "27,8 %" on a French page
 *   render.level("bureau", 2);             // "Bureaux de vote"
 *   render.progress({counted: 3, total: 120});
 *
 * Labels come from the vocabulary the page was given by Python
 * (h.elections_vocabulary(), in the data-module-vocabulary attribute of the
 * elections-live element), numbers and times from Intl in the page's
 * language. One instance per page, so a candidate keeps its colour across
 * modules. Other files add their helpers to it with
 * ckan.sandbox.Sandbox.prototype.elections.extend({…}) (elections-rules.js:
 * bars, badges and what the rules decide).
 */
(function (ckan, $) {
  "use strict";

  var FALLBACK_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b",
                          "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e"];
  var shared = null;

  function _(text, values) {
    return ckan.i18n._(text, values);
  }

  function ngettext(one, other, count, values) {
    return ckan.i18n.ngettext(one, other, count, values);
  }

  function intl(Constructor, lang, options) {
    try {
      return new Constructor(lang, options);
    } catch (error) {
      return new Constructor("en", options);
    }
  }

  function Render(lang, vocabulary) {
    this.lang = lang;
    this.vocabulary = $.extend({levels: {}, kinds: {}, statuses: {}, counts: {}}, vocabulary);
    this.colours = {};
    this._number = intl(Intl.NumberFormat, lang, {maximumFractionDigits: 0});
    this._percent = intl(Intl.NumberFormat, lang, {style: "percent", minimumFractionDigits: 1,
                                                   maximumFractionDigits: 1});
    this._signed = intl(Intl.NumberFormat, lang, {signDisplay: "exceptZero", minimumFractionDigits: 1,
                                                  maximumFractionDigits: 1});
    this._time = intl(Intl.DateTimeFormat, lang, {hour: "2-digit", minute: "2-digit", second: "2-digit"});
    this._clock = intl(Intl.DateTimeFormat, lang, {hour: "numeric", minute: "2-digit", hourCycle: "h23"});
    this._relative = intl(Intl.RelativeTimeFormat, lang, {numeric: "always", style: "short"});
  }

  $.extend(Render.prototype, {
    // ------------------------------------------------------------------
    // Numbers and times, per the page's language ("29 278", "27,8 %")

    number: function (value) {
      return value === null || value === undefined || isNaN(value) ? "–" : this._number.format(value);
    },

    percent: function (value) {
      return value === null || value === undefined || isNaN(value) ? "–" : this._percent.format(value / 100);
    },

    /* A change in percentage points, signed: "+0,2 pt". */
    points: function (value) {
      return value === null || value === undefined || isNaN(value) ? "–"
        : _("%(points)s pts", {points: this._signed.format(value)});
    },

    time: function (date) {
      return this._time.format(date);
    },

    /* "21 h 10" in French, "21:10" in English: the pattern is a message. */
    clock: function (date) {
      var parts = {};
      $.each(this._clock.formatToParts(date), function (i, part) { parts[part.type] = part.value; });
      return _("%(hours)s:%(minutes)s", {hours: parts.hour, minutes: parts.minute});
    },

    ago: function (seconds) {
      if (seconds < 60) {
        return this._relative.format(-seconds, "second");
      }
      if (seconds < 3600) {
        return this._relative.format(-Math.floor(seconds / 60), "minute");
      }
      if (seconds < 86400) {
        return this._relative.format(-Math.floor(seconds / 3600), "hour");
      }
      return this._relative.format(-Math.floor(seconds / 86400), "day");
    },

    // ------------------------------------------------------------------
    // Labels of the vocabulary

    level: function (level, count) {
      var labels = this.vocabulary.levels[level];
      return labels ? (count === 1 ? labels.one : labels.other) : level;
    },

    status: function (status, length) {
      var labels = this.vocabulary.statuses[status] || this.vocabulary.statuses.upcoming;
      return labels ? labels[length || "long"] : status;
    },

    count: function (name) {
      return this.vocabulary.counts[name] || name;
    },

    progress: function (progress) {
      progress = progress || {};
      return ngettext("%(counted)s / %(total)s polling station counted",
                      "%(counted)s / %(total)s polling stations counted",
                      progress.total || 0, {counted: this.number(progress.counted || 0),
                                            total: this.number(progress.total || 0)});
    },

    candidateLabel: function (candidate) {
      return candidate.name + (candidate.nuance ? " (" + candidate.nuance + ")" : "");
    },

    // ------------------------------------------------------------------
    // Candidates: colours

    /* A candidate's display colour: the dataset's when it is a plain hex
     * colour, otherwise one of a fixed palette, stable per candidate. */
    colour: function (candidate) {
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

    /* ``election``: the one shown, of the night's; ``view``: {answer, skew,
     * inFlight, nextAt, staleSince, error}, the state of the polling that
     * elections-live owns. */
    header: function (root, election, view) {
      var answer = view.answer;
      var find = function (role) { return root.find("[data-role=" + role + "]"); };
      if (election) {
        this.election(root, election, view.level);
      }
      if (answer) {
        var status = /^[a-z]+$/.test(answer.status || "") ? answer.status : "upcoming";
        find("status").text(this.status(status, "long")).attr("class", "el-badge el-badge--" + status);
        var progress = answer.progress || {counted: 0, total: 0};
        var text = this.progress(progress);
        find("progress").text(text);
        find("progress-bar").attr({"aria-valuenow": progress.counted, "aria-valuemax": progress.total,
                                   "aria-valuetext": text})
          .find("span").css("width", (100 * (progress.total ? progress.counted / progress.total : 0)).toFixed(1) + "%");
      }
      this.freshness(root, view);
    },

    freshness: function (root, view) {
      var find = function (role) { return root.find("[data-role=" + role + "]"); };
      var now = Date.now();
      var answer = view.answer;
      if (answer && answer.updated) {
        var updated = Date.parse(answer.updated);
        var seconds = Math.max(0, Math.round((now - (view.skew || 0) - updated) / 1000));
        find("updated").text(_("Updated at %(time)s (%(ago)s)", {time: this.clock(new Date(updated)),
                                                                   ago: this.ago(seconds)}))
          .attr("title", this.time(new Date(updated)));
      }
      var countdown = find("countdown");
      if (view.inFlight) {
        countdown.text(_("Refreshing…"));
      } else if (view.nextAt) {
        countdown.text(_("next refresh in %(seconds)s s", {seconds: Math.max(0, Math.round((view.nextAt - now) / 1000))}));
      } else {
        countdown.text(document.hidden ? _("paused") : "");
      }
      var stale = find("stale");
      if (view.staleSince) {
        var reason = view.error && (view.error.status === 403 || view.error.status === 404)
          ? _("These results are no longer available.")
          : _("The results could not be refreshed.");
        stale.text(reason + " " + _("Showing the results as of %(time)s.", {time: this.time(new Date(view.staleSince))}))
          .prop("hidden", false);
      } else {
        stale.text("").prop("hidden", true);
      }
      root.toggleClass("is-stale", Boolean(view.staleSince));
    },

    /* Title, switch, source and downloads follow the election shown. */
    election: function (root, election, level) {
      var find = function (role) { return root.find("[data-role=" + role + "]"); };
      root.find("[data-election]").each(function () {
        this.setAttribute("aria-pressed", this.getAttribute("data-election") === election.name ? "true" : "false");
      });
      find("election-select").val(election.name);
      var title = find("title");
      var before = title.text();
      if (before !== election.title) {
        title.text(election.title);
        document.title = document.title.split(before).join(election.title);
      }
      if (election.url) {
        find("source").attr("href", election.url).text(_("Source: %(title)s", {title: election.title}));
      }
      if (election.csv && level) {
        find("csv").attr("href", election.csv.replace("__level__", encodeURIComponent(level)));
      }
    },

    /* Said once per change of the figures, not on every poll. */
    announce: function (root, answer) {
      var text = _("Results updated: %(progress)s.", {progress: this.progress(answer.progress)});
      var live = root.find("[data-role=announce]");
      if (text !== live.text()) {
        live.text(text);
      }
    },

    // ------------------------------------------------------------------
    // Frames

    /* The height of the content, told to the page that frames it: the
     * portal's /elections/embed.js on a newsroom's page sets the frame's
     * height to it (no scrolling inside the frame at any width). Inside
     * CKAN's own resource page (``own``: the same origin) the frame is
     * sized here. A big screen fits its window instead. */
    fitFrame: function (own) {
      if (window.parent === window || $(document.documentElement).hasClass("is-screen")) {
        return;
      }
      var height = Math.ceil(document.body.getBoundingClientRect().height);
      if (height !== this.sentHeight) {
        this.sentHeight = height;
        window.parent.postMessage({type: "elections:height", height: height}, "*");
      }
      if (own) {
        try {
          if (window.frameElement) {
            window.frameElement.style.height = Math.max(400, height + 4) + "px";
          }
        } catch (error) {
          // Another origin's frame: embed.js does it there.
        }
      }
    },

    /* Inside a frame: the height is told again whenever the content
     * changes, and when embed.js asks for it once it has loaded (the frame
     * may have told it before anyone listened). */
    watchFrame: function (own) {
      var self = this;
      if (window.parent === window || !window.ResizeObserver) {
        return;
      }
      new window.ResizeObserver(function () { self.fitFrame(own); }).observe(document.body);
      window.addEventListener("message", function (event) {
        if (event.source === window.parent && event.data && event.data.type === "elections:ping") {
          self.sentHeight = null;
          self.fitFrame(own);
        }
      });
    }
  });

  /* The page's Render, made on first use. */
  function elections() {
    if (!shared) {
      var holder = document.querySelector("[data-module-vocabulary]");
      var vocabulary = {};
      try {
        vocabulary = JSON.parse(holder ? holder.getAttribute("data-module-vocabulary") : "{}");
      } catch (error) {
        // Labels then fall back to the codes: the figures still show.
      }
      shared = new Render(document.documentElement.lang || "en", vocabulary);
    }
    return shared;
  }

  elections.extend = function (methods) {
    $.extend(Render.prototype, methods);
  };

  ckan.sandbox.extend({elections: elections});
})(this.ckan, this.jQuery);
