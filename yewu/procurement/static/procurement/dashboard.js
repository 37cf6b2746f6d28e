/* Procurement dashboard charts: the vendored ECharts draws each [data-chart] box from the JSON the
   page carries (json_script "yw-dashboard-data"); the figures stay in the table below each chart,
   folded away once the chart is drawn (and open when scripts or the chart are unavailable). */
(function () {
  "use strict";
  var source = document.getElementById("yw-dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "zh-hans";
  var format;
  try {
    format = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  } catch (e) {
    format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  var yuan = function (value) { return "\u00a5" + format.format(value); };
  var compact;
  try {
    compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
  } catch (e) {
    compact = format;
  }
  var palette = ["#1677ff", "#13a8a8", "#52c41a", "#faad14", "#fa541c", "#722ed1", "#eb2f96", "#2f54eb",
                 "#a0d911", "#8c8c8c"];
  var charts = [];

  function tooltip(row) {
    var name = document.createElement("div");
    name.textContent = row.name;  // names come from users: never as HTML
    return name.innerHTML + "<br>" + yuan(Number(row.amount)) + " \u00b7 " + row.count;
  }

  function bar(rows, node) {
    var ordered = rows.slice().reverse();  // largest at the top
    var narrow = node.clientWidth < 480;  // a phone: no value labels (the tooltip and table have them)
    node.style.height = Math.max(240, ordered.length * 30 + 40) + "px";
    return {
      color: palette,
      grid: { left: 8, right: narrow ? 16 : 96, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) { return tooltip(ordered[p.dataIndex]); } },
      xAxis: { type: "value", splitNumber: narrow ? 3 : 5,
               axisLabel: { formatter: function (v) { return compact.format(v); } } },
      yAxis: { type: "category", data: ordered.map(function (r) { return r.name; }),
               axisLabel: { width: narrow ? 84 : 160, overflow: "truncate" } },
      series: [{ type: "bar", barMaxWidth: 22, data: ordered.map(function (r) { return Number(r.amount); }),
                 itemStyle: { borderRadius: [0, 3, 3, 0] },
                 label: { show: !narrow, position: "right", formatter: function (p) { return yuan(p.value); } } }]
    };
  }

  function pie(rows, node) {
    node.style.height = "260px";
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: function (p) { return tooltip(rows[p.dataIndex]); } },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "44%"], avoidLabelOverlap: true,
                 label: { formatter: "{b}: {c}" },
                 data: rows.map(function (r) { return { name: r.name, value: r.count }; }) }]
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var rows = data[node.getAttribute("data-chart")] || [];
    if (!rows.length) { return; }
    var option = node.getAttribute("data-kind") === "pie" ? pie(rows, node) : bar(rows, node);
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
