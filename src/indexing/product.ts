/** A product after cleaning: the canonical catalog fields (CONTRACTS §2) plus whatever else the source had. */
export interface Product {
  id: string;
  title: string;
  description?: string;
  brand?: string;
  /** Category path, root first (`"Tools/Hand Tools"` becomes `["Tools", "Hand Tools"]`). */
  category?: string[];
  price?: number;
  attributes?: Record<string, string>;
  /** True for documents made by the synthetic-data generator. */
  synthetic?: boolean;
  /** Unknown source fields, kept verbatim in `_source`. */
  extra?: Record<string, unknown>;
}

/** A catalog record as read from a file, before cleaning and validation. */
export type RawRecord = Record<string, unknown>;
