import { type ProcessorRegistry } from "../job-processor";
import { type JobServices } from "../job-services";
import { EmbedDocumentsProcessor } from "./embed-documents-processor";
import { RebuildProfilesProcessor } from "./rebuild-profiles-processor";
import { ReindexProcessor } from "./reindex-processor";

/** The registry the worker dispatches on: one processor per job type (a new type is one module and one line here). */
export function createProcessors(services: JobServices): ProcessorRegistry {
  return {
    reindex: new ReindexProcessor(services),
    "embed-documents": new EmbedDocumentsProcessor(services),
    "rebuild-profiles": new RebuildProfilesProcessor(services),
  };
}
