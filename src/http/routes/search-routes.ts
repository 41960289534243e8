import { Router } from "express";
import { type SearchService } from "../../search";
import { validate } from "../validate";

export function searchRoutes(search: SearchService): Router {
  const router = Router();
  router.post("/v1/search", async (req, res) => {
    const parsed = validate(search.requestSchema, req.body);
    // UnknownPipelineError (400 UNKNOWN_PIPELINE) for a name the registry does not hold.
    const pipeline = search.pipelines.get(parsed.pipeline);
    res.json(await search.search({ ...parsed, pipeline: pipeline.name }));
  });
  return router;
}
