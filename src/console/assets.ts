/**
 * The console's static files, all served by BrainOps (no CDN, so pages work without a network):
 * its own stylesheet and script, and htmx and uPlot from their packages in `node_modules`. Only
 * the files listed here are served (`@fastify/static`'s `sendFile`, with ETag and Last-Modified),
 * each with a cache lifetime of an hour.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A file the console serves: its directory and name on disk. */
interface Asset {
  dir: string;
  file: string;
}

function fromPackage(specifier: string): Asset {
  const resolved = require.resolve(specifier);
  return { dir: path.dirname(resolved), file: path.basename(resolved) };
}

const OWN = path.join(__dirname, 'assets');

/** Served names → files. */
export const ASSETS: Readonly<Record<string, Asset>> = Object.freeze({
  'console.css': { dir: OWN, file: 'console.css' },
  'console.mjs': { dir: OWN, file: 'console.mjs' },
  'htmx.min.js': fromPackage('htmx.org/dist/htmx.min.js'),
  'uPlot.iife.min.js': fromPackage('uplot/dist/uPlot.iife.min.js'),
  'uPlot.min.css': fromPackage('uplot/dist/uPlot.min.css'),
});

/** The console's stylesheet, for pages that carry it inline (the sign-in page). */
export function consoleCss(): string {
  return fs.readFileSync(path.join(OWN, 'console.css'), 'utf8');
}
