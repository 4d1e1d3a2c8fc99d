/* The leaders' dashboard charts (ECharts, served by the platform); the tables hold every figure. */
(function () {
  "use strict";
  var root = document.querySelector("[data-testid=dashboard]");
  var refresh = root && root.getAttribute("data-refresh");
  if (refresh) { window.setTimeout(function () { window.location.reload(); }, Number(refresh) * 1000); }
  var node = document.getElementById("ind-chart");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var dark = root.classList.contains("screen") ? "dark" : null;
  var status = echarts.init(document.getElementById("chart-status"), dark);
  status.setOption({
    animation: false, title: { text: "指标进展状态", textStyle: { fontSize: 14 } }, tooltip: {},
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.status,
      color: ["#10b981", "#3b82f6", "#f59e0b", "#f97316", "#ef4444"] }],
  });
  var r = data.ranking;
  var ranking = echarts.init(document.getElementById("chart-ranking"), dark);
  ranking.setOption({
    animation: false, title: { text: "榜单名次与 5–95% 区间", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
    grid: { left: 110, top: 40 }, yAxis: { type: "category", inverse: true, data: r.map(function (e) { return e.name; }) },
    xAxis: { type: "value", name: "名次", minInterval: 1 },
    series: [
      { name: "5%", type: "bar", stack: "band", itemStyle: { color: "transparent" }, data: r.map(function (e) { return e.p05; }) },
      { name: "5–95%", type: "bar", stack: "band", itemStyle: { color: "#93c5fd" }, data: r.map(function (e) { return Math.max(e.p95 - e.p05, 0.5); }) },
      { name: "名次", type: "scatter", data: r.map(function (e) { return e.rank; }), itemStyle: { color: "#1d4ed8" } },
    ],
  });
  var trends = echarts.init(document.getElementById("chart-trends"), dark);
  trends.setOption({
    animation: false, title: { text: "共治指标趋势", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    grid: { top: 40, bottom: 60 }, xAxis: { type: "category" }, yAxis: { type: "value" },
    series: data.trends.map(function (t) { return { name: t.name, type: "line", data: t.points }; }),
  });
  window.shezhiCharts = { status: status, ranking: ranking, trends: trends };
}());
