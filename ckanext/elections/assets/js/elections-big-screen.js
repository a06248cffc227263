/* The big-screen switch of the live results view: larger type, the whole
 * window (fullscreen when the browser allows it), for a city hall's screen.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <button type="button" data-module="elections-big-screen" aria-pressed="false">Big screen</button>
 */
this.ckan.module("elections-big-screen", function ($) {
  "use strict";

  return {
    options: {},

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.el.on("click", this._onClick);
      $(document).on("fullscreenchange", this._onFullscreen);
    },

    _onClick: function (event) {
      event.preventDefault();
      var root = document.documentElement;
      var big = !$(root).hasClass("is-big");
      this._set(big);
      if (big && root.requestFullscreen) {
        root.requestFullscreen().catch(function () { /* a frame without allowfullscreen */ });
      } else if (!big && document.fullscreenElement && document.exitFullscreen) {
        document.exitFullscreen();
      }
    },

    _onFullscreen: function () {
      if (!document.fullscreenElement && $(document.documentElement).hasClass("is-big")) {
        this._set(false);
      }
    },

    _set: function (big) {
      $(document.documentElement).toggleClass("is-big", big);
      this.el.attr("aria-pressed", big ? "true" : "false");
      this.sandbox.publish("elections:resize");
    }
  };
});
