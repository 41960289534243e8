// One mocha config: TypeScript through tsx, one root setup file that brings up real OpenSearch/Redis.
// Mocha adds a config's `spec` to the files named on the command line, so the whole suite is the
// default only when none are named: `npx mocha test/http/search-api.test.ts` runs just that file.
const named = process.argv.slice(2).some((arg) => arg.endsWith(".test.ts"));

module.exports = {
  require: ["tsx/cjs", "test/setup.ts"],
  extension: ["ts"],
  spec: named ? [] : ["test/**/*.test.ts"],
  timeout: 60000,
  slow: 2000,
  exit: true,
};
