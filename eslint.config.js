// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import patterns a layer may not use: arrows between layers point down only (docs/design.md). */
const forbid = (...layers) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: layers.flatMap((layer) => [
        {
          group: [`**/${layer}/**`, `**/${layer}`, `sockflow/${layer}`],
          message: `Layer arrows point down only: this layer may not import from ${layer} (see docs/design.md).`,
        },
      ]),
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', '.build/**', 'docs/api/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Aborted operations reject with `signal.reason` unchanged, whatever it is (docs/design.md,
      // invariant 2), and system errors pass through as Node raised them.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  { files: ['src/core/**'], rules: forbid('streams', 'compat', 'cli') },
  { files: ['src/streams/**'], rules: forbid('compat', 'cli') },
  { files: ['src/compat/**'], rules: forbid('streams', 'cli') },
  {
    files: ['test/**'],
    rules: {
      // Tests assert on rejections by awaiting them later, and build promises to race.
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
      },
    },
  },
);
