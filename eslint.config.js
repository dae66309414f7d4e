import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import prettier from 'eslint-config-prettier';

const noImport = (patterns) => [
  'error',
  { patterns: patterns.map((group) => ({ group, message: 'crosses a layer boundary (see house-style: boundaries)' })) },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'test-results/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  // Layout is the formatter's (npm run format); eslint checks only what prettier does not.
  prettier,
  // Layer boundaries.
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': noImport([
        ['express', '**/api/**', '**/workers/**', '**/sandbox/**', '**/test/**', '**/sidebar/**'],
      ]),
    },
  },
  { files: ['core/contracts/**/*.ts'], rules: { 'no-restricted-imports': noImport([['*', '!zod', '!zod/mini']]) } },
  {
    files: ['api/**/*.ts', 'workers/**/*.ts'],
    rules: { 'no-restricted-imports': noImport([['**/sandbox/**', '**/test/**', '**/sidebar/**']]) },
  },
  {
    files: ['migrations/**/*.ts'],
    rules: { 'no-restricted-imports': noImport([['**/core/**', '**/api/**', '**/workers/**']]) },
  },
  {
    files: ['sidebar/src/**/*.{ts,vue}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)core/(?!contracts/)',
              message: 'the sidebar takes only contracts from core (see house-style: boundaries)',
            },
            {
              group: ['**/api/**', '**/workers/**', '**/sandbox/**'],
              message: 'crosses a layer boundary (see house-style: boundaries)',
            },
          ],
        },
      ],
    },
  },
);
