/** How training and held-out filtering decide that two queries are the same: trimmed, lowercased, spaces collapsed. */
export function queryKey(query: string): string {
  return query.trim().toLowerCase().replace(/\s+/g, " ");
}
