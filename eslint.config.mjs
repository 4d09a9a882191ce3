import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The layer rule of DESIGN.md: shared/ never reaches into functions/, local/ or emulator/.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/functions/**', '**/local/**', '**/emulator/**'] }],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/local/**', '**/emulator/**'] }] },
  },
  {
    // The emulator is a stand-alone product: it imports nothing from the app.
    files: ['emulator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/shared/**', '**/functions/**', '**/local/**'] }] },
  },
);
