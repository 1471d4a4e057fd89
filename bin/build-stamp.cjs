// Whether the compiled build in dist/ is current: its stamp (dist/BUILD, written last by
// bin/build.cjs) is newer than every file and folder of src/ and than temporal.config.ts. A
// folder counts because adding, renaming or removing a file changes only the folder. The one
// rule `bin/brainops.cjs` decides by, and what benchmarks and tests ask before they time it.
const fs = require('node:fs');
const path = require('node:path');

/** The newest modification time (ms) of `dir`, its folders and files. */
function newest(dir) {
  let latest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

/** True when `root`'s dist/ is at least as new as its sources (false when there is no build). */
function isBuildFresh(root) {
  try {
    const at = fs.statSync(path.join(root, 'dist', 'BUILD')).mtimeMs;
    return at >= newest(path.join(root, 'src')) && at >= fs.statSync(path.join(root, 'temporal.config.ts')).mtimeMs;
  } catch {
    return false;
  }
}

module.exports = { isBuildFresh };
