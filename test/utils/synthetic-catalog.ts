import { type Product } from "../../src/indexing/product";
import { type TrainingPair } from "../../src/model/train-embeddings";
import { Rng } from "../../src/model/rng";

/**
 * A small catalog whose queries use different words than the products (shoppers' words vs catalog
 * words), so an untrained model — which can only match shared words — does poorly and a trained one
 * must learn the mapping. Validation queries are unseen combinations of words seen in training.
 */
const TYPES: readonly [string, string][] = [
  ["sofa", "couch"],
  ["faucet", "tap"],
  ["refrigerator", "fridge"],
  ["trousers", "pants"],
  ["sneakers", "trainers"],
  ["lorry", "truck"],
  ["torch", "flashlight"],
  ["nappies", "diapers"],
];
const COLORS: readonly [string, string][] = [
  ["crimson", "red"],
  ["azure", "blue"],
  ["emerald", "green"],
  ["ivory", "white"],
  ["ebony", "black"],
];
const BRANDS = ["acme", "globex", "initech", "umbrella", "stark", "wayne"];

export interface SyntheticData {
  products: Map<string, Product>;
  pairs: TrainingPair[];
}

export function syntheticCatalog(seed = 7): SyntheticData {
  const rng = new Rng(seed);
  const products = new Map<string, Product>();
  const pairs: TrainingPair[] = [];
  let n = 0;
  for (const [type, typeSynonym] of TYPES) {
    for (const [color, colorSynonym] of COLORS) {
      for (let copy = 0; copy < 3; copy++) {
        const id = `p${n++}`;
        const brand = rng.pick(BRANDS);
        products.set(id, { id, title: `${brand} ${color} ${type} model ${100 + rng.int(900)}` });
        pairs.push({ query: `${colorSynonym} ${typeSynonym}`, docId: id, grade: 2 });
        pairs.push({ query: `${typeSynonym} ${colorSynonym}`, docId: id, grade: 1.67 });
      }
    }
  }
  // Judged-irrelevant pairs must be ignored by training.
  pairs.push({ query: "red couch", docId: "p0", grade: 0 });
  return { products, pairs };
}
