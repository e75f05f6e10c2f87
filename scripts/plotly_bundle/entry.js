'use strict';
// The trace types campaign graphics draw (dashboard.graphics.browser.BUNDLE_TRACES; scatter is in core).
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/scattergeo'), require('plotly.js/lib/choropleth')]);
module.exports = Plotly;
