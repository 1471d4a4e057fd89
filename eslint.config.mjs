// Lint rules that matter for a Temporal app: no floating promises anywhere, and no Node built-ins
// or I/O libraries inside workflow code (it runs in the deterministic sandbox).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.brainops/**', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it'] }] },
      ],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Small files with one job: a file of src past 500 lines has more than one.
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 500 }] },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflows are deterministic: no Node built-ins' },
            {
              group: ['pg', 'pino', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'],
              message: 'workflows do no I/O: use an activity',
            },
          ],
        },
      ],
    },
  },
);
