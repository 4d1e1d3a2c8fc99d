/* Burn-up per programme: cumulative completion as a share of the yearly target (ECharts). */
(function () {
  "use strict";
  var node = document.getElementById("plan-chart");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var months = [];
  data.forEach(function (s) { s.points.forEach(function (p) { if (months.indexOf(p[0]) < 0) { months.push(p[0]); } }); });
  months.sort();
  var chart = echarts.init(document.getElementById("chart-burnup"));
  chart.setOption({
    animation: false, title: { text: "各任务累计完成（占年度目标 %）", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0, type: "scroll" }, grid: { top: 40, bottom: 60 },
    xAxis: { type: "category", data: months }, yAxis: { type: "value", max: 120 },
    series: data.map(function (s) {
      return { name: s.name, type: "line", step: "end",
        data: s.points.map(function (p) { return [p[0], Math.round(p[1] / s.target * 1000) / 10]; }) };
    }),
  });
  window.shezhiCharts = { burnup: chart };
}());
