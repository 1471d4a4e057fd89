#!/usr/bin/env node
// The `brainops` command. It runs the compiled JavaScript of dist/ (built by `npm install`, or
// `npm run build`) when that build is newer than every source file, and the TypeScript through
// tsx otherwise (an edited checkout that was not rebuilt), so it is fast and never stale.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const stamp = path.join(root, 'dist', 'BUILD');

/** The newest modification time (ms) of `dir`, its folders and files (a folder's changes when a file in it is added, renamed or removed). */
function newest(dir) {
  let latest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

function built() {
  try {
    const at = fs.statSync(stamp).mtimeMs;
    return at >= newest(path.join(root, 'src')) && at >= fs.statSync(path.join(root, 'temporal.config.ts')).mtimeMs;
  } catch {
    return false;
  }
}

let cli;
if (built()) cli = require('../dist/src/cli/main.js');
else {
  require('tsx/cjs');
  cli = require('../src/cli/main.ts');
}
cli.main(process.argv).then((code) => process.exit(code));
