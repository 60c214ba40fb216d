// Builds plotly-ioc.min.js from entry.js with the esbuild settings of plotly.js's own esbuild-config.js (the ones
// its dist bundles are built with), wrapped as its dist bundles are, and writes plotly-ioc.LICENSES.txt: the name,
// version, licence and licence text of every package the bundle contains. Run: npm ci && npm run build
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

const packageJson = (name) => JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
const version = packageJson('plotly.js').version;
const outfile = 'plotly-ioc.min.js';

const result = await build({
    entryPoints: ['entry.js'],
    outfile,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    metafile: true,
    banner: {
        js: [
            '/**',
            `* plotly.js (IOC partial: bar, choroplethmap, scatter - minified) v${version}`,
            '* Copyright 2012-2026, Plotly, Inc.',
            '* All rights reserved.',
            '* Licensed under the MIT license',
            '*/',
            '(function (root, factory) {',
            '  if (typeof module === "object" && module.exports) { module.exports = factory(); }',
            '  else { root.Plotly = factory(); }',
            '}(typeof self !== "undefined" ? self : this, () => {',
        ].join('\n'),
    },
    footer: { js: 'window.Plotly = Plotly;\nreturn Plotly;\n}));' },
    logLevel: 'info',
});

const names = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
    const parts = input.match(/node_modules\/(?:@[^/]+\/)?[^/]+/g);
    if (parts) { names.add(parts[parts.length - 1].replace('node_modules/', '')); }
}
const sections = [...names].sort().map((name) => {
    const meta = packageJson(name);
    const licence = typeof meta.license === 'string' ? meta.license : JSON.stringify(meta.license ?? meta.licenses);
    const file = readdirSync(`node_modules/${name}`).find((entry) => /^(licen[cs]e|copying)/i.test(entry));
    const text = file && existsSync(`node_modules/${name}/${file}`)
        ? readFileSync(`node_modules/${name}/${file}`, 'utf8').trim()
        : `(the package ships no licence file; package.json says ${licence}, author ${JSON.stringify(meta.author ?? '')})`;
    return { row: `${name} ${meta.version} ${licence}`, text: `== ${name} ${meta.version} (${licence})\n\n${text}\n` };
});
writeFileSync(
    'plotly-ioc.LICENSES.txt',
    [
        `The packages inside ${outfile} (plotly.js ${version}, built by build.mjs), with their licences.`,
        '',
        ...sections.map((section) => section.row),
        '',
        ...sections.map((section) => section.text),
    ].join('\n'),
);
