'use strict';

// IOC's plotly.js: the core (which brings the scatter trace) and the other traces IOC's figures draw.
// A trace type added to a figure must be added here, to TRACES in layouts/plotly_bundle.py, and the bundle rebuilt.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/choroplethmap')]);

module.exports = Plotly;
