/**
 * Where backup files may be: under `<backup dir>/<database>/`, nowhere else. A backup row's
 * `file_path` is later read (checksum, restore check) and deleted (retention), so a row that a
 * bug or a hand-edited table points elsewhere must never make the worker read or remove that file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BrainOpsError } from '../../contracts/errors';

/** The directory the backups of `database` live in: `<backupDir>/<database>`. */
export function databaseBackupDir(backupDir: string, database: string): string {
  const dir = path.resolve(backupDir, database);
  if (path.dirname(dir) !== path.resolve(backupDir))
    throw new BrainOpsError(
      'BackupPathOutsideDirectory',
      `database: ${JSON.stringify(database)} is not a plain name`,
      false,
    );
  return dir;
}

/** Whether `file` (after resolving `..` and, where they exist, symbolic links) lies inside `dir`. */
export function isInside(dir: string, file: string): boolean {
  const real = (p: string): string => {
    // A file that does not exist yet (or any more) is judged by its nearest existing ancestor.
    const missing: string[] = [];
    let current = path.resolve(p);
    while (!fs.existsSync(current) && path.dirname(current) !== current) {
      missing.unshift(path.basename(current));
      current = path.dirname(current);
    }
    return path.join(fs.realpathSync(current), ...missing);
  };
  const relative = path.relative(real(dir), real(file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * `file` if it lies inside `<backupDir>/<database>/`.
 * @throws BrainOpsError `BackupPathOutsideDirectory` (not retryable) naming the path and the directory.
 */
export function confinedBackupFile(backupDir: string, database: string, file: string): string {
  const dir = databaseBackupDir(backupDir, database);
  if (!isInside(dir, file))
    throw new BrainOpsError(
      'BackupPathOutsideDirectory',
      `filePath: ${file} is outside the backup directory ${dir}; it is neither read nor deleted`,
      false,
      { filePath: file, directory: dir },
    );
  return path.resolve(file);
}
