// The chart page: plotly.js draws each chart of a graphic here, as SVG text (jcChartSvg).
(function () {
  // Path coordinates to 2 decimals: the map's boundaries come out of plotly with 15 digits each (0.85 MB);
  // rounded, the SVG is a third of that, so it crosses to the graphic's page and parses in a third of the time.
  // Text (labels, titles) is left exactly as plotly wrote it.
  const roundPath = (d) => d.replace(/(\.\d\d)\d+/g, "$1");
  window.jcChartSvg = async (figureJson, width, height) => {
    const figure = JSON.parse(figureJson);
    figure.config = {topojsonURL: window.jcTopojsonURL};
    const url = await Plotly.toImage(figure, {format: "svg", width: width, height: height});
    const svg = decodeURIComponent(url.slice(url.indexOf(",") + 1));
    return svg.slice(svg.indexOf("<svg")).replace(/ d="([^"]*)"/g, (m, d) => ` d="${roundPath(d)}"`);
  };

  // Once, right after plotly.js loads: one small figure of each trace type graphics use (bar and scatter, a
  // choropleth and scattergeo on the map's projection), drawn and thrown away. V8 compiles plotly's drawing
  // code on first use; paid here, in this page's own process while the first graphics are laid out, it is
  // not paid by the first chart export. Python's chart_svg waits for jcChartReady.
  const square = {type: "Feature", properties: {code: "X"},
                  geometry: {type: "Polygon", coordinates: [[[-100, 40], [-99, 40], [-99, 41], [-100, 41], [-100, 40]]]}};
  const figures = [
    {data: [{type: "bar", x: ["a", "b"], y: [1, 2], text: ["1", "2"]}, {type: "scatter", x: ["a", "b"], y: [2, 1]}],
     layout: {}},
    {data: [{type: "choropleth", geojson: {type: "FeatureCollection", features: [square]}, featureidkey: "properties.code",
             locations: ["X"], z: [1], showscale: false},
            {type: "scattergeo", lon: [null], lat: [null], mode: "markers"}],
     layout: {geo: {visible: false, projection: {type: "conic conformal"}, lonaxis: {range: [-150, -52]},
                    lataxis: {range: [24, 72]}}}},
  ];
  const done = () => { window.jcChartReady = true; };
  if (typeof Plotly === "undefined") { done(); return; }
  figures.reduce((p, f) => p.then(() => window.jcChartSvg(JSON.stringify(f), 200, 150)), Promise.resolve())
    .then(done, done);
})();
