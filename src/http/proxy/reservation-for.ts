import { type Response } from "express";
import { type InflightBudget, type Reservation } from "./inflight-budget";

/** A reservation for this request's bytes, given back when its response is finished or abandoned. */
export function reservationFor(res: Response, budget: InflightBudget): Reservation {
  const reservation = budget.open();
  res.once("close", () => reservation.release());
  return reservation;
}
