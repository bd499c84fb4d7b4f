import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Files in `files` may not import the src/ folders (or files) in `folders`, nor the packages in `packages`. */
function layer(files, folders, packages) {
  return [
    {
      files,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              { regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message: 'Dependencies point one way; see docs/architecture.md.' },
              { group: packages, message: 'This layer talks to the outside world only through ports in src/domain/ports.ts.' },
            ],
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Dependencies point one way: slack (edge) → feed, remediation (use cases) → domain (pure) ← aws, store (adapters).
  // compose.ts and main.ts, the composition root, may import anything.
  ...layer(
    ['src/domain/**/*.ts'],
    ['slack', 'feed', 'remediation', 'aws', 'store', 'config', 'logger', 'compose', 'main'],
    ['@slack/*', '@aws-sdk/*', '@smithy/*', 'pino'],
  ),
  ...layer(
    ['src/feed/**/*.ts', 'src/remediation/**/*.ts'],
    ['slack', 'aws', 'store', 'compose', 'main'],
    ['@slack/*', '@aws-sdk/*', '@smithy/*'],
  ),
  ...layer(['src/aws/**/*.ts', 'src/store/**/*.ts'], ['slack', 'feed', 'remediation', 'compose', 'main'], ['@slack/*']),
  ...layer(['src/slack/**/*.ts'], ['aws', 'store', 'compose', 'main'], ['@aws-sdk/*', '@smithy/*']),
  {
    files: ['test/**/*.ts', 'support/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
