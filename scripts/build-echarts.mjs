// Rebuilds public/vendor/echarts/echarts.min.js: the smallest ECharts that the
// console's charts need (pie and bar; title, legend, tooltip, grid, aria;
// canvas), as a classic script that sets `window.echarts` for the wasm
// bindings in src/widgets/charts.rs. The output is committed, so a normal
// build never runs this; run it after changing the ECharts or esbuild pins in
// package.json:  node scripts/build-echarts.mjs
import { build } from 'esbuild';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const repo = resolve(import.meta.dirname, '..');
const echartsDir = join(repo, 'node_modules', 'echarts');
const outDir = join(repo, 'public', 'vendor', 'echarts');
const outFile = join(outDir, 'echarts.min.js');
const { version } = JSON.parse(readFileSync(join(echartsDir, 'package.json'), 'utf8'));

// The renderer is chosen by size (CANVAS or SVG); both draw the same charts.
const renderer = process.env.ECHARTS_RENDERER === 'svg' ? 'SVGRenderer' : 'CanvasRenderer';

const entry = `
import { use, init, getInstanceByDom, dispose, version } from 'echarts/core';
import { PieChart, BarChart } from 'echarts/charts';
import {
  TitleComponent, LegendPlainComponent, TooltipComponent, GridSimpleComponent, AriaComponent,
} from 'echarts/components';
import { ${renderer} } from 'echarts/renderers';
use([PieChart, BarChart, TitleComponent, LegendPlainComponent, TooltipComponent,
  GridSimpleComponent, AriaComponent, ${renderer}]);
// Only what the console calls (src/widgets/charts.rs): the rest of
// echarts/core (graphic helpers, maps, themes) would be bundled otherwise.
window.echarts = { init, getInstanceByDom, dispose, version };
`;

const result = await build({
  stdin: { contents: entry, resolveDir: repo, loader: 'js' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  // ECharts' development warnings are guarded by __DEV__.
  define: { __DEV__: 'false', 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: `/*! ECharts ${version} (Apache-2.0, see LICENSE and NOTICE here): pie, bar, title, legend, tooltip, grid, aria, ${renderer}. Built by scripts/build-echarts.mjs. */`,
  },
  outfile: outFile,
  metafile: true,
});
copyFileSync(join(echartsDir, 'LICENSE'), join(outDir, 'LICENSE'));
copyFileSync(join(echartsDir, 'NOTICE'), join(outDir, 'NOTICE'));

const bytes = readFileSync(outFile);
const gzipBytes = gzipSync(bytes, { level: 9 }).length;
if (process.env.ECHARTS_SIZES) {
  const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).slice(0, 25);
  for (const [path, { bytesInOutput }] of inputs) console.log(bytesInOutput, path);
}
console.log(`echarts ${version} ${renderer}: ${statSync(outFile).size} bytes, ${gzipBytes} bytes gzip -9`);
