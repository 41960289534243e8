import { Router } from "express";
import { UnknownPipelineError } from "../../errors";
import { isPipelineName, PIPELINES, type SearchService } from "../../search";
import { validate } from "../validate";

export function searchRoutes(search: SearchService): Router {
  const router = Router();
  router.post("/v1/search", async (req, res) => {
    const parsed = validate(search.requestSchema, req.body);
    if (!isPipelineName(parsed.pipeline)) {
      throw new UnknownPipelineError(`unknown pipeline "${parsed.pipeline}"; known: ${PIPELINES.join(", ")}`);
    }
    res.json(await search.search({ ...parsed, pipeline: parsed.pipeline }));
  });
  return router;
}
