// actlab report: hover on a chart to read the values under the pointer (no network, no library).
(function () {
  "use strict";
  var tip = document.createElement("div");
  tip.className = "tip";
  tip.style.display = "none";
  document.body.appendChild(tip);
  function fmt(v) {
    if (v === null || v === undefined) { return "–"; }
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) { return v.toExponential(3); }
    return Number(v.toPrecision(4)).toString();
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c];
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("svg[data-chart]"), function (svg) {
    var data = JSON.parse(svg.getAttribute("data-chart"));
    var cursor = svg.querySelector("line.cursor");
    var xs = [];
    data.series.forEach(function (s) {
      s.pts.forEach(function (p) { if (xs.indexOf(p[0]) < 0) { xs.push(p[0]); } });
    });
    xs.sort(function (a, b) { return a - b; });
    svg.addEventListener("mousemove", function (ev) {
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      var loc = pt.matrixTransform(svg.getScreenCTM().inverse());
      var best = null, dist = Infinity;
      xs.forEach(function (x) { var d = Math.abs(x - loc.x); if (d < dist) { dist = d; best = x; } });
      if (best === null) { return; }
      cursor.setAttribute("x1", best); cursor.setAttribute("x2", best);
      cursor.setAttribute("visibility", "visible");
      var rows = [], xval = null;
      data.series.forEach(function (s) {
        s.pts.forEach(function (p) {
          if (p[0] === best) {
            xval = p[3];
            rows.push("<span class=\"sw\" style=\"background:" + s.color + "\"></span>" +
                      esc(s.name) + ": <b>" + fmt(p[2]) + "</b>");
          }
        });
      });
      tip.innerHTML = "<div>x = " + fmt(xval) + "</div>" + rows.join("<br>");
      tip.style.display = "block";
      tip.style.left = (ev.pageX + 14) + "px";
      tip.style.top = (ev.pageY + 10) + "px";
    });
    svg.addEventListener("mouseleave", function () {
      tip.style.display = "none";
      cursor.setAttribute("visibility", "hidden");
    });
  });
})();
