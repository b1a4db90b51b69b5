import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Time and randomness come from the caller (DESIGN: an injected Clock, a seeded Random), so the same
// seed gives the same run and a virtual clock runs a day in milliseconds. Only core/ (which makes
// clocks and generators) and the process entry points (which pick the real ones) reach the host's.
const CLOCK = 'Take time from the injected Clock (core/clock.ts).';
const RANDOM =
  'Take randomness from the injected Random (core/random.ts); secrets from core/secure-random.ts.';
const CRYPTO_RANDOM = [
  'randomBytes',
  'randomUUID',
  'randomInt',
  'randomFill',
  'randomFillSync',
  'getRandomValues',
];

const timeAndRandomness = {
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: CLOCK },
    { object: 'performance', property: 'now', message: CLOCK },
    { object: 'globalThis', property: 'setTimeout', message: CLOCK },
    { object: 'globalThis', property: 'setInterval', message: CLOCK },
    { object: 'globalThis', property: 'setImmediate', message: CLOCK },
    { object: 'Math', property: 'random', message: RANDOM },
    { object: 'Random', property: 'fromEntropy', message: RANDOM },
    ...CRYPTO_RANDOM.map((property) => ({ object: 'crypto', property, message: RANDOM })),
  ],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: CLOCK },
    { name: 'setInterval', message: CLOCK },
    { name: 'setImmediate', message: CLOCK },
    { name: 'performance', message: CLOCK },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: CLOCK },
    { selector: "CallExpression[callee.name='Date']", message: CLOCK },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: [
        ...['timers', 'node:timers', 'timers/promises', 'node:timers/promises'].map((name) => ({
          name,
          message: CLOCK,
        })),
        ...['perf_hooks', 'node:perf_hooks'].map((name) => ({
          name,
          importNames: ['performance'],
          message: CLOCK,
        })),
        ...['crypto', 'node:crypto'].map((name) => ({
          name,
          importNames: CRYPTO_RANDOM,
          message: RANDOM,
        })),
      ],
      patterns: [
        {
          group: ['**/core/clock.js'],
          importNames: ['systemClock', 'SystemClock'],
          message:
            'Library code takes its Clock from the caller; only core/ and entry points pick the system clock.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.nrf91sim/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      ...timeAndRandomness,
    },
  },
  {
    // core/ makes clocks and generators; the entry points pick the real ones; tests and benches
    // measure and wait on the host.
    files: [
      'core/**',
      'bin/**',
      'cli/main.ts',
      // The fleet's worker processes start here.
      'fleet/worker-entry.ts',
      'test/**',
      'bench/**',
      'eslint.config.js',
      'vitest.config.ts',
    ],
    rules: {
      'no-restricted-properties': 'off',
      'no-restricted-globals': 'off',
      'no-restricted-syntax': 'off',
      'no-restricted-imports': 'off',
    },
  },
);
