// Lint rules that keep the layering and the async discipline (docs: shared conventions §1, §8).
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const inner = (from, forbidden, message) => ({
  files: [`src/${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: forbidden.map((group) => ({ group: [`**/${group}/**`], message })) },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'weir-data/**', 'test-results/**', 'ui/dist/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  // Dependencies point inward: model and template import nothing of ours below them; tasks and
  // engine never import api or cli; only store knows SQL.
  inner('model', ['store', 'engine', 'tasks', 'api', 'cli', 'management', 'template'], 'model is the innermost layer.'),
  inner('template', ['store', 'engine', 'tasks', 'api', 'cli', 'management'], 'template imports only model.'),
  inner(
    'sandbox',
    ['store', 'engine', 'tasks', 'api', 'cli', 'management', 'template', 'secrets', 'mail'],
    'sandbox imports only model.',
  ),
  inner('tasks', ['store', 'engine', 'api', 'cli', 'management'], 'tasks get what they need through their context.'),
  inner('engine', ['api', 'cli', 'management'], 'engine never imports api, cli or management.'),
  inner('store', ['engine', 'tasks', 'api', 'cli', 'management', 'template'], 'store knows only model.'),
  inner('management', ['api', 'cli'], 'management never imports api or cli.'),
  // The web UI talks to Weir over HTTP only: of the server's code it may import just the pure model.
  {
    files: ['ui/**/*.ts', 'ui/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)src/(?!model/)', message: 'ui imports only src/model.' }] },
      ],
    },
  },
  // Its build config: no-cycle would walk into Vite's own files, where cycles are not ours to judge.
  { files: ['ui/vite.config.ts'], rules: { 'import-x/no-cycle': 'off' } },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
