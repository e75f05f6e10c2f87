// esbuild settings follow plotly.js's own esbuild-config.js (iife, global Plotly, inlined CSS).
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const version = require('plotly.js/package.json').version;
esbuild.build({
  entryPoints: [__dirname + '/entry.js'], outfile: process.argv[2], format: 'iife', globalName: 'Plotly',
  bundle: true, minify: true, legalComments: 'none', target: 'es2016',
  banner: {js: `/* plotly.js v${version} (MIT licence, Plotly, Inc.), partial bundle: scatter, bar, scattergeo, choropleth. Built by scripts/build_plotly_bundle.sh */`},
  plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
  alias: { stream: 'stream-browserify' }, define: { global: 'window', 'define.amd': 'false' },
}).catch(() => process.exit(1));
