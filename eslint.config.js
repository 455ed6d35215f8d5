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
  { ignores: ['dist/**', 'node_modules/**', 'weir-data/**', 'test-results/**', 'ui/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  // Dependencies point inward: model and template import nothing of ours below them; tasks and
  // engine never import api or cli; only store knows SQL.
  inner('model', ['store', 'engine', 'tasks', 'api', 'cli', 'management', 'template'], 'model is the innermost layer.'),
  inner('template', ['store', 'engine', 'tasks', 'api', 'cli', 'management'], 'template imports only model.'),
  inner('tasks', ['store', 'engine', 'api', 'cli', 'management'], 'tasks get what they need through their context.'),
  inner('engine', ['api', 'cli', 'management'], 'engine never imports api, cli or management.'),
  inner('store', ['engine', 'tasks', 'api', 'cli', 'management', 'template'], 'store knows only model.'),
  inner('management', ['api', 'cli'], 'management never imports api or cli.'),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
