/**
 * `work` over every item with at most `limit` in flight, results in the items' order: how a sweep and a scope check
 * read many apps without throttling themselves (ARM answers 429 when one principal sends too much at once).
 *
 * Example: mapBounded(apps, 4, check) → at most four checks run at a time; results[i] belongs to apps[i].
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
