/**
 * The environment a child process of the CLI (a benchmark's throw-away `serve`, say) starts from, with
 * the caller's overrides on top. Read here so the environment is read only in src/config.
 */
export function inheritedEnvironment(overrides: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
