#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm install` builds it): compiles the project to
// JavaScript in dist/ with tsc, copies every other file of src/ (the SQL migrations, the
// console's stylesheet and browser script) beside the compiled modules that read them, and
// stamps the build, so `bin/brainops.cjs` starts the CLI without compiling TypeScript each time.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');
// A fresh build each time: a file removed or renamed in src/ must not live on in dist/.
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
fs.cpSync(path.join(root, 'src'), path.join(root, 'dist', 'src'), {
  recursive: true,
  filter: (source) => fs.statSync(source).isDirectory() || !source.endsWith('.ts'),
});
fs.writeFileSync(path.join(root, 'dist', 'BUILD'), `${new Date().toISOString()}\n`);
