/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // the local host stands in for the Functions worker's API module (see local/host/functionsCore.ts)
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/local/host/functionsCore.ts' },
  testTimeout: 60000,
};
