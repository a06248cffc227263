/* The embed dialog of an election view: options, a live preview at a
 * phone's or a tablet's width, and the snippet to paste (an iframe as wide
 * as the article plus the portal's /elections/embed.js, which sets its
 * height to its content's).
 *
 * Usage (elections/snippets/embed_dialog.html), inside a Bootstrap modal:
 *
 *   <div data-module="elections-embed" data-module-views='[{"id": "…", "type": "elections_summary_widget", "title": "…", "url": "https://…"}]'
 *        data-module-current="view id" data-module-script="https://portal/elections/embed.js">
 *     <form data-role="options"> <select name="view|level|mode|election|lang|width"> <input name="compact|screen"> </form>
 *     <textarea data-role="code"></textarea> <button data-role="copy"></button> <span data-role="copied"></span>
 *     <div data-role="preview-box"></div>
 *   </div>
 */
this.ckan.module("elections-embed", function ($) {
  "use strict";

  // Heights without the script, measured at 360 px with a compact header:
  // the frame then needs no inner scrolling on most phones.
  var HEIGHTS = {
    elections_summary_widget: 560,
    elections_map_widget: 640,
    elections_participation_widget: 720,
    elections_results_view: 1700
  };

  return {
    options: {
      views: [],
      current: "",
      script: "/elections/embed.js"
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.form = this.$("[data-role=options]");
      this.form.on("change input", this._onChange);
      this.form.on("submit", function (event) { event.preventDefault(); });
      this.$("[data-role=copy]").on("click", this._onCopy);
      $(window).on("message", this._onMessage);
      // Out of the page's stacking contexts, or the backdrop covers it.
      var modal = this.el.closest(".modal").appendTo(document.body);
      // The preview loads only once someone opens the dialog.
      modal.on("shown.bs.modal", this._onChange);
      this._code();
    },

    _view: function () {
      var id = this.form.find("[name=view]").val() || String(this.options.current);
      return $.grep(this.options.views || [], function (view) { return view.id === id; })[0] || {};
    },

    _url: function () {
      var view = this._view();
      var value = function (name) { return this.form.find("[name=" + name + "]"); }.bind(this);
      var url = new URL(view.url || window.location.href);
      var lang = value("lang").val();
      if (lang) {
        url.pathname = "/" + lang + url.pathname;
      }
      $.each(["level", "mode", "election"], function (i, name) {
        if (value(name).val()) {
          url.searchParams.set(name, value(name).val());
        }
      });
      $.each(["compact", "screen"], function (i, name) {
        if (value(name).prop("checked")) {
          url.searchParams.set(name, "1");
        }
      });
      return url.toString();
    },

    _code: function () {
      var view = this._view();
      var screen = this.form.find("[name=screen]").prop("checked");
      var frame = $("<iframe>").attr({
        src: this._url(),
        style: screen ? "width:100%;height:100vh;border:0" : "width:100%;border:0",
        height: screen ? null : HEIGHTS[view.type] || 600,
        title: view.title || "",
        loading: "lazy",
        allowfullscreen: screen ? "" : null
      });
      var code = frame[0].outerHTML;
      if (!screen) {
        code += "\n" + $("<script>", {src: this.options.script, async: ""})[0].outerHTML;
      }
      this.$("[data-role=code]").val(code);
      return frame;
    },

    _onChange: function () {
      var frame = this._code();
      if (!this.el.closest(".modal").hasClass("show")) {
        return;
      }
      var box = this.$("[data-role=preview-box]");
      var width = this.form.find("[name=width]").val();
      box.css("max-width", width ? width + "px" : "");
      var current = box.find("iframe");
      if (current.attr("src") !== frame.attr("src")) {
        window.clearTimeout(this.pending);
        // Typing in a field is not a reason to reload the preview each time.
        this.pending = window.setTimeout(function () {
          frame.removeAttr("loading");
          box.empty().append(frame);
        }, 250);
      }
    },

    /* The preview tells its height like any embed does. */
    _onMessage: function (event) {
      var message = event.originalEvent;
      var frame = this.$("[data-role=preview-box] iframe")[0];
      if (frame && message.source === frame.contentWindow && message.origin === new URL(frame.src).origin &&
          message.data && message.data.type === "elections:height") {
        frame.style.height = Math.ceil(message.data.height) + "px";
      }
    },

    _onCopy: function () {
      var code = this.$("[data-role=code]");
      var done = $.proxy(function () { this.$("[data-role=copied]").text(this._("Copied.")); }, this);
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code.val()).then(done);
      } else {
        code.trigger("select");
        document.execCommand("copy");
        done();
      }
    }
  };
});
