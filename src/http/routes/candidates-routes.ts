import { Router } from "express";
import { CandidatesRequestSchema, type CandidateLists } from "../../search/rerank";
import { validate } from "../validate";

/** `POST /v1/candidates` (admin, by the access policy): training lists with raw features and the history. */
export function candidatesRoutes(lists: CandidateLists): Router {
  const router = Router();
  router.post("/v1/candidates", async (req, res) => {
    res.json(await lists.list(validate(CandidatesRequestSchema, req.body)));
  });
  return router;
}
