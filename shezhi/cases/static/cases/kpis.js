/* KPI charts with ECharts (served by the platform from npm); the tables above hold the figures. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kpi-chart").textContent);
  if (!window.echarts) { return; }
  function pct(v) { return v == null ? null : Math.round(v * 1000) / 10; }
  var units = echarts.init(document.getElementById("chart-units"));
  units.setOption({
    animation: false,
    title: { text: "各单位响应率 / 解决率 / 满意率 (%)", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { top: 24 },
    grid: { top: 60, bottom: 80 },
    xAxis: { type: "category", data: data.units, axisLabel: { rotate: 30, interval: 0 } },
    yAxis: { type: "value", max: 100 },
    series: [
      { name: "响应率", type: "bar", data: data.response.map(pct) },
      { name: "解决率", type: "bar", data: data.resolution.map(pct) },
      { name: "满意率", type: "bar", data: data.satisfaction.map(pct) },
    ],
  });
  var months = echarts.init(document.getElementById("chart-months"));
  months.setOption({
    animation: false,
    title: { text: "每月受理与办结", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { top: 24 }, grid: { top: 60 },
    xAxis: { type: "category", data: data.months }, yAxis: { type: "value" },
    series: [{ name: "受理", type: "line", data: data.accepted }, { name: "办结", type: "line", data: data.closed }],
  });
  window.shezhiCharts = { units: units, months: months };
}());
