// One mocha config: TypeScript through tsx, one root setup file that brings up real OpenSearch/Redis.
module.exports = {
  require: ["tsx/cjs", "test/setup.ts"],
  extension: ["ts"],
  spec: ["test/**/*.test.ts"],
  timeout: 60000,
  slow: 2000,
  exit: true,
};
