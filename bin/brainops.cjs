#!/usr/bin/env node
// The `brainops` command. It runs the compiled JavaScript of dist/ (built by `npm install`, or
// `npm run build`) when that build is newer than every source file, and the TypeScript through
// tsx otherwise (an edited checkout that was not rebuilt), so it is fast and never stale.
const path = require('node:path');
const { isBuildFresh } = require('./build-stamp.cjs');

let cli;
if (isBuildFresh(path.join(__dirname, '..'))) cli = require('../dist/src/cli/main.js');
else {
  require('tsx/cjs');
  cli = require('../src/cli/main.ts');
}
cli.main(process.argv).then((code) => process.exit(code));
