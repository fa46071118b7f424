import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'src/io/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Domain code declares the interfaces it needs; only the action entries, the CLI's wiring
    // and src/github/ itself know the runner and the GitHub API (docs/architecture.md).
    files: ['src/**/*.ts'],
    ignores: ['src/actions/**', 'src/github/**', 'src/cli-wiring.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@actions/*'], message: 'Domain code does not use the runner: declare an interface and let src/actions/<name>.ts hand it in.' },
            { group: ['**/github/*', '!@*'], message: 'Domain code does not import src/github/: declare an interface in the domain and let the entry or src/cli-wiring.ts hand in the GitHub implementation.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "ImportExpression[source.value=/(^@actions\\/|\\/github\\/)/]", message: 'Domain code does not load the runner or src/github/, not even lazily.' },
      ],
    },
  },
);
