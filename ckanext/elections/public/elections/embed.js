/* Sizes the frames of a portal's election widgets to their content, so that
 * readers never scroll inside them, at any width.
 *
 * Usage, on any site, after the iframes the portal's embed dialog gave:
 *
 *   <iframe src="https://portal.example/dataset/…/view/…" style="width:100%;border:0" title="…"></iframe>
 *   <script src="https://portal.example/elections/embed.js" async></script>
 *
 * Each widget tells its height with postMessage ({type: "elections:height"})
 * whenever its content changes; only a message from one of the page's own
 * frames, and from the origin that frame was loaded from, changes that
 * frame. Loaded twice, it listens once.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  if (root.hasAttribute("data-elections-embed")) {
    return;
  }
  root.setAttribute("data-elections-embed", "");

  function origin(frame) {
    // A srcdoc frame, or one without a source, is the host page's own.
    if (frame.hasAttribute("srcdoc") || !frame.getAttribute("src")) {
      return null;
    }
    try {
      return new URL(frame.src, document.baseURI).origin;
    } catch (error) {
      return null;
    }
  }

  function frameOf(source) {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === source) {
        return frames[i];
      }
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "elections:height" || typeof data.height !== "number") {
      return;
    }
    var frame = frameOf(event.source);
    if (!frame || origin(frame) !== event.origin) {
      return;
    }
    var height = Math.max(0, Math.min(20000, Math.ceil(data.height)));
    frame.style.height = height + "px";
    frame.setAttribute("scrolling", "no");
  });

  // Frames that loaded before this script told nobody: ask them again.
  function ask() {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i += 1) {
      var target = origin(frames[i]);
      if (target && frames[i].contentWindow) {
        frames[i].contentWindow.postMessage({type: "elections:ping"}, target);
      }
    }
  }
  ask();
  window.addEventListener("load", ask);
})();
