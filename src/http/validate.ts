import { type z } from "zod";
import { ValidationError } from "../errors";

/** Parses a request part with a schema; a failure lists every problem with its path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  throw new ValidationError(`invalid request: ${summary}`, { details });
}
