#!/usr/bin/env node
"use strict";
// Built by `npm run build` (run by `prepare` on `npm ci`).
require("../dist/src/cli/main.js").main(process.argv).catch((err) => {
  process.stderr.write(`relevance: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
