/* Customer dashboard charts: the vendored ECharts draws each [data-chart] box from the JSON the
   page carries (json_script "yw-dashboard-data": per chart its kind, categories and series); the
   figures stay in the table below each chart, folded away once the chart is drawn (and open when
   scripts or the chart are unavailable). Names come from users and are never read as HTML. */
(function () {
  "use strict";
  var source = document.getElementById("yw-dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1677ff", "#13a8a8", "#52c41a", "#faad14", "#fa541c", "#722ed1", "#eb2f96", "#2f54eb",
                 "#a0d911", "#8c8c8c"];
  var charts = [];

  function text(value) {
    var node = document.createElement("div");
    node.textContent = value == null ? "\u2014" : String(value);
    return node.innerHTML;
  }

  function itemTooltip(p) {
    return text(p.name) + "<br>" + text(p.seriesName) + ": " + text(p.value);
  }

  function axisTooltip(spec) {
    return function (items) {
      var lines = [text(items[0].axisValue)];
      items.forEach(function (p) {
        var percent = (spec.series[p.seriesIndex] || {}).percent;
        lines.push(p.marker + text(p.seriesName) + ": " + text(p.value) + (percent && p.value != null ? "%" : ""));
      });
      return lines.join("<br>");
    };
  }

  function pie(spec, node) {
    node.style.height = "280px";
    var narrow = node.clientWidth < 480;  // a phone: no labels around the ring (the legend and table have them)
    var series = spec.series[0];
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: function (p) { return text(p.name) + ": " + text(p.value) + " (" + p.percent + "%)"; } },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", name: series.name, radius: ["40%", "66%"], center: ["50%", "44%"],
                 avoidLabelOverlap: true, label: { show: !narrow, formatter: "{b}: {c}" },
                 data: spec.categories.map(function (name, i) { return { name: name, value: series.data[i] }; }) }]
    };
  }

  function bar(spec, node, stacked) {
    var narrow = node.clientWidth < 480;  // a phone: no value labels (the tooltip and table have them)
    var categories = spec.categories.slice().reverse();  // largest at the top
    node.style.height = Math.max(240, categories.length * 30 + (stacked ? 80 : 40)) + "px";
    return {
      color: palette,
      grid: { left: 8, right: narrow ? 16 : 48, top: 8, bottom: stacked ? 40 : 8, containLabel: true },
      tooltip: stacked ? { trigger: "axis", axisPointer: { type: "shadow" }, formatter: axisTooltip(spec) }
                       : { trigger: "item", formatter: itemTooltip },
      legend: stacked ? { bottom: 0, type: "scroll" } : undefined,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: categories, axisLabel: { width: narrow ? 84 : 160, overflow: "truncate" } },
      series: spec.series.map(function (s) {
        return { type: "bar", name: s.name, stack: stacked ? "total" : undefined, barMaxWidth: 22,
                 data: s.data.slice().reverse(),
                 label: { show: !narrow && !stacked, position: "right" } };
      })
    };
  }

  function trend(spec, node) {
    node.style.height = "300px";
    var percentAxis = spec.series.some(function (s) { return s.percent; });
    return {
      color: palette,
      grid: { left: 8, right: 8, top: 36, bottom: 40, containLabel: true },
      tooltip: { trigger: "axis", formatter: axisTooltip(spec) },
      legend: { bottom: 0, type: "scroll" },
      xAxis: { type: "category", data: spec.categories },
      yAxis: [0, 1].map(function (i) {
        var axis = { type: "value", name: spec.axes[i] || "", minInterval: i === 0 ? 1 : 0,
                     splitLine: { show: i === 0 } };
        if (i === 1 && percentAxis) { axis.max = 100; }
        return axis;
      }),
      series: spec.series.map(function (s) {
        return { type: s.type, name: s.name, yAxisIndex: s.axis || 0, data: s.data,
                 connectNulls: false, barMaxWidth: 22, symbolSize: 7 };
      })
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var spec = data[node.getAttribute("data-chart")];
    if (!spec) { return; }
    var option = spec.kind === "pie" ? pie(spec, node)
      : spec.kind === "trend" ? trend(spec, node)
      : bar(spec, node, spec.kind === "stacked");
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
    node.setAttribute("data-state", "ready");
    var figures = node.parentElement.querySelector("details.yw-chart-data");
    if (figures) { figures.open = false; }
  });
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 120);
  });
})();
