/* Find my polling station, commune or canton: a search box (an ARIA
 * combobox: arrows, Enter, Escape; a tap on phones) over the names, numbers
 * and communes of the areas of every level; choosing one selects it on the
 * map and in the figures, drilling down to a bureau's canton.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <div data-module="elections-find" data-module-api="/api/3/action/elections_results_show"></div>
 */
this.ckan.module("elections-find", function ($) {
  "use strict";

  var MAX = 8;

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  return {
    options: {
      api: ""
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.index = {};
      var id = "el-find-" + Math.random().toString(36).slice(2, 8);
      this.input = $("<input>", {
        id: id, type: "search", "class": "el-input", role: "combobox", autocomplete: "off",
        "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": id + "-list",
        placeholder: this._("Name, number or commune")
      });
      this.list = $("<ul>", {id: id + "-list", role: "listbox", "class": "el-find-list", hidden: true,
                             "aria-label": this._("Areas found")});
      this.status = $("<p>", {"class": "el-sr", role: "status"});
      this.el.append($("<label>", {"for": id, "class": "el-find-label", text: this._("Find my polling station, commune or canton")}),
                     $("<div>", {"class": "el-find-box"}).append(this.input, this.list), this.status);
      this.input.on("input", this._onInput).on("keydown", this._onKey).on("focus", this._onFocus);
      this.list.on("click", "[role=option]", this._onPick);
      $(document).on("click", this._onOutside);
      this.sandbox.subscribe("elections:results", this._onResults);
    },

    _onResults: function (payload) {
      this.payload = payload;
    },

    _onFocus: function () {
      this._load();
    },

    /* The areas of every level with outlines, asked for once per election. */
    _load: function () {
      var payload = this.payload;
      if (!payload || this.index[payload.state.election]) {
        return this.index[payload ? payload.state.election : ""] || $.Deferred().resolve([]).promise();
      }
      var election = payload.state.election;
      var levels = $.grep(payload.levels || [], function (level) { return (payload.election.boundaries || {})[level]; });
      var api = this.options.api;
      this.index[election] = Promise.all(levels.map(function (level) {
        return window.fetch(api + "?" + new URLSearchParams({id: election, level: level}), {credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : {result: {areas: []}}; })
          .then(function (body) {
            return $.map(body.result.areas || [], function (area) {
              return {level: level, code: area.code, name: area.name || area.code, canton: area.canton,
                      commune: area.commune_name || area.commune || "",
                      key: fold([area.name, area.code, area.commune_name || area.commune].join(" "))};
            });
          });
      })).then(function (lists) { return [].concat.apply([], lists); });
      return this.index[election];
    },

    _onInput: function () {
      var self = this;
      var query = fold(this.input.val()).trim();
      if (!query) {
        this._show([]);
        return;
      }
      Promise.resolve(this._load()).then(function (areas) {
        var words = query.split(/\s+/);
        self._show($.grep(areas || [], function (area) {
          return words.every(function (word) { return area.key.indexOf(word) >= 0; });
        }).slice(0, MAX));
      });
    },

    _show: function (found) {
      var render = this.sandbox.elections();
      var id = this.list.attr("id");
      this.found = found;
      this.active = -1;
      this.list.empty().append($.map(found, function (area, i) {
        return $("<li>", {id: id + "-" + i, role: "option", "aria-selected": "false", "class": "el-find-option"}).append(
          $("<span>", {text: area.name}), " ",
          $("<small>", {text: render.level(area.level, 1) + (area.commune && area.commune !== area.name ? " · " + area.commune : "")}))[0];
      }));
      var open = found.length > 0;
      this.list.prop("hidden", !open);
      this.input.attr("aria-expanded", open ? "true" : "false").removeAttr("aria-activedescendant");
      this.status.text(this.input.val() ? this.ngettext("%(num)s area found", "%(num)s areas found", found.length) : "");
    },

    _onKey: function (event) {
      var count = (this.found || []).length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!count) {
          return;
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        this.active = this.active < 0 && step < 0 ? count - 1 : (this.active + step + count) % count;
        var options = this.list.children().attr("aria-selected", "false");
        var option = options.eq(this.active).attr("aria-selected", "true");
        this.input.attr("aria-activedescendant", option.attr("id"));
        option[0].scrollIntoView({block: "nearest"});
      } else if (event.key === "Enter" && count) {
        event.preventDefault();
        this._choose(this.found[Math.max(0, this.active)]);
      } else if (event.key === "Escape") {
        this._show([]);
      }
    },

    _onPick: function (event) {
      this._choose(this.found[$(event.currentTarget).index()]);
    },

    _onOutside: function (event) {
      if (!$.contains(this.el[0], event.target)) {
        this.list.prop("hidden", true);
        this.input.attr("aria-expanded", "false");
      }
    },

    _choose: function (area) {
      if (!area) {
        return;
      }
      this.input.val(area.name);
      this._show([]);
      var change = {level: area.level, area: area.code, canton: ""};
      if (area.level === "bureau" && area.canton) {
        change.canton = area.canton;
      }
      this.sandbox.publish("elections:select", change);
    }
  };
});
