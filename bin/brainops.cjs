#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so an installed `brainops` needs no build step.
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv)
  .then((code) => process.exit(code));
